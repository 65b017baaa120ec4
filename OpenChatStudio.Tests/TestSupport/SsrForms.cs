using System.Net;
using System.Text.RegularExpressions;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>Submits the server-rendered Blazor forms (sign-in, setup, invitations) the way a browser without JS would.</summary>
public static partial class SsrForms
{
    /// <summary>GETs <paramref name="path"/>, takes the form named <paramref name="formName"/> with its hidden fields, overrides fields, posts it.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(path);
        var html = await page.Content.ReadAsStringAsync();
        var formMatch = FormRegex().Matches(html).FirstOrDefault(m => m.Value.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No form '{formName}' on {path} (status {(int)page.StatusCode}).");
        var values = new Dictionary<string, string>();
        foreach (Match input in InputRegex().Matches(formMatch.Value))
        {
            var tag = input.Value;
            if (!tag.Contains("type=\"hidden\"", StringComparison.Ordinal) || Attr(tag, "name") is not { } name)
            {
                continue;
            }
            values[WebUtility.HtmlDecode(name)] = WebUtility.HtmlDecode(Attr(tag, "value") ?? "");
        }
        foreach (var (key, value) in fields)
        {
            values[key] = value;
        }
        var action = ActionRegex().Match(formMatch.Value) is { Success: true } a && a.Groups[1].Value.Length > 0
            ? WebUtility.HtmlDecode(a.Groups[1].Value)
            : path;
        return await client.PostAsync(action, new FormUrlEncodedContent(values));
    }

    public static async Task SignInAsync(HttpClient client, string email, string password)
    {
        var response = await SubmitAsync(client, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            var html = await response.Content.ReadAsStringAsync();
            var alert = Regex.Match(html, "ocs-alert[^>]*>([^<]*)<").Groups[1].Value;
            var validation = string.Join("; ", Regex.Matches(html, "validation-message\">([^<]*)<").Select(m => m.Groups[1].Value));
            Assert.Fail($"sign-in as {email} failed with {(int)response.StatusCode} at {response.RequestMessage?.RequestUri}: {alert} {validation}");
        }
    }

    [GeneratedRegex("<form[^>]*>.*?</form>", RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    private static string? Attr(string tag, string name) =>
        Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex InputRegex();

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"")]
    private static partial Regex ActionRegex();
}
