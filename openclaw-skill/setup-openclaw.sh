#!/usr/bin/env bash
# Installs a real OpenClaw (npm `openclaw`, which needs Node >= 24.16) into a gitignored cache,
# .claw/tools/openclaw/, so test/skill-openclaw.test.ts can check the skill with the real thing.
# Idempotent: a second run with everything present does nothing. Takes ~1 min and ~650 MB.
#   bash openclaw-skill/setup-openclaw.sh
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_VERSION="${CLAW_OPENCLAW_NODE:-24.21.0}"
OPENCLAW_VERSION="${CLAW_OPENCLAW_VERSION:-2026.9.6}"
dir=".claw/tools/openclaw"
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{ "name": "claw-openclaw-tools", "private": true }' > package.json
if [ "$(./node_modules/.bin/node --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  echo "--- installing node@$NODE_VERSION into $dir"
  npm install --no-audit --no-fund --save-exact "node@$NODE_VERSION"
fi
if [ "$(PATH="$PWD/node_modules/.bin:$PATH" ./node_modules/.bin/openclaw --version 2>/dev/null | grep -o "$OPENCLAW_VERSION" || true)" != "$OPENCLAW_VERSION" ]; then
  echo "--- installing openclaw@$OPENCLAW_VERSION on Node $(./node_modules/.bin/node --version)"
  # npm must itself run on Node 24: openclaw's preinstall refuses older Nodes.
  PATH="$PWD/node_modules/.bin:$PATH" npm install --no-audit --no-fund --save-exact "openclaw@$OPENCLAW_VERSION"
fi
echo "openclaw ready: $PWD/node_modules/.bin/openclaw (node $(./node_modules/.bin/node --version))"
