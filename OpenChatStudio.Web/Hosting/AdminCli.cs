using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.ApiKeys;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Core.Demo;
using OpenChatStudio.Core.Teams;

namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Operator commands on the host binary: <c>dotnet run --project OpenChatStudio.Web -- admin &lt;command&gt; [options]</c>.
/// </summary>
public static class AdminCli
{
    public const string Usage = """
        Usage: admin <command> [options]

        Commands:
          create-user --email <email> --password <password> [--name <display name>] [--team <slug or new team name>] [--role Admin|Editor|Viewer] [--system-admin]
              Creates an account. With --team, adds it to the team with that slug, or creates a team of that name
              when no such slug exists (the user becomes its Admin).
          set-password --email <email> --password <password>
              Sets a new password for an account (for example when no mail server can deliver a reset link).
          list-users
              Lists every account with its teams and roles.
          create-api-key --team <slug> --name <name> [--write]
              Creates a team API key and prints it once (it cannot be shown again). Keys are read-only unless --write
              is given; chatting through the OpenAI-compatible endpoint needs --write.
          seed-demo [--json] [--base-url <url>] [--allowed-domain <host>]... [--llm-base-url <url> --llm-model <model> [--llm-api-key <key>]]
              Creates (or updates) a demo team with a published chatbot, a widget channel and a write API key, and
              prints the public page URL, chatbot id, embed key, API key and a demo sign-in. Safe to run again: the
              team and chatbot are reused; the API key and the demo password are replaced. Allowed widget domains
              default to localhost and 127.0.0.1. Without --llm-* the chatbot uses the built-in offline model.
        """;

    public static bool IsAdminCommand(string[] args) => args.Length > 0 && args[0] == "admin";

    /// <summary>Strips the admin arguments so the host builder does not read them as configuration.</summary>
    public static string[] HostArgs(string[] args) => IsAdminCommand(args) ? [] : args;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (!TryParseOptions(args[1..], out var options, out var parseError))
        {
            await stderr.WriteLineAsync($"error: {parseError}");
            return 2;
        }

