using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http;
using Anthropic;
using Azure.AI.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OllamaSharp;
using OpenAI;

namespace OpenChatStudio.Core.Llm;

/// <summary>
/// Builds the Semantic Kernel <see cref="IChatCompletionService"/> for a provider + model. Register as a singleton: it owns
/// one pooled <see cref="SocketsHttpHandler"/> that every provider's HTTP goes through, behind <see cref="LlmRetryHandler"/>
/// (the only retries; the SDKs' own are off). Every returned service applies <see cref="LlmOptions.TimeoutSeconds"/> and
/// throws <see cref="LlmProviderException"/> on failure (the offline model never fails).
/// </summary>
public sealed class ChatServiceFactory : IDisposable
{
    public const string DefaultOpenAIBaseUrl = "https://api.openai.com/v1";
    public const string DefaultAnthropicBaseUrl = "https://api.anthropic.com";
    public const string DefaultOllamaBaseUrl = "http://localhost:11434";

    private readonly LlmOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<ChatServiceFactory> _logger;
    private readonly HttpMessageHandler _handler;
    private readonly HttpClient _httpClient;

    public ChatServiceFactory(IOptions<LlmOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null,
        Outbound.OutboundPolicy? outbound = null)
    {
        _options = options.Value;
        if (_options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ChatServiceFactory>();
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(15, _options.TimeoutSeconds)),
            AutomaticDecompression = DecompressionMethods.All,
            // Every provider call goes through the outbound policy (no private addresses unless the operator allows them).
            ConnectCallback = (outbound ?? Outbound.OutboundPolicy.AllowAll).ConnectAsync,
        };
        _handler = new LlmRetryHandler(_options, _loggerFactory.CreateLogger<LlmRetryHandler>(), timeProvider ?? TimeProvider.System)
        {
            InnerHandler = sockets,
        };
        _httpClient = NewHttpClient(baseAddress: null);
    }

    /// <summary>
    /// The chat service for <paramref name="model"/> at the provider described by <paramref name="settings"/>. Nothing is sent
    /// until the service is used. Throws <see cref="LlmProviderException"/> (not transient) when the settings cannot work,
    /// e.g. a missing or malformed base URL.
    /// </summary>
    public IChatCompletionService Create(LlmProviderSettings settings, string model)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(model))
        {
            throw LlmProviderException.Configuration("Choose a model for this provider.");
        }
        if (settings.Type == LlmProviderType.Offline)
        {
            return new OfflineChatCompletionService();
        }
        // Forms store empty strings; treat them as "not entered" so the defaults apply.
        settings = settings with
        {
            BaseUrl = string.IsNullOrWhiteSpace(settings.BaseUrl) ? null : settings.BaseUrl.Trim(),
            ApiKey = string.IsNullOrWhiteSpace(settings.ApiKey) ? null : settings.ApiKey.Trim(),
        };

        IChatCompletionService inner = settings.Type switch
        {
            LlmProviderType.OpenAI => CreateOpenAI(settings, model, Url(settings.BaseUrl ?? DefaultOpenAIBaseUrl, "base URL")),
            LlmProviderType.OpenAICompatible => CreateOpenAI(settings, model, Url(
                settings.BaseUrl ?? throw LlmProviderException.Configuration(
                    "Enter the base URL of the OpenAI-compatible server, including /v1 (e.g. http://localhost:11434/v1)."),
                "base URL")),
            LlmProviderType.AzureOpenAI => CreateAzure(settings, model),
            LlmProviderType.Anthropic => CreateAnthropic(settings, model),
            LlmProviderType.Ollama => CreateOllama(settings, model),
            _ => throw LlmProviderException.Configuration($"Unknown provider type {settings.Type}."),
        };
        _logger.LogDebug("Created {ProviderType} chat service for model {Model}", settings.Type, model);
        return new ResilientChatCompletionService(inner, _options, _loggerFactory.CreateLogger<ResilientChatCompletionService>(), settings.Type, model);
    }

    private OpenAIChatCompletionService CreateOpenAI(LlmProviderSettings settings, string model, Uri endpoint)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            OrganizationId = string.IsNullOrWhiteSpace(settings.Organization) ? null : settings.Organization,
        };
        ConfigurePipeline(clientOptions);
        // Local servers usually ignore the key, but the SDK needs one.
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(settings.ApiKey) ? "none" : settings.ApiKey), clientOptions);
        return new OpenAIChatCompletionService(model, client, _loggerFactory);
    }

    private AzureOpenAIChatCompletionService CreateAzure(LlmProviderSettings settings, string model)
    {
        // The SDK appends "/openai/..." to the endpoint as written; a trailing slash would double it.
        var endpoint = Url((settings.BaseUrl ?? throw LlmProviderException.Configuration(
            "Enter the Azure OpenAI endpoint, e.g. https://my-resource.openai.azure.com/.")).Trim().TrimEnd('/'), "endpoint");
        if (string.IsNullOrEmpty(settings.ApiKey))
        {
            throw LlmProviderException.Configuration("Enter the Azure OpenAI API key.");
        }
        var clientOptions = AzureOptions(settings.ApiVersion);
        ConfigurePipeline(clientOptions);
        var client = new AzureOpenAIClient(endpoint, new ApiKeyCredential(settings.ApiKey), clientOptions);
        var deployment = string.IsNullOrWhiteSpace(settings.Deployment) ? model : settings.Deployment.Trim();
        return new AzureOpenAIChatCompletionService(deployment, client, model, _loggerFactory);
    }

    private ChatClientCompletionService CreateAnthropic(LlmProviderSettings settings, string model)
    {
        var baseUrl = Url(TrimSuffix(settings.BaseUrl ?? DefaultAnthropicBaseUrl, "/v1"), "base URL");
        var client = new AnthropicClient
        {
            HttpClient = _httpClient,
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
            // Null means "no key" here, and stops the SDK from reading ANTHROPIC_API_KEY from the environment.
            ApiKey = string.IsNullOrEmpty(settings.ApiKey) ? null : settings.ApiKey,
            MaxRetries = 0,
            // Ours (ResilientChatCompletionService) fires first; this only keeps the SDK from cutting a stream short.
            Timeout = _options.Timeout + TimeSpan.FromSeconds(5),
        };
        return new ChatClientCompletionService(client.AsIChatClient(model));
    }

    private ChatClientCompletionService CreateOllama(LlmProviderSettings settings, string model)
    {
        // OllamaSharp resolves "api/chat" against the base address, which therefore must end with '/'.
        var baseUrl = Url(TrimSuffix(TrimSuffix(settings.BaseUrl ?? DefaultOllamaBaseUrl, "/v1"), "/api") + "/", "base URL");
        IChatClient client = new OllamaApiClient(NewHttpClient(baseUrl), model);
        return new ChatClientCompletionService(client);
    }

    private void ConfigurePipeline(ClientPipelineOptions clientOptions)
    {
        clientOptions.Transport = new HttpClientPipelineTransport(_httpClient);
        clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        clientOptions.NetworkTimeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>Maps "2024-10-21" / "2025-04-01-preview" to the SDK's version enum; empty means the SDK default.</summary>
    private static AzureOpenAIClientOptions AzureOptions(string? apiVersion)
    {
        if (string.IsNullOrWhiteSpace(apiVersion))
        {
            return new AzureOpenAIClientOptions();
        }
        var name = "V" + apiVersion.Trim().Replace('-', '_');
        if (Enum.TryParse<AzureOpenAIClientOptions.ServiceVersion>(name, ignoreCase: true, out var version)
            && Enum.IsDefined(version))
        {
            return new AzureOpenAIClientOptions(version);
        }
        var known = string.Join(", ", Enum.GetNames<AzureOpenAIClientOptions.ServiceVersion>()
            .Select(n => n[1..].Replace('_', '-').Replace("Preview", "preview", StringComparison.Ordinal)));
        throw LlmProviderException.Configuration($"Azure API version \"{apiVersion}\" is not supported. Use one of: {known}.");
    }

    private HttpClient NewHttpClient(Uri? baseAddress) =>
        new(_handler, disposeHandler: false) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };

    private static Uri Url(string value, string what)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }
        throw LlmProviderException.Configuration($"The {what} \"{value}\" is not an http(s) URL.");
    }

    private static string TrimSuffix(string url, string suffix)
    {
        var trimmed = url.Trim().TrimEnd('/');
        return trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? trimmed[..^suffix.Length] : trimmed;
    }

    public void Dispose()
    {
        _httpClient.Dispose();
        _handler.Dispose();
    }
}
