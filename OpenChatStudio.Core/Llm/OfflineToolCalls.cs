using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace OpenChatStudio.Core.Llm;

/// <summary>How the offline model decides on, and phrases, tool calls.</summary>
internal static partial class OfflineToolCalls
{
    /// <summary>The functions the caller offered, or none when it offered none (or chose <c>None</c>).</summary>
    public static (IReadOnlyList<KernelFunction> Functions, bool AutoInvoke) Offered(
        ChatHistory history, PromptExecutionSettings? settings, Kernel? kernel)
    {
        if (kernel is null || kernel.Plugins.Count == 0 || settings?.FunctionChoiceBehavior is not { } behavior)
        {
            return ([], false);
        }
        var configuration = behavior.GetConfiguration(new FunctionChoiceBehaviorConfigurationContext(history) { Kernel = kernel });
        if (configuration.Choice == FunctionChoice.None || configuration.Functions is not { Count: > 0 } functions)
        {
            return ([], false);
        }
        return (functions, configuration.AutoInvoke);
    }

    /// <summary>
    /// The call to make when the last message is a user message naming an offered function (<c>function</c> or
    /// <c>plugin-function</c>; case, <c>-</c>, <c>_</c> and spaces do not matter). The longest name mentioned wins.
    /// </summary>
    public static FunctionCallContent? Decide(ChatHistory history, IReadOnlyList<KernelFunction> functions)
    {
        if (functions.Count == 0 || history.Count == 0 || history[^1].Role != AuthorRole.User)
        {
            return null;
        }
        var text = OfflineText.Prose(history[^1]);
        var haystack = $" {Normalize(text)} ";

        KernelFunction? best = null;
        var bestLength = 0;
        var bestPosition = int.MaxValue;
        foreach (var function in functions)
        {
            var candidates = new[] { function.Name, $"{function.PluginName} {function.Name}" };
            foreach (var candidate in candidates.Select(Normalize).Where(c => c.Length > 0))
            {
                var position = haystack.IndexOf($" {candidate} ", StringComparison.Ordinal);
                if (position >= 0 && (candidate.Length > bestLength || candidate.Length == bestLength && position < bestPosition))
                {
                    (best, bestLength, bestPosition) = (function, candidate.Length, position);
                }
            }
        }
        if (best is null)
        {
            return null;
        }
        return new FunctionCallContent(best.Name, best.PluginName, $"call_offline_{history.Count}", Arguments(text, best));
    }

    /// <summary><c>key=value</c> pairs: quoted strings, <c>true</c>/<c>false</c>, numbers as numbers, anything else as text.</summary>
    public static KernelArguments Arguments(string text, KernelFunction function)
    {
        var declared = function.Metadata.Parameters.ToDictionary(p => p.Name, p => p.Name, StringComparer.OrdinalIgnoreCase);
        var arguments = new KernelArguments();
        foreach (Match match in Pair().Matches(text))
        {
            var key = declared.TryGetValue(match.Groups["key"].Value, out var name) ? name : match.Groups["key"].Value;
            arguments[key] = Value(match.Groups["value"].Value);
        }
        return arguments;
    }

    private static object Value(string raw)
    {
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
        {
            return Regex.Unescape(raw[1..^1]);
        }
        if (raw.Length >= 2 && raw[0] == '\'' && raw[^1] == '\'')
        {
            return raw[1..^1];
        }
        if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole;
        }
        if (double.TryParse(raw, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        if (bool.TryParse(raw, out var flag))
        {
            return flag;
        }
        return raw.TrimEnd('.', '!', '?');
    }

    private static string Normalize(string text) => NonWord().Replace(text.ToLowerInvariant(), " ").Trim();

    [GeneratedRegex(@"[^\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();

    [GeneratedRegex(@"(?<![\p{L}\p{N}_])(?<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?<value>""(?:[^""\\]|\\.)*""|'[^']*'|[^\s,;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Pair();
}
