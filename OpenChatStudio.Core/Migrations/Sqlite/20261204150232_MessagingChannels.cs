using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MessagingChannels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "UnreachableSince",
                table: "participants",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProtectedSecrets",
                table: "chatbot_channels",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "SettingsJson",
                table: "chatbot_channels",
                type: "TEXT",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "chat_sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ConsentedAt",
                table: "chat_sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "chat_inbound_messages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "chat_inbound_messages",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "chat_outbound_messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ClaimedUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    PartsSent = table.Column<int>(type: "INTEGER", nullable: false),
                    PartInFlight = table.Column<int>(type: "INTEGER", nullable: true),
                    PlatformIdsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SentAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chat_outbound_messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_chat_outbound_messages_chat_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "chat_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_ChannelId_ParticipantId_CreatedAt",
                table: "chat_sessions",
                columns: new[] { "ChannelId", "ParticipantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_inbound_messages_ChannelId_ExternalId",
                table: "chat_inbound_messages",
                columns: new[] { "ChannelId", "ExternalId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chat_outbound_messages_MessageId",
                table: "chat_outbound_messages",
                column: "MessageId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chat_outbound_messages_SessionId_CreatedAt",
                table: "chat_outbound_messages",
                columns: new[] { "SessionId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_outbound_messages_Status_NextAttemptAt",
                table: "chat_outbound_messages",
                columns: new[] { "Status", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat_outbound_messages");

            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_ChannelId_ParticipantId_CreatedAt",
                table: "chat_sessions");

            migrationBuilder.DropIndex(
                name: "IX_chat_inbound_messages_ChannelId_ExternalId",
                table: "chat_inbound_messages");

            migrationBuilder.DropColumn(
                name: "UnreachableSince",
                table: "participants");

            migrationBuilder.DropColumn(
                name: "ProtectedSecrets",
                table: "chatbot_channels");

            migrationBuilder.DropColumn(
                name: "SettingsJson",
                table: "chatbot_channels");

            migrationBuilder.DropColumn(
                name: "ChannelId",
                table: "chat_sessions");

            migrationBuilder.DropColumn(
                name: "ConsentedAt",
                table: "chat_sessions");

            migrationBuilder.DropColumn(
                name: "ChannelId",
                table: "chat_inbound_messages");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "chat_inbound_messages");
        }
    }
}
