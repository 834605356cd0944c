"""The cache folder in hostile trees: isolint writes and deletes only inside a real
``.isolint_cache`` folder it created. A symlink (a cloned repository can ship one) or a folder
that is not isolint's is refused with a message, the run goes on without a cache, and nothing
outside changes — byte for byte."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.engine.cache import CACHE_DIR_NAME
from tests.cli.conftest import run_cli, write_tree

FILES = {
    "pyproject.toml": "[tool.isolint]\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/config.py": 'REDIS_HOST = "localhost"\n',
}


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry below ``folder`` (names, symlink targets and bytes), to compare after a run."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                state[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                state[rel] = "dir"
    return state


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside the project that a hostile symlink points to: 20 cache-like files."""
    folder = tmp_path / "victim"
    folder.mkdir()
    for i in range(20):
        (folder / f"{i:02d}.json").write_text(f'{{"n": {i}}}')
    (folder / "notes.txt").write_text("keep me")
    return folder


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "repo", FILES)
    monkeypatch.chdir(root)
    return root


def test_a_symlinked_cache_folder_is_refused_and_its_target_is_untouched(repo: Path, victim: Path, capsys) -> None:
    (repo / CACHE_DIR_NAME).symlink_to(victim)
    before = snapshot(victim)
    for command in (["check"], ["report"], ["check", "--fix"]):
        code, _, err = run_cli(capsys, *command)
        assert code in (0, 1), err
        assert "symbolic link" in err and "without" in err, err
    assert snapshot(victim) == before
    assert (repo / CACHE_DIR_NAME).is_symlink()


def test_the_findings_are_those_of_a_run_without_cache(repo: Path, victim: Path) -> None:
    (repo / CACHE_DIR_NAME).symlink_to(victim)
    run = lint_paths([repo], cache=True)
    fresh = lint_paths([repo], cache=False)
    assert [f.to_json() for f in run.findings] == [f.to_json() for f in fresh.findings]
    assert run.findings and run.cached_files == 0
    assert any("symbolic link" in w for w in run.warnings)


def test_clean_refuses_a_symlink_and_says_so(repo: Path, victim: Path, capsys) -> None:
    (repo / CACHE_DIR_NAME).symlink_to(victim)
    before = snapshot(victim)
    code, _, err = run_cli(capsys, "clean")
    assert code == 2
    assert "not removed" in err and "symbolic link" in err and "Removed" not in err
    assert snapshot(victim) == before and (repo / CACHE_DIR_NAME).is_symlink()


def test_a_foreign_folder_is_neither_read_written_nor_cleaned(repo: Path, capsys) -> None:
    foreign = repo / CACHE_DIR_NAME
    foreign.mkdir()
    (foreign / "data.json").write_text('{"format": 1, "entries": {}}')
    (foreign / "old.json").write_text("precious")
    before = snapshot(foreign)
    code, _, err = run_cli(capsys, "check")
    assert code == 1 and "not created by isolint" in err
    code, _, err = run_cli(capsys, "clean")
    assert code == 2 and "not created by isolint" in err
    assert snapshot(foreign) == before


def test_a_cache_file_replaced_by_a_symlink_is_not_written_through(repo: Path, victim: Path, capsys) -> None:
    run_cli(capsys, "check")
    cache_files = sorted((repo / CACHE_DIR_NAME).glob("*.json"))
    assert len(cache_files) == 1
    cache_files[0].unlink()
    cache_files[0].symlink_to(victim / "00.json")
    before = snapshot(victim)
    (repo / "services/api/app/config.py").write_text('REDIS_HOST = "127.0.0.1"\n')
    code, _, _ = run_cli(capsys, "check")
    assert code == 1
    assert snapshot(victim) == before


def test_a_cache_file_that_is_a_fifo_is_not_waited_on(repo: Path, capsys) -> None:
    run_cli(capsys, "check")
    cache_file = next((repo / CACHE_DIR_NAME).glob("*.json"))
    cache_file.unlink()
    os.mkfifo(cache_file)
    code, _, _ = run_cli(capsys, "check")  # would block forever on open() of a FIFO
    assert code == 1


def test_clean_reports_what_it_removed(repo: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "clean")
    assert code == 0 and "No cache" in err and "Removed" not in err
    run_cli(capsys, "check")
    entries = len(os.listdir(repo / CACHE_DIR_NAME))
    assert entries >= 3  # CACHEDIR.TAG, .gitignore, one generation
    code, _, err = run_cli(capsys, "clean")
    assert code == 0 and f"Removed {repo / CACHE_DIR_NAME} ({entries} entries)" in err
    assert not (repo / CACHE_DIR_NAME).exists()


def test_clean_removes_a_symlink_inside_not_its_target(repo: Path, victim: Path, capsys) -> None:
    run_cli(capsys, "check")
    (repo / CACHE_DIR_NAME / "link").symlink_to(victim)
    before = snapshot(victim)
    code, _, err = run_cli(capsys, "clean")
    assert code == 0 and "Removed" in err
    assert snapshot(victim) == before and not (repo / CACHE_DIR_NAME).exists()


def test_an_empty_folder_of_this_user_is_adopted(repo: Path, capsys) -> None:
    """A creation cut short (folder made, tag not yet written) must not disable the cache forever."""
    (repo / CACHE_DIR_NAME).mkdir()
    run_cli(capsys, "check")
    assert (repo / CACHE_DIR_NAME / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert lint_paths([repo], cache=True).cached_files > 0


def test_processes_sharing_the_cache_never_corrupt_it(repo: Path, capsys) -> None:
    """The CLI, pre-commit and an editor can run at once: writes are atomic renames and a save
    keeps what another process wrote meanwhile; whatever the interleaving, the next run's
    answer is a fresh run's."""
    import json
    import subprocess
    import sys

    from tests.robustness.hostile import SERVER

    write_tree(repo, {f"services/api/app/mod{i}.py": f'HOST_{i} = "localhost"\n' for i in range(30)})
    env = {**os.environ, "PYTHONPATH": SERVER}
    targets = [["."], ["services/api/app/mod1.py"], ["services/api/app"], ["."]]
    children = [subprocess.Popen([sys.executable, "-m", "isolint", "check", "-j", "1", *paths], cwd=repo, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for paths in targets * 2]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 1 and "Traceback" not in err, err
    for cache_file in (repo / CACHE_DIR_NAME).glob("*.json"):
        assert json.loads(cache_file.read_text())["format"] == 3
    assert not list((repo / CACHE_DIR_NAME).glob(".tmp-*"))
    cached = lint_paths([repo], cache=True)
    assert [f.to_json() for f in cached.findings] == [f.to_json() for f in lint_paths([repo]).findings]
    assert cached.cached_files > 0  # what was saved last is served (some entries may be rewritten later)


def test_a_save_keeps_entries_another_process_wrote_meanwhile(repo: Path) -> None:
    from isolint.core.config import load_settings
    from isolint.engine.cache import CacheEntry, ResultCache

    settings = load_settings(repo / "pyproject.toml")
    first, second = ResultCache(settings), ResultCache(settings)
    first.put("a.py", CacheEntry("digest-a", []))
    second.put("b.py", CacheEntry("digest-b", []))
    first.save()
    second.save()
    merged = ResultCache(settings)
    assert merged.get("a.py", "digest-a") is not None and merged.get("b.py", "digest-b") is not None
