using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PublicChatPage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "StarterQuestionsJson",
                table: "chatbots",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "WelcomeMessagesJson",
                table: "chatbots",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "StarterQuestionsJson",
                table: "chatbot_versions",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "WelcomeMessagesJson",
                table: "chatbot_versions",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "Rating",
                table: "chat_messages",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "StarterQuestionsJson",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "WelcomeMessagesJson",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "StarterQuestionsJson",
                table: "chatbot_versions");

            migrationBuilder.DropColumn(
                name: "WelcomeMessagesJson",
                table: "chatbot_versions");

            migrationBuilder.DropColumn(
                name: "Rating",
                table: "chat_messages");
        }
    }
}
