using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Common;
using OpenChatStudio.Core.Data;

namespace OpenChatStudio.Core.Chat;

/// <summary>A file to store, as the upload endpoint received it.</summary>
public sealed record UploadedFile(string Name, string ContentType, byte[] Content);

/// <summary>An attachment without its bytes.</summary>
public sealed record AttachmentInfo(int Id, Guid SessionId, Guid? MessageId, string Name, string ContentType, long Size);

/// <summary>
/// Participant uploads (in the database): limits and allowed types as the OCS chat API (50 MB per file and in total),
/// storing, reading, listing per message and purging files never sent with a message.
/// </summary>
public sealed class ChatAttachmentStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const long MaxFileBytes = 50L * 1024 * 1024;

    public const long MaxTotalBytes = 50L * 1024 * 1024;

    public const int MaxFilesPerUpload = 20;

    /// <summary>Files not sent with a message within this time may be purged.</summary>
    public static readonly TimeSpan UnattachedLifetime = TimeSpan.FromHours(24);

    public static readonly IReadOnlyList<string> AllowedExtensions =
    [
        ".txt", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".csv", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg",
        ".mp4", ".mov", ".avi", ".mp3", ".wav", ".html", ".htm", ".css", ".js", ".xml", ".md", ".ics", ".vcf", ".rtf", ".tsv",
        ".yaml", ".yml", ".py", ".c",
    ];

    /// <summary>The first problem with an upload, worded as OCS words it, or null.</summary>
    public static string? Validate(IReadOnlyList<(string Name, string ContentType, long Size)> files)
    {
        if (files.Count == 0)
        {
            return "No files provided";
        }
        if (files.Count > MaxFilesPerUpload)
        {
            return $"At most {MaxFilesPerUpload} files per upload";
        }
        foreach (var (name, contentType, size) in files)
        {
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                return "File names may not contain the NUL character (\\u0000).";
            }
            if (size > MaxFileBytes)
            {
                return $"File '{name}' exceeds maximum size of 50MB";
            }
            var extension = Path.GetExtension(name).ToLowerInvariant();
            var isText = contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) && extension is not (".exe" or ".dll" or ".bat" or ".cmd" or ".sh" or ".msi");
            if (!AllowedExtensions.Contains(extension) && !isText)
            {
                return $"File type '{(extension.Length == 0 ? name : extension)}' is not supported. Allowed types: {string.Join(", ", AllowedExtensions)}";
            }
        }
        if (files.Sum(f => f.Size) > MaxTotalBytes)
        {
            return "Total file size exceeds maximum of 50MB";
        }
        return null;
    }

    /// <summary>Files a messaging platform delivers may be of any media type it carries (voice notes as .ogg/.opus/.amr), but never programs.</summary>
    public static readonly IReadOnlySet<string> BlockedExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".exe", ".dll", ".bat", ".cmd", ".sh", ".msi", ".com", ".scr", ".ps1", ".vbs", ".jar", ".apk", ".app",
    };

    /// <param name="fromPlatform">
    /// A file a messaging platform delivered (Telegram, WhatsApp): any type but programs, within the size limits, instead of
    /// the widget's upload list.
    /// </param>
    public async Task<Result<IReadOnlyList<AttachmentInfo>>> SaveAsync(Guid teamId, Guid sessionId, IReadOnlyList<UploadedFile> files, CancellationToken ct,
        bool fromPlatform = false)
    {
        var problem = fromPlatform
            ? files.FirstOrDefault(f => f.Content.LongLength > MaxFileBytes || BlockedExtensions.Contains(Path.GetExtension(f.Name))) is { } refused
                ? $"File '{refused.Name}' is too large or a program."
                : null
            : Validate(files.Select(f => (f.Name, f.ContentType, f.Content.LongLength)).ToList());
        if (problem is not null)
        {
            return Result<IReadOnlyList<AttachmentInfo>>.Fail(problem);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = files.Select(f => new ChatAttachment(teamId, sessionId, CleanName(f.Name),
            string.IsNullOrWhiteSpace(f.ContentType) ? "application/octet-stream" : f.ContentType, f.Content, now)).ToList();
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        db.ChatAttachments.AddRange(rows);
        await db.SaveChangesAsync(ct);
        return Result<IReadOnlyList<AttachmentInfo>>.Ok(rows.Select(ToInfo).ToList());
    }

    /// <summary>Ids among <paramref name="ids"/> that are not unsent attachments of this session.</summary>
    public async Task<IReadOnlyList<int>> InvalidForMessageAsync(Guid teamId, Guid sessionId, IReadOnlyList<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var valid = await db.ChatAttachments.Where(a => a.SessionId == sessionId && a.MessageId == null && ids.Contains(a.Id))
            .Select(a => a.Id).ToListAsync(ct);
        return ids.Except(valid).ToList();
    }

    public async Task<(AttachmentInfo Info, byte[] Content)?> GetAsync(Guid teamId, Guid sessionId, int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var row = await db.ChatAttachments.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && a.SessionId == sessionId, ct);
        return row is null ? null : (ToInfo(row), row.Content);
    }

    public async Task<ILookup<Guid, AttachmentInfo>> ForMessagesAsync(Guid teamId, IReadOnlyCollection<Guid> messageIds, CancellationToken ct)
    {
        if (messageIds.Count == 0)
        {
            return Array.Empty<AttachmentInfo>().ToLookup(a => a.MessageId!.Value);
        }
        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var rows = await db.ChatAttachments.AsNoTracking()
            .Where(a => a.MessageId != null && messageIds.Contains(a.MessageId.Value))
            .OrderBy(a => a.Id)
            .Select(a => new AttachmentInfo(a.Id, a.SessionId, a.MessageId, a.Name, a.ContentType, a.Size))
            .ToListAsync(ct);
        return rows.ToLookup(a => a.MessageId!.Value);
    }

    /// <summary>Deletes files of every team that were never sent with a message and are older than <see cref="UnattachedLifetime"/>.</summary>
    public async Task<int> PurgeUnattachedAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - UnattachedLifetime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ChatAttachments.IgnoreQueryFilters().Where(a => a.MessageId == null && a.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
    }

    private static string CleanName(string name)
    {
        // A platform's file name is stored as it came but for NUL, which PostgreSQL cannot store (requests with it are refused).
        name = Path.GetFileName(name.Replace('\\', '/').Replace("\0", "", StringComparison.Ordinal)).Trim();
        if (name.Length == 0)
        {
            name = "file";
        }
        return name.Length > 255 ? name[^255..] : name;
    }

    private static AttachmentInfo ToInfo(ChatAttachment a) => new(a.Id, a.SessionId, a.MessageId, a.Name, a.ContentType, a.Size);
}
