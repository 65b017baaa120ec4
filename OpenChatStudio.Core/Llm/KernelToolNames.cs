using Microsoft.SemanticKernel;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Tool names as SK uses them: <c>plugin-function</c> on the OpenAI connectors (what <see cref="FunctionCallContentBuilder"/>
/// parses), <c>plugin_function</c> for tools offered through the IChatClient bridge.
/// </summary>
internal static class KernelToolNames
{
    public const char Separator = '-';

    public static string Qualified(string function, string? plugin) =>
        string.IsNullOrEmpty(plugin) ? function : $"{plugin}{Separator}{function}";

    /// <summary>Splits a name the model sent back, preferring an exact match with the kernel's functions.</summary>
    public static (string? Plugin, string Function) Resolve(string name, Kernel? kernel)
    {
        if (kernel is not null)
        {
            foreach (var plugin in kernel.Plugins)
            {
                foreach (var function in plugin)
                {
                    if (string.Equals($"{plugin.Name}_{function.Name}", name, StringComparison.OrdinalIgnoreCase)
                        || string.Equals($"{plugin.Name}{Separator}{function.Name}", name, StringComparison.OrdinalIgnoreCase))
                    {
                        return (plugin.Name, function.Name);
                    }
                }
            }
        }
        var split = name.IndexOf(Separator, StringComparison.Ordinal);
        return split > 0 ? (name[..split], name[(split + 1)..]) : (null, name);
    }
}
