"""Discovery and the secrets rules ask git where a repository exists — without ever running
code of the workspace (core.fsmonitor, hooks), falling back to the walk when git refuses the
repository or is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.core.model import Severity
from tests.cli.conftest import write_tree
from tests.robustness.hostile import findings_per_file, run_isolint

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SECRET = "AUTH_JWT_SECRET_KEY=e1Xq7Lm2Vp9Kt4Rz8Wn3Bc6Hd0Jf5Gs1YaPe7Ui2Oq\n"
FILES = {
    "pyproject.toml": "[tool.isolint]\n",
    ".gitignore": ".env\nbuild_output/\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/config.py": 'REDIS_HOST = "localhost"\n',
    "services/api/app/scratch.py": 'CACHE_HOST = "localhost"\n',
    "services/api/build_output/gen.py": 'GEN_HOST = "localhost"\n',
    "services/api/.env": SECRET,
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", FILES)
    git(root, "init", "-q")
    git(root, "add", ".gitignore", "pyproject.toml", "services/api/Dockerfile", "services/api/app/config.py")
    git(root, "commit", "-q", "-m", "init")
    return root


def iso201_severity(repo: Path) -> Severity:
    run = lint_paths([repo])
    [finding] = [f for f in run.findings if f.code == "ISO201"]
    return finding.severity


def test_an_ignored_untracked_env_file_is_a_hint_and_a_tracked_one_is_committed(repo: Path) -> None:
    assert iso201_severity(repo) is Severity.HINT
    git(repo, "add", "--force", "services/api/.env")
    assert iso201_severity(repo) is Severity.ERROR


def test_discovery_is_gits_view_tracked_and_untracked_not_ignored(repo: Path) -> None:
    (repo / ".git/info/exclude").write_text("services/api/app/scratch.py\n")
    files = {r.source.rel_path for r in lint_paths([repo]).results}
    assert "services/api/app/config.py" in files  # tracked
    assert "services/api/app/scratch.py" not in files  # .git/info/exclude
    assert "services/api/build_output/gen.py" not in files  # .gitignore
    assert "services/api/.env" in files  # an ignored env file is still read (reported as a hint)
    (repo / "services/api/app/new.py").write_text('NEW_HOST = "localhost"\n')
    assert "services/api/app/new.py" in {r.source.rel_path for r in lint_paths([repo]).results}


def test_info_exclude_is_honoured_without_git_too(repo: Path) -> None:
    (repo / ".git/info/exclude").write_text("services/api/app/scratch.py\n")
    counts, err = findings_per_file(repo, "--no-cache", env={"PATH": "/nonexistent"})
    assert "services/api/app/scratch.py" not in counts and "services/api/app/config.py" in counts
    assert "git is not installed" in err


def test_a_tracked_file_gitignore_matches_is_checked(repo: Path) -> None:
    git(repo, "add", "--force", "services/api/build_output/gen.py")
    assert "services/api/build_output/gen.py" in {r.source.rel_path for r in lint_paths([repo]).results}


def test_the_repositorys_fsmonitor_and_hooks_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    script = tmp_path / "fsmonitor.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho ''\n")
    script.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(script))
    hooks = repo / ".git/hooks"
    for name in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / name).chmod(0o755)
    subprocess.run(["git", "status"], cwd=repo, capture_output=True)  # proves the script works
    assert marker.exists()
    marker.unlink()
    (repo / "services/api/app/config.py").write_text('REDIS_HOST = "127.0.0.1"\n')
    counts, _ = findings_per_file(repo, "--no-cache")
    assert counts and "services/api/app/config.py" in counts
    lint_paths([repo])
    assert not marker.exists()


def test_a_repository_git_refuses_falls_back_to_the_walk_with_a_note(repo: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a repository another user's needs root")
    shutil.chown(repo, user=65534, group=65534)
    try:
        counts, err = findings_per_file(repo, "--no-cache", env={"HOME": str(repo.parent)})
        assert "dubious ownership" in err and "walking the folders" in err
        assert "services/api/app/config.py" in counts and "services/api/build_output/gen.py" not in counts
    finally:
        shutil.chown(repo, user=0, group=0)


def test_nested_repository_has_its_own_view(repo: Path) -> None:
    nested = write_tree(repo / "vendor_app", {".gitignore": "ignored.py\n", "kept.py": 'A_HOST = "localhost"\n',
                                               "ignored.py": 'B_HOST = "localhost"\n'})
    git(nested, "init", "-q")
    files = {r.source.rel_path for r in lint_paths([repo]).results}
    assert "vendor_app/kept.py" in files and "vendor_app/ignored.py" not in files


def test_a_fifo_named_gitignore_that_blocks_git_falls_back_to_the_walk(repo: Path) -> None:
    """git opens every .gitignore it meets and waits for good on a FIFO: discovery stops waiting,
    says why and walks the folders, which skip the FIFO and honour the other .gitignore files."""
    os.mkfifo(repo / "services" / "api" / ".gitignore")
    counts, err = findings_per_file(repo, "--no-cache")
    assert "git did not answer" in err and "walking the folders" in err
    assert "services/api/.gitignore: a FIFO" in err
    assert "services/api/app/config.py" in counts and "services/api/build_output/gen.py" not in counts


def test_a_fifo_named_like_source_in_a_repository_is_not_opened(repo: Path) -> None:
    expected, _ = findings_per_file(repo, "--no-cache")
    os.mkfifo(repo / "services/api/app/x.py")
    counts, _ = findings_per_file(repo, "--no-cache")
    assert counts == expected and "services/api/app/config.py" in counts
