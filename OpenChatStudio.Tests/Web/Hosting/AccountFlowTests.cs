using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.RegularExpressions;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>First-run setup, sign-in, lockout and password reset over HTTP against the real host and a real SMTP peer.</summary>
public partial class AccountFlowTests : IAsyncLifetime
{
    private readonly FakeSmtpServer _smtp = new();
    private OcsAppFactory _app = default!;

    public async Task InitializeAsync()
    {
        _app = new OcsAppFactory();
        _app.ExtraSettings["Email:SmtpHost"] = "127.0.0.1";
        _app.ExtraSettings["Email:SmtpPort"] = _smtp.Port.ToString();
        _app.ExtraSettings["Email:SmtpUseSsl"] = "false";
        _app.ExtraSettings["Auth:MaxFailedAttempts"] = "3";
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task FreshInstall_RootRedirectsToSetup_SetupCreatesAdminAndTeam_ThenSetupIsClosed()
    {
        var client = _app.NewClient();

        var root = await client.GetAsync("/");
        Assert.Equal("/setup", PathOf(root));

        var setup = await SsrForms.SubmitAsync(client, "/setup", "setup", new Dictionary<string, string>
        {
            ["Input.DisplayName"] = "Ada",
            ["Input.Email"] = "ada@example.test",
            ["Input.Password"] = "correct-horse",
            ["Input.ConfirmPassword"] = "correct-horse",
            ["Input.TeamName"] = "Research Lab",
        });
        Assert.Equal(HttpStatusCode.Redirect, setup.StatusCode);
        Assert.EndsWith("t/research-lab", setup.Headers.Location!.OriginalString);

        var team = await client.GetAsync("/t/research-lab");
        Assert.Equal(HttpStatusCode.OK, team.StatusCode);
        Assert.Contains("Research Lab", await team.Content.ReadAsStringAsync());

        var anonymous = _app.NewClient();
        var again = await anonymous.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("account/login", again.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Setup_MismatchedPasswords_ShowsMessage_AndCreatesNothing()
    {
        var client = _app.NewClient();
        var response = await SsrForms.SubmitAsync(client, "/setup", "setup", new Dictionary<string, string>
        {
            ["Input.Email"] = "bob@example.test",
            ["Input.Password"] = "correct-horse",
            ["Input.ConfirmPassword"] = "different",
            ["Input.TeamName"] = "Team",
        });
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The passwords do not match.", html);
        Assert.Equal("/setup", PathOf(await _app.NewClient().GetAsync("/")));
    }

    [Fact]
    public async Task SignIn_WrongPasswordRepeatedly_LocksAccount_EvenForRightPassword()
    {
        await _app.CreateUserAsync("lock@example.test", "right-password");
        var client = _app.NewClient();
        var fields = new Dictionary<string, string> { ["Input.Email"] = "lock@example.test", ["Input.Password"] = "wrong-password" };

        var first = await SsrForms.SubmitAsync(client, "/account/login", "login", fields);
        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        var wrong = Message(await first.Content.ReadAsStringAsync());
        Assert.StartsWith("The email or password is incorrect", wrong);
        await SsrForms.SubmitAsync(client, "/account/login", "login", fields);
        await SsrForms.SubmitAsync(client, "/account/login", "login", fields);

        fields["Input.Password"] = "right-password";
        var locked = await SsrForms.SubmitAsync(client, "/account/login", "login", fields);
        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);   // the right password is refused while locked
        // Locked, wrong and unknown read the same: the form does not reveal which emails have accounts.
        Assert.Equal(wrong, Message(await locked.Content.ReadAsStringAsync()));
        var unknown = await SsrForms.SubmitAsync(client, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = "nobody-here@example.test", ["Input.Password"] = "wrong-password" });
        Assert.Equal(wrong, Message(await unknown.Content.ReadAsStringAsync()));
    }

    private static string Message(string html) => System.Net.WebUtility.HtmlDecode(AlertText().Match(html).Groups[1].Value).Trim();

    [GeneratedRegex("ocs-alert error[^>]*>([^<]*)<")]
    private static partial Regex AlertText();

    [Fact]
    public async Task ForgotPassword_SendsLinkBySmtp_LinkSetsNewPassword()
    {
        await _app.CreateUserAsync("reset@example.test", "old-password");
        var client = _app.NewClient();
        // Another device (or whoever took the password) is signed in with the old password.
        var elsewhere = _app.NewClient();
        await SsrForms.SignInAsync(elsewhere, "reset@example.test", "old-password");
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/teams/new")).StatusCode);

        var sent = await SsrForms.SubmitAsync(client, "/account/forgot-password", "forgot",
            new Dictionary<string, string> { ["Input.Email"] = "reset@example.test" });
        Assert.Contains("we sent it a link", await sent.Content.ReadAsStringAsync());

        var mail = Assert.Single(_smtp.Messages);
        Assert.Equal("reset@example.test", mail.To);
        // MailKit picks the transfer encoding (7bit, quoted-printable, base64); MimeKit decodes whichever it chose.
        using var message = mail.Parse();
        Assert.Equal("reset@example.test", Assert.Single(message.To.Mailboxes).Address);
        var body = message.TextBody ?? "";
        var link = LinkRegex().Match(body).Value;
        Assert.NotEmpty(link);
        var path = new Uri(link).PathAndQuery;

        var reset = await SsrForms.SubmitAsync(client, path, "reset",
            new Dictionary<string, string> { ["Input.Password"] = "new-password-1", ["Input.ConfirmPassword"] = "new-password-1" });
        var resetHtml = await reset.Content.ReadAsStringAsync();
        Assert.True(resetHtml.Contains("Your password was changed"), $"{(int)reset.StatusCode} {Regex.Match(resetHtml, "ocs-alert[^>]*>([^<]*)<").Groups[1].Value} | mail: {mail.Data}");

        await SsrForms.SignInAsync(_app.NewClient(), "reset@example.test", "new-password-1");
        // The reset revoked every sign-in made before it.
        var revoked = await elsewhere.GetAsync("/teams/new");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Contains("/account/login", revoked.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task OperatorSetsANewPassword_OtherSignInsAreRevoked()
    {
        await _app.CreateUserAsync("operator-reset@example.test", "old-password");
        var signedIn = _app.NewClient();
        await SsrForms.SignInAsync(signedIn, "operator-reset@example.test", "old-password");
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/teams/new")).StatusCode);

        // What `admin set-password` runs.
        await using var scope = _app.Services.CreateAsyncScope();
        var set = await scope.ServiceProvider.GetRequiredService<OpenChatStudio.Core.Accounts.AccountService>()
            .SetPasswordAsync("operator-reset@example.test", "brand-new-password");

        Assert.True(set.Succeeded, set.Error);
        var revoked = await signedIn.GetAsync("/teams/new");
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Contains("/account/login", revoked.Headers.Location!.OriginalString);
        await SsrForms.SignInAsync(_app.NewClient(), "operator-reset@example.test", "brand-new-password");
    }

    [Fact]
    public async Task ForgotPassword_UnknownEmail_SameAnswer_NoMail()
    {
        var sent = await SsrForms.SubmitAsync(_app.NewClient(), "/account/forgot-password", "forgot",
            new Dictionary<string, string> { ["Input.Email"] = "nobody@example.test" });
        Assert.Contains("we sent it a link", await sent.Content.ReadAsStringAsync());
        Assert.Empty(_smtp.Messages);
    }

    [Fact]
    public async Task ResetPassword_TamperedCode_ShowsClearError()
    {
        await _app.CreateUserAsync("tamper@example.test", "old-password");
        var response = await SsrForms.SubmitAsync(_app.NewClient(), "/account/reset-password?email=tamper@example.test&code=AAAA", "reset",
            new Dictionary<string, string> { ["Input.Password"] = "new-password-1", ["Input.ConfirmPassword"] = "new-password-1" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid or has expired", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Register_WhenSignupOff_IsClosed()
    {
        var html = await (await _app.NewClient().GetAsync("/account/register")).Content.ReadAsStringAsync();
        Assert.Contains("Sign-up is closed", html);
        Assert.DoesNotContain("name=\"_handler\" value=\"register\"", html);
    }

    [Fact]
    public async Task SignOut_EndsSession()
    {
        await _app.CreateUserAsync("out@example.test", "a-long-password");
        var client = _app.NewClient();
        await SsrForms.SignInAsync(client, "out@example.test", "a-long-password");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/teams/new")).StatusCode);

        // Without the antiforgery token (a post from another site) nothing happens.
        var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/teams/new")).StatusCode);

        // A copy of the sign-in cookie, as someone who read it from the browser would keep it.
        var stolen = _app.NewClient();
        var cookie = CookieHeader(client);
        stolen.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync("/teams/new")).StatusCode);

        var token = await AntiforgeryTokenAsync(client, "/account/login");
        var logout = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);

        var after = await client.GetAsync("/teams/new");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/account/login", after.Headers.Location!.OriginalString);
        // Revoked on the server: the copied cookie no longer signs anyone in.
        var replayed = await stolen.GetAsync("/teams/new");
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.Contains("/account/login", replayed.Headers.Location!.OriginalString);
    }

    private string CookieHeader(HttpClient client)
    {
        var handler = (HttpClientHandler)typeof(HttpMessageInvoker).GetField("_handler", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client)!;
        return handler.CookieContainer.GetCookieHeader(_app.BaseAddress);
    }

    private string PathOf(HttpResponseMessage redirect) => new Uri(_app.BaseAddress, redirect.Headers.Location!).AbsolutePath;

    private static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        return Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
    }

    [Fact]
    public async Task SecurityHeaders_NoSniff_ReferrerPolicy_StudioPagesNotFramedByOtherSites()
    {
        var client = _app.NewClient();

        var page = await client.GetAsync("/account/login");
        var api = await client.GetAsync("/api/chat/not-a-session/poll/");

        foreach (var response in new[] { page, api })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        }
        Assert.Equal("SAMEORIGIN", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(api.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task ScriptSrc_AdmitsOnlyOwnFiles_AndTheImportMapWithThisRequestsNonce()
    {
        await _app.CreateUserAsync("csp@example.test", "a-long-password");   // the login page, not first-run setup
        var client = _app.NewClient();

        var first = await client.GetAsync("/account/login");
        var second = await client.GetAsync("/account/login");

        var nonces = new List<string>();
        foreach (var response in new[] { first, second })
        {
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            var nonce = Regex.Match(csp, "script-src 'self' 'nonce-([^']+)';").Groups[1].Value;
            Assert.NotEmpty(nonce);
            Assert.DoesNotContain("unsafe-inline", csp);
            var html = await response.Content.ReadAsStringAsync();
            // Every inline script on the page is the import map, and it carries the header's nonce.
            var inline = Regex.Matches(html, "<script(?![^>]*\\ssrc=)[^>]*>").Select(m => m.Value).ToList();
            Assert.NotEmpty(inline);
            Assert.All(inline, tag => Assert.Contains($"nonce=\"{nonce}\"", tag));
            nonces.Add(nonce);
        }
        Assert.NotEqual(nonces[0], nonces[1]);
        // The hosted chat page's scripts are files too; no other site may frame it until the team lists one.
        var chat = await client.GetAsync($"/chat/{Guid.NewGuid()}");
        var chatCsp = chat.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("script-src 'self' 'nonce-", chatCsp);
        Assert.Contains("frame-ancestors 'self';", chatCsp);
    }


    [Theory]
    [InlineData("password1234", "too easy to guess")]
    [InlineData("123456789012", "too easy to guess")]
    [InlineData("zzzzzzzzzzzzzz", "too easy to guess")]
    [InlineData("short-pass", "at least 12 characters")]
    public async Task NewPassword_CommonOrShort_IsRefusedWithAClearReason(string password, string reason)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<OpenChatStudio.Core.Accounts.AccountService>();

        var result = await accounts.CreateUserAsync("weak@example.test", password, null);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
        Assert.True((await accounts.CreateUserAsync("strong@example.test", "tulip-ladder-copper", null)).Succeeded);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/account/reset-password\?[^\s""]+")]
    private static partial Regex LinkRegex();
}
