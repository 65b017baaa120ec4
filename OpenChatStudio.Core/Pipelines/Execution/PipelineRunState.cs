using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>
/// Typed state of one pipeline run. Participant data and session state persist after the run; temp state is scratch.
/// Branches may run in parallel, so every mutation takes the state's lock.
/// </summary>
public sealed class PipelineRunState
{
    public const string EndSessionIntent = "end_session";

    private static readonly HashSet<string> ReservedTempKeys = ["user_input", "outputs", "attachments"];
    private static readonly HashSet<string> ReservedSessionKeys = ["user_input", "outputs", "attachments", "remote_context"];

    private readonly object _sync = new();
    private readonly Dictionary<string, string> _outputs = new(StringComparer.Ordinal);
    private readonly JsonObject _temp = new();
    private readonly List<(string Tag, string? Category)> _messageTags = [];
    private readonly List<string> _sessionTags = [];
    private readonly HashSet<string> _intents = new(StringComparer.Ordinal);
    private readonly List<ParticipantDataChange> _participantDataChanges = [];
    private Dictionary<string, string>? _selectedRoutes;
    private Dictionary<string, string>? _cameFrom;

    public PipelineRunState(string userInput, JsonObject? participantData = null, JsonObject? sessionState = null, ParticipantDetails? participant = null)
    {
        UserInput = userInput;
        ParticipantData = participantData ?? new JsonObject();
        SessionState = sessionState ?? new JsonObject();
        Participant = participant ?? ParticipantDetails.Anonymous;
    }

    public string UserInput { get; }

    /// <summary>Files the participant sent with this message (read-only; <c>temp_state.attachments</c>).</summary>
    public IReadOnlyList<PipelineAttachment> Attachments { get; init; } = [];

    /// <summary>The attachment with this id, if the message carries it.</summary>
    public PipelineAttachment? FindAttachment(int id) => Attachments.FirstOrDefault(a => a.Id == id);

    private JsonArray AttachmentsJson() => new(Attachments.Select(a => (JsonNode?)a.ToJson()).ToArray());

    public ParticipantDetails Participant { get; }

    /// <summary>Persisted per participant and chatbot after the run. Read through the helpers; mutate only under the lock.</summary>
    public JsonObject ParticipantData { get; }

    /// <summary>Persisted on the session after the run.</summary>
    public JsonObject SessionState { get; }

    public bool ParticipantDataChanged
    {
        get
        {
            lock (_sync)
            {
                return _participantDataChanges.Count > 0;
            }
        }
    }

    public bool SessionStateChanged { get; private set; }

    public IReadOnlyDictionary<string, string> Outputs
    {
        get
        {
            lock (_sync)
            {
                return new Dictionary<string, string>(_outputs);
            }
        }
    }

    public IReadOnlyList<(string Tag, string? Category)> MessageTags
    {
        get
        {
            lock (_sync)
            {
                return _messageTags.ToList();
            }
        }
    }

    public IReadOnlyList<string> SessionTags
    {
        get
        {
            lock (_sync)
            {
                return _sessionTags.ToList();
            }
        }
    }

    public bool HasIntent(string intent)
    {
        lock (_sync)
        {
            return _intents.Contains(intent);
        }
    }

    public void AddIntent(string intent)
    {
        lock (_sync)
        {
            _intents.Add(intent);
        }
    }

    public void RequestEndSession() => AddIntent(EndSessionIntent);

    internal void SetOutput(string nodeName, string output)
    {
        lock (_sync)
        {
            _outputs[nodeName] = output;
        }
    }

    public string? GetOutput(string nodeName)
    {
        lock (_sync)
        {
            return _outputs.GetValueOrDefault(nodeName);
        }
    }

    /// <summary>Records the route (its label, e.g. a router keyword) a node chose.</summary>
    internal void RecordRoute(string nodeName, string route)
    {
        lock (_sync)
        {
            (_selectedRoutes ??= new(StringComparer.Ordinal))[nodeName] = route;
        }
    }

