using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Core.Chat;

/// <summary>What one pipeline run did for one human message: per-node trace (JSON), totals and any error.</summary>
public sealed class RunTrace : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    public Guid InputMessageId { get; private set; }

    public Guid? OutputMessageId { get; set; }

    /// <summary>JSON array of node traces (input, output, route, duration, tokens, cost, error, notes).</summary>
    public string NodesJson { get; set; } = "[]";

    public double DurationMs { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public decimal Cost { get; set; }

    public string? Error { get; set; }

    public string? FailedNodeId { get; set; }

    public DateTime CreatedAt { get; private set; }

    private RunTrace()
    {
    }

    public RunTrace(Guid teamId, Guid sessionId, Guid inputMessageId)
    {
        TeamId = teamId;
        SessionId = sessionId;
        InputMessageId = inputMessageId;
    }
}

/// <summary>Tokens and cost of one LLM call, for usage reports.</summary>
public sealed class UsageRecord : ITeamOwned
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    public Guid RunTraceId { get; private set; }

    public string NodeId { get; private set; } = "";

    public string Model { get; private set; } = "";

    public long InputTokens { get; private set; }

    public long OutputTokens { get; private set; }

    public decimal Cost { get; private set; }

    public DateTime CreatedAt { get; private set; }

    private UsageRecord()
    {
    }

    public UsageRecord(Guid teamId, Guid sessionId, Guid runTraceId, string nodeId, string model, long inputTokens, long outputTokens, decimal cost)
    {
        TeamId = teamId;
        SessionId = sessionId;
        RunTraceId = runTraceId;
        NodeId = nodeId;
        Model = model;
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        Cost = cost;
    }
}

/// <summary>An exchange remembered by a node-scoped or named history.</summary>
public sealed class PipelineHistoryEntry : ITeamOwned
{
    public long Id { get; private set; }

    public Guid TeamId { get; private set; }

    public Guid SessionId { get; private set; }

    public string HistoryType { get; private set; } = "";

    public string Name { get; private set; } = "";

    public string Human { get; private set; } = "";

    public string Ai { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }

    private PipelineHistoryEntry()
    {
    }

    public PipelineHistoryEntry(Guid teamId, Guid sessionId, string historyType, string name, string human, string ai)
    {
        TeamId = teamId;
        SessionId = sessionId;
        HistoryType = historyType;
        Name = name;
        Human = human;
        Ai = ai;
    }
}
