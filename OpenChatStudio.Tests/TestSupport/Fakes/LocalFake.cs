using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>What the platform fakes (Telegram, Twilio, Meta) share: a Kestrel on 127.0.0.1:0, and waiting for what they received.</summary>
internal static class LocalFake
{
    /// <summary>Starts a slim web app with <paramref name="map"/>'s routes; returns it and its root URL (no trailing slash).</summary>
    public static async Task<(WebApplication App, Uri Root)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var root = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
        return (app, root);
    }

    /// <summary>Waits until <paramref name="read"/> returns at least <paramref name="count"/> items (30 s unless told), saying what arrived if not.</summary>
    public static async Task<IReadOnlyList<T>> WaitForAsync<T>(string recipient, Func<IReadOnlyList<T>> read, int count, TimeSpan? timeout,
        Func<T, string> describe)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var items = read();
            if (items.Count >= count)
            {
                return items;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{recipient} got {items.Count} of {count} messages: {string.Join(" | ", items.Select(describe))}");
            }
            await Task.Delay(50);
        }
    }
}
