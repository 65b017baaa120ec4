using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
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
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "WelcomeMessagesJson",
                table: "chatbots",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "StarterQuestionsJson",
                table: "chatbot_versions",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "WelcomeMessagesJson",
                table: "chatbot_versions",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "Rating",
                table: "chat_messages",
                type: "integer",
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
