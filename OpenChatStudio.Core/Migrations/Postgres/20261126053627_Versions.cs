using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Versions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TriggersJson",
                table: "chatbots",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "PinnedVersionNumber",
                table: "chat_sessions",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VersionSelection",
                table: "chat_sessions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "Working");

            migrationBuilder.AddColumn<int>(
                name: "VersionNumber",
                table: "chat_messages",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "chatbot_versions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    ChatbotId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    Description = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    IsPublished = table.Column<bool>(type: "boolean", nullable: false),
                    IsArchived = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedByUserId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreatedByName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ChatbotDescription = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    SeedMessage = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    PipelineJson = table.Column<string>(type: "text", nullable: false),
                    LayoutJson = table.Column<string>(type: "text", nullable: false),
                    ParticipantAllowlistJson = table.Column<string>(type: "text", nullable: false),
                    FileUploadsEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    ConsentFormId = table.Column<Guid>(type: "uuid", nullable: true),
                    TriggersJson = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatbot_versions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chatbot_versions_ChatbotId_Number",
                table: "chatbot_versions",
                columns: new[] { "ChatbotId", "Number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatbot_versions_TeamId_ChatbotId_IsPublished",
                table: "chatbot_versions",
                columns: new[] { "TeamId", "ChatbotId", "IsPublished" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chatbot_versions");

            migrationBuilder.DropColumn(
                name: "TriggersJson",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "PinnedVersionNumber",
                table: "chat_sessions");

            migrationBuilder.DropColumn(
                name: "VersionSelection",
                table: "chat_sessions");

            migrationBuilder.DropColumn(
                name: "VersionNumber",
                table: "chat_messages");
        }
    }
}
