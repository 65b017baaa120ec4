using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace OpenChatStudio.Core.Email;

public sealed class SmtpEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var o = options.Value;
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.SmtpUseSsl };
        if (!string.IsNullOrEmpty(o.SmtpUser))
        {
            client.Credentials = new NetworkCredential(o.SmtpUser, o.SmtpPassword);
        }
        using var mail = new MailMessage { From = new MailAddress(o.From), Subject = message.Subject, Body = message.TextBody };
        mail.To.Add(message.To);
        await client.SendMailAsync(mail, ct);
    }
}
