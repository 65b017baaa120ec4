using OpenChatStudio.Core.Audit;

namespace OpenChatStudio.Core.Teams;

[Audited("Team")]
public sealed class Team
{
    public Guid Id { get; private set; } = Guid.NewGuid();

    public string Name { get; private set; } = "";

    public string Slug { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }

    private Team()
    {
    }

    public Team(string name, string slug)
    {
        Rename(name);
        Slug = slug;
    }

    public void Rename(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
    }
}
