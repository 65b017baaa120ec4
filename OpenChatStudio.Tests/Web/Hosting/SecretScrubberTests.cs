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

    private sealed class NoFactory : ILogEventPropertyFactory
    {
        public LogEventProperty CreateProperty(string name, object? value, bool destructureObjects = false) => new(name, new ScalarValue(value));
    }
}
