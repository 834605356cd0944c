"""The result cache: hits when nothing changed, misses when a file, the settings or a fact a
rule reads changed — and never a stale verdict."""

from __future__ import annotations

import json
from pathlib import Path

from isolint.api import lint_paths
from isolint.engine.cache import CACHE_DIR_NAME
from tests.cli.conftest import run_cli, write_tree


def codes_by_file(run) -> dict[str, list[str]]:
    return {r.source.rel_path: sorted(f.code for f in r.findings) for r in run.results if r.findings}


def test_second_run_is_served_from_the_cache(project: Path) -> None:
    first = lint_paths([project], cache=True)
    assert first.checked_files > 0 and first.cached_files == 0
    second = lint_paths([project], cache=True)
    assert second.checked_files == 0 and second.cached_files == first.checked_files
    assert codes_by_file(second) == codes_by_file(first)
    assert [f.to_json() for f in second.findings] == [f.to_json() for f in first.findings]
    assert (project / CACHE_DIR_NAME / ".gitignore").read_text().strip().endswith("*")


def test_edited_file_is_checked_again(project: Path) -> None:
    lint_paths([project], cache=True)
    config = project / "services/api/app/config.py"
    config.write_text(config.read_text().replace('REDIS_HOST = "localhost"', 'REDIS_HOST = os.environ["REDIS_HOST"]'))
    run = lint_paths([project], cache=True)
    assert run.checked_files == 1
    assert "services/api/app/config.py" not in codes_by_file(run)


def test_changed_settings_invalidate_the_cache(project: Path) -> None:
    lint_paths([project], cache=True)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'ignore = ["ISO101"]\n')
    run = lint_paths([project], cache=True)
    assert run.cached_files == 0
    assert "ISO101" not in {f.code for f in run.findings}


def test_a_cross_file_fact_change_rechecks_the_files_that_read_it(tmp_path: Path) -> None:
    """ISO503 in an unchanged test file depends on a fixture in conftest.py."""
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/tests/integration/conftest.py": (
            "import pytest\nfrom unittest.mock import MagicMock\n\n\n"
            "@pytest.fixture\ndef payments():\n    return MagicMock()\n"
        ),
        "services/api/tests/integration/test_checkout.py": (
            "def test_checkout(payments):\n    assert payments.charge(10)\n"
        ),
    })
    test_file = "services/api/tests/integration/test_checkout.py"
    first = lint_paths([root], cache=True)
    assert "ISO503" in codes_by_file(first).get(test_file, []), codes_by_file(first)
    conftest = root / "services/api/tests/integration/conftest.py"
    conftest.write_text("import pytest\n\n\n@pytest.fixture\ndef payments(real_gateway):\n    return real_gateway\n")
    second = lint_paths([root], cache=True)
    assert "ISO503" not in codes_by_file(second).get(test_file, [])
    fresh = lint_paths([root], cache=False)
    assert codes_by_file(second) == codes_by_file(fresh)


def test_no_cache_neither_reads_nor_writes(project: Path, capsys) -> None:
    code, _, _ = run_cli(capsys, "check", "--no-cache")
    assert code == 1
    assert not (project / CACHE_DIR_NAME).exists()
    run_cli(capsys, "check")
    assert (project / CACHE_DIR_NAME).is_dir()
    code, _, _ = run_cli(capsys, "clean")
    assert code == 0 and not (project / CACHE_DIR_NAME).exists()


def test_a_corrupt_cache_is_ignored(project: Path) -> None:
    first = lint_paths([project], cache=True)
    for cache_file in (project / CACHE_DIR_NAME).glob("*.json"):
        cache_file.write_text("{not json")
    run = lint_paths([project], cache=True)
    assert run.cached_files == 0
    assert codes_by_file(run) == codes_by_file(first)
    assert json.loads(next((project / CACHE_DIR_NAME).glob("*.json")).read_text())["entries"]


def test_deleted_files_leave_the_cache(project: Path) -> None:
    lint_paths([project], cache=True)
    (project / "services/api/tests/test_settings.py").unlink()
    lint_paths([project], cache=True)
    (cache_file,) = (project / CACHE_DIR_NAME).glob("*.json")
    entries = json.loads(cache_file.read_text())["entries"]
    assert "services/api/app/config.py" in entries
    assert "services/api/tests/test_settings.py" not in entries


