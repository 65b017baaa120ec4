using OpenChatStudio.Core;
using OpenChatStudio.Core.Data;
using OpenChatStudio.Web.Api;
using OpenChatStudio.Web.Audit;
using OpenChatStudio.Web.Components;
using OpenChatStudio.Web.Components.Sessions;
using OpenChatStudio.Web.Hosting;
using Scalar.AspNetCore;
using Serilog;

var adminCommand = AdminCli.IsAdminCommand(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = AdminCli.HostArgs(args),
    // Started from another folder (`dotnet /opt/ocs/OpenChatStudio.Web.dll`), the app still reads its own appsettings.json,
    // serves its own wwwroot and keeps its data beside itself.
    ContentRootPath = HostComposition.ContentRoot(Directory.GetCurrentDirectory(), AppContext.BaseDirectory),
});
builder.AddOpenChatStudio(quietLogging: adminCommand);

var app = builder.Build();

if (adminCommand)
{
    return await AdminCli.RunAsync(app.Services, args[1..], Console.Out, Console.Error, CancellationToken.None);
}

await app.Services.MigrateDatabaseAsync(app.Lifetime.ApplicationStopping);

app.UseSerilogRequestLogging(o => o.GetLevel = (http, _, ex) =>
    ex is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
    : http.Request.Path.StartsWithSegments("/health") ? Serilog.Events.LogEventLevel.Verbose
    : Serilog.Events.LogEventLevel.Information);
app.UseSecurityHeaders();
app.UseChatApiCors();
app.UseNulGuard();
app.UseApiErrors();
app.UsePageErrors(app.Environment);
app.UseAuthentication();
app.UseAuthorization();
app.UseAuditActor();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
app.MapOpenApi();
app.MapScalarApiReference(options => options.DisableDefaultFonts());   // self-hosted: no font CDN, works offline
app.MapAccountEndpoints();
app.MapTeamsApi();
app.MapPipelinesApi();
app.MapOpenAiApi();
app.MapParticipantsExport();
app.MapRestApi();
app.MapChatApi();
app.MapHostedChatApi();
app.MapChannelWebhooks();
app.MapMessagingApi();
app.MapSessionExports();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();
return 0;

public partial class Program;
