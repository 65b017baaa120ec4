using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpenChatStudio.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LlmProviders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "llm_custom_models",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProviderType = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ContextWindow = table.Column<int>(type: "INTEGER", nullable: false),
                    InputPerMillion = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    OutputPerMillion = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_llm_custom_models", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "llm_providers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    BaseUrl = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Organization = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ApiVersion = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    Deployment = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ProtectedApiKey = table.Column<string>(type: "TEXT", nullable: false),
                    KeyHint = table.Column<string>(type: "TEXT", maxLength: 8, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_llm_providers", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_llm_custom_models_TeamId_ProviderType_Name",
                table: "llm_custom_models",
                columns: new[] { "TeamId", "ProviderType", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_llm_providers_TeamId_Name",
                table: "llm_providers",
                columns: new[] { "TeamId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "llm_custom_models");

            migrationBuilder.DropTable(
                name: "llm_providers");
        }
    }
}