def test_check_extracts_only_the_facts_its_rules_read_and_keeps_a_cache_of_its_own(tmp_path: Path) -> None:
    """`check --select ISO101` needs no cross-file facts; a later full run (or `report`) must not
    be served those fact-less entries."""
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/tests/integration/conftest.py": (
            "import pytest\nfrom unittest.mock import MagicMock\n\n\n"
            "@pytest.fixture\ndef payments():\n    return MagicMock()\n"
        ),
        "services/api/tests/integration/test_checkout.py": (
            "def test_checkout(payments):\n    assert payments.charge(10)\n"
        ),
    })
    narrow = lint_paths([root], overrides={"select": ["ISO101"]}, cache=True, all_facts=False)
    (project,) = narrow.projects.values()
    assert project.indexers == () and narrow.checked_files > 0
    assert lint_paths([root], overrides={"select": ["ISO101"]}, cache=True, all_facts=False).cached_files > 0
    # `report --select ISO101`: same settings, but it wants every fact kind
    report = lint_paths([root], overrides={"select": ["ISO101"]}, cache=True, all_facts=True)
    assert report.cached_files == 0
    assert "mock_fixtures" in json.dumps(report.projects[root].to_json())
    full = lint_paths([root], cache=True, all_facts=False)
    assert {i.name for i in full.projects[root].indexers} >= {"test_doubles"}
    assert "ISO503" in codes_by_file(full)["services/api/tests/integration/test_checkout.py"]


def test_unchanged_stat_is_trusted_and_an_edit_hidden_from_mtime_is_still_caught(tmp_path: Path) -> None:
    """Entries are validated by (mtime_ns, ctime_ns, size, inode) before hashing. An edit that
    keeps the size and puts the old mtime back changes the ctime, so it is hashed and seen."""
    import os
    import time

    from isolint.core.config import load_settings
    from isolint.engine.cache import ResultCache, stat_stamp

    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/app/config.py": 'REDIS_HOST = "localhost"\n',
    })
    config = root / "services/api/app/config.py"
    time.sleep(2.1)  # older than the racy window: its stamp can be trusted
    first = lint_paths([root], cache=True)
    assert "ISO101" in codes_by_file(first)["services/api/app/config.py"]
    before = os.stat(config)
    project = first.projects[root]
    cache = ResultCache(load_settings(root / "pyproject.toml"), (i.name for i in project.indexers),
                        layout=project.services.fingerprint())
    assert cache.digest_by_stamp("services/api/app/config.py", stat_stamp(before)) is not None
    config.write_text('REDIS_HOST = getenv("H")\n')  # as long as 'REDIS_HOST = "localhost"\n'
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(config)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    second = lint_paths([root], cache=True)
    assert second.checked_files == 1
    assert codes_by_file(second) == codes_by_file(lint_paths([root], cache=False))
    assert "ISO101" not in codes_by_file(second).get("services/api/app/config.py", [])


def test_a_file_changed_within_the_racy_window_has_no_trusted_stamp(tmp_path: Path) -> None:
    import os

    from isolint.engine.cache import stat_stamp

    path = tmp_path / "fresh.py"
    path.write_text("x = 1\n")
    assert stat_stamp(os.stat(path)) is None
    os.utime(path, ns=(0, 0))  # an old mtime, but the ctime is now: still racy
    assert stat_stamp(os.stat(path)) is None


def test_a_tier_folder_created_beside_a_test_rechecks_it(tmp_path: Path) -> None:
    """A test's zone can change with the tree around it: tests/runtime/ becomes an integration
    tier once tests/unit/ exists beside it, and the cached verdict of the unchanged file with it."""
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.isolint]\n",
        "tests/runtime/test_agent.py": "from unittest.mock import MagicMock\n\n\n"
                                       "def test_agent():\n    agent = MagicMock()\n    assert agent\n",
    })
    assert "tests/runtime/test_agent.py" not in codes_by_file(lint_paths([tmp_path], cache=True))
    write_tree(tmp_path, {"tests/unit/test_unit.py": "def test_unit():\n    assert True\n"})
    assert codes_by_file(lint_paths([tmp_path], cache=True))["tests/runtime/test_agent.py"] == ["ISO501"]


