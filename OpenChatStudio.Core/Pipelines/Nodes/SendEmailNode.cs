using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MimeKit;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Registry;
using OpenChatStudio.Core.Pipelines.Templates;

namespace OpenChatStudio.Core.Pipelines.Nodes;

/// <summary>
/// Sends an email as a side effect and passes its input on unchanged. Recipients, subject and body are Liquid templates
/// over the same variables as Render Template; an empty body sends the node's input. Every rendered address is checked
/// before anything is sent, and each recipient gets their own message (recipients do not see each other).
/// </summary>
[PipelineNode("SendEmail", Label = "Send an email", Category = "Actions",
    Description = "Emails the recipients and passes the input on unchanged. Recipients, subject and body are Liquid, e.g. " +
                  "'{{ participant_data.email }}'; leave the body empty to send the node's input.",
    Icon = "mail", TimeoutSeconds = 60)]
public sealed class SendEmailNode : PipelineNode<SendEmailNode.Params>
{
    public const int MaxRecipients = 50;

    private static readonly FluidTemplateRenderer SyntaxChecker = new();

    public sealed class Params
    {
        [Required(ErrorMessage = "Enter at least one recipient."), StringLength(2_000)]
        [FieldWidget(FieldWidgetAttribute.Template), Description("Comma-separated addresses; Liquid allowed, e.g. '{{ participant_data.email }}'.")]
        public string RecipientList { get; set; } = "";

        [Required(ErrorMessage = "Enter a subject."), StringLength(1_000)]
        [FieldWidget(FieldWidgetAttribute.Template), Description("Liquid, e.g. 'New request from {{ participant_details.identifier }}'.")]
        public string Subject { get; set; } = "";

        [StringLength(50_000)]
        [FieldWidget(FieldWidgetAttribute.Template), Description("Liquid. Leave empty to send the node's input.")]
        public string Body { get; set; } = "";
    }

    public override IEnumerable<GraphValidationIssue> Validate(Params p)
    {
        foreach (var (field, template) in new[] { ("recipient_list", p.RecipientList), ("subject", p.Subject), ("body", p.Body) })
        {
            if (SyntaxChecker.Check(template) is { } error)
            {
                yield return new GraphValidationIssue(field, $"Template syntax error: {error}");
            }
        }
    }

    public override async Task<NodeResult> ExecuteAsync(Params p, NodeContext context, CancellationToken ct)
    {
        var variables = TemplateVariables.For(context);
        var recipients = ParseRecipients(await RenderAsync(context, "recipient list", p.RecipientList, variables, ct));
        var subject = (await RenderAsync(context, "subject", p.Subject, variables, ct)).ReplaceLineEndings(" ").Trim();
        var body = string.IsNullOrWhiteSpace(p.Body) ? context.Input : await RenderAsync(context, "body", p.Body, variables, ct);

        var sent = new List<string>(recipients.Count);
        foreach (var to in recipients)
        {
            try
            {
                await context.Services.Email.SendAsync(new EmailMessage(to, subject, body), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not PipelineNodeException)
            {
                var already = sent.Count > 0 ? $" (already sent to {string.Join(", ", sent)})" : "";
                throw new PipelineNodeException($"Could not send the email to {to}: {ex.Message}{already}", ex);
            }
            sent.Add(to);
        }
        context.Note($"Sent email to {string.Join(", ", sent)}: {subject}");
        return NodeResult.Continue(context.Input);
    }

    private static async Task<string> RenderAsync(NodeContext context, string what, string template, IReadOnlyDictionary<string, object?> variables,
        CancellationToken ct)
    {
        try
        {
            return await context.Services.Templates.RenderAsync(template, variables, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PipelineNodeException($"Could not render the {what}: {ex.Message}", ex);
        }
    }

    /// <summary>Splits on commas, semicolons and line breaks; every address must be a plain, valid mailbox.</summary>
    internal static IReadOnlyList<string> ParseRecipients(string rendered)
    {
        var recipients = rendered.Split([',', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (recipients.Count == 0)
        {
            throw new PipelineNodeException($"No recipients: the recipient list rendered as '{rendered.Trim()}'.");
        }
        if (recipients.Count > MaxRecipients)
        {
            throw new PipelineNodeException($"Too many recipients ({recipients.Count}); at most {MaxRecipients}.");
        }
        var invalid = recipients.Where(r => !IsPlainAddress(r)).ToList();
        return invalid.Count == 0
            ? recipients
            : throw new PipelineNodeException(invalid.Count == 1
                ? $"'{invalid[0]}' is not a valid email address."
                : $"These are not valid email addresses: {string.Join(", ", invalid.Select(i => $"'{i}'"))}.");
    }

    /// <summary>local@domain and nothing else: no display name, no whitespace or control characters.</summary>
    private static bool IsPlainAddress(string text)
    {
        var at = text.LastIndexOf('@');
        return at > 0 && at < text.Length - 1 && !text.Any(char.IsWhiteSpace) && !text.Any(char.IsControl) &&
               !text[(at + 1)..].StartsWith('.') && !text.EndsWith('.') &&
               MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox) &&
               string.IsNullOrEmpty(mailbox.Name) && string.Equals(mailbox.Address, text, StringComparison.Ordinal);
    }
}
