namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Splits a reply into parts a platform accepts (Telegram 4,096, Twilio 1,600 characters): at the last paragraph break
/// that fits, else the last sentence end, else the last space, else hard at the limit. Parts are trimmed; none is empty.
/// </summary>
public static class MessageSplitter
{
    public static IReadOnlyList<string> Split(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 16);
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > maxLength)
        {
            var cut = CutPoint(rest, maxLength);
            var part = rest[..cut].TrimEnd();
            if (part.Length > 0)
            {
                parts.Add(part);
            }
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0)
        {
            parts.Add(rest);
        }
        return parts;
    }

    private static int CutPoint(string text, int max)
    {
        // Not too early: a boundary in the first third would leave tiny parts.
        var floor = max / 3;
        var window = text.AsSpan(0, max + 1 > text.Length ? text.Length : max + 1);
        var paragraph = window[..max].LastIndexOf("\n\n");
        if (paragraph >= floor)
        {
            return paragraph + 2;
        }
        var line = window[..max].LastIndexOf('\n');
        if (line >= floor)
        {
            return line + 1;
        }
        for (var i = max - 1; i >= floor; i--)
        {
            if (text[i] is '.' or '!' or '?' && i + 1 < text.Length && char.IsWhiteSpace(text[i + 1]))
            {
                return i + 1;
            }
        }
        var space = window[..max].LastIndexOf(' ');
        if (space >= floor)
        {
            return space + 1;
        }
        // No boundary: cut hard, never inside a surrogate pair.
        return char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
    }
}
