using Microsoft.Extensions.Logging;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>The embedded defaults hold up: without a mail server "Forgot password" says no email is sent and no email body (with its links) reaches the log; without internet the API reference still loads.</summary>
public class OfflineDefaultsTests : IAsyncLifetime
{
    private readonly OcsAppFactory _app = new();

    public Task InitializeAsync() => ((IAsyncLifetime)_app).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_app).DisposeAsync();

    [Fact]
    public async Task ForgotPassword_WithoutMailServer_SaysNoEmailIsSent_AndOffersNoForm()
    {
        await _app.CreateUserAsync("lost@example.test");

        var html = await _app.NewClient().GetStringAsync("/account/forgot-password");

        Assert.Contains("data-testid=\"no-mail-server\"", html);
        Assert.Contains("no email will be sent", html);
        Assert.DoesNotContain("Send reset link", html);
    }

    [Fact]
    public async Task ApiReference_LoadsNothingFromOtherHosts()
    {
        var client = _app.NewClient();
        var html = await client.GetStringAsync("/scalar/");

        // Every URL in the page (scripts, styles, fonts) is relative or on this server: the app works offline.
        var urls = System.Text.RegularExpressions.Regex.Matches(html, @"(?:src|href)\s*=\s*[""']([^""']+)[""']|url\(([^)]+)\)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();
        Assert.NotEmpty(urls);
        Assert.DoesNotContain(urls, u => u.StartsWith("http", StringComparison.OrdinalIgnoreCase) && !u.StartsWith(_app.BaseAddress.ToString(), StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("fonts.scalar.com", html);
    }

    [Fact]
    public async Task LogSender_LogsRecipientAndSubject_NeverTheBody()
    {
        var logger = new CapturingLogger();
        var sender = new LogEmailSender(logger);

        await sender.SendAsync(new EmailMessage("lost@example.test", "Reset your password",
            "Choose a new password here: http://x/account/reset-password?code=SECRET-TOKEN-123"), CancellationToken.None);

        Assert.False(sender.CanSend);
        var line = Assert.Single(logger.Lines);
        Assert.Contains("lost@example.test", line);
        Assert.Contains("was not sent", line);
        Assert.DoesNotContain("SECRET-TOKEN-123", line);
    }

    private sealed class CapturingLogger : ILogger<LogEmailSender>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
