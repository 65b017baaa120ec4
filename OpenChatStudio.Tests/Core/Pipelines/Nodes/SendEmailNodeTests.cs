using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OpenChatStudio.Core.Email;
using OpenChatStudio.Core.Pipelines.Execution;
using OpenChatStudio.Core.Pipelines.Graph;
using OpenChatStudio.Tests.TestSupport;
using OpenChatStudio.Tests.TestSupport.Pipelines;

namespace OpenChatStudio.Tests.Core.Pipelines.Nodes;

[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class SendEmailNodeTests : IAsyncLifetime
{
    private readonly FakeSmtpServer _smtp = new();
    private readonly EngineHarness _engine;

    public SendEmailNodeTests() => _engine = new EngineHarness(email: Sender(_smtp.Port));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private static SmtpEmailSender Sender(int port) => new(Options.Create(new EmailOptions
    {
        SmtpHost = "127.0.0.1",
        SmtpPort = port,
        SmtpUseSsl = false,
        From = "Study Bot <bot@example.test>",
    }));

    private static PipelineGraph EmailGraph(string recipients, string subject, string body = "") => PipelineGraphBuilder.WithStartAndEnd()
        .Node("email", "SendEmail", new { recipient_list = recipients, subject, body })
        .Connect("start -> email", "email -> end").Build();

    private static PipelineRunState Participant(string email) =>
        new("I need help with my order", new JsonObject { ["email"] = email, ["name"] = "Zoë" });

    [Fact]
    public async Task SendEmail_RealSmtpPeer_SendsRenderedMailToEachRecipient_AndPassesInputThrough()
    {
        var graph = EmailGraph("{{ participant_data.email }}, team@example.test", "Lead from {{ participant_data.name }}",
            "{{ participant_data.name }} wrote: {{ input }}\nPrice: 5 €");

        var result = await _engine.RunAsync(graph, "I need help with my order", Participant("zoe@example.test"));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("I need help with my order", result.Reply);
        Assert.Equal(["zoe@example.test", "team@example.test"], _smtp.Messages.Select(m => m.To));
        foreach (var mail in _smtp.Messages)
        {
            using var message = mail.Parse();
            Assert.Equal("Lead from Zoë", message.Subject);
            Assert.Equal(mail.To, Assert.Single(message.To.Mailboxes).Address);
            Assert.Equal("bot@example.test", Assert.Single(message.From.Mailboxes).Address);
            Assert.Equal("Zoë wrote: I need help with my order\nPrice: 5 €", (message.TextBody ?? "").ReplaceLineEndings("\n").TrimEnd());
        }
        var notes = result.Trace.Single(t => t.NodeName == "email").Notes;
        Assert.Equal(["Sent email to zoe@example.test, team@example.test: Lead from Zoë"], notes);
    }

    [Fact]
    public async Task SendEmail_EmptyBody_SendsTheInput()
    {
        var result = await _engine.RunAsync(EmailGraph("ops@example.test", "Transcript"), "the conversation so far");

        Assert.True(result.Succeeded, result.Error);
        using var message = Assert.Single(_smtp.Messages).Parse();
        Assert.Equal("the conversation so far", (message.TextBody ?? "").TrimEnd());
    }

    [Theory]
    [InlineData("not-an-email", "'not-an-email' is not a valid email address.")]
    [InlineData("Zoe <zoe@example.test>", "'Zoe <zoe@example.test>' is not a valid email address.")]
    [InlineData("zoe@", "'zoe@' is not a valid email address.")]
    public async Task SendEmail_InvalidRenderedAddress_FailsTheRunNamingIt_AndSendsNothing(string address, string expected)
    {
        var result = await _engine.RunAsync(EmailGraph("team@example.test, {{ participant_data.email }}", "Hi"), "x", Participant(address));

        Assert.False(result.Succeeded);
        Assert.Equal("email", result.FailedNodeId);
        Assert.Equal($"email: {expected}", result.Error);
        Assert.Empty(_smtp.Messages);
    }

    [Fact]
    public async Task SendEmail_RecipientsRenderEmpty_FailsClearly()
    {
        var result = await _engine.RunAsync(EmailGraph("{{ participant_data.email }}", "Hi"), "x", Participant(""));

        Assert.Equal("email: No recipients: the recipient list rendered as ''.", result.Error);
    }

    [Fact]
    public async Task SendEmail_UnknownTemplateVariable_FailsTheRun()
    {
        var result = await _engine.RunAsync(EmailGraph("a@example.test", "{{ participant_data.nickname }}"), "x", Participant("a@example.test"));

        Assert.Equal("email", result.FailedNodeId);
        Assert.StartsWith("email: Could not render the subject: ", result.Error);
        Assert.Empty(_smtp.Messages);
    }

    [Fact]
    public async Task SendEmail_SmtpServerDown_FailsNamingTheRecipient()
    {
        int closedPort;
        await using (var gone = new FakeSmtpServer())
        {
            closedPort = gone.Port;
        }
        var engine = new EngineHarness(email: Sender(closedPort));

        var result = await engine.RunAsync(EmailGraph("a@example.test", "Hi"), "x");

        Assert.Equal("email", result.FailedNodeId);
        Assert.StartsWith("email: Could not send the email to a@example.test:", result.Error);
    }

    [Theory]
    [InlineData("subject", "Hello {{ participant_data.name ")]
    [InlineData("body", "{% if input %}unclosed")]
    [InlineData("recipient_list", "{{ }")]
    public void SendEmail_BadLiquid_IsAValidationErrorOnThatField(string field, string template)
    {
        var parameters = new JsonObject { ["recipient_list"] = "a@example.test", ["subject"] = "Hi", ["body"] = "" };
        parameters[field] = template;
        var graph = new PipelineGraph(
            [
                GraphNode.Create("start", "StartNode", "start"),
                new GraphNode("email", "SendEmail", "email", parameters),
                GraphNode.Create("end", "EndNode", "end"),
            ],
            [new GraphEdge("start", "output", "email"), new GraphEdge("email", "output", "end")]);

        var error = Assert.Single(new GraphValidator(_engine.Registry).Validate(graph));

        Assert.Equal(("email", field), (error.NodeId, error.Field));
        Assert.StartsWith("Template syntax error", error.Message);
    }

    [Fact]
    public async Task SmtpEmailSender_ServerNeverAnswers_HonoursCancellation()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            using var cts = new CancellationTokenSource(300);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                Sender(port).SendAsync(new EmailMessage("a@example.test", "Hi", "Body"), cts.Token));
        }
        finally
        {
            silent.Stop();
        }
    }
}
