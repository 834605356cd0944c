"""Partial runs (pre-commit, changed files, editors) are correct: checking some files of a
project reports, for each, exactly what a full run reports — the cross-file rules see the whole
project's index — and no run, partial or full, leaves a cache that changes a later answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.engine.discovery import SettingsResolver, iter_source_files
from tests.robustness.hostile import SERVER

MONOREPO = Path(__file__).resolve().parents[2] / "examples" / "monorepo"


def findings_by_file(run) -> dict[str, list]:
    return {r.source.rel_path: [f.to_json() for f in r.findings] for r in run.results}


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("partial") / "monorepo"
    shutil.copytree(MONOREPO, root)
    return root


@pytest.fixture(scope="module")
def full(monorepo: Path) -> dict[str, list]:
    return findings_by_file(lint_paths([monorepo], jobs=1))


def test_every_file_checked_alone_gets_what_the_full_run_gives_it(monorepo: Path, full: dict[str, list]) -> None:
    files = [entry.path for entry in iter_source_files([monorepo], SettingsResolver())]
    assert len(files) == len(full) > 30
    assert sum(map(len, full.values())) >= 55  # the example monorepo's seeded findings (one per problem)
    for path in files:
        alone = findings_by_file(lint_paths([path], jobs=1))
        rel = path.relative_to(monorepo).as_posix()
        assert list(alone) == [rel]
        assert alone[rel] == full[rel], rel


def test_the_contract_file_of_the_issue_keeps_its_findings(monorepo: Path, full: dict[str, list]) -> None:
    rel = "frontend/src/ws/types.ts"
    assert len(full[rel]) == 3 and {f["code"][:4] for f in full[rel]} == {"ISO4"}
    assert findings_by_file(lint_paths([monorepo / rel]))[rel] == full[rel]


def test_a_sub_folder_is_judged_with_the_whole_project(monorepo: Path, full: dict[str, list]) -> None:
    alone = findings_by_file(lint_paths([monorepo / "frontend"], jobs=1))
    assert alone and alone == {rel: found for rel, found in full.items() if rel.startswith("frontend/")}


def copy_of_monorepo(folder: Path) -> Path:
    root = folder / "monorepo"
    shutil.copytree(MONOREPO, root, ignore=shutil.ignore_patterns(".isolint_cache"))
    return root


def test_a_full_run_after_partial_runs_equals_a_fresh_one(tmp_path: Path, full: dict[str, list]) -> None:
    root = copy_of_monorepo(tmp_path)
    assert findings_by_file(lint_paths([root], cache=True)) == full
    for rel in ("frontend/src/ws/types.ts", "services/backend/app/ws/messages.py",
                "services/backend/tests/conftest.py", "services/backend/tests/integration/test_auth_flow.py"):
        alone = findings_by_file(lint_paths([root / rel], cache=True))
        assert alone == {rel: full[rel]}, rel
    again = lint_paths([root], cache=True)
    assert findings_by_file(again) == full and again.cached_files == len(full)


def test_partial_runs_first_then_a_full_run_equals_a_fresh_one(tmp_path: Path, full: dict[str, list]) -> None:
    root = copy_of_monorepo(tmp_path)
    for rel in ("frontend/src/ws/types.ts", "frontend/src/ws/client.ts", "services/backend/app/ws/router.py"):
        assert findings_by_file(lint_paths([root / rel], cache=True)) == {rel: full[rel]}, rel
    assert findings_by_file(lint_paths([root / "frontend"], cache=True)) == \
        {rel: found for rel, found in full.items() if rel.startswith("frontend/")}
    assert findings_by_file(lint_paths([root], cache=True)) == full


def test_a_rechecked_cache_entry_still_depends_on_the_facts_it_read(tmp_path: Path) -> None:
    """A file checked again because a fact it reads changed must record which facts it read:
    otherwise the next change of those facts leaves its (now stale) verdict in place."""
    root = copy_of_monorepo(tmp_path)
    messages = root / "services/backend/app/ws/messages.py"
    original = messages.read_text()
    renamed = original.replace('THREAD_UPDATE = "thread_update"', 'THREAD_UPDATE = "thread_updated"')
    assert renamed != original
    for text in (original, renamed, original, renamed):
        messages.write_text(text)
        cached = findings_by_file(lint_paths([root], cache=True))
        fresh = findings_by_file(lint_paths([root], cache=False))
        assert cached == fresh
        assert len(cached["frontend/src/ws/types.ts"]) == (3 if text == original else 2)


def test_stdin_is_checked_as_the_named_file_with_the_whole_project(monorepo: Path, full: dict[str, list]) -> None:
    rel = "frontend/src/ws/types.ts"
    text = (monorepo / rel).read_text()
    done = subprocess.run([sys.executable, "-m", "isolint", "check", "--no-cache", "--format", "json",
                           "--stdin-filename", rel], cwd=monorepo, input=text, text=True, capture_output=True,
                          env={"PYTHONPATH": SERVER, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 1, done.stderr
    import json

    reported = json.loads(done.stdout)
    assert {item["path"] for item in reported} == {rel}
    assert sorted(item["code"] for item in reported) == sorted(f["code"] for f in full[rel])
    # the piped text, not the file on disk, is what is checked
    done = subprocess.run([sys.executable, "-m", "isolint", "check", "--no-cache", "--format", "json",
                           "--stdin-filename", "backend/app/new_module.py"], cwd=monorepo,
                          input='REDIS_HOST = "localhost"\n', text=True, capture_output=True,
                          env={"PYTHONPATH": SERVER, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert {item["path"] for item in json.loads(done.stdout)} == {"backend/app/new_module.py"}, done.stderr
