"""A warm run trusts what the cache kept — a file's stat stamp instead of its bytes, its zone
instead of classifying it, git's listing instead of .gitignore patterns — and must still see
every change. Each test changes one thing in a settled repository (every stamp older than the
racy window, so the warm path is really taken) and asserts the warm run reports exactly what a
run without the cache reports, and what the change should show."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

from isolint.api import lint_paths
from isolint.core.source import UnreadSourceFile
from isolint.engine.cache import RACY_NANOSECONDS
from tests.cli.conftest import write_tree

HOST = 'REDIS_HOST = "localhost"\n'
CLEAN = 'REDIS_HOST = getenv("H")\n'  # as long as HOST: an edit that keeps the size
assert len(HOST) == len(CLEAN)

FILES = {
    "pyproject.toml": "[tool.isolint]\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/config.py": HOST,
    "services/api/app/db.py": 'DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/app"\n',
    "services/api/app/clean.py": "from os import getenv\n\nVALUE = getenv('VALUE')\n",
    "tests/runtime/test_agent.py": "from unittest.mock import MagicMock\n\n\n"
                                   "def test_agent():\n    agent = MagicMock()\n    assert agent\n",
    ".gitignore": "*.log\n",
}
GIT_ENV = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.hooksPath=/dev/null",
                           *args], cwd=root, env=GIT_ENV, check=True, capture_output=True, text=True)
    return done.stdout


SCENARIOS = ("edit_same_size_same_mtime", "replaced_same_size_same_mtime", "renamed", "gitignore_change",
             "untracked", "untracked_ignored", "deleted", "no_git_executable", "checkout", "no_git", "unit_tier", "partial",
             "edit", "touch", "config_change", "layout_change", "cli_output")


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One repository per test, committed, then left alone past the racy window (once for all)."""
    trees = {}
    for name in SCENARIOS:
        root = write_tree(tmp_path_factory.mktemp(name) / "repo", FILES)
        if name != "no_git":
            git(root, "init", "-q", "-b", "main")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "init")
        trees[name] = root
    time.sleep(RACY_NANOSECONDS / 1e9 + 0.2)
    return trees


def findings(run) -> list[tuple[str, str, int]]:
    return sorted((r.source.rel_path, f.code, f.range.start.line) for r in run.results for f in r.findings)


def warm_then(root: Path, change: Callable[[], None], settle: bool = False):
    """The run after ``change`` on a warm cache, checked against a run without the cache;
    ``settle``: once the change is older than the racy window (a stamp is taken for it)."""
    first = lint_paths([root], cache=True)
    again = lint_paths([root], cache=True)
    # really warm: every file answered by its stat stamp, none read or hashed
    assert again.checked_files == 0 and all(isinstance(r.source, UnreadSourceFile) for r in again.results)
    assert findings(again) == findings(first)
    change()
    if settle:
        time.sleep(RACY_NANOSECONDS / 1e9 + 0.2)
    warm = lint_paths([root], cache=True)
    assert findings(warm) == findings(lint_paths([root], cache=False))
    return warm


def codes_of(run, rel: str) -> list[str]:
    return sorted(f.code for r in run.results if r.source.rel_path == rel for f in r.findings)


