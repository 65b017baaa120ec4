using OpenChatStudio.Core;
using OpenChatStudio.Web.Api;
using OpenChatStudio.Web.Audit;
using OpenChatStudio.Web.Components;

namespace OpenChatStudio.Web.Hosting;

/// <summary>
/// Every feature the host registers, in one place: Program.cs uses it for the app and for <c>admin …</c> commands, and
/// the tests use it to run admin commands in-process against the same service graph.
/// </summary>
public static class HostComposition
{
    /// <summary>
    /// The content root to use instead of the working directory: the app's own folder when the app was started from a
    /// folder without its <c>appsettings.json</c> (e.g. <c>dotnet /opt/ocs/OpenChatStudio.Web.dll</c> from <c>/</c>), so its
    /// configuration, static files and embedded database are found wherever it is started; null (the default, the working
    /// directory) otherwise, e.g. <c>dotnet run</c> in the project folder.
    /// </summary>
    public static string? ContentRoot(string workingDirectory, string appDirectory) =>
        !File.Exists(Path.Combine(workingDirectory, "appsettings.json")) && File.Exists(Path.Combine(appDirectory, "appsettings.json"))
            ? appDirectory
            : null;

    public static WebApplicationBuilder AddOpenChatStudio(this WebApplicationBuilder builder, bool quietLogging)
    {
        builder.AddLogging(quiet: quietLogging);
        builder.Services
            .AddOpenChatStudioCore(builder.Configuration, builder.Environment.ContentRootPath)
            .AddAccountsAndAuth(builder.Configuration)
            .AddApiHosting()
            .AddChatApi(builder.Configuration)
            .AddHostedChat()
            .AddUi()
            .AddAudit()
            .AddObservability(builder.Configuration);
        return builder;
    }
}
