using Microsoft.AspNetCore.Identity;

namespace OpenChatStudio.Core.Accounts;

/// <summary>
/// Refuses passwords people guess first (NIST 800-63B: check new passwords against commonly used ones): the most common
/// passwords, one character repeated, and runs of consecutive digits or keyboard letters. Length is checked by Identity
/// (at least 12 characters).
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<AppUser>
{
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "123456789012", "1234567890123", "12345678901234", "123456123456", "qwertyuiop", "qwertyuiopas", "qwerty123456",
        "qwertyqwerty", "asdfghjkl", "asdfghjkl123", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3", "iloveyou1234",
        "letmein12345", "welcome12345", "welcome123456", "administrator", "admin1234567", "changeme1234", "trustno1trustno1",
        "opensesame12", "football1234", "baseball1234", "sunshine1234", "princess1234", "dragon123456", "monkey123456",
        "abc123abc123", "abcdefghijkl", "aaaaaaaaaaaa", "passwordpassword", "openchatstudio", "open-chat-studio",
    };

    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);   // "required" and length are Identity's own checks
        }
        var common = Common.Contains(password) || password.Distinct().Count() == 1 || IsRun(password) ||
                     (user.Email is { Length: > 0 } email && password.Equals(email, StringComparison.OrdinalIgnoreCase));
        return Task.FromResult(common
            ? IdentityResult.Failed(new IdentityError { Code = "CommonPassword", Description = "This password is too easy to guess: it is one of the most common passwords. Choose another, e.g. a few unrelated words." })
            : IdentityResult.Success);
    }

    /// <summary>Each character one more than the last ("123456789012" wraps 9→0; "abcdefghijklm").</summary>
    private static bool IsRun(string password)
    {
        for (var i = 1; i < password.Length; i++)
        {
            var (previous, current) = (password[i - 1], password[i]);
            if (current != previous + 1 && !(previous == '9' && current == '0'))
            {
                return false;
            }
        }
        return true;
    }
}
