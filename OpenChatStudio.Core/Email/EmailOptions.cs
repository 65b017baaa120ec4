namespace OpenChatStudio.Core.Email;

/// <summary>Bound from the <c>Email</c> section. Without <see cref="SmtpHost"/>, messages go to the log.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    public bool SmtpUseSsl { get; set; } = true;

    public string? SmtpUser { get; set; }

    public string? SmtpPassword { get; set; }

    public string From { get; set; } = "Open Chat Studio <no-reply@localhost>";
}
