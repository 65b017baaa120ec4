#!/usr/bin/env bash
# Installs the npm packages the tests drive unchanged (OpenChatStudio.Tests/npm/package.json: the official OCS chat
# widget and the OpenAI Node client) from the lock file. scripts/test.sh runs it before the tests; run it yourself once
# before a plain `dotnet test`. No test fetches anything while it runs.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/OpenChatStudio.Tests/npm"
command -v npm >/dev/null 2>&1 || { echo "npm is not installed (apt-get install -y npm)" >&2; exit 1; }
if [[ -f $DIR/node_modules/.package-lock.json && $DIR/node_modules/.package-lock.json -nt $DIR/package-lock.json ]]; then
  echo "test npm packages present ($DIR/node_modules)"
  exit 0
fi
npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error
echo "test npm packages installed into $DIR/node_modules"
