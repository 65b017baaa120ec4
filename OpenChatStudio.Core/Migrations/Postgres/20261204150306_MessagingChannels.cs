using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
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
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProtectedSecrets",
                table: "chatbot_channels",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "SettingsJson",
                table: "chatbot_channels",
                type: "text",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "chat_sessions",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ConsentedAt",
                table: "chat_sessions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ChannelId",
                table: "chat_inbound_messages",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "chat_inbound_messages",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "chat_outbound_messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    ChannelId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ClaimedUntil = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PartsSent = table.Column<int>(type: "integer", nullable: false),
                    PartInFlight = table.Column<int>(type: "integer", nullable: true),
                    PlatformIdsJson = table.Column<string>(type: "text", nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
