using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ChatbotSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ConsentFormId",
                table: "chatbots",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "EditRevision",
                table: "chatbots",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "FileUploadsEnabled",
                table: "chatbots",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ParticipantAllowlistJson",
                table: "chatbots",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "consent_forms",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ConsentText = table.Column<string>(type: "TEXT", nullable: false),
                    CaptureIdentifier = table.Column<bool>(type: "INTEGER", nullable: false),
                    IdentifierLabel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    IdentifierType = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ConfirmationText = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    IsDefault = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_consent_forms", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_consent_forms_TeamId",
                table: "consent_forms",
                column: "TeamId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "consent_forms");

            migrationBuilder.DropColumn(
                name: "ConsentFormId",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "EditRevision",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "FileUploadsEnabled",
                table: "chatbots");

            migrationBuilder.DropColumn(
                name: "ParticipantAllowlistJson",
                table: "chatbots");
        }
    }
}
