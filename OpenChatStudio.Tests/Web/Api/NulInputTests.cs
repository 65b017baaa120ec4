using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Web.Api;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// The NUL character outside JSON bodies — query strings, forms, file names, paths — gets the same answer as inside them
/// (<see cref="BadJsonInputTests"/>): 400 with a clear message, on SQLite and PostgreSQL alike (PostgreSQL cannot store or
/// compare text with NUL: Npgsql 22021 was a 500). Runs on both databases.
/// </summary>
public class NulInputTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();
    private HttpClient _client = default!;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)_app).InitializeAsync();
        _client = _app.NewClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await ((IAsyncLifetime)_app).DisposeAsync();
    }

    private static async Task<string> Expect400Async(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Contains("NUL character", text);
        return text;
    }

    [Theory]
    [InlineData("/api/participants?identifier=a%00b")]
    [InlineData("/api/v1/participants?identifier=a%00b")]
    [InlineData("/api/participants?experiment=a%00b")]
    [InlineData("/api/sessions/?participant=a%00b")]
    [InlineData("/api/sessions/?tags=vip,a%00b")]
    [InlineData("/api/v1/sessions?participant=a%00b&tags=x")]
    [InlineData("/api/v1/sessions?versions=a%00b")]
    [InlineData("/api/sessions/?a%00b=1")]
    public async Task RestQueryFilters_WithNul_Are400(string url)
    {
        var team = await ApiTestKit.CreateTeamAsync(_app);

        var text = await Expect400Async(await _client.SendAsync(ApiTestKit.Request(HttpMethod.Get, url, team.ReadKey)));

        Assert.Contains("query parameter", text);
        // The same request without the NUL reaches the endpoint (which may find other faults with "ab", never a 500).
        var without = await _client.SendAsync(ApiTestKit.Request(HttpMethod.Get, url.Replace("%00", "", StringComparison.Ordinal), team.ReadKey));
        Assert.True((int)without.StatusCode < 500, $"{url}: {(int)without.StatusCode}");
        Assert.DoesNotContain("NUL character", await without.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignInForm_EmailWithNul_Is400_AndTheSameEmailWithoutIt_SignsIn()
    {
        await _app.CreateUserAsync("nul@example.com", "correct-horse-battery");

        var response = await SsrForms.SubmitAsync(_client, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = "nul\0@example.com", ["Input.Password"] = "correct-horse-battery" });

        var text = await Expect400Async(response);
        Assert.Contains("Remove it from the form", text);
        await SsrForms.SignInAsync(_client, "nul@example.com", "correct-horse-battery");
    }

    [Theory]
    [InlineData("/account/reset-password?email=a%00b@example.com&code=x")]
    [InlineData("/account/login?ReturnUrl=/t/a%00b")]
    [InlineData("/account/forgot-password?email=a%00b")]
    public async Task PagesWithNulInTheQuery_Are400(string url)
    {
        await _app.CreateUserAsync("pages@example.com", "correct-horse-battery");

        var text = await Expect400Async(await _client.GetAsync(url));

        Assert.Contains("query parameter", text);
    }

    /// <summary>Route values (a team slug, an invitation token, a session id): Kestrel refuses a decoded NUL in the path, before the app.</summary>
    [Theory]
    [InlineData("/invite/a%00b")]
    [InlineData("/t/a%00b/chatbots")]
    [InlineData("/api/chat/a%00b/poll/")]
    [InlineData("/chat/a%00b")]
    public async Task NulInThePath_Is400(string url)
    {
        var response = await _client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Upload_FileNameWithNul_Is400_AndNothingIsStored()
    {
        var kit = new ChatApiTestKit(_app);
        var bot = await kit.BotAsync(uploads: true);
        var session = await kit.StartAsync(bot);
        // HttpClient will not write a NUL into a header; a hand-made client can (RFC 5987 form, decoded by the server).
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
            "--b\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''notes%00.txt\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        var text = await Expect400Async(await _client.PostAsync($"/api/chat/{session}/upload/", content));

        Assert.Contains("uploaded file", text);
        Assert.Contains("NUL character", ChatAttachmentStore.Validate([("a\0.txt", "text/plain", 5)]));
        var ok = new MultipartFormDataContent { { new ByteArrayContent("hello"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("text/plain") } }, "files", "notes.txt" } };
        var stored = await ChatApiTestKit.BodyAsync(await _client.PostAsync($"/api/chat/{session}/upload/", ok), 201);
        Assert.Equal("notes.txt", stored.GetProperty("files")[0].GetProperty("name").GetString());
    }
}
