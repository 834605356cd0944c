"""Helpers of the robustness suite: run the real CLI in a child process with a timeout (a hang
is a failure, not a stuck test run) and read its JSON findings.

Tests run as root in CI containers, and root ignores file permissions. ``unprivileged=True``
runs the command without the two capabilities that let root read and write any file
(``setpriv --bounding-set=-dac_override,-dac_read_search``), so ``chmod 000`` and ``chmod 444``
mean for it what they mean for a user; where that tool is missing, such a test is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SERVER = str(Path(__file__).resolve().parents[2] / "server")
_WITHOUT_FILE_CAPABILITIES = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def run_isolint(cwd: Path, *args: str, timeout: float = 60,
                unprivileged: bool = False, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "isolint", *args]
    if unprivileged and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        command = [*_WITHOUT_FILE_CAPABILITIES, *command]
    env = {**os.environ, "PYTHONPATH": SERVER, "NO_COLOR": "1", **(env or {})}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(command, cwd=cwd, env=env, text=True, errors="replace",
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_user_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, no traceback, and every fragment in one line of stderr that says error."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if "error" in line]
    assert any(all(fragment in line for fragment in fragments) for line in lines), (fragments, done.stderr)


def build_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Files exactly as given (``str`` is written as UTF-8, line endings as they are)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def file_bytes(root: Path) -> dict[str, bytes]:
    """Every file's bytes (the cache folder aside): what must stay identical."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink() and ".isolint_cache" not in path.parts}


def findings_per_file(cwd: Path, *args: str, unprivileged: bool = False,
                      env: dict[str, str] | None = None) -> tuple[Counter[str], str]:
    """How many findings each file got, and stderr."""
    done = run_isolint(cwd, "check", "--format", "json", *args, unprivileged=unprivileged, env=env)
    assert done.returncode in (0, 1), done.stderr
    return Counter(item["path"] for item in json.loads(done.stdout)), done.stderr


def fstring_operator_chain(terms: int = 20_000) -> str:
    """A module whose one line is a 3.12 f-string reusing its quote around ``terms`` calls
    joined by ``+``: the running interpreter (3.11) rejects it, and libcst's parser would take
    minutes over it."""
    return "import os\nx = f'{" + " + ".join(["os.getenv('A')"] * terms) + "}'\n"
