using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
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
                type: "character varying(10)",
                maxLength: 10,
                nullable: true,
                oldClrType: typeof(int),
                oldType: "integer",
                oldNullable: true);

            migrationBuilder.CreateTable(
                name: "session_comments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    MessageId = table.Column<Guid>(type: "uuid", nullable: true),
                    AuthorUserId = table.Column<Guid>(type: "uuid", nullable: true),
                    AuthorName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Text = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                type: "integer",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(10)",
                oldMaxLength: 10,
                oldNullable: true);
        }
    }
}
