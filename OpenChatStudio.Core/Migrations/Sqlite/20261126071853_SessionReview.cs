using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionReview : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "Rating",
                table: "chat_messages",
                type: "TEXT",
                maxLength: 10,
                nullable: true,
                oldClrType: typeof(int),
                oldType: "INTEGER",
                oldNullable: true);

            migrationBuilder.CreateTable(
                name: "session_comments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MessageId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AuthorUserId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AuthorName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_comments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_TeamId_CreatedAt",
                table: "chat_sessions",
                columns: new[] { "TeamId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_TeamId_Platform_CreatedAt",
                table: "chat_sessions",
                columns: new[] { "TeamId", "Platform", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_TeamId_Status_CreatedAt",
                table: "chat_sessions",
                columns: new[] { "TeamId", "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_messages_SessionId_Rating",
                table: "chat_messages",
                columns: new[] { "SessionId", "Rating" });

            migrationBuilder.CreateIndex(
                name: "IX_chat_messages_SessionId_VersionNumber",
                table: "chat_messages",
                columns: new[] { "SessionId", "VersionNumber" });

            migrationBuilder.CreateIndex(
                name: "IX_session_comments_SessionId_CreatedAt",
                table: "session_comments",
                columns: new[] { "SessionId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_session_comments_TeamId",
                table: "session_comments",
                column: "TeamId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "session_comments");

            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_TeamId_CreatedAt",
                table: "chat_sessions");

            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_TeamId_Platform_CreatedAt",
                table: "chat_sessions");

            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_TeamId_Status_CreatedAt",
                table: "chat_sessions");

            migrationBuilder.DropIndex(
                name: "IX_chat_messages_SessionId_Rating",
                table: "chat_messages");

            migrationBuilder.DropIndex(
                name: "IX_chat_messages_SessionId_VersionNumber",
                table: "chat_messages");

            migrationBuilder.AlterColumn<int>(
                name: "Rating",
                table: "chat_messages",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 10,
                oldNullable: true);
        }
    }
}
