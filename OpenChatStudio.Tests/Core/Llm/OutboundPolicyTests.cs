using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Outbound;
using OpenChatStudio.Tests.TestSupport.Fakes;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

/// <summary>
/// Provider calls go through the outbound policy: a base URL on a private, loopback or link-local address is refused
/// before any connection unless the operator allows it. The "internal service" is a real local HTTP server.
/// </summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public sealed class OutboundPolicyTests : IAsyncLifetime
{
    private FakeOpenAiServer _internal = default!;

    public async Task InitializeAsync() => _internal = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _internal.DisposeAsync();

    private ChatServiceFactory Factory(OutboundOptions outbound) =>
        new(Options.Create(new LlmOptions { TimeoutSeconds = 10, MaxRetries = 0 }), outbound: new OutboundPolicy(outbound));

    private async Task<string> AskAsync(ChatServiceFactory factory)
    {
        var reply = await factory.Create(new LlmProviderSettings(LlmProviderType.OpenAICompatible, _internal.BaseUri.ToString(), "k"), "m")
            .GetChatMessageContentAsync(LlmTestKit.Ask("Hi"), kernel: null, cancellationToken: CancellationToken.None);
        return reply.Content ?? "";
    }

    [Fact]
    public async Task LoopbackBaseUrl_IsRefusedBeforeAnyRequest_WithAClearReason()
    {
        _internal.Enqueue(FakeReply.Say("internal secret"));
        using var factory = Factory(new OutboundOptions());

        var error = await Assert.ThrowsAsync<LlmProviderException>(() => AskAsync(factory));

        Assert.Contains("is not a public address", error.UserMessage);
        Assert.Contains("Outbound:AllowPrivateNetworks", error.UserMessage);
        Assert.DoesNotContain("internal secret", error.UserMessage);
        Assert.Empty(_internal.Requests);
    }

    [Fact]
    public async Task AllowedByTheOperator_ByTheSwitchOrByHost_TheCallGoesThrough()
    {
        _internal.Enqueue(FakeReply.Say("hello from ollama"));
        _internal.Enqueue(FakeReply.Say("hello again"));
        using var open = Factory(new OutboundOptions { AllowPrivateNetworks = true });
        using var listed = Factory(new OutboundOptions { AllowedHosts = [new Uri(_internal.BaseUri.ToString()).Host] });

        Assert.Equal("hello from ollama", await AskAsync(open));
        Assert.Equal("hello again", await AskAsync(listed));
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("169.254.169.254", false)]   // cloud metadata
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::10.0.0.1", false)]          // NAT64 of a private address
    [InlineData("64:ff9b::a9fe:a9fe", false)]         // NAT64 of 169.254.169.254 (cloud metadata)
    [InlineData("64:ff9b::127.0.0.1", false)]
    [InlineData("64:ff9b:1::10.0.0.1", false)]        // local-use NAT64 prefix
    [InlineData("2002:c0a8:0101::1", false)]          // 6to4 of 192.168.1.1
    [InlineData("2002:7f00:0001::", false)]           // 6to4 of 127.0.0.1
    [InlineData("2002:a9fe:a9fe::1", false)]          // 6to4 of 169.254.169.254
    [InlineData("::10.0.0.1", false)]                 // IPv4-compatible (deprecated)
    [InlineData("2001:db8::1", false)]                // documentation
    [InlineData("64:ff9b::8.8.8.8", true)]            // NAT64 of a public address
    [InlineData("2002:0808:0808::1", true)]           // 6to4 of 8.8.8.8
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    public void IsPublic_ClassifiesAddresses(string address, bool expected) =>
        Assert.Equal(expected, OutboundPolicy.IsPublic(IPAddress.Parse(address)));
}
