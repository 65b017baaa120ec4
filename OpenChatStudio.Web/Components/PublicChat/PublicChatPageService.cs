using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Channels;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Versions;

namespace OpenChatStudio.Web.Components.PublicChat;

/// <summary>What the public chat page can show for a chatbot.</summary>
public enum PublicChatState
{
    NotFound,
    NotPublished,
    Disabled,
    Ready,
}

/// <summary>The consent screen: text as safe HTML, and the identifier to capture (if any).</summary>
public sealed record PublicConsent(string Html, bool CaptureIdentifier, string IdentifierLabel, string IdentifierType, string ConfirmationText);

/// <summary>Everything the statically rendered page needs; the rest happens in the browser over the chat API.</summary>
public sealed record PublicChatModel(
    PublicChatState State,
    Guid PublicId,
    string Name = "",
    string Description = "",
    string? DisabledMessage = null,
    PublicConsent? Consent = null,
    IReadOnlyList<string>? WelcomeHtml = null,
    IReadOnlyList<string>? StarterQuestions = null,
    bool FileUploadsEnabled = false);

/// <summary>Loads the published version of a chatbot by its public id for <c>/chat/{publicId}</c> (anonymous, any team).</summary>
public sealed class PublicChatPageService(IDbContextFactory<AppDbContext> dbFactory, ChannelService channels, MarkdownRenderer markdown)
{
    public async Task<PublicChatModel> LoadAsync(Guid publicId, CancellationToken ct)
    {
        Guid teamId;
        Guid chatbotId;
        await using (var any = await dbFactory.CreateDbContextAsync(ct))
        {
            var found = await any.Chatbots.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.PublicId == publicId && !c.IsArchived)
                .Select(c => new { c.Id, c.TeamId }).FirstOrDefaultAsync(ct);
            if (found is null)
            {
                return new PublicChatModel(PublicChatState.NotFound, publicId);
            }
            teamId = found.TeamId;
            chatbotId = found.Id;
        }

        await using var db = await dbFactory.CreateForTeamAsync(teamId, ct);
        var version = await db.ChatbotVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ChatbotId == chatbotId && v.IsPublished, ct);
        if (version is null)
        {
            return new PublicChatModel(PublicChatState.NotPublished, publicId);
        }
        var channel = await channels.FindByKindAsync(teamId, chatbotId, ChannelKind.HostedPage, ct);
        if (channel is { Enabled: false })
        {
            return new PublicChatModel(PublicChatState.Disabled, publicId, version.Name,
                DisabledMessage: string.IsNullOrWhiteSpace(channel.DisabledMessage) ? ChatbotChannel.DefaultDisabledMessage : channel.DisabledMessage);
        }
        PublicConsent? consent = null;
        if (version.ConsentFormId is { } formId && await db.ConsentForms.AsNoTracking().FirstOrDefaultAsync(f => f.Id == formId, ct) is { } form)
        {
            consent = new PublicConsent(markdown.ToHtml(form.ConsentText), form.CaptureIdentifier,
                string.IsNullOrWhiteSpace(form.IdentifierLabel) ? "Your identifier" : form.IdentifierLabel,
                form.IdentifierType == "email" ? "email" : "text", form.ConfirmationText);
        }
        return new PublicChatModel(PublicChatState.Ready, publicId, version.Name, version.ChatbotDescription,
            Consent: consent,
            WelcomeHtml: ChatbotService.JsonList(version.WelcomeMessagesJson).Select(markdown.ToHtml).ToList(),
            StarterQuestions: ChatbotService.JsonList(version.StarterQuestionsJson),
            FileUploadsEnabled: version.FileUploadsEnabled);
    }
}
