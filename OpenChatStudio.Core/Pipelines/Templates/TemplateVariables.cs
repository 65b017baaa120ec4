using OpenChatStudio.Core.Pipelines.Execution;

namespace OpenChatStudio.Core.Pipelines.Templates;

/// <summary>The variables templates see, as OCS: input, node_inputs, temp_state, session_state, participant_data, participant_details.</summary>
public static class TemplateVariables
{
    public static IReadOnlyDictionary<string, object?> For(NodeContext context) => new Dictionary<string, object?>
    {
        ["input"] = context.Input,
        ["node_inputs"] = context.Inputs.ToList(),
        ["temp_state"] = context.State.TempStateSnapshot(),
        ["session_state"] = context.State.SessionStateSnapshot(),
        ["participant_data"] = context.State.ParticipantDataSnapshot(),
        ["participant_details"] = new Dictionary<string, object?>
        {
            ["identifier"] = context.State.Participant.Identifier,
            ["platform"] = context.State.Participant.Platform,
            ["name"] = context.State.Participant.Name,
        },
        ["current_datetime"] = context.Services.Clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss 'UTC'"),
    };
}
