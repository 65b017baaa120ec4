using MudBlazor;

namespace OpenChatStudio.Web.Components.Layout;

public static class AppTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#64748b",
            AppbarBackground = "#312e81",
            // Status colours dark enough for white text on chips and buttons (WCAG AA, 4.5:1).
            Success = "#2e7d32",
            Warning = "#b45309",
            Info = "#1565c0",
            Error = "#c62828",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#94a3b8",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"] },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "240px" },
    };
}
