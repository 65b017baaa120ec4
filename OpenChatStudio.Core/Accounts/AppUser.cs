using Microsoft.AspNetCore.Identity;

namespace OpenChatStudio.Core.Accounts;

/// <summary>A person who signs in. Team access comes from <see cref="Teams.TeamMembership"/>.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    /// <summary>Operators of the installation (the first-run administrator). Can create teams when sign-up is off.</summary>
    public bool IsSystemAdmin { get; set; }

    public DateTime CreatedAt { get; set; }
}
