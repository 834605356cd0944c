"""Discovery in hostile trees: symlink loops, FIFOs, devices, huge and unreadable files.
Every case must finish (the CLI runs in a child process with a timeout), report each file
once, read nothing that is not a regular file, and name what it skipped."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.engine.discovery import SettingsResolver, iter_source_files
from tests.cli.conftest import write_tree
from tests.robustness.hostile import findings_per_file, run_isolint

FILES = {
    "pyproject.toml": "[tool.isolint]\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/config.py": 'REDIS_HOST = "localhost"\n',
    "services/api/app/db.py": 'DATABASE_URL = "postgresql://app:app@localhost:5432/app"\n',
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", FILES)


def baseline(repo: Path) -> dict[str, int]:
    counts, _ = findings_per_file(repo, "--no-cache")
    assert counts, "the tree must have findings for the comparison to mean something"
    return dict(counts)


def test_folder_symlink_loops_finish_and_report_each_file_once(repo: Path) -> None:
    expected = baseline(repo)
    app = repo / "services/api/app"
    (app / "l1").symlink_to("..")
    (app / "l2").symlink_to("..")
    (repo / "services/api/up").symlink_to("../..")
    counts, _ = findings_per_file(repo, "--no-cache")
    assert dict(counts) == expected



def test_the_report_over_symlink_loops_finishes_and_counts_each_file_once(repo: Path) -> None:
    without_loops = run_isolint(repo, "report", "--no-cache", "--format", "json", ".")
    app = repo / "services/api/app"
    (app / "l1").symlink_to("..")
    (app / "l2").symlink_to("..")
    with_loops = run_isolint(repo, "report", "--no-cache", "--format", "json", ".")
    assert "Traceback" not in with_loops.stderr and with_loops.returncode == without_loops.returncode == 1
    metrics = json.loads(without_loops.stdout)["metrics"]
    assert next(m["value"] for m in metrics if m["key"] == "localhost-references") == 2  # the comparison means something
    assert json.loads(with_loops.stdout)["metrics"] == metrics

def test_a_folder_outside_reached_twice_is_walked_once(repo: Path, tmp_path: Path) -> None:
    shared = write_tree(tmp_path / "shared", {"settings.py": 'REDIS_HOST = "localhost"\n'})
    (repo / "services/api/app/shared").symlink_to(shared)
    (repo / "services/api/app/shared_again").symlink_to(shared)
    run = lint_paths([repo])
    shared_paths = [r.source.rel_path for r in run.results if r.source.path.name == "settings.py"]
    assert len(shared_paths) == 1 and shared_paths[0].startswith("services/api/app/shared")
    assert run.results[[r.source.path.name for r in run.results].index("settings.py")].findings


def test_a_file_in_the_tree_keeps_its_real_path_when_a_symlink_reaches_it_first(repo: Path) -> None:
    (repo / "services/api/aaa").symlink_to("app")  # sorts before "app"
    run = lint_paths([repo])
    assert sorted(r.source.rel_path for r in run.results if r.source.path.name == "config.py") == \
        ["services/api/app/config.py"]


def test_a_fifo_named_like_source_is_not_opened(repo: Path) -> None:
    expected = baseline(repo)
    os.mkfifo(repo / "services/api/app/x.py")
    os.mkfifo(repo / "services/api/.env")
    counts, err = findings_per_file(repo, "--no-cache")
    assert dict(counts) == expected
    assert "services/api/app/x.py: a FIFO" in err and "services/api/.env: a FIFO" in err


def test_a_fifo_named_on_the_command_line_is_refused_with_its_name(repo: Path) -> None:
    os.mkfifo(repo / "x.py")
    done = run_isolint(repo, "check", "--no-cache", "x.py")
    assert "x.py: a FIFO" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("name", ["services/api/app/zero.py", "services/api/pyproject.toml",
                                  "services/api/.gitignore", "services/api/.env.local"])
def test_a_symlink_to_dev_zero_is_never_read(repo: Path, name: str) -> None:
    expected = baseline(repo)
    (repo / name).symlink_to("/dev/zero")
    counts, err = findings_per_file(repo, "--no-cache")
    assert dict(counts) == expected
    assert f"{name}: a character device" in err, err


def test_a_huge_sparse_file_is_iso002_without_being_read(repo: Path) -> None:
    huge = repo / "services/api/app/huge.py"
    with open(huge, "wb") as handle:
        handle.truncate(64 * 1024**3)  # 64 GB of nothing: reading it would exhaust memory
    counts, _ = findings_per_file(repo, "--no-cache", "--select", "ISO002")
    assert counts == {"services/api/app/huge.py": 1}
    run = lint_paths([huge], overrides={"select": ["ISO002"]})
    assert "larger than 5 MB" in run.findings[0].message


def test_an_oversized_gitignore_is_a_warning_and_nothing_is_skipped(repo: Path) -> None:
    expected = baseline(repo)
    with open(repo / "services/.gitignore", "wb") as handle:
        handle.write(b"app/\n")
        handle.truncate(8 * 1024**2)
    counts, err = findings_per_file(repo, "--no-cache")
    assert dict(counts) == expected
    assert "services/.gitignore: file is larger than 1 MB" in err


def test_an_oversized_configuration_is_an_error_naming_it(repo: Path) -> None:
    config = repo / "services/api/pyproject.toml"
    with open(config, "wb") as handle:
        handle.write(b"[tool.isolint]\n")
        handle.truncate(16 * 1024**2)
    done = run_isolint(repo, "check", "--no-cache")
    assert done.returncode == 2
    assert "services/api/pyproject.toml" in done.stderr and "larger than 2 MB" in done.stderr


@pytest.mark.parametrize("line", ["foo\\", "**/[z-a]"])
def test_a_gitignore_pattern_git_cannot_use_is_a_warning(repo: Path, line: str) -> None:
    expected = baseline(repo)
    (repo / ".gitignore").write_text(f"{line}\nservices/api/app/db.py\n")
    counts, err = findings_per_file(repo, "--no-cache")
    assert "Traceback" not in err
    assert f".gitignore:1: pattern {line!r} ignored" in err
    expected.pop("services/api/app/db.py")  # the good pattern on the next line still applies
    assert dict(counts) == expected


def test_dangling_and_looping_file_symlinks_are_warnings(repo: Path) -> None:
    expected = baseline(repo)
    (repo / "services/api/app/gone.py").symlink_to("nowhere.py")
    (repo / "services/api/app/self.py").symlink_to("self.py")
    counts, err = findings_per_file(repo, "--no-cache")
    assert dict(counts) == expected
    assert "gone.py: a broken symbolic link; skipped" in err
    assert "self.py: cannot be read" in err


def test_a_folder_that_vanishes_during_the_walk_is_a_warning_naming_it(repo: Path) -> None:
    """Discovery is a generator: take the first file, remove a folder the walk has not listed
    yet, go on — listing it fails for real (the portable way to an unreadable folder as root)."""
    write_tree(repo / "services/zzz", {"late.py": 'REDIS_HOST = "localhost"\n'})
    warnings: list[str] = []
    files = iter_source_files([repo], SettingsResolver(), warnings.append)
    before = []
    for entry in files:  # up to the first file below services/: services/ has been listed
        before.append(entry)
        if "services" in entry.path.parts:
            break
    shutil.rmtree(repo / "services/zzz")
    rest = list(files)
    assert f"{repo / 'services/zzz'}: cannot be read" in "\n".join(warnings)
    names = {entry.path.name for entry in [*before, *rest]}
    assert {"config.py", "db.py"} <= names and "late.py" not in names


def test_an_unreadable_folder_is_a_warning_naming_it(repo: Path) -> None:
    locked = repo / "services/api/locked"
    write_tree(locked, {"secret.py": 'REDIS_HOST = "localhost"\n'})
    locked.chmod(0)
    try:
        counts, err = findings_per_file(repo, "--no-cache", unprivileged=True)  # root: without file capabilities
        assert "services/api/locked: cannot be read (Permission denied)" in err, err
        assert counts and "services/api/locked/secret.py" not in counts
    finally:
        locked.chmod(0o755)
