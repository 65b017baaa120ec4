using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace OpenChatStudio.Tests.TestSupport;

/// <summary>
/// An OTLP/HTTP collector on 127.0.0.1 (Kestrel): accepts <c>POST /v1/traces</c> and <c>/v1/metrics</c> with protobuf
/// bodies, answers 200 as a collector does, and keeps what it received. Protobuf keeps strings as plain UTF-8, so a test
/// can look for span names and attribute values in the bytes.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOtlpCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> Received { get; } = new();

    public string Url => _app.Urls.First();

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            collector.Received.Enqueue(("/v1/" + signal, request.ContentType, body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return collector;
    }

    /// <summary>Whether any body sent to <paramref name="path"/> contains every one of <paramref name="texts"/>.</summary>
    public bool Saw(string path, params string[] texts) => Received.Any(r => r.Path == path && texts.All(t => Contains(r.Body, t)));

    public static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
