using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace OpenChatStudio.Tests.TestSupport.Fakes;

/// <summary>A small plugin for tool-call tests (registered as <c>weather</c> by <see cref="LlmTestKit.KernelWithWeather"/>).</summary>
public sealed class WeatherPlugin
{
    [KernelFunction("get_weather"), Description("Gets the current weather for a city.")]
    public string GetWeather([Description("The city name")] string city) => $"Sunny in {city}";

    [KernelFunction("get_forecast"), Description("Gets the forecast for a city some days ahead.")]
    public string GetForecast(string city, int days, bool metric = true) => $"{city}: rain in {days} days ({(metric ? "C" : "F")})";
}
