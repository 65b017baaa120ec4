using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Keeps secrets carried in URLs out of every log line: the token of an invitation link (<c>/invite/{token}</c>) and the
/// values of secret query parameters (password-reset <c>code</c>, <c>token</c>, keys). Runs on each event's string
/// properties (request paths, URLs), so the request log and any other logger are covered alike.
/// </summary>
public sealed partial class SecretScrubber : ILogEventEnricher
{
    public const string Mask = "***";

    [GeneratedRegex(@"(/invite/)[^/?#\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex InvitePath();

    [GeneratedRegex(@"([?&](?:code|token|session_token|access_token|password|api_key|key|secret)=)[^&#\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretQuery();

    public static string Scrub(string text) =>
        SecretQuery().Replace(InvitePath().Replace(text, "$1" + Mask), "$1" + Mask);

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (name, value) in logEvent.Properties.ToList())
        {
            if (value is ScalarValue { Value: string text } && Scrub(text) is var scrubbed && !ReferenceEquals(scrubbed, text) && scrubbed != text)
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(name, new ScalarValue(scrubbed)));
            }
        }
    }
}
