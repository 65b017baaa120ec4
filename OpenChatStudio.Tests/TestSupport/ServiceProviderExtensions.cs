using Microsoft.Extensions.DependencyInjection;

namespace OpenChatStudio.Tests.TestSupport;

public static class ServiceProviderExtensions
{
    public static T GetRequiredServiceOf<T>(this IServiceProvider services) where T : notnull => services.GetRequiredService<T>();
}
