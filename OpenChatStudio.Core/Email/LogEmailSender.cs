using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Core.Email;

/// <summary>
/// The default sender when no SMTP server is configured: nothing is sent, and the log says so with the recipient and the
/// subject only. The body is never logged: it carries secrets (password-reset and invitation links).
/// </summary>
public sealed class LogEmailSender(ILogger<LogEmailSender> logger) : IEmailSender
{
    public bool CanSend => false;

    public Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        logger.LogWarning("No SMTP server configured (Email:SmtpHost); email to {To} with subject {Subject} was not sent", message.To, message.Subject);
        return Task.CompletedTask;
    }
}
