namespace OpenChatStudio.Core.Llm;

/// <summary>The kinds of LLM provider a team can configure. The numeric values are stored; never renumber.</summary>
public enum LlmProviderType
{
    /// <summary>api.openai.com (or another base URL speaking the same protocol).</summary>
    OpenAI = 0,

    /// <summary>Azure OpenAI: resource endpoint, API version and deployment.</summary>
    AzureOpenAI = 1,

    /// <summary>Anthropic Messages API.</summary>
    Anthropic = 2,

    /// <summary>Ollama's native API (<c>/api/chat</c>).</summary>
    Ollama = 3,

    /// <summary>Any server speaking OpenAI chat completions: vLLM, LM Studio, Groq, DeepSeek, Ollama's <c>/v1</c>…</summary>
    OpenAICompatible = 4,

    /// <summary>The built-in offline model: deterministic, no network (see <see cref="OfflineModel"/>).</summary>
    Offline = 5,
}
