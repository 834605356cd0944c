"""Helpers of the robustness suite: run the real CLI in a child process with a timeout (a hang
is a failure, not a stuck test run) and read its JSON findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

SERVER = str(Path(__file__).resolve().parents[2] / "server")


def run_isolint(cwd: Path, *args: str, timeout: float = 60,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SERVER, **(env or {})}
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "isolint", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def findings_per_file(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[Counter[str], str]:
    """How many findings each file got, and stderr."""
    done = run_isolint(cwd, "check", "--format", "json", *args, env=env)
    assert done.returncode in (0, 1), done.stderr
    return Counter(item["path"] for item in json.loads(done.stdout)), done.stderr
