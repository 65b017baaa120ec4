using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionHasRating : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "HasRating",
                table: "chat_sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            // Sessions rated before this column existed.
            migrationBuilder.Sql(
                "UPDATE chat_sessions SET \"HasRating\" = EXISTS (SELECT 1 FROM chat_messages m " +
                "WHERE m.\"SessionId\" = chat_sessions.\"Id\" AND m.\"Rating\" IS NOT NULL);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "HasRating",
                table: "chat_sessions");
        }
    }
}
