using OpenChatStudio.Core.Observability;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OpenChatStudio.Web.Hosting;

/// <summary>Configuration section <c>Observability</c> (docs/observability.md).</summary>
public sealed class ObservabilityOptions
{
    /// <summary>OTLP endpoint (e.g. <c>http://collector:4318</c>, or Langfuse's <c>https://cloud.langfuse.com/api/public/otel</c>); empty: off.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>http/protobuf</c> (default; the signal path <c>/v1/traces</c>, <c>/v1/metrics</c> is appended) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>Headers sent with every export, <c>name=value</c> pairs separated by commas (e.g. <c>Authorization=Basic …</c>).</summary>
    public string OtlpHeaders { get; set; } = "";

    /// <summary>How often spans and metrics are sent, in milliseconds.</summary>
    public int ExportIntervalMs { get; set; } = 5000;

    /// <summary>Put the participant's message and the reply on the turn span (off: traces often leave the instance).</summary>
    public bool IncludeContent { get; set; }

    public string ServiceName { get; set; } = "open-chat-studio";
}

public static class Observability
{
    /// <summary>
    /// OpenTelemetry traces and metrics of the chat path (<see cref="ChatTelemetry"/>) and of HTTP requests, exported over
    /// OTLP when <c>Observability:OtlpEndpoint</c> is set. Without it nothing listens and nothing is recorded.
    /// </summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Observability").Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        services.AddSingleton(new ChatTelemetryOptions { IncludeContent = options.IncludeContent });
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return services;
        }
        var grpc = string.Equals(options.OtlpProtocol, "grpc", StringComparison.OrdinalIgnoreCase);
        var root = options.OtlpEndpoint.TrimEnd('/');
        void Exporter(OtlpExporterOptions o, string signal)
        {
            o.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            o.Endpoint = new Uri(grpc ? root : $"{root}/v1/{signal}");
            o.Headers = options.OtlpHeaders;
            o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = options.ExportIntervalMs;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithTracing(t => t
                .AddSource(ChatTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddOtlpExporter(o => Exporter(o, "traces")))
            .WithMetrics(m => m
                .AddMeter(ChatTelemetry.SourceName)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter((o, reader) =>
                {
                    Exporter(o, "metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalMs;
                }));
        return services;
    }
}
