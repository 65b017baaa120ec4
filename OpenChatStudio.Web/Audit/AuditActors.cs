using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using OpenChatStudio.Core.Audit;
using OpenChatStudio.Web.ApiAuth;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Audit;

/// <summary>
/// Tells the audit log who is acting: the signed-in person or API key of an HTTP request, and the person of a Blazor circuit
/// for every event the circuit handles (changes made from interactive pages).
/// </summary>
public static class AuditActors
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddScoped<CircuitHandler, AuditCircuitHandler>();
        return services;
    }

    /// <summary>After authentication and authorization, so API-key requests are known too.</summary>
    public static IApplicationBuilder UseAuditActor(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        using (AuditActor.Begin(From(http.User)))
        {
            await next(http);
        }
    });

    public static AuditActor From(ClaimsPrincipal user)
    {
        if (user.GetUserId() is { } id)
        {
            return new AuditActor(id, user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? id.ToString());
        }
        if (user.FindFirstValue(ApiKeyAuthentication.KeyIdClaim) is { } key)
        {
            return new AuditActor(null, $"API key {user.Identity?.Name ?? key}");
        }
        return new AuditActor(null, "anonymous");
    }

    private sealed class AuditCircuitHandler(AuthenticationStateProvider auth) : CircuitHandler
    {
        public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
            async context =>
            {
                var state = await auth.GetAuthenticationStateAsync();
                using (AuditActor.Begin(From(state.User)))
                {
                    await next(context);
                }
            };
    }
}
