using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Channels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chat_attachments",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chat_attachments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_chat_attachments_chat_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "chat_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chat_inbound_messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    AttachmentIdsJson = table.Column<string>(type: "TEXT", nullable: false),
                    ContextJson = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    HumanMessageId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReplyMessageId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    AcceptedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chat_inbound_messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_chat_inbound_messages_chat_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "chat_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chatbot_channels",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChatbotId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    EmbedKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AllowedDomainsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    DisabledMessage = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenWidgetVersion = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    LastSeenWidgetAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatbot_channels", x => x.Id);
                    table.ForeignKey(
                        name: "FK_chatbot_channels_chatbots_ChatbotId",
                        column: x => x.ChatbotId,
                        principalTable: "chatbots",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chat_attachments_MessageId",
                table: "chat_attachments",
                column: "MessageId");

            migrationBuilder.CreateIndex(
                name: "IX_chat_attachments_MessageId_CreatedAt",
                table: "chat_attachments",
                columns: new[] { "MessageId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_attachments_SessionId",
                table: "chat_attachments",
                column: "SessionId");

            migrationBuilder.CreateIndex(
                name: "IX_chat_inbound_messages_SessionId_Status_AcceptedAt",
                table: "chat_inbound_messages",
                columns: new[] { "SessionId", "Status", "AcceptedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_inbound_messages_Status_AcceptedAt",
                table: "chat_inbound_messages",
                columns: new[] { "Status", "AcceptedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chatbot_channels_ChatbotId",
                table: "chatbot_channels",
                column: "ChatbotId");

            migrationBuilder.CreateIndex(
                name: "IX_chatbot_channels_EmbedKey",
                table: "chatbot_channels",
                column: "EmbedKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatbot_channels_TeamId_ChatbotId",
                table: "chatbot_channels",
                columns: new[] { "TeamId", "ChatbotId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat_attachments");

            migrationBuilder.DropTable(
                name: "chat_inbound_messages");

            migrationBuilder.DropTable(
                name: "chatbot_channels");
        }
    }
}
