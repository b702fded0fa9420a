#!/usr/bin/env bash
# Prepares the admin page's browser test: Debian's chromium (no Playwright browser download) and
# playwright-core exactly as locked in package-lock.json. Idempotent; called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v chromium >/dev/null 2>&1; then
  echo "install.sh: installing Debian's chromium"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "install.sh: node (>= 20) is required" >&2; exit 1; }

# playwright-core never downloads a browser by itself; this keeps any install hook from trying.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
echo "install.sh: $(chromium --version 2>/dev/null | head -1); node $(node --version); playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version")"
