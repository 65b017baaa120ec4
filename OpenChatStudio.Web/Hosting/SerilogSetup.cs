using Serilog;

namespace OpenChatStudio.Web.Hosting;

public static class SerilogSetup
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>Structured logging to the console, levels from the <c>Serilog</c> configuration section.</summary>
    public static void AddLogging(this WebApplicationBuilder builder, bool quiet)
    {
        builder.Services.AddSerilog((services, lc) =>
        {
            lc.ReadFrom.Configuration(builder.Configuration)
              .ReadFrom.Services(services)
              .Enrich.FromLogContext()
              .WriteTo.Console(outputTemplate: ConsoleTemplate);
            if (quiet)
            {
                lc.MinimumLevel.Warning();
            }
        });
    }
}
