using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Fakes;
using static Microsoft.Playwright.Assertions;

namespace OpenChatStudio.Tests.E2E;

/// <summary>In Chromium: an admin adds an OpenAI-compatible provider and tests the connection against a local server.</summary>
public class ProvidersPageTests : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly BrowserFixture _browser;
    private readonly OcsAppFactory _app = new();
    private FakeOpenAiServer _openAi = default!;

    public ProvidersPageTests(BrowserFixture browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _openAi = await FakeOpenAiServer.StartAsync();
        await ((IAsyncLifetime)_app).InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_app).DisposeAsync();
        await _openAi.DisposeAsync();
    }

    [Fact]
    public async Task Admin_AddsProvider_TestsConnection_SeesVerdict_KeyNeverShown()
    {
        var user = await _app.CreateUserAsync("admin@example.test");
        await _app.CreateTeamAsync(user.Id, "Lab");
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(_app.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#email", "admin@example.test");
        await page.FillAsync("#password", "password-123");
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/t/lab$"));
        await page.GotoAsync(new Uri(_app.BaseAddress, "/t/lab/providers").ToString());
        await page.Locator("#blazor-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // The built-in offline model is listed and labelled as not a real LLM.
        await Expect(page.GetByTestId("providers-table")).ToContainTextAsync("Offline model (built-in)");
        await Expect(page.GetByTestId("providers-table")).ToContainTextAsync("Not a real LLM");

        // Saving an OpenAI-compatible provider without a base URL is refused with a clear message.
        await page.GetByTestId("add-provider").ClickAsync();
        await page.GetByTestId("provider-type").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "OpenAI-compatible" }).ClickAsync();
        await page.Locator("[data-testid=provider-name] input, input[data-testid=provider-name]").FillAsync("Local server");
        await page.GetByTestId("save-provider").ClickAsync();
        await Expect(page.GetByTestId("provider-error")).ToContainTextAsync("need a base URL");

        await page.Locator("[data-testid=provider-base-url] input, input[data-testid=provider-base-url]").FillAsync(_openAi.BaseUri.ToString());
        await page.Locator("[data-testid=provider-key] input, input[data-testid=provider-key]").FillAsync("sk-local-secret-4242");
        await page.GetByTestId("save-provider").ClickAsync();
        var row = page.GetByTestId("providers-table").Locator("tr", new() { HasText = "Local server" });
        await Expect(row).ToContainTextAsync("…4242");
        Assert.DoesNotContain("sk-local-secret", await page.ContentAsync());

        // Test connection: a clear success verdict from the wire.
        _openAi.Enqueue(FakeReply.Say("pong"));
        await row.GetByTestId("test-provider").ClickAsync();
        var modelInput = page.Locator("input[data-testid=test-model], [data-testid=test-model] input");
        // The catalogue's first model is filled in once the list loads; wait for it so typing is not overwritten.
        await Expect(modelInput).ToHaveValueAsync(new Regex(".+"));
        await modelInput.FillAsync("my-model");
        await Expect(modelInput).ToHaveValueAsync("my-model");
        await page.GetByTestId("run-test").ClickAsync();
        await Expect(page.GetByTestId("test-result")).ToContainTextAsync("Connected");
        Assert.Contains(_openAi.Requests, r => r.Body["model"]?.GetValue<string>() == "my-model");
    }
}