def test_an_edit_that_keeps_the_size_and_puts_the_mtime_back_is_seen(settled: dict[str, Path]) -> None:
    root = settled["edit_same_size_same_mtime"]
    config = root / "services/api/app/config.py"

    def change() -> None:
        before = os.stat(config)
        config.write_text(CLEAN)
        os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (os.stat(config).st_size, os.stat(config).st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    warm = warm_then(root, change, settle=True)  # only the ctime tells
    assert codes_of(warm, "services/api/app/config.py") == [] and warm.checked_files == 1


def test_a_file_replaced_by_a_rename_with_the_same_size_and_mtime_is_seen(settled: dict[str, Path]) -> None:
    """Editors save by writing a new file and renaming it over the old one: a new inode."""
    root = settled["replaced_same_size_same_mtime"]
    config = root / "services/api/app/config.py"

    def change() -> None:
        before = os.stat(config)
        replacement = config.with_name("config.py.tmp")
        replacement.write_text(CLEAN)
        os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(replacement, config)
        assert os.stat(config).st_ino != before.st_ino

    warm = warm_then(root, change, settle=True)
    assert codes_of(warm, "services/api/app/config.py") == []


def test_an_edit_is_seen(settled: dict[str, Path]) -> None:
    root = settled["edit"]
    db = root / "services/api/app/db.py"
    warm = warm_then(root, lambda: db.write_text("from os import getenv\n\nDATABASE_URL = getenv('DATABASE_URL')\n"))
    assert codes_of(warm, "services/api/app/db.py") == [] and warm.checked_files == 1
    again = lint_paths([root], cache=True)
    assert findings(again) == findings(warm) and again.checked_files == 0


def test_a_touched_file_is_hashed_found_unchanged_and_trusted_again(settled: dict[str, Path]) -> None:
    root = settled["touch"]
    config = root / "services/api/app/config.py"
    # settled: the ctime the touch set is past the racy window, so this run records a stamp
    warm = warm_then(root, lambda: os.utime(config, ns=(time.time_ns() - RACY_NANOSECONDS * 2,) * 2), settle=True)
    assert codes_of(warm, "services/api/app/config.py") and warm.checked_files == 0  # same bytes: same entry
    again = lint_paths([root], cache=True)  # the new stamp was recorded: the warm path again
    assert findings(again) == findings(warm)
    assert all(isinstance(r.source, UnreadSourceFile) for r in again.results)


def test_a_configuration_change_is_honoured(settled: dict[str, Path]) -> None:
    root = settled["config_change"]
    config = root / "pyproject.toml"
    before = lint_paths([root], cache=True)
    assert codes_of(before, "services/api/app/config.py")
    warm = warm_then(root, lambda: config.write_text(
        '[tool.isolint]\nper-file-ignores = { "services/api/app/config.py" = ["ISO1"] }\n'))
    assert not [c for c in codes_of(warm, "services/api/app/config.py") if c.startswith("ISO1")]
    config.write_text("[tool.isolint]\n")
    back = lint_paths([root], cache=True)
    assert findings(back) == findings(lint_paths([root], cache=False)) == findings(before)


def test_a_new_service_changes_the_layout_the_cache_is_keyed_on(settled: dict[str, Path]) -> None:
    """A Dockerfile makes a folder a service: no checked file changed, yet imports can now cross
    services, so the cache of the old layout must not answer."""
    root = settled["layout_change"]
    write_tree(root, {"services/worker/jobs.py": "from services.api.app.config import REDIS_HOST\n"})
    time.sleep(RACY_NANOSECONDS / 1e9 + 0.2)  # settled: the warm path is taken before the change
    before = lint_paths([root], cache=True)
    warm = warm_then(root, lambda: write_tree(root, {"services/worker/Dockerfile": "FROM python:3.11\n"}))
    services = next(iter(warm.projects.values())).services
    assert services.service_of("services/worker/jobs.py") == "worker"
    assert findings(warm) != findings(before)  # the worker's import of the api's code is reported now


def test_the_command_line_prints_the_same_warm_and_without_the_cache(settled: dict[str, Path],
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Byte for byte, JSON and text: the cached results (findings, zones, parse errors, source
    lines read back for the output) are the results."""
    from isolint.cli.main import main

    root = str(settled["cli_output"])
    for output in ("json", "text"):
        printed = []
        for flags in (["--no-cache"], [], [], ["--no-cache"]):
            assert main(["check", "--exit-zero", "--format", output, *flags, root]) == 0
            printed.append(capsys.readouterr().out)
        assert printed[0] and printed[1] == printed[2] == printed[0] == printed[3], output


def test_a_renamed_file_is_reported_under_its_new_name_only(settled: dict[str, Path]) -> None:
    root = settled["renamed"]
    warm = warm_then(root, lambda: os.rename(root / "services/api/app/config.py", root / "services/api/app/settings.py"))
    assert codes_of(warm, "services/api/app/settings.py") and not codes_of(warm, "services/api/app/config.py")


def test_a_gitignore_change_is_honoured_both_ways(settled: dict[str, Path]) -> None:
    root = settled["gitignore_change"]
    ignore = root / ".gitignore"
    db = "services/api/app/db.py"
    warm = warm_then(root, lambda: ignore.write_text("*.log\nservices/api/app/db.py\n"))
    assert codes_of(warm, db)  # tracked: committed whatever .gitignore says, so still checked
    git(root, "rm", "-q", "--cached", db)  # untracked now, and ignored
    untracked = lint_paths([root], cache=True)
    assert findings(untracked) == findings(lint_paths([root], cache=False)) and not codes_of(untracked, db)
    ignore.write_text("*.log\n")
    back = lint_paths([root], cache=True)
    assert findings(back) == findings(lint_paths([root], cache=False)) and codes_of(back, db)


def test_a_new_untracked_file_is_checked(settled: dict[str, Path]) -> None:
    root = settled["untracked"]
    warm = warm_then(root, lambda: write_tree(root, {"services/api/app/cache.py": HOST}))
    assert codes_of(warm, "services/api/app/cache.py") == codes_of(warm, "services/api/app/config.py") != []
    assert "services/api/app/cache.py" in git(root, "ls-files", "--others", "--exclude-standard")


def test_an_untracked_ignored_file_is_not_checked(settled: dict[str, Path]) -> None:
    root = settled["untracked_ignored"]
    (root / ".gitignore").write_text("*.log\nlocal_*.py\n")
    warm = warm_then(root, lambda: write_tree(root, {"services/api/app/local_dev.py": HOST}))
    assert "services/api/app/local_dev.py" not in {r.source.rel_path for r in warm.results}


def test_a_deleted_file_leaves_the_results_and_the_cache(settled: dict[str, Path]) -> None:
    root = settled["deleted"]
    warm = warm_then(root, lambda: (root / "services/api/app/db.py").unlink())
    assert "services/api/app/db.py" not in {r.source.rel_path for r in warm.results}
    assert lint_paths([root], cache=True).checked_files == 0


def test_checking_out_another_branch_is_seen(settled: dict[str, Path]) -> None:
    root = settled["checkout"]
    git(root, "checkout", "-q", "-b", "fix")
    (root / "services/api/app/config.py").write_text(CLEAN)
    (root / "services/api/app/db.py").unlink()
    write_tree(root, {"services/api/app/extra.py": HOST})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "fix")
    git(root, "checkout", "-q", "main")
    time.sleep(RACY_NANOSECONDS / 1e9 + 0.2)  # main's files settle again: the warm path is taken
    warm = warm_then(root, lambda: git(root, "checkout", "-q", "fix"))
    assert not codes_of(warm, "services/api/app/config.py") and codes_of(warm, "services/api/app/extra.py")
    assert "services/api/app/db.py" not in {r.source.rel_path for r in warm.results}
    git(root, "checkout", "-q", "main")
    back = lint_paths([root], cache=True)
    assert findings(back) == findings(lint_paths([root], cache=False))
    assert codes_of(back, "services/api/app/config.py") and codes_of(back, "services/api/app/db.py")


def test_without_git_the_walk_and_the_cache_give_the_same_answers(settled: dict[str, Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = settled["no_git"]
    assert not (root / ".git").exists()
    write_tree(root, {"services/api/app/debug.log.py": HOST})
    (root / ".gitignore").write_text("*.log\n*.log.py\n")  # the walk reads .gitignore itself
    warm = warm_then(root, lambda: (root / "services/api/app/config.py").write_text(CLEAN))
    assert "services/api/app/debug.log.py" not in {r.source.rel_path for r in warm.results}
    assert not codes_of(warm, "services/api/app/config.py") and codes_of(warm, "services/api/app/db.py")
    # no git executable at all in a repository: the same answers from the walk
    git_root = settled["no_git_executable"]
    with_git = findings(lint_paths([git_root], cache=True))
    monkeypatch.setenv("PATH", "/nonexistent")
    assert shutil.which("git") is None
    assert findings(lint_paths([git_root], cache=True)) == with_git == findings(lint_paths([git_root], cache=False))


def test_a_kept_zone_is_not_trusted_once_a_unit_tier_appears_beside_it(settled: dict[str, Path]) -> None:
    """tests/runtime/ becomes an integration tier when tests/unit/ exists: the unchanged test's
    stamp still matches, the zone the cache kept does not."""
    root = settled["unit_tier"]
    assert not codes_of(lint_paths([root], cache=True), "tests/runtime/test_agent.py")
    warm = warm_then(root, lambda: write_tree(root, {"tests/unit/test_unit.py": "def test_unit():\n    assert True\n"}))
    assert codes_of(warm, "tests/runtime/test_agent.py") == ["ISO501"]
    shutil.rmtree(root / "tests/unit")
    assert not codes_of(lint_paths([root], cache=True), "tests/runtime/test_agent.py")


def test_a_partial_run_on_a_warm_cache_reports_what_the_full_run_reports(settled: dict[str, Path]) -> None:
    root = settled["partial"]
    full = lint_paths([root], cache=True)
    for rel in ("services/api/app/config.py", "services/api/app/db.py", "tests/runtime/test_agent.py"):
        partial = lint_paths([root / rel], cache=True)
        assert partial.checked_files == 0, rel  # served by the cache, the rest of the project too
        assert findings(partial) == [f for f in findings(full) if f[0] == rel]
    folder = lint_paths([root / "services/api"], cache=True)
    assert findings(folder) == [f for f in findings(full) if f[0].startswith("services/api/")]
    assert findings(lint_paths([root], cache=True)) == findings(full)


def _children() -> set[str]:
    """This process's child processes, zombies included (Linux)."""
    pid = os.getpid()
    return set(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child processes from /proc")
def test_a_listing_started_ahead_is_what_discovery_reads_and_none_is_left_running(settled: dict[str, Path]) -> None:
    from isolint.core.gitview import discard_prefetched, git_listing, prefetch_listing

    root = str(settled["untracked_ignored"])
    before = _children()
    direct = git_listing(root)
    prefetch_listing(root)
    assert len(_children() - before) == 1
    assert git_listing(root) == direct is not None  # read from the process started ahead
    assert _children() == before  # and reaped
    prefetch_listing(root)
    discard_prefetched()  # nobody asked for it
    assert _children() == before
    from isolint.cli.main import main

    assert main(["check", "--exit-zero", "-q", root + "/services"]) == 0  # the CLI prefetches two listings
    assert _children() == before
