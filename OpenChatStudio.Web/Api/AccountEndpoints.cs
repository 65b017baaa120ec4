using Microsoft.AspNetCore.Identity;
using OpenChatStudio.Core.Accounts;

namespace OpenChatStudio.Web.Api;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post from the app shell; antiforgery is validated by the middleware for form posts.
        app.MapPost("/account/logout", Logout).ExcludeFromDescription().AllowAnonymous();
        return app;
    }

    private static async Task<IResult> Logout(SignInManager<AppUser> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/account/login?signedOut=1");
    }
}
