"""Running the real ``isolint`` command on hostile trees built in temporary folders.

Every run is a separate process (``python -m isolint``) with this checkout's sources first on
the path, so a crash, a hang or a traceback is seen exactly as a user would see it.

Tests run as root in CI containers, and root ignores file permissions. ``unprivileged=True``
runs the command without the two capabilities that let root read and write any file
(``setpriv --bounding-set=-dac_override,-dac_read_search``), so ``chmod 000`` and ``chmod 444``
mean for it what they mean for a user; where that tool is missing, such a test is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import isolint

SERVER_DIR = Path(isolint.__file__).resolve().parent.parent
TIMEOUT_SECONDS = 120
_DROP_FILE_CAPABILITIES = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


@dataclass
class Run:
    code: int
    out: str
    err: str

    def assert_user_error(self, *fragments: str) -> None:
        """Exit 2, no traceback, and every fragment in one line of stderr that says error."""
        assert self.code == 2, (self.code, self.out, self.err)
        assert "Traceback" not in self.err and "Traceback" not in self.out, self.err
        lines = [line for line in self.err.splitlines() if "error" in line]
        assert any(all(fragment in line for fragment in fragments) for line in lines), (fragments, self.err)


def run_isolint(*args: str | Path, cwd: Path, unprivileged: bool = False) -> Run:
    command = [sys.executable, "-m", "isolint", *map(str, args)]
    if unprivileged and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        command = [*_DROP_FILE_CAPABILITIES, *command]
    env = {**os.environ, "PYTHONPATH": str(SERVER_DIR), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT_SECONDS,
                               check=False)
    return Run(completed.returncode, completed.stdout.decode("utf-8", "replace"),
               completed.stderr.decode("utf-8", "replace"))


def build_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Files as given, byte for byte (``str`` is written as UTF-8 with its line endings)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes (the cache folder aside): what must stay identical."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink() and ".isolint_cache" not in path.parts}
