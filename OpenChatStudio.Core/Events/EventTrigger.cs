using System.Text.Json;
using System.Text.Json.Serialization;
using OpenChatStudio.Core.Pipelines.Tools;

namespace OpenChatStudio.Core.Events;

/// <summary>When a static trigger fires (OCS StaticTriggerType).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StaticTriggerType>))]
public enum StaticTriggerType
{
    ConversationStart,
    ParticipantJoined,
    NewHumanMessage,
    NewBotMessage,

    /// <summary>Any end, whoever ended it.</summary>
    ConversationEnd,
    ConversationEndedByUser,
    ConversationEndedByBot,
    ConversationEndedViaApi,
    ConversationEndedByEvent,
    ConversationEndedManually,

    /// <summary>After a timeout trigger's final firing.</summary>
    LastTimeout,
}

[JsonConverter(typeof(JsonStringEnumConverter<EventActionType>))]
public enum EventActionType
{
    Log,
    EndConversation,

    /// <summary>The bot composes a message from <see cref="EventAction.Prompt"/> and the history, and sends it.</summary>
    SendMessage,

    /// <summary>Creates a scheduled message for the participant.</summary>
    ScheduleMessage,

    /// <summary>Runs another chatbot's pipeline with this conversation's history.</summary>
    StartPipeline,
}

[JsonConverter(typeof(JsonStringEnumConverter<PipelineHistoryInput>))]
public enum PipelineHistoryInput
{
    FullHistory,

    /// <summary>The history since the last summary (the whole history while no summaries are stored).</summary>
    LastSummary,
    LastMessage,
}

/// <summary>What a trigger does. Only the fields of its <see cref="Type"/> matter.</summary>
public sealed record EventAction
{
    public EventActionType Type { get; init; }

    /// <summary>SendMessage, ScheduleMessage: what the bot should say (an instruction to the bot).</summary>
    public string? Prompt { get; init; }

    /// <summary>ScheduleMessage: the schedule's name.</summary>
    public string? Name { get; init; }

    /// <summary>ScheduleMessage: first delivery after this many periods; then every <see cref="Every"/> periods.</summary>
    public int? Every { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<TimePeriod>))]
    public TimePeriod? Period { get; init; }

    /// <summary>ScheduleMessage: total deliveries (1 = once).</summary>
    public int? Repetitions { get; init; }

    /// <summary>StartPipeline: the chatbot whose pipeline runs.</summary>
    public Guid? TargetChatbotId { get; init; }

    public PipelineHistoryInput? HistoryInput { get; init; }

    public string Describe() => Type switch
    {
        EventActionType.Log => "Log the event",
        EventActionType.EndConversation => "End the conversation",
        EventActionType.SendMessage => $"Send a message: {Prompt}",
        EventActionType.ScheduleMessage => $"Schedule \"{Name}\" every {Every} {Period?.ToString().ToLowerInvariant()}, {Repetitions ?? 1} time(s)",
        EventActionType.StartPipeline => $"Start another chatbot's pipeline ({HistoryInput ?? PipelineHistoryInput.FullHistory})",
        _ => Type.ToString(),
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<TriggerKind>))]
public enum TriggerKind
{
    Static,
    Timeout,
}

/// <summary>
/// A chatbot's event trigger with its action, stored in <c>Chatbot.TriggersJson</c> (and copied into versions).
/// <see cref="Id"/> is stable across edits and versions, so logs and timeout counts follow the trigger.
/// </summary>
public sealed record EventTrigger
{
    public string Id { get; init; } = NewId();

    public TriggerKind Kind { get; init; }

    /// <summary>Static triggers: when.</summary>
    public StaticTriggerType? StaticType { get; init; }

    /// <summary>Timeout triggers: seconds without a human reply.</summary>
    public int? DelaySeconds { get; init; }

    /// <summary>Timeout triggers: how many times it fires per human message (then <see cref="StaticTriggerType.LastTimeout"/>).</summary>
    public int? TotalFires { get; init; }

    /// <summary>Timeout triggers: count from the session's first human message instead of the last.</summary>
    public bool FromFirstMessage { get; init; }

    public bool IsActive { get; init; } = true;

    /// <summary>Timeout triggers never fire for messages older than this (no retroactive firing after an edit).</summary>
    public DateTime ConfigChangedAt { get; init; }

    public EventAction Action { get; init; } = new();

    public string Describe() => Kind == TriggerKind.Timeout
        ? $"After {DelaySeconds} s without a reply{(FromFirstMessage ? " (from the first message)" : "")}, up to {TotalFires ?? 1} time(s)"
        : $"On {StaticType}";

    public static string NewId() => "t" + Guid.NewGuid().ToString("N")[..10];
}

/// <summary>Reads and writes the triggers JSON.</summary>
public static class TriggerJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IReadOnlyList<EventTrigger> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<EventTrigger>>(json, Options) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public static string Write(IEnumerable<EventTrigger> triggers) => JsonSerializer.Serialize(triggers.ToList(), Options);
}
