#!/usr/bin/env bash
# Retakes docs/images/designer-1280x800.png (the picture in docs/designer.md): the designer at 1280x800 with a
# several-node pipeline and a router, palette folded, the router selected in the inspector.
# Needs /usr/bin/chromium; runs the browser test DesignerScreenshotTests on the default SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
OCS_SCREENSHOT_DIR="$PWD/docs/images" dotnet test OpenChatStudio.Tests --filter "FullyQualifiedName~OpenChatStudio.Tests.E2E.DesignerScreenshotTests" "$@"
echo "Wrote docs/images/designer-1280x800.png"
