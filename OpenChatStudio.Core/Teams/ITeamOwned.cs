namespace OpenChatStudio.Core.Teams;

/// <summary>
/// Marks a domain object that belongs to one team. <see cref="Data.AppDbContext"/> filters every query on such
/// objects to the context's team, and refuses to save one that belongs to another team.
/// </summary>
public interface ITeamOwned
{
    Guid TeamId { get; }
}
