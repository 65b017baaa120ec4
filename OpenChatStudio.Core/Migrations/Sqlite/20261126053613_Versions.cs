using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
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
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "PinnedVersionNumber",
                table: "chat_sessions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VersionSelection",
                table: "chat_sessions",
                type: "TEXT",
                maxLength: 20,
                nullable: false,
                defaultValue: "Working");

            migrationBuilder.AddColumn<int>(
                name: "VersionNumber",
                table: "chat_messages",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "chatbot_versions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChatbotId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    IsPublished = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsArchived = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedByUserId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ChatbotDescription = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    SeedMessage = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    PipelineJson = table.Column<string>(type: "TEXT", nullable: false),
                    LayoutJson = table.Column<string>(type: "TEXT", nullable: false),
                    ParticipantAllowlistJson = table.Column<string>(type: "TEXT", nullable: false),
                    FileUploadsEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    ConsentFormId = table.Column<Guid>(type: "TEXT", nullable: true),
                    TriggersJson = table.Column<string>(type: "TEXT", nullable: false)
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
