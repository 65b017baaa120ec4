using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenChatStudio.Core.Chat;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Core.Outbound;
using OpenChatStudio.Core.Providers;

namespace OpenChatStudio.Core.Channels.Messaging;

/// <summary>
/// Turns a participant's voice note into text with the speech-to-text provider chosen on the channel: one of the team's
/// OpenAI or OpenAI-compatible providers, through its <c>/audio/transcriptions</c> endpoint (multipart: file, model), out
/// through the outbound policy like every provider call.
/// </summary>
public sealed class VoiceTranscriber : IDisposable
{
    /// <summary>Channel setting: the id of the team's provider that transcribes voice notes (empty: voice notes are not transcribed).</summary>
    public const string ProviderSetting = "stt_provider_id";

    /// <summary>Channel setting: the transcription model (default <see cref="DefaultModel"/>).</summary>
    public const string ModelSetting = "stt_model";

    public const string DefaultModel = "whisper-1";

    /// <summary>Provider types that speak OpenAI's audio API.</summary>
    public static readonly IReadOnlySet<LlmProviderType> Supported = new HashSet<LlmProviderType> { LlmProviderType.OpenAI, LlmProviderType.OpenAICompatible };

    private readonly IDbContextFactory<AppDbContext> dbFactory;
    private readonly ProviderService providers;
    private readonly HttpClient _http;

    public VoiceTranscriber(IDbContextFactory<AppDbContext> dbFactory, ProviderService providers, OutboundPolicy outbound)
    {
        this.dbFactory = dbFactory;
        this.providers = providers;
        _http = new HttpClient(new SocketsHttpHandler { ConnectCallback = outbound.ConnectAsync, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public static bool IsOn(ChannelCredentials channel) => Guid.TryParse(channel.Setting(ProviderSetting), out _);

    /// <summary>The voice note's text, or the reason it could not be transcribed.</summary>
    public async Task<(string? Text, string? Problem)> TranscribeAsync(ChannelCredentials channel, UploadedFile audio, CancellationToken ct)
    {
        if (!Guid.TryParse(channel.Setting(ProviderSetting), out var providerId))
        {
            return (null, "No speech-to-text provider is chosen for this channel.");
        }
        LlmProvider? provider;
        await using (var db = await dbFactory.CreateForTeamAsync(channel.TeamId, ct))
        {
            provider = await db.LlmProviders.AsNoTracking().FirstOrDefaultAsync(p => p.Id == providerId, ct);
        }
        if (provider is null || !Supported.Contains(provider.Type))
        {
            return (null, "The channel's speech-to-text provider was removed or cannot transcribe.");
        }
        var settings = providers.SettingsOf(provider);
        var root = string.IsNullOrWhiteSpace(settings.BaseUrl) ? "https://api.openai.com/v1" : settings.BaseUrl.TrimEnd('/');
        var model = channel.Setting(ModelSetting) is { Length: > 0 } chosen ? chosen : DefaultModel;
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(audio.Content);
        file.Headers.ContentType = MediaTypeHeaderValue.TryParse(audio.ContentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", audio.Name);
        form.Add(new StringContent(model), "model");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{root}/audio/transcriptions") { Content = form };
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                // The status only: a provider's error body may echo internal details (docs/security.md).
                return (null, $"The speech-to-text provider answered {(int)response.StatusCode}.");
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var text = json.RootElement.TryGetProperty("text", out var t) ? t.GetString()?.Trim() : null;
            return string.IsNullOrEmpty(text) ? (null, "The voice message had no words in it.") : (text, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or OutboundBlockedException)
        {
            return (null, $"The speech-to-text provider could not be reached ({ex.GetType().Name}).");
        }
    }

    public void Dispose() => _http.Dispose();
}