    /// <summary>The route a router (or a Code node with routes) chose in this run; null when it has not run.</summary>
    public string? GetSelectedRoute(string nodeName)
    {
        lock (_sync)
        {
            return _selectedRoutes?.GetValueOrDefault(nodeName);
        }
    }

    /// <summary>Records that <paramref name="to"/> received its first input from <paramref name="from"/>.</summary>
    internal void RecordStep(string from, string to)
    {
        lock (_sync)
        {
            (_cameFrom ??= new(StringComparer.Ordinal)).TryAdd(to, from);
        }
    }

    /// <summary>
    /// The names of the nodes this run went through to reach <paramref name="nodeName"/>, from Start to it (following
    /// each node's first input); empty when the run has not reached it.
    /// </summary>
    public IReadOnlyList<string> GetNodePath(string nodeName)
    {
        lock (_sync)
        {
            if (_cameFrom is null || !_cameFrom.ContainsKey(nodeName))
            {
                return _outputs.ContainsKey(nodeName) ? [nodeName] : []; // Start, or a node not reached
            }
            var path = new List<string> { nodeName };
            var seen = new HashSet<string>(StringComparer.Ordinal) { nodeName };
            while (_cameFrom.TryGetValue(path[^1], out var previous) && seen.Add(previous))
            {
                path.Add(previous);
            }
            path.Reverse();
            return path;
        }
    }

    public void AddMessageTag(string tag, string? category = null)
    {
        lock (_sync)
        {
            if (!_messageTags.Contains((tag, category)))
            {
                _messageTags.Add((tag, category));
            }
        }
    }

    public void AddSessionTag(string tag)
    {
        lock (_sync)
        {
            if (!_sessionTags.Contains(tag))
            {
                _sessionTags.Add(tag);
            }
        }
    }

    public JsonNode? GetParticipantData(string key)
    {
        lock (_sync)
        {
            return ParticipantData[key]?.DeepClone();
        }
    }

    public void SetParticipantData(string key, JsonNode? value) => ChangeParticipantData(ParticipantDataChange.Set(key, value));

    /// <summary>Removes <paramref name="key"/> from participant data.</summary>
    public void DeleteParticipantData(string key) => ChangeParticipantData(ParticipantDataChange.Delete(key));

    /// <summary>
    /// Replaces all participant data with <paramref name="data"/> (OCS's <c>set_participant_data</c>): recorded as the
    /// deletion of the keys this run knows and the setting of the new ones, so a key another session stored meanwhile stays.
    /// </summary>
    public void ReplaceParticipantData(JsonObject data)
    {
        lock (_sync)
        {
            foreach (var key in ParticipantData.Select(p => p.Key).Where(k => !data.ContainsKey(k)).ToList())
            {
                ChangeParticipantDataLocked(ParticipantDataChange.Delete(key));
            }
            foreach (var (key, value) in data)
            {
                ChangeParticipantDataLocked(ParticipantDataChange.Set(key, value));
            }
        }
    }

    /// <summary>Merges <paramref name="data"/> into participant data (top-level keys replace).</summary>
    public void MergeParticipantData(JsonObject data)
    {
        lock (_sync)
        {
            foreach (var (key, value) in data)
            {
                ChangeParticipantDataLocked(ParticipantDataChange.Set(key, value));
            }
        }
    }

    public void AppendParticipantData(string key, JsonNode? value) => ChangeParticipantData(ParticipantDataChange.Append(key, value));

