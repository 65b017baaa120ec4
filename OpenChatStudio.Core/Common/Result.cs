namespace OpenChatStudio.Core.Common;

/// <summary>The outcome of a command that can fail for a reason the user should read.</summary>
public sealed record Result<T>(T? Value, string? Error)
{
    public bool Succeeded => Error is null;

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(string error) => new(default, error);
}
