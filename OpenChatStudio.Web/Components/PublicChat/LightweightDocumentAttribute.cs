namespace OpenChatStudio.Web.Components.PublicChat;

/// <summary>
/// Marks a statically rendered public page whose document App.razor renders without the app's scripts and styles:
/// no blazor.web.js (so no circuit, no WebSocket), no MudBlazor; the page brings its own small CSS and JS module.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LightweightDocumentAttribute : Attribute;
