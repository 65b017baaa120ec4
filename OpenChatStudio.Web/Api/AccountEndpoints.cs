using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using OpenChatStudio.Core.Accounts;

namespace OpenChatStudio.Web.Api;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post from the app shell, with its antiforgery token: another site cannot sign a user out.
        app.MapPost("/account/logout", Logout).ExcludeFromDescription().AllowAnonymous();
        return app;
    }

    private static async Task<IResult> Logout(HttpContext http, SignInManager<AppUser> signIn, UserManager<AppUser> users, IAntiforgery antiforgery)
    {
        // The endpoint binds no form, so nothing else checks the token.
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem("The sign-out form expired or came from another site. Reload the page and sign out again.",
                statusCode: StatusCodes.Status400BadRequest);
        }
        // Revoked on the server, not only forgotten by this browser: a new security stamp invalidates every cookie issued
        // so far (a copied cookie stops working at once; other devices are signed out too).
        if (await users.GetUserAsync(http.User) is { } user)
        {
            await users.UpdateSecurityStampAsync(user);
        }
        await signIn.SignOutAsync();
        return TypedResults.LocalRedirect("/account/login?signedOut=1");
    }
}
