namespace OpenChatStudio.Web.Hosting;

/// <summary>Bound from the <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>When false (the default) people join only through a team invitation.</summary>
    public bool AllowSignup { get; set; }

    /// <summary>Failed sign-ins before an account is locked for <see cref="LockoutMinutes"/>.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;
}
