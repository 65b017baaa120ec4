namespace OpenChatStudio.Core.Email;

/// <summary>Sends transactional email (password reset, invitations). Pluggable: SMTP when configured, the log otherwise.</summary>
public interface IEmailSender
{
    /// <summary>False when no mail server is configured: messages are dropped (and said so), so flows that depend on mail say so too.</summary>
    bool CanSend { get; }

    Task SendAsync(EmailMessage message, CancellationToken ct);
}

public sealed record EmailMessage(string To, string Subject, string TextBody);
