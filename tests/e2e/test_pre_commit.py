"""The pre-commit hook (`.pre-commit-hooks.yaml`) really runs: `pre-commit try-repo` clones this
repository, installs it into the hook's own environment (pip, from the package registry) and
runs `isolint check` on a sample git repository's files — the way a user's
`.pre-commit-config.yaml` entry does. The `baseline` setting gates only new findings there too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(os.sys.executable).parent / "pre-commit")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(PRE_COMMIT).exists(), reason="pre-commit not installed")]


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PYTHON", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_hook_runs_on_a_sample_repository(tmp_path: Path) -> None:
    env = _env(tmp_path / "pre-commit-home")
    sample = tmp_path / "sample"
    files = {
        "pyproject.toml": '[project]\nname = "sample"\n\n[tool.isolint]\n',
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/app/config.py": 'import os\n\nREDIS_HOST = "localhost"\nDB = os.environ["DB"]\n',
        "services/api/.env.production": "JWT_SECRET_KEY=9f8c2b7e4d1a6f3e0b5c8d2a7e4f1b6c9d3a0e5f\n",
        "README.md": "not checked\n",
    }
    for rel, text in files.items():
        (sample / rel).parent.mkdir(parents=True, exist_ok=True)
        (sample / rel).write_text(text)
    assert _run(["git", "init", "-q"], sample, env).returncode == 0
    assert _run(["git", "add", "-A"], sample, env).returncode == 0

    first = _run([PRE_COMMIT, "try-repo", str(REPO), "isolint", "--all-files"], sample, env)
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "services/api/app/config.py:3:14: ISO101" in output and "ISO201" in output
    assert "9f8c2b7e4d1a6f3e0b5c8d2a7e4f1b6c9d3a0e5f" not in output  # secrets masked there too

    # adopt a baseline: the hook passes, and a new finding fails it again
    isolint = [str(Path(os.sys.executable).parent / "isolint")]
    written = _run([*isolint, "check", "--no-cache", "--write-baseline", "isolint-baseline.json"], sample,
                   {**env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    assert written.returncode == 0, written.stderr
    (sample / "pyproject.toml").write_text(files["pyproject.toml"] + 'baseline = "isolint-baseline.json"\n')
    _run(["git", "add", "-A"], sample, env)
    passing = _run([PRE_COMMIT, "try-repo", str(REPO), "isolint", "--all-files"], sample, env)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "isolint" in passing.stdout and "Passed" in passing.stdout

    config = sample / "services/api/app/config.py"
    config.write_text("\n\n" + config.read_text() + 'CACHE_URL = "redis://localhost:6379/0"\n')
    _run(["git", "add", "-A"], sample, env)
    failing = _run([PRE_COMMIT, "try-repo", str(REPO), "isolint", "--files", "services/api/app/config.py"],
                   sample, env)
    assert failing.returncode == 1
    findings = [line for line in failing.stdout.splitlines() if ": ISO" in line]
    assert findings == ["services/api/app/config.py:7:13: ISO101 Hard-coded local host `localhost` in production code"]
