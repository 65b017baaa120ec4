using System.ComponentModel.DataAnnotations;

namespace OpenChatStudio.Web.Components.Account;

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    public bool RememberMe { get; set; }
}

public class NewAccountInput
{
    [StringLength(100, ErrorMessage = "Names are at most 100 characters.")]
    public string? DisplayName { get; set; }

    [Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter a valid email address.")]
    [StringLength(256)]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Choose a password."), StringLength(128, MinimumLength = 12, ErrorMessage = "Passwords are 12 to 128 characters.")]
    public string Password { get; set; } = "";

    [Required(ErrorMessage = "Repeat the password."), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    public string ConfirmPassword { get; set; } = "";
}

public sealed class SetupInput : NewAccountInput
{
    [Required(ErrorMessage = "Name your first team."), StringLength(100, ErrorMessage = "Team names are at most 100 characters.")]
    public string TeamName { get; set; } = "";
}

public sealed class ForgotPasswordInput
{
    [Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";
}

public sealed class ResetPasswordInput
{
    [Required] public string Email { get; set; } = "";

    [Required] public string Code { get; set; } = "";

    [Required(ErrorMessage = "Choose a password."), StringLength(128, MinimumLength = 12, ErrorMessage = "Passwords are 12 to 128 characters.")]
    public string Password { get; set; } = "";

    [Required(ErrorMessage = "Repeat the password."), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    public string ConfirmPassword { get; set; } = "";
}

public static class ReturnUrls
{
    /// <summary>Only local paths; anything else (absolute, protocol-relative) falls back to home.</summary>
    public static string Safe(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
