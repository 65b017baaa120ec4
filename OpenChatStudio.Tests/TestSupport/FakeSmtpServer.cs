using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// A minimal SMTP server on 127.0.0.1 that speaks enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, QUIT, RSET, NOOP)
/// for a real SMTP client, and keeps the messages it receives. It advertises 8BITMIME and keeps the message bytes as
/// they arrived (Latin-1 maps each byte to one char), so <see cref="ReceivedMail.Parse"/> can decode any transfer encoding.
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private readonly List<ReceivedMail> _messages = [];

    public int Port { get; }

    public FakeSmtpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptLoopAsync();
    }

    public IReadOnlyList<ReceivedMail> Messages
    {
        get
        {
            lock (_messages)
            {
                return _messages.ToList();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_cts.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        await using var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 fake-smtp ready");
        var from = "";
        var recipients = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-fake-smtp");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "MAIL":
                    from = Address(line);
                    recipients.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    recipients.Add(Address(line));
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RSET":
                    from = "";
                    recipients.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } d && d != ".")
                    {
                        data.Append(d.StartsWith("..", StringComparison.Ordinal) ? d[1..] : d).Append("\r\n");
                    }
                    lock (_messages)
                    {
                        _messages.Add(new ReceivedMail(from, recipients.ToList(), data.ToString()));
                    }
                    recipients.Clear();
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    /// <summary>The address in "MAIL FROM:&lt;a@b&gt; SIZE=…" or "RCPT TO:&lt;a@b&gt;".</summary>
    private static string Address(string line)
    {
        var value = line[(line.IndexOf(':') + 1)..].Trim();
        var end = value.IndexOf('>');
        return (end >= 0 ? value[..(end + 1)] : value.Split(' ')[0]).Trim('<', '>');
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        await _loop;
        _cts.Dispose();
    }

    /// <summary>One message as received: envelope sender and recipients, and the raw DATA with dot-stuffing undone.</summary>
    public sealed record ReceivedMail(string From, IReadOnlyList<string> Recipients, string Data)
    {
        /// <summary>The envelope recipients, comma-separated.</summary>
        public string To => string.Join(",", Recipients);

        /// <summary>The message decoded by MimeKit (headers, and bodies in whatever transfer encoding the client chose).</summary>
        public MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Encoding.Latin1.GetBytes(Data)));
    }
}
