namespace OpenChatStudio.Core.Pipelines.Execution;

/// <summary>
/// What a node produced. <see cref="Route"/> names the one output port to follow (routers); null follows every output.
/// <see cref="AbortMessage"/> stops every branch and makes that message the reply.
/// </summary>
public sealed record NodeResult(string Output, string? Route = null, string? AbortMessage = null)
{
    public static NodeResult Continue(string output) => new(output);

    public static NodeResult RouteTo(string port, string output) => new(output, port);

    public static NodeResult Abort(string message) => new(message, null, message);
}
