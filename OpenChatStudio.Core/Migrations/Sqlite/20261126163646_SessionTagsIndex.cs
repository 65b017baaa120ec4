using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionTagsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_chat_sessions_TeamId_TagsJson",
                table: "chat_sessions",
                columns: new[] { "TeamId", "TagsJson" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chat_sessions_TeamId_TagsJson",
                table: "chat_sessions");
        }
    }
}
