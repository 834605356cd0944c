#!/usr/bin/env bash
# The full test suite, from a fresh clone: installs what it needs, then runs every test
# (rules, engine, CLI, LSP over stdio, real editors headlessly, VS Code in code-server),
# the architecture contracts and isolint on its own repository (dogfood).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH="$PWD/.venv/bin:$PATH"
echo; echo "== architecture contracts (import-linter)"
lint-imports
echo; echo "== dogfood: isolint check ."
isolint check .
echo; echo "== pytest"
python -m pytest "$@"
