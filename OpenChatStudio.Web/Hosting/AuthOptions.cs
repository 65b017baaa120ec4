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

    /// <summary>
    /// Sign-in attempts per client address per rate window (<c>ChatApi:WindowSeconds</c>, 5 minutes), so one address
    /// cannot try a password against many accounts (password spraying). Lockout still guards each account.
    /// </summary>
    public int SignInAttemptsPerIp { get; set; } = 30;

    /// <summary>Sign-in attempts per email address per rate window, from any address.</summary>
    public int SignInAttemptsPerAccount { get; set; } = 10;
}
