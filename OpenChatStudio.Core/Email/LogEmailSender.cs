using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Core.Email;

/// <summary>The default sender when no SMTP server is configured: writes the message (links included) to the log.</summary>
public sealed class LogEmailSender(ILogger<LogEmailSender> logger) : IEmailSender
{
    public Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        logger.LogWarning(
            "No SMTP server configured (Email:SmtpHost); email to {To} with subject {Subject} was not sent. Body:\n{Body}",
            message.To, message.Subject, message.TextBody);
        return Task.CompletedTask;
    }
}
