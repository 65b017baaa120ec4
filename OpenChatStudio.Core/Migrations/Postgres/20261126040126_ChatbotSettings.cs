using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Postgres
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
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "EditRevision",
                table: "chatbots",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "FileUploadsEnabled",
                table: "chatbots",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ParticipantAllowlistJson",
                table: "chatbots",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "consent_forms",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ConsentText = table.Column<string>(type: "text", nullable: false),
                    CaptureIdentifier = table.Column<bool>(type: "boolean", nullable: false),
                    IdentifierLabel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    IdentifierType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ConfirmationText = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    IsDefault = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
