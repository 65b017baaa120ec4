using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;

namespace OpenChatStudio.Core.Participants;

/// <summary>Encrypts participant data JSON at rest; keys live in the database with the other Data Protection keys.</summary>
public sealed class ParticipantDataProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("OpenChatStudio.ParticipantData.v1");

    public string Protect(JsonObject data) => _protector.Protect(data.ToJsonString());

    public JsonObject Unprotect(string protectedData) =>
        string.IsNullOrEmpty(protectedData) ? new JsonObject() : JsonNode.Parse(_protector.Unprotect(protectedData)) as JsonObject ?? new JsonObject();
}
