using System.Net;
using System.Net.Sockets;

namespace OpenChatStudio.Core.Outbound;

/// <summary>Section <c>Outbound</c>: where the server may send requests on a team's behalf (LLM providers, later tools).</summary>
public sealed class OutboundOptions
{
    public const string SectionName = "Outbound";

    /// <summary>
    /// Allow loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 — cloud metadata —,
    /// fe80::/10) and other non-public addresses. Off by default: a team member could otherwise point a provider's base
    /// URL at the instance's own network. Turn on for a self-hosted Ollama on the same machine or network, or list just
    /// that host in <see cref="AllowedHosts"/>.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names (or addresses) allowed even when they resolve to a non-public address, e.g. <c>ollama</c>.</summary>
    public List<string> AllowedHosts { get; set; } = [];
}

/// <summary>A request was refused by the outbound policy before a connection was made.</summary>
public sealed class OutboundBlockedException(string message) : IOException(message);

/// <summary>
/// The outbound request policy: a <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host itself,
/// refuses non-public addresses unless <see cref="OutboundOptions"/> allows them, and connects to the address it
/// checked (so a DNS answer cannot change between the check and the connection).
/// </summary>
public sealed class OutboundPolicy(OutboundOptions options)
{
    public static OutboundPolicy AllowAll { get; } = new(new OutboundOptions { AllowPrivateNetworks = true });

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var permitted = IsAllowedHost(host) ? addresses : addresses.Where(IsPublic).ToArray();
        if (permitted.Length == 0)
        {
            throw new OutboundBlockedException(
                $"{host} is not a public address, and this server does not send requests to private, loopback or link-local " +
                "addresses (an operator can allow them with Outbound:AllowPrivateNetworks or Outbound:AllowedHosts)");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool IsAllowedHost(string host) =>
        options.AllowPrivateNetworks || options.AllowedHosts.Any(h => string.Equals(h.Trim(), host, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for addresses on the public internet; false for loopback, private, link-local, shared, multicast, reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None))
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)      // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                     // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));    // benchmarking
        }
        if (EmbeddedIPv4(address) is { } wrapped)
        {
            return IsPublic(wrapped);
        }
        var v6 = address.GetAddressBytes();
        if ((v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4] == 0x00 && v6[5] == 0x01)   // 64:ff9b:1::/48, local-use NAT64
            || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8))                               // 2001:db8::/32, documentation
        {
            return false;
        }
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
    }

    /// <summary>
    /// The IPv4 address an IPv6 address carries and reaches: NAT64 (64:ff9b::/96, RFC 6052: the gateway connects to the
    /// last 32 bits), 6to4 (2002::/16, RFC 3056: bits 16–47) and the deprecated IPv4-compatible form (::a.b.c.d).
    /// 64:ff9b::10.0.0.1 or 2002:0a00:0001:: reach a private network as surely as 10.0.0.1 does.
    /// </summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (b.Length != 16)
        {
            return null;
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b.AsSpan(2, 4));
        }
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1))   // not :: or ::1
        {
            return new IPAddress(b.AsSpan(12, 4));
        }
        return null;
    }
}