    public double IncrementParticipantData(string key, double by)
    {
        var next = ChangeParticipantData(ParticipantDataChange.Increment(key, by));
        return double.Parse(next!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The changes this run made to participant data, in order (set, delete, increment, append of keys). They are stored
    /// by applying them to the data stored at that moment, not by writing back <see cref="ParticipantData"/>.
    /// </summary>
    public IReadOnlyList<ParticipantDataChange> ParticipantDataChanges
    {
        get
        {
            lock (_sync)
            {
                return _participantDataChanges.ToList();
            }
        }
    }

    private JsonNode? ChangeParticipantData(ParticipantDataChange change)
    {
        lock (_sync)
        {
            return ChangeParticipantDataLocked(change);
        }
    }

    private JsonNode? ChangeParticipantDataLocked(ParticipantDataChange change)
    {
        _participantDataChanges.Add(change);
        return change.ApplyTo(ParticipantData)?.DeepClone();
    }

    public JsonNode? GetSessionState(string key)
    {
        lock (_sync)
        {
            return SessionState[key]?.DeepClone();
        }
    }

    public void SetSessionState(string key, JsonNode? value)
    {
        if (ReservedSessionKeys.Contains(key))
        {
            throw new PipelineNodeException($"Session state key '{key}' is reserved and read-only.");
        }
        lock (_sync)
        {
            SessionState[key] = value?.DeepClone();
            SessionStateChanged = true;
        }
    }

    public void AppendSessionState(string key, JsonNode? value) => Append(SessionState, key, value, () => SessionStateChanged = true);

    public double IncrementSessionState(string key, double by) => Increment(SessionState, key, by, () => SessionStateChanged = true);

    public JsonNode? GetTempState(string key)
    {
        lock (_sync)
        {
            return key switch
            {
                "user_input" => JsonValue.Create(UserInput),
                "outputs" => new JsonObject(_outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)JsonValue.Create(o.Value)))),
                "attachments" => AttachmentsJson(),
                _ => _temp[key]?.DeepClone(),
            };
        }
    }

    public void SetTempState(string key, JsonNode? value)
    {
        if (ReservedTempKeys.Contains(key))
        {
            throw new PipelineNodeException($"Temp state key '{key}' is read-only.");
        }
        lock (_sync)
        {
            _temp[key] = value?.DeepClone();
        }
    }

    /// <summary>Temp state as templates and prompts see it: user keys plus user_input, outputs and attachments (when any).</summary>
    public JsonObject TempStateSnapshot()
    {
        lock (_sync)
        {
            var copy = (JsonObject)_temp.DeepClone();
            copy["user_input"] = UserInput;
            copy["outputs"] = new JsonObject(_outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)JsonValue.Create(o.Value))));
            if (Attachments.Count > 0)
            {
                copy["attachments"] = AttachmentsJson();
            }
            return copy;
        }
    }

    public JsonObject ParticipantDataSnapshot()
    {
        lock (_sync)
        {
            return (JsonObject)ParticipantData.DeepClone();
        }
    }

    public JsonObject SessionStateSnapshot()
    {
        lock (_sync)
        {
            return (JsonObject)SessionState.DeepClone();
        }
    }

    private void Append(JsonObject target, string key, JsonNode? value, Action changed)
    {
        lock (_sync)
        {
            var list = target[key] switch
            {
                JsonArray a => a,
                null => new JsonArray(),
                var existing => new JsonArray(existing.DeepClone()),
            };
            if (value is JsonArray many)
            {
                foreach (var item in many)
                {
                    list.Add(item?.DeepClone());
                }
            }
            else
            {
                list.Add(value?.DeepClone());
            }
            target[key] = list;
            changed();
        }
    }

    private double Increment(JsonObject target, string key, double by, Action changed)
    {
        lock (_sync)
        {
            // Any number counts, however it was created (parsed JSON, int, long, double); TryGetValue<double> misses ints.
            var current = target[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                : 0;
            var next = current + by;
            target[key] = next == Math.Floor(next) && Math.Abs(next) < long.MaxValue ? JsonValue.Create((long)next) : JsonValue.Create(next);
            changed();
            return next;
        }
    }
}

/// <summary>Who the run is for, as templates see it (participant_details).</summary>
public sealed record ParticipantDetails(string Identifier, string Platform, string? Name = null)
{
    public static readonly ParticipantDetails Anonymous = new("anonymous", Participants.ParticipantPlatforms.Web);
}

/// <summary>A node failed in a way the pipeline author should fix or see (bad code, missing key, provider error).</summary>
public class PipelineNodeException(string message, Exception? inner = null) : Exception(message, inner);
