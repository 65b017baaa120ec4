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
            .AddAudit();
        return builder;
    }
}
