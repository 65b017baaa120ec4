using System.Diagnostics;
using System.Text.Json;
using OpenChatStudio.Core.Chatbots;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Web.Api;

/// <summary>
/// The OpenAI-compatible endpoint driven by the official <c>openai</c> npm client (pinned in OpenChatStudio.Tests/npm and installed
/// before the run by scripts/test-packages.sh), plain and streaming, against real Kestrel and the built-in offline model.
/// </summary>
public class OpenAiNodeClientTests : IClassFixture<OcsAppFactory>
{
    private readonly OcsAppFactory _app;

    public OpenAiNodeClientTests(OcsAppFactory app) => _app = app;

    private const string Script = """
        import OpenAI from 'openai';

        const messages = [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'My name is Ada.' },
          { role: 'assistant', content: 'Nice to meet you, Ada.' },
          { role: 'user', content: [{ type: 'text', text: 'What is ' }, { type: 'text', text: 'my name?' }] },
        ];
        const client = new OpenAI({ baseURL: process.env.OCS_BASE_URL, apiKey: process.env.OCS_API_KEY, maxRetries: 0 });

        const plain = await client.chat.completions.create({ model: 'any-model', messages });

        const stream = await client.chat.completions.create({ model: 'any-model', messages, stream: true });
        let streamed = '';
        let chunks = 0;
        let finish = null;
        let role = null;
        for await (const chunk of stream) {
          chunks++;
          const choice = chunk.choices[0];
          streamed += choice?.delta?.content ?? '';
          role = role ?? choice?.delta?.role ?? null;
          if (choice?.finish_reason) finish = choice.finish_reason;
        }

        let readOnlyStatus = null;
        try {
          const readOnly = new OpenAI({ baseURL: process.env.OCS_BASE_URL, apiKey: process.env.OCS_READ_KEY, maxRetries: 0 });
          await readOnly.chat.completions.create({ model: 'any-model', messages });
        } catch (e) {
          readOnlyStatus = e.status ?? String(e);
        }

        console.log(JSON.stringify({
          id: plain.id, object: plain.object, content: plain.choices[0].message.content, finishReason: plain.choices[0].finish_reason,
          streamed, chunks, finish, role, readOnlyStatus,
        }));
        """;

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, string workingDirectory, Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private async Task<JsonElement> RunClientAsync(string baseUrl, ApiTeam team)
    {
        var dir = Path.GetDirectoryName(Path.GetDirectoryName(TestPackages.Package("openai")))!;   // beside node_modules, so 'openai' resolves
        var script = Path.Combine(dir, $"chat-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var (code, output) = await RunAsync("node", [script], dir, new()
            {
                ["OCS_BASE_URL"] = baseUrl,
                ["OCS_API_KEY"] = team.WriteKey,
                ["OCS_READ_KEY"] = team.ReadKey,
            });
            Assert.True(code == 0, $"node exited {code}:\n{output}");
            var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
            return JsonDocument.Parse(json).RootElement;
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task OfficialOpenAiClient_GetsCompletion_PlainAndStreamed()
    {
        var team = await ApiTestKit.CreateTeamAsync(_app);

        var result = await RunClientAsync(new Uri(_app.BaseAddress, $"/api/openai/{team.PublicId}").ToString(), team);

        var expected = $"{OfflineModel.ReplyPrefix}you said \"What is my name?\".";
        Assert.Equal("chat.completion", result.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", result.GetProperty("id").GetString());
        Assert.Equal(expected, result.GetProperty("content").GetString());
        Assert.Equal("stop", result.GetProperty("finishReason").GetString());
        Assert.Equal(expected, result.GetProperty("streamed").GetString());
        Assert.True(result.GetProperty("chunks").GetInt32() >= 3, result.GetRawText());
        Assert.Equal("stop", result.GetProperty("finish").GetString());
        Assert.Equal("assistant", result.GetProperty("role").GetString());
        Assert.Equal(403, result.GetProperty("readOnlyStatus").GetInt32());
    }

    [Fact]
    public async Task OfficialOpenAiClient_OnAVersionedBaseUrl_TalksToThatVersion()
    {
        var team = await OpenAiVersionedApiTests.TwoVersionsAsync(_app);

        var pinned = await RunClientAsync(new Uri(_app.BaseAddress, $"/api/openai/{team.PublicId}/v1").ToString(), team);
        var latest = await RunClientAsync(new Uri(_app.BaseAddress, $"/api/v1/openai/{team.PublicId}/v2").ToString(), team);

        // Version 1 is an echo bot: the reply is the last user message; version 2 is the offline assistant.
        Assert.Equal("What is my name?", pinned.GetProperty("content").GetString());
        Assert.Equal("What is my name?", pinned.GetProperty("streamed").GetString());
        Assert.Equal($"{OfflineModel.ReplyPrefix}you said \"What is my name?\".", latest.GetProperty("streamed").GetString());
        Assert.Equal(latest.GetProperty("content").GetString(), latest.GetProperty("streamed").GetString());
    }
}