        await services.MigrateDatabaseAsync(ct);
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        switch (args[0])
        {
            case "create-user":
                return await CreateUserAsync(scope.ServiceProvider, accounts, options, stdout, stderr, ct);
            case "create-api-key":
                return await CreateApiKeyAsync(scope.ServiceProvider, options, stdout, stderr, ct);
            case "seed-demo":
                return await SeedDemoAsync(scope.ServiceProvider, options, stdout, stderr, ct);
            case "set-password":
                if (!options.TryGetValue("email", out var resetEmail) || string.IsNullOrWhiteSpace(resetEmail) ||
                    !options.TryGetValue("password", out var newPassword) || string.IsNullOrEmpty(newPassword))
                {
                    await stderr.WriteLineAsync("error: set-password needs --email and --password.");
                    return 2;
                }
                var reset = await accounts.SetPasswordAsync(resetEmail, newPassword);
                if (!reset.Succeeded)
                {
                    await stderr.WriteLineAsync($"error: {reset.Error}");
                    return 1;
                }
                await stdout.WriteLineAsync($"Set a new password for {reset.Value!.Email}.");
                return 0;
            case "list-users":
                foreach (var u in await accounts.ListUsersAsync(ct))
                {
                    var teams = u.Teams.Count == 0 ? "(no teams)" : string.Join(", ", u.Teams);
                    await stdout.WriteLineAsync($"{u.Email}\t{u.DisplayName}\t{(u.IsSystemAdmin ? "system-admin" : "user")}\t{teams}");
                }
                return 0;
            default:
                await stderr.WriteLineAsync($"error: unknown command '{args[0]}'.\n\n{Usage}");
                return 2;
        }
    }

    private static async Task<int> CreateUserAsync(
        IServiceProvider sp, AccountService accounts, Dictionary<string, string?> o, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (!o.TryGetValue("email", out var email) || string.IsNullOrWhiteSpace(email) ||
            !o.TryGetValue("password", out var password) || string.IsNullOrEmpty(password))
        {
            await stderr.WriteLineAsync("error: create-user needs --email and --password.");
            return 2;
        }
        var role = TeamRole.Admin;
        if (o.TryGetValue("role", out var roleText) && !Enum.TryParse(roleText, ignoreCase: true, out role) | !Enum.IsDefined(role))
        {
            await stderr.WriteLineAsync($"error: unknown role '{roleText}'. Use Admin, Editor or Viewer.");
            return 2;
        }
        var created = await accounts.CreateUserAsync(email, password, o.GetValueOrDefault("name"), o.ContainsKey("system-admin"));
        if (!created.Succeeded)
        {
            await stderr.WriteLineAsync($"error: {created.Error}");
            return 1;
        }
        await stdout.WriteLineAsync($"Created user {created.Value!.Email} ({created.Value.Id}).");
        if (o.TryGetValue("team", out var team) && !string.IsNullOrWhiteSpace(team))
        {
            var joined = await accounts.AddToTeamAsync(created.Value.Id, team, role, ct);
            if (!joined.Succeeded)
            {
                var teams = sp.GetRequiredService<TeamService>();
                joined = await teams.CreateTeamAsync(created.Value.Id, team, ct);
            }
            if (!joined.Succeeded)
            {
                await stderr.WriteLineAsync($"error: {joined.Error}");
                return 1;
            }
            await stdout.WriteLineAsync($"Member of team '{joined.Value!.Slug}' as {joined.Value.Role}.");
        }
        return 0;
    }

    private static async Task<int> CreateApiKeyAsync(
        IServiceProvider sp, Dictionary<string, string?> o, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (!o.TryGetValue("team", out var team) || string.IsNullOrWhiteSpace(team) ||
            !o.TryGetValue("name", out var name) || string.IsNullOrWhiteSpace(name))
        {
            await stderr.WriteLineAsync("error: create-api-key needs --team <slug> and --name <name>.");
            return 2;
        }
        var readOnly = !o.ContainsKey("write");
        var created = await sp.GetRequiredService<ApiKeyService>().CreateForTeamSlugAsync(team, name, readOnly, ct);
        if (!created.Succeeded)
        {
            await stderr.WriteLineAsync($"error: {created.Error}");
            return 1;
        }
        await stdout.WriteLineAsync($"Created {(readOnly ? "read-only" : "read-write")} API key '{created.Value!.Info.Name}' for team '{team}'.");
        await stdout.WriteLineAsync("Copy it now; it will not be shown again:");
        await stdout.WriteLineAsync(created.Value.Key);
        return 0;
    }

    private static async Task<int> SeedDemoAsync(
        IServiceProvider sp, Dictionary<string, string?> o, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var baseUrl = (o.GetValueOrDefault("base-url") ?? "http://localhost:5000").TrimEnd('/');
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out _))
        {
            await stderr.WriteLineAsync($"error: --base-url '{baseUrl}' is not an absolute URL.");
            return 2;
        }
        var domains = (o.GetValueOrDefault("allowed-domain") ?? "localhost,127.0.0.1")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var options = new DemoOptions(domains, o.GetValueOrDefault("llm-base-url"), o.GetValueOrDefault("llm-api-key"), o.GetValueOrDefault("llm-model"));
        var seeded = await sp.GetRequiredService<DemoSeeder>().SeedAsync(options, ct);
        if (!seeded.Succeeded)
        {
            await stderr.WriteLineAsync($"error: {seeded.Error}");
            return 1;
        }
        var d = seeded.Value!;
        var result = new System.Text.Json.Nodes.JsonObject
        {
            ["team"] = d.TeamSlug,
            ["chatbot_id"] = d.ChatbotPublicId.ToString(),
            ["published_version"] = d.PublishedVersion,
            ["public_url"] = $"{baseUrl}/chat/{d.ChatbotPublicId}",
            ["api_base_url"] = baseUrl,
            ["openai_base_url"] = $"{baseUrl}/api/openai/{d.ChatbotPublicId}",
            ["api_key"] = d.ApiKey,
            ["embed_key"] = d.EmbedKey,
            ["allowed_domains"] = new System.Text.Json.Nodes.JsonArray(d.AllowedDomains.Select(x => (System.Text.Json.Nodes.JsonNode?)x).ToArray()),
            ["sign_in"] = new System.Text.Json.Nodes.JsonObject { ["email"] = d.Email, ["password"] = d.Password },
            ["llm"] = d.ProviderId is null ? "offline" : options.LlmModel,
        };
        if (o.ContainsKey("json"))
        {
            await stdout.WriteLineAsync(result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        foreach (var (name, value) in result)
        {
            var text = value switch
            {
                System.Text.Json.Nodes.JsonObject obj => $"{obj["email"]} / {obj["password"]}",
                System.Text.Json.Nodes.JsonArray list => string.Join(", ", list),
                _ => value?.ToString(),
            };
            await stdout.WriteLineAsync($"{name,-18} {text}");
        }
        return 0;
    }

    private static bool TryParseOptions(string[] args, out Dictionary<string, string?> options, out string? error)
    {
        options = new(StringComparer.OrdinalIgnoreCase);
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument '{args[i]}'.";
                return false;
            }
            var name = args[i][2..];
            if (name is "system-admin" or "write" or "json")
            {
                options[name] = "true";
                continue;
            }
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"--{name} needs a value.";
                return false;
            }
            var value = args[++i];
            // Repeatable options (--allowed-domain a --allowed-domain b) collect into a comma-separated list.
            options[name] = options.TryGetValue(name, out var earlier) && name == "allowed-domain" ? earlier + "," + value : value;
        }
        return true;
    }
}
