using System.Text.RegularExpressions;

namespace OpenChatStudio.Core.Channels;

/// <summary>
/// The widget channel's allowed domains. A pattern is an exact host (<c>example.com</c>, <c>localhost</c>,
/// <c>127.0.0.1</c>), <c>*.example.com</c> (any subdomain, at any depth, but not <c>example.com</c> itself) or <c>*</c>
/// (anywhere). Hosts compare case-insensitively; ports are ignored.
/// </summary>
public static partial class AllowedDomains
{
    public const int MaxPatterns = 100;

    public const int MaxPatternLength = 253;

    public static bool Matches(IEnumerable<string> patterns, string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return false;
        }
        host = host.Trim().TrimEnd('.').ToLowerInvariant();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim().TrimEnd('.').ToLowerInvariant();
            if (pattern == "*")
            {
                return true;
            }
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                if (host.EndsWith(pattern[1..], StringComparison.Ordinal) && host.Length > pattern.Length - 1)
                {
                    return true;
                }
            }
            else if (pattern.Length > 0 && host == pattern)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The host of an <c>Origin</c> or <c>Referer</c> header value (port and path dropped), or null.</summary>
    public static string? HostOf(string? originOrReferer)
    {
        if (string.IsNullOrWhiteSpace(originOrReferer) || originOrReferer == "null")
        {
            return null;
        }
        return Uri.TryCreate(originOrReferer.Trim(), UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.IdnHost.ToLowerInvariant() : null;
    }

    /// <summary>
    /// Splits text (new lines, commas, spaces) into normalised patterns, or explains the first bad one.
    /// Duplicates are dropped.
    /// </summary>
    public static Common.Result<IReadOnlyList<string>> Parse(string? text) =>
        Normalize((text ?? "").Split(['\n', '\r', ',', ' ', '\t', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static Common.Result<IReadOnlyList<string>> Normalize(IEnumerable<string> patterns)
    {
        var result = new List<string>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim().TrimEnd('.').ToLowerInvariant();
            if (pattern.Length == 0)
            {
                continue;
            }
            var error = Explain(pattern);
            if (error is not null)
            {
                return Common.Result<IReadOnlyList<string>>.Fail(error);
            }
            if (!result.Contains(pattern))
            {
                result.Add(pattern);
            }
        }
        if (result.Count > MaxPatterns)
        {
            return Common.Result<IReadOnlyList<string>>.Fail($"At most {MaxPatterns} allowed domains per channel.");
        }
        return Common.Result<IReadOnlyList<string>>.Ok(result);
    }

    private static string? Explain(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return $"'{Short(pattern)}' is too long for a host name.";
        }
        if (pattern.Contains("://", StringComparison.Ordinal) || pattern.Contains('/'))
        {
            return $"'{pattern}': enter just the host name, like example.com (no https:// and no path).";
        }
        if (pattern.Contains(':', StringComparison.Ordinal))
        {
            return $"'{pattern}': leave out the port; ports are ignored when checking the page's domain.";
        }
        if (pattern == "*")
        {
            return null;
        }
        var host = pattern;
        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            host = pattern[2..];
        }
        if (host.Contains('*', StringComparison.Ordinal))
        {
            return $"'{pattern}': a wildcard is only allowed as '*' (any domain) or at the start, like *.example.com.";
        }
        if (!HostRegex().IsMatch(host) || host.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            return $"'{pattern}' is not a valid host name. Use forms like example.com, *.example.com, localhost or *.";
        }
        return null;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";

    [GeneratedRegex("^[a-z0-9.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HostRegex();
}
