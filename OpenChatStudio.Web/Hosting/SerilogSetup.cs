using Serilog;

namespace OpenChatStudio.Web.Hosting;

public static class SerilogSetup
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>Structured logging to the console, levels from the <c>Serilog</c> configuration section.</summary>
    public static void AddLogging(this WebApplicationBuilder builder, bool quiet)
    {
        builder.Services.AddSingleton<Serilog.Core.ILogEventEnricher, SecretScrubber>();   // picked up by ReadFrom.Services
        builder.Services.AddSerilog((services, lc) =>
        {
            // Defaults under the configuration: without any Serilog section, one line per request and no SQL.
            lc.MinimumLevel.Information()
              .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
              .MinimumLevel.Override("Microsoft.EntityFrameworkCore", Serilog.Events.LogEventLevel.Warning)
              .MinimumLevel.Override("Microsoft.SemanticKernel", Serilog.Events.LogEventLevel.Warning)
              .ReadFrom.Configuration(builder.Configuration)
              .ReadFrom.Services(services)
              .Enrich.FromLogContext()
              // Admin commands print results on stdout (e.g. seed-demo --json), so their log lines go to stderr.
              .WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: quiet ? Serilog.Events.LogEventLevel.Verbose : null);
            if (quiet)
            {
                lc.MinimumLevel.Warning();
            }
        });
    }
}
