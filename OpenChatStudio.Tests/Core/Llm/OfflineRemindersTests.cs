using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenChatStudio.Core.Llm;
using OpenChatStudio.Tests.TestSupport;

namespace OpenChatStudio.Tests.Core.Llm;

/// <summary>The offline model's reading of natural reminder requests, and the tool call and confirmation it makes.</summary>
[Trait(TestLayers.Trait, TestLayers.Unit)]
public class OfflineRemindersTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 10, 15, 30, DateTimeKind.Utc);

    [Theory]
    [InlineData("remind me in a minute to drink water", 60, "drink water", "drink-water")]
    [InlineData("Please remind me in 5 seconds to stretch!", 5, "stretch", "stretch")]
    [InlineData("remind me to stretch in 10 minutes", 600, "stretch", "stretch")]
    [InlineData("Remind me in 2 hours", 7200, "the reminder you asked for", "the-reminder-you-asked")]
    [InlineData("remind me in half an hour about the oven", 1800, "the oven", "the-oven")]
    [InlineData("could you remind me in an hour that the meeting starts", 3600, "the meeting starts", "the-meeting-starts")]
    [InlineData("remind us in 3 days to water the plants.", 3 * 86400, "water the plants", "water-the-plants")]
    [InlineData("remind me in 1 week to renew my subscription", 7 * 86400, "renew my subscription", "renew-my-subscription")]
    public void Relative_TimesAreCountedFromNow(string text, int seconds, string message, string name)
    {
        var reminder = OfflineReminders.Parse(text, Now);

        Assert.NotNull(reminder);
        Assert.Equal(Now.AddSeconds(seconds), reminder.DueUtc);
        Assert.Equal(DateTimeKind.Utc, reminder.DueUtc.Kind);
        Assert.Equal(message, reminder.Message);
        Assert.Equal(name, reminder.Name);
    }

    [Theory]
    [InlineData("remind me tomorrow at 9", "2026-11-27T09:00:00", "the reminder you asked for")]
    [InlineData("remind me tomorrow at 9:45pm to call Sam", "2026-11-27T21:45:00", "call Sam")]
    [InlineData("remind me tomorrow to take my pills", "2026-11-27T09:00:00", "take my pills")]
    [InlineData("remind me at 5:30 pm to leave", "2026-11-26T17:30:00", "leave")]
    [InlineData("remind me at 8 to check the oven", "2026-11-27T08:00:00", "check the oven")] // 08:00 has passed today
    [InlineData("remind me today at 11am to eat", "2026-11-26T11:00:00", "eat")]
    [InlineData("remind me at 12am to sleep", "2026-11-27T00:00:00", "sleep")]
    public void ClockTimes_AreTodayOrTomorrow_InUtc_WithoutATimeZone(string text, string expected, string message)
    {
        var reminder = OfflineReminders.Parse(text, Now);

        Assert.NotNull(reminder);
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), reminder.DueUtc);
        Assert.Equal(message, reminder.Message);
    }

    [Theory]
    [InlineData("America/New_York", "remind me at 5:30 pm to leave", "2026-11-26T22:30:00")] // 10:15 UTC is 05:15 there
    [InlineData("America/New_York", "remind me at 8 to check the oven", "2026-11-26T13:00:00")] // 08:00 there is still ahead
    [InlineData("America/New_York", "remind me tomorrow to take my pills", "2026-11-27T14:00:00")]
    [InlineData("Asia/Tokyo", "remind me at 5:30 pm to leave", "2026-11-27T08:30:00")] // 19:15 there: tomorrow
    [InlineData("Asia/Tokyo", "remind me in 2 hours", "2026-11-26T12:15:30")] // relative times do not depend on the zone
    public void ClockTimes_AreReadInTheParticipantsTimeZone(string zone, string text, string expectedUtc)
    {
        var reminder = OfflineReminders.Parse(text, Now, TimeZoneInfo.FindSystemTimeZoneById(zone));

        Assert.NotNull(reminder);
        Assert.Equal(DateTimeKind.Utc, reminder.DueUtc.Kind);
        Assert.Equal(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), reminder.DueUtc);
    }

    [Fact]
    public void ClockTime_SkippedByTheSpringClockChange_MovesAnHourOn()
    {
        // Europe/London skips 01:00–02:00 on 2026-03-29: "1:30am" that night is read as 02:30 BST = 01:30 UTC.
        var reminder = OfflineReminders.Parse("remind me tomorrow at 1:30am", new DateTime(2026, 3, 28, 12, 0, 0, DateTimeKind.Utc),
            TimeZoneInfo.FindSystemTimeZoneById("Europe/London"));

        Assert.Equal(new DateTime(2026, 3, 29, 1, 30, 0, DateTimeKind.Utc), reminder!.DueUtc);
    }

    [Theory]
    [InlineData("what is the weather in 5 minutes?")] // no "remind me"
    [InlineData("remind me to drink water")] // no time
    [InlineData("remind me at 25 to drink water")] // not a time of day
    [InlineData("remind me at 13pm")]
    [InlineData("I reminded them in 2 hours")]
    public void NotAReminderRequest_IsNull(string text) => Assert.Null(OfflineReminders.Parse(text, Now));

    [Fact]
    public async Task Offline_WithReminderToolOffered_CallsItForANaturalRequest_ThenConfirms()
    {
        var clock = new FixedClock(new DateTimeOffset(Now));
        IChatCompletionService offline = new OfflineChatCompletionService(clock);
        string? seen = null;
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromFunctions("bot", [
            KernelFunctionFactory.CreateFromMethod((string datetime_due, string message, string schedule_name) =>
            {
                seen = $"{datetime_due}|{message}|{schedule_name}";
                return "Reminder s1a2b3 scheduled once at 2026-11-26 10:16 UTC";
            }, "one_off_reminder"),
            KernelFunctionFactory.CreateFromMethod(() => "[]", "list_reminders"),
        ]);
        var kernel = builder.Build();
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var history = new ChatHistory();
        history.AddUserMessage("remind me in a minute to stretch");

        var reply = await offline.GetChatMessageContentAsync(history, settings, kernel);

        Assert.Equal("2026-11-26T10:16:30Z|stretch|stretch", seen);
        Assert.Equal("Offline model: OK, I will remind you: stretch. Reminder s1a2b3 scheduled once at 2026-11-26 10:16 UTC.", reply.Content);
    }

    [Fact]
    public async Task Offline_ReadsTheParticipantsTimeZone_FromTheKernel()
    {
        IChatCompletionService offline = new OfflineChatCompletionService(new FixedClock(new DateTimeOffset(Now)));
        string? due = null;
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromFunctions("bot", [
            KernelFunctionFactory.CreateFromMethod((string datetime_due, string message, string schedule_name) =>
            {
                due = datetime_due;
                return "scheduled";
            }, "one_off_reminder"),
        ]);
        var kernel = builder.Build();
        kernel.Data[OfflineReminders.TimeZoneKey] = "America/New_York";
        var history = new ChatHistory();
        history.AddUserMessage("remind me at 5:30 pm to leave");

        await offline.GetChatMessageContentAsync(history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        Assert.Equal("2026-11-26T22:30:00Z", due);
    }

    [Fact]
    public async Task Offline_WithoutTheReminderTool_OrForABotInstruction_DoesNotSchedule()
    {
        IChatCompletionService offline = new OfflineChatCompletionService(new FixedClock(new DateTimeOffset(Now)));
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromFunctions("bot", [KernelFunctionFactory.CreateFromMethod(() => "x", "calculator")]);
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var noTool = new ChatHistory();
        noTool.AddUserMessage("remind me in a minute to stretch");

        var plain = await offline.GetChatMessageContentAsync(noTool, settings, builder.Build());

        Assert.Equal("Offline model: you said \"remind me in a minute to stretch\".", plain.Content);

        // A scheduled message's delivery: the bot writes the message from the prompt instead of restating the instruction.
        var delivery = new ChatHistory();
        delivery.AddUserMessage("[Instruction from the system, not a message from the participant: write the next message now.] Remind me in a minute to stretch");
        var builder2 = Kernel.CreateBuilder();
        builder2.Plugins.AddFromFunctions("bot", [KernelFunctionFactory.CreateFromMethod((string datetime_due, string message, string schedule_name) => "no", "one_off_reminder")]);

        var composed = await offline.GetChatMessageContentAsync(delivery, settings, builder2.Build());

        Assert.Equal("Offline model: Remind me in a minute to stretch", composed.Content);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
