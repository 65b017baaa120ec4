using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using OpenChatStudio.Web.Hosting;

namespace OpenChatStudio.Tests.Web.Hosting;

/// <summary>Invitation tokens and password-reset codes never reach a log line.</summary>
public class SecretScrubberTests
{
    [Theory]
    [InlineData("/invite/AbC123xyz", "/invite/***")]
    [InlineData("http://h/account/reset-password?email=a%40b.c&code=Q2ZESjhB-secret", "http://h/account/reset-password?email=a%40b.c&code=***")]
    [InlineData("/x?token=t0k&page=2", "/x?token=***&page=2")]
    [InlineData("/t/lab/sessions?page=2", "/t/lab/sessions?page=2")]
    public void Scrub_MasksSecretsOnly(string text, string expected) => Assert.Equal(expected, SecretScrubber.Scrub(text));

    [Fact]
    public void Enrich_RewritesTheRequestPathOfALogEvent()
    {
        var template = new MessageTemplateParser().Parse("HTTP {RequestMethod} {RequestPath} responded {StatusCode}");
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, template,
        [
            new LogEventProperty("RequestMethod", new ScalarValue("GET")),
            new LogEventProperty("RequestPath", new ScalarValue("/invite/SECRET-INVITE-TOKEN")),
            new LogEventProperty("StatusCode", new ScalarValue(200)),
        ]);

        new SecretScrubber().Enrich(logEvent, new NoFactory());

        var rendered = logEvent.RenderMessage();
        Assert.DoesNotContain("SECRET-INVITE-TOKEN", rendered);
        Assert.Equal("HTTP \"GET\" \"/invite/***\" responded 200", rendered);
    }

    [Fact]
    public async Task TheAppLogsThroughTheScrubber()
    {
        var app = new OpenChatStudio.Tests.TestSupport.OcsAppFactory();
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            var enrichers = (IEnumerable<ILogEventEnricher>)app.Services.GetService(typeof(IEnumerable<ILogEventEnricher>))!;
            Assert.Contains(enrichers, e => e is SecretScrubber);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    /// <summary>
    /// End to end: real requests carrying a password-reset code and an invitation token, logged by the app's real Serilog
    /// pipeline (the request log and ASP.NET Core's "Request starting" line, which carries the query string), reach a
    /// sink added to the host with the secrets masked.
    /// </summary>
    [Fact]
    public async Task RealRequests_WithSecretsInTheUrl_AreLoggedScrubbed()
    {
        var sink = new CapturingSink();
        var app = new OpenChatStudio.Tests.TestSupport.OcsAppFactory
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(sink),   // picked up by ReadFrom.Services
        };
        app.ExtraSettings["Serilog:MinimumLevel:Default"] = "Information";
        app.ExtraSettings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            await app.CreateUserAsync("someone@example.test", "a-long-password");
            using var client = app.NewClient();
            await client.GetAsync("/account/reset-password?email=someone%40example.test&code=RESET-CODE-SECRET-42");
            await client.GetAsync("/invite/INVITE-TOKEN-SECRET-42");

            // The request log line of each request (written once the response is done) and the line that starts it.
            var reset = await sink.WaitForAsync(e => Text(e).Contains("/account/reset-password", StringComparison.Ordinal) && e.Properties.ContainsKey("StatusCode"));
            var invite = await sink.WaitForAsync(e => Text(e).Contains("/invite/", StringComparison.Ordinal) && e.Properties.ContainsKey("StatusCode"));
            var starting = await sink.WaitForAsync(e => e.Properties.TryGetValue("QueryString", out var q) && q.ToString().Contains("code=", StringComparison.Ordinal));

            Assert.Contains("/invite/***", Text(invite));
            Assert.Contains("code=***", Text(starting));
            Assert.NotNull(reset);
            Assert.All(sink.Events, e =>
            {
                Assert.DoesNotContain("RESET-CODE-SECRET-42", Text(e));
                Assert.DoesNotContain("INVITE-TOKEN-SECRET-42", Text(e));
            });
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    /// <summary>Everything a sink could write of an event: the rendered message, every property and the exception.</summary>
    private static string Text(LogEvent e) =>
        e.RenderMessage() + " " + string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + e.Exception;

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly SemaphoreSlim _emitted = new(0);

        public System.Collections.Concurrent.ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent)
        {
            Events.Enqueue(logEvent);
            _emitted.Release();
        }

        /// <summary>The first event that matches, waiting for each new one (up to 30 s in all) until it comes.</summary>
        public async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                if (Events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }
                await _emitted.WaitAsync(timeout.Token);
            }
        }
    }

    private sealed class NoFactory : ILogEventPropertyFactory
    {
        public LogEventProperty CreateProperty(string name, object? value, bool destructureObjects = false) => new(name, new ScalarValue(value));
    }
}
