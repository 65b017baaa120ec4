using System.Security.Cryptography;

namespace OpenChatStudio.Core.Common;

/// <summary>Random URL-safe tokens for invitation links and similar secrets.</summary>
public static class SecureToken
{
    public static string Create(int bytes = 24) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
