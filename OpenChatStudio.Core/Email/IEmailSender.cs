namespace OpenChatStudio.Core.Email;

/// <summary>Sends transactional email (password reset, invitations). Pluggable: SMTP when configured, the log otherwise.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken ct);
}

public sealed record EmailMessage(string To, string Subject, string TextBody);
