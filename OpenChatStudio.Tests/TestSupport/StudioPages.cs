using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>The steps browser tests share: sign in through the form, open a studio page once its circuit is live.</summary>
public static class StudioPages
{
    /// <summary>Signs in with the login form and waits for the landing page (<paramref name="landing"/>: a pattern of its path, e.g. "/t/lab").</summary>
    public static async Task SignInAsync(IPage page, OcsAppFactory app, string email, string landing, string password = "password-123")
    {
        await page.GotoAsync(new Uri(app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex(landing + "$"));
    }

    /// <summary>Goes to a studio page and waits until its circuit is interactive (controls respond).</summary>
    public static async Task OpenAsync(IPage page, OcsAppFactory app, string path)
    {
        await page.GotoAsync(new Uri(app.BaseAddress, path).ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>Opens a chatbot's designer and waits for its canvas.</summary>
    public static async Task OpenDesignerAsync(IPage page, OcsAppFactory app, string teamSlug, Guid chatbotId)
    {
        await OpenAsync(page, app, $"/t/{teamSlug}/chatbots/{chatbotId}");
        await Expect(page.GetByTestId("node-start")).ToBeVisibleAsync();
    }
}
