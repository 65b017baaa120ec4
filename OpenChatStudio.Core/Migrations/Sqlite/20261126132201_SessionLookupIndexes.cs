using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionLookupIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chat_messages_TeamId",
                table: "chat_messages");

            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_TeamId_ChatbotId_ParticipantId_CreatedAt",
                table: "chat_sessions",
                columns: new[] { "TeamId", "ChatbotId", "ParticipantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_messages_TeamId_SessionId_CreatedAt",
                table: "chat_messages",
                columns: new[] { "TeamId", "SessionId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_TeamId_ChatbotId_ParticipantId_CreatedAt",
                table: "chat_sessions");

            migrationBuilder.DropIndex(
                name: "IX_chat_messages_TeamId_SessionId_CreatedAt",
                table: "chat_messages");

            migrationBuilder.CreateIndex(
                name: "IX_chat_messages_TeamId",
                table: "chat_messages",
                column: "TeamId");
        }
    }
}
