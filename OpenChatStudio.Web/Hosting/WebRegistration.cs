using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using MudBlazor;
using MudBlazor.Services;
using OpenChatStudio.Core.Accounts;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Web.ApiAuth;
using OpenChatStudio.Web.Teams;

namespace OpenChatStudio.Web.Hosting;

public static class WebRegistration
{
    /// <summary>Blazor, MudBlazor and the interactive shell.</summary>
    public static IServiceCollection AddUi(this IServiceCollection services)
    {
        // A pasted pipeline or a long preview message travels client -> server in one hub message: SignalR's 32 KB default
        // dropped the connection for a 23 KB import. Inputs are capped below this (StudioLimits) with a clear message.
        services.AddRazorComponents().AddInteractiveServerComponents().AddHubOptions(o => o.MaximumReceiveMessageSize = StudioLimits.MaxHubMessageBytes);
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 4000;
        });
        return services;
    }

    /// <summary>ASP.NET Core Identity (cookies), team policies and Data Protection keys in the database.</summary>
    public static IServiceCollection AddAccountsAndAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));

        services.AddDataProtection().SetApplicationName("OpenChatStudio").PersistKeysToDbContext<AppDbContext>();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddApiKeyAuthentication()
            .AddIdentityCookies(cookies => cookies.ApplicationCookie!.Configure(ConfigureCookie));

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 12;   // NIST 800-63B: length and a common-password check, no composition rules
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = auth.MaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(auth.LockoutMinutes);
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        // Every request checks the cookie's security stamp against the account, so sign-out, a password change or a reset
        // revokes every cookie issued before it at once (ASVS 3.3.1), not after the cookie's 14 days.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        services.AddSingleton<HostedPageFraming>();
        services.AddAuthorization(TeamPolicies.Add);
        services.AddScoped<IAuthorizationHandler, TeamRoleHandler>();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();
        return services;
    }

    /// <summary>ProblemDetails for API errors, OpenAPI document, health checks.</summary>
    public static IServiceCollection AddApiHosting(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            if (ctx.Exception is BadHttpRequestException bad)
            {
                ctx.ProblemDetails.Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Invalid request";
                ctx.ProblemDetails.Detail = bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message;
            }
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi();
        services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>API errors as ProblemDetails: bad input is a 4xx with a message, never a 500 page.</summary>
    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app) =>
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler(new ExceptionHandlerOptions
            {
                StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            });
            api.UseStatusCodePages();
        });

    /// <summary>Pages: friendly status pages (/status/404, /status/403) and the error page outside Development.</summary>
    public static IApplicationBuilder UsePageErrors(this IApplicationBuilder app, IWebHostEnvironment env) =>
        app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/api"), pages =>
        {
            if (!env.IsDevelopment())
            {
                pages.UseExceptionHandler("/Error", createScopeForErrors: true);
            }
            pages.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        });

    private static void ConfigureCookie(CookieAuthenticationOptions o)
    {
        o.LoginPath = "/account/login";
        o.LogoutPath = "/account/logout";
        o.AccessDeniedPath = "/status/403";
        o.Cookie.Name = "ocs.auth";
        o.SlidingExpiration = true;
        o.ExpireTimeSpan = TimeSpan.FromDays(14);
        o.Events.OnRedirectToLogin = ctx =>
        {
            if (IsApi(ctx.Request))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }
            ctx.Response.Redirect(ctx.RedirectUri);
            return Task.CompletedTask;
        };
        // Forbidden is a 403 status (rendered by /status/403 for pages), never a redirect that could hide it.
        o.Events.OnRedirectToAccessDenied = ctx =>
        {
            ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");
}