def test_a_changed_pytest_configuration_rechecks_the_scripts_it_leaves_out(tmp_path: Path) -> None:
    """A script under tests/manual/ is quiet while the service's pytest.ini leaves it out of its
    testpaths; once the testpaths take it in, the unchanged script's cached verdict is not kept."""
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/requirements.txt": "fastapi\n",
        "services/api/pytest.ini": "[pytest]\ntestpaths = tests/pytest\n",
        "services/api/tests/pytest/test_ok.py": "def test_ok():\n    assert True\n",
        "services/api/tests/manual/serve.py": "import os\n\nos.environ['AUTH'] = 'off'\n",
    })
    script = "services/api/tests/manual/serve.py"
    assert script not in codes_by_file(lint_paths([tmp_path], cache=True))
    write_tree(tmp_path, {"services/api/pytest.ini": "[pytest]\ntestpaths = tests\n"})
    assert codes_by_file(lint_paths([tmp_path], cache=True))[script] == ["ISO502"]


def test_an_update_of_isolint_that_changes_zones_starts_a_new_cache(tmp_path: Path) -> None:
    """The cache keeps each file's zone and trusts it on a warm run; a build whose zones differ
    (any edit of a module of the package, ``core/zones.py`` among them) must not read it. The
    build fingerprint is part of the cache file's name: edit a copy of the package and see it
    change."""
    import shutil
    import subprocess
    import sys

    import isolint

    package = tmp_path / "site" / "isolint"
    shutil.copytree(Path(isolint.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    ask = [sys.executable, "-c", "from isolint.engine.cache import build_fingerprint; print(build_fingerprint())"]
    env = {"PYTHONPATH": str(package.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    before = subprocess.run(ask, env=env, capture_output=True, text=True, check=True).stdout
    zones = package / "core" / "zones.py"
    zones.write_text(zones.read_text(encoding="utf-8") + "\n# a zone heuristic changed\n", encoding="utf-8")
    after = subprocess.run(ask, env=env, capture_output=True, text=True, check=True).stdout
    assert before.strip() and after.strip() and before != after


def test_a_run_served_from_the_cache_indexes_the_same_facts_when_they_are_read(project: Path) -> None:
    """A warm run compares fact digests without decoding the facts; whoever reads the run's
    projects (a report, the contract command) still gets every file's facts."""
    fresh = lint_paths([project])
    lint_paths([project], cache=True)
    warm = lint_paths([project], cache=True)
    assert warm.checked_files == 0
    assert {root: index.to_json() for root, index in warm.projects.items()} == \
        {root: index.to_json() for root, index in fresh.projects.items()}
    assert any(facts for index in fresh.projects.values() for facts in index.to_json().values())


def test_merged_fact_digests_follow_the_facts_not_the_order_files_came_in() -> None:
    from isolint.engine.cache import DecodedFacts, fact_text, fact_texts, merged_facts_digest

    a, b = ("a.py", fact_text({"x": [1, 2]})), ("b.py", fact_text(["y"]))
    assert merged_facts_digest([a, b]) == merged_facts_digest([b, a])
    assert merged_facts_digest([a, b]) != merged_facts_digest([a, ("b.py", fact_text(["z"]))])
    assert merged_facts_digest([a]) != merged_facts_digest([a, b])
    decoded = DecodedFacts({"kind": a[1]})
    assert decoded["kind"] == {"x": [1, 2]} and dict(decoded) == {"kind": {"x": [1, 2]}}
    assert fact_texts(decoded) is decoded.texts  # handed on as written, never encoded again
    import pickle

    sent = pickle.loads(pickle.dumps(decoded))  # to the CLI's workers, as text
    assert sent.texts == decoded.texts and sent["kind"] == {"x": [1, 2]}
    assert fact_texts({"kind": {"x": [1, 2]}, "none": None}) == {"kind": a[1]}
