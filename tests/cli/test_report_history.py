"""`isolint report`: numeric targets, markdown and self-contained HTML, `--history` snapshots
with the commit read from `.git` (no git process), and the trend after two snapshots."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from isolint.cli.report_history import head_commit
from tests.cli.conftest import run_cli

GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ.get("PATH", "")}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=root, env=GIT_ENV, check=True,
                          capture_output=True, text=True, timeout=60).stdout.strip()


def _commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


def test_json_targets_are_numbers(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "report", "--format", "json", "--no-cache")
    metrics = {m["key"]: m for m in json.loads(out)["metrics"]}
    localhost = metrics["localhost-references"]
    assert localhost["target"] == 0 and localhost["comparison"] == "==" and localhost["target_text"] == "0"
    assert all(isinstance(m["target"], (int, float)) for m in metrics.values())


def test_history_trend_markdown_and_html(project: Path, capsys, tmp_path: Path) -> None:
    _git(project, "init", "-q")
    first = _commit(project, "one")
    history = tmp_path / "history.jsonl"
    assert run_cli(capsys, "report", "--no-cache", "--history", str(history))[0] == 1
    config = project / "services/api/app/config.py"
    config.write_text(config.read_text() + 'CACHE_HOST = "localhost"\n')
    second = _commit(project, "two")

    code, out, _ = run_cli(capsys, "report", "--no-cache", "--history", str(history), "--format", "markdown")
    snapshots = [json.loads(line) for line in history.read_text().splitlines()]
    assert [s["commit"] for s in snapshots] == [first, second]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s["time"]) and s["version"] for s in snapshots)
    assert [s["metrics"]["localhost-references"]["value"] for s in snapshots] == [1, 2]
    assert snapshots[1]["metrics"]["localhost-references"]["per_service"] == {"api": 2}
    assert out.startswith("## isolint report")
    row = next(line for line in out.splitlines() if "localhost references" in line)
    assert row.startswith("| ❌ |") and "| 1 ↗ 2 (worse) ▁█ |" in row
    assert "| api | 2 ▁█ |" in out

    history_copy = tmp_path / "copy.jsonl"
    history_copy.write_text(history.read_text())
    run_cli(capsys, "report", "--no-cache", "--history", str(history_copy), "--format", "html", "-o", "r.html")
    page = (project / "r.html").read_text()
    assert not re.search(r"https?://|<script|<link|<img|src=|url\(|@import", page)
    metric = page[page.index('id="metric-localhost-references"'):]
    metric = metric[:metric.index("</div>")]
    assert metric.count("<circle") == 3 and 'class="trend"' in metric and 'class="target"' in metric
    assert 'id="service-api"' in page and "trend 2 → 2</p>" in page  # the third snapshot against the second


def test_one_snapshot_has_no_trend(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "report", "--no-cache", "--format", "markdown")
    row = next(line for line in out.splitlines() if "localhost references" in line)
    assert row.endswith("| 0 |  |")
    _, page, _ = run_cli(capsys, "report", "--no-cache", "--format", "html")
    assert 'class="trend"' not in page and "<circle" in page


def test_broken_history_line_is_skipped_with_a_warning(project: Path, capsys, tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text("not json\n")
    code, _, err = run_cli(capsys, "report", "--no-cache", "--history", str(history), "--exit-zero")
    assert code == 0 and "history.jsonl:1: not a report snapshot, skipped" in err
    assert len(history.read_text().splitlines()) == 2


def test_head_commit_without_running_git(tmp_path: Path) -> None:
    sha = "a" * 40
    git = tmp_path / "repo/.git"
    (git / "refs/heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{sha} refs/heads/main\n")
    (tmp_path / "repo/src").mkdir()
    assert head_commit(tmp_path / "repo/src") == sha
    (git / "refs/heads/main").write_text("b" * 40 + "\n")
    assert head_commit(tmp_path / "repo") == "b" * 40
    # a worktree: .git is a file naming its git dir, refs live in the common dir
    worktree_git = git / "worktrees/wt"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("c" * 40 + "\n")
    (worktree_git / "commondir").write_text("../..\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt/.git").write_text(f"gitdir: {worktree_git}\n")
    assert head_commit(tmp_path / "wt") == "c" * 40
    (worktree_git / "HEAD").write_text("ref: refs/heads/main\n")
    assert head_commit(tmp_path / "wt") == "b" * 40



def test_a_compose_file_is_no_deployed_configuration_file(clean_project: Path, capsys) -> None:
    """Only ISO201 reads compose files: the development-defaults metric does not count them as
    configuration it checked."""
    def checked() -> str:
        _, out, _ = run_cli(capsys, "report", "--format", "json", "--no-cache", "--exit-zero")
        return {m["key"]: m for m in json.loads(out)["metrics"]}["development-defaults"]["detail"]

    (clean_project / "services/api/.env.production").write_text("API_URL=https://api.acme.io\n")
    before = checked()
    (clean_project / "services/api/compose.prod.yaml").write_text(
        "services:\n  api:\n    environment:\n      API_URL: http://localhost:8000\n")
    assert checked() == before
