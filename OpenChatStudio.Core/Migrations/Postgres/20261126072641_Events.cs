using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Events : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "AnchorAt",
                table: "scheduled_messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CancelledBy",
                table: "scheduled_messages",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastTriggeredAt",
                table: "scheduled_messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Origin",
                table: "scheduled_messages",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TimeZone",
                table: "scheduled_messages",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TriggerId",
                table: "scheduled_messages",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "event_logs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    ChatbotId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    TriggerId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    TriggerLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ActionType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Status = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    ReferenceMessageId = table.Column<Guid>(type: "uuid", nullable: true),
                    FireNumber = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_event_logs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "scheduled_message_attempts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    ScheduledMessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    TriggerNumber = table.Column<int>(type: "integer", nullable: false),
                    AttemptNumber = table.Column<int>(type: "integer", nullable: false),
                    Succeeded = table.Column<bool>(type: "boolean", nullable: false),
                    Log = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: true),
                    DueAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scheduled_message_attempts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_event_logs_ChatbotId_CreatedAt",
                table: "event_logs",
                columns: new[] { "ChatbotId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_event_logs_TriggerId_SessionId_ReferenceMessageId_FireNumber",
                table: "event_logs",
                columns: new[] { "TriggerId", "SessionId", "ReferenceMessageId", "FireNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_scheduled_message_attempts_ScheduledMessageId_TriggerNumber~",
                table: "scheduled_message_attempts",
                columns: new[] { "ScheduledMessageId", "TriggerNumber", "AttemptNumber" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "event_logs");

            migrationBuilder.DropTable(
                name: "scheduled_message_attempts");

            migrationBuilder.DropColumn(
                name: "AnchorAt",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "CancelledBy",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "LastTriggeredAt",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "Origin",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "TimeZone",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "TriggerId",
                table: "scheduled_messages");
        }
    }
}
