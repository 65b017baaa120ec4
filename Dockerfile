# syntax=docker/dockerfile:1
# Open Chat Studio for .NET: production image (see docs/deploy.md).
#   docker build -t openchatstudio .
#   docker run -p 8080:8080 -v ocs-data:/app/data openchatstudio

# ---- build -------------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Project files first, so the restore layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props global.json OpenChatStudio.sln ./
COPY OpenChatStudio.Core/OpenChatStudio.Core.csproj OpenChatStudio.Core/
COPY OpenChatStudio.Web/OpenChatStudio.Web.csproj OpenChatStudio.Web/
COPY OpenChatStudio.Tests/OpenChatStudio.Tests.csproj OpenChatStudio.Tests/
# Restore only what the app needs (the test project would pull Playwright, ~800 MB, for nothing).
RUN dotnet restore OpenChatStudio.Web/OpenChatStudio.Web.csproj

COPY OpenChatStudio.Core/ OpenChatStudio.Core/
COPY OpenChatStudio.Web/ OpenChatStudio.Web/
RUN dotnet publish OpenChatStudio.Web -c Release -o /app --no-restore -p:UseAppHost=false

# ---- runtime -----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# The aspnet image (Ubuntu 24.04) has neither curl nor wget, and `dotnet` cannot make an HTTP request by itself,
# so the HEALTHCHECK needs a client: curl (small with --no-install-recommends; -f turns HTTP errors into a non-zero exit).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build /app ./

# Embedded SQLite database (default provider) and any other local state live here; owned by the non-root user.
RUN mkdir -p /app/data && chown "$APP_UID:$APP_UID" /app/data
VOLUME /app/data

# Configuration is by environment variables (docs/deploy.md lists them). Defaults: embedded SQLite in /app/data.
# ASPNETCORE_HTTP_PORTS (8080 in the base image) is cleared so ASP.NET Core does not warn that URLS overrides it.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Database__Provider=Sqlite \
    Database__DataDirectory=/app/data
EXPOSE 8080

# The image's non-root "app" user (uid 1654).
USER $APP_UID

# /health/live answers 200 as soon as the host runs (no dependency checks); /health/ready also checks the database.
# start-period covers database migrations, which run at startup.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null http://localhost:8080/health/live || exit 1

ENTRYPOINT ["dotnet", "OpenChatStudio.Web.dll"]
