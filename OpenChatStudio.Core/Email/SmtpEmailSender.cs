using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace OpenChatStudio.Core.Email;

/// <summary>
/// Sends through an SMTP server with MailKit: one connection per message. <see cref="EmailOptions.SmtpUseSsl"/> picks
/// MailKit's <see cref="SecureSocketOptions.Auto"/> (TLS on connect for port 465, STARTTLS when the server offers it
/// otherwise); false connects in plain text, for local relays and test servers.
/// </summary>
public sealed class SmtpEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public bool CanSend => true;

    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var o = options.Value;
        using var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(o.From));
        mail.To.Add(MailboxAddress.Parse(message.To));
        mail.Subject = message.Subject;
        mail.Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = message.TextBody };

        using var client = new SmtpClient();
        var host = o.SmtpHost ?? throw new InvalidOperationException("Email:SmtpHost is not configured.");
        await client.ConnectAsync(host, o.SmtpPort, o.SmtpUseSsl ? SecureSocketOptions.Auto : SecureSocketOptions.None, ct);
        if (!string.IsNullOrEmpty(o.SmtpUser))
        {
            await client.AuthenticateAsync(o.SmtpUser, o.SmtpPassword ?? "", ct);
        }
        await client.SendAsync(mail, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
