"""Parallel runs equal sequential ones; discovery honours .gitignore, exclude and vendor folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.engine import pool
from isolint.api import lint_paths
from tests.cli.conftest import write_tree


def findings_json(run) -> list[dict]:
    return [dict(f.to_json(), file=r.source.rel_path) for r in run.results for f in r.findings]


def test_parallel_results_equal_sequential_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"pyproject.toml": "[tool.isolint]\n", "services/api/Dockerfile": "FROM python:3.11\n"}
    for index in range(40):
        files[f"services/api/app/mod_{index:02}.py"] = (
            f'import os\n\nHOST_{index} = "localhost"\nPORT = os.getenv("PORT_{index}", "8000")\n'
        )
        files[f"services/api/tests/test_mod_{index:02}.py"] = (
            f'import os\n\n\ndef test_{index}():\n    os.environ["X_{index}"] = "1"\n'
        )
    root = write_tree(tmp_path / "repo", files)
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 8)  # a threshold, not our logic: force the pool
    sequential = lint_paths([root], jobs=1)
    parallel = lint_paths([root], jobs=2)
    assert len(sequential.findings) >= 80
    assert findings_json(parallel) == findings_json(sequential)
    assert [r.source.rel_path for r in parallel.results] == sorted(r.source.rel_path for r in parallel.results)


def checked(root: Path, *paths: Path) -> set[str]:
    run = lint_paths(list(paths) or [root], jobs=1)
    return {r.source.path.resolve().relative_to(root.resolve()).as_posix() for r in run.results}


def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        ".gitignore": "generated_*.py\nlocal/\n",
        "app/main.py": "",
        "app/generated_models.py": "",
        "local/notes.py": "",
        "pkg/.gitignore": "*.py\n!keep.py\n",
        "pkg/drop.py": "",
        "pkg/keep.py": "",
        "pkg/sub/also_dropped.py": "",
        "pkg/generated_but_kept.py": "",
        "pkg/.env.local": "A=1\n",
    })
    (root / "pkg/.gitignore").write_text("*.py\n!keep.py\n!generated_but_kept.py\n")
    found = checked(root)
    assert "app/main.py" in found and "pkg/keep.py" in found
    assert "pkg/generated_but_kept.py" in found  # the deeper .gitignore re-includes it
    assert not found & {"app/generated_models.py", "local/notes.py", "pkg/drop.py", "pkg/sub/also_dropped.py"}
    assert "pkg/.env.local" in found  # dotenv files are read even when ignored (ISO2xx hints)
    assert "app/generated_models.py" in checked(root, root / "app/generated_models.py")  # explicit paths win


def test_exclude_extend_exclude_and_vendor_folders(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.isolint]\nextend-exclude = ["legacy/", "**/snapshots/*.py"]\n',
        "app/main.py": "",
        "legacy/old.py": "",
        "app/tests/snapshots/snap_1.py": "",
        "node_modules/pkg/index.ts": "",
        ".venv/lib/site.py": "",
        "build/lib/app.py": "",
        "frontend/src/app.ts": "",
    })
    assert checked(root) - {"pyproject.toml"} == {"app/main.py", "frontend/src/app.ts"}
    (root / "pyproject.toml").write_text('[tool.isolint]\nexclude = ["app/"]\n')
    assert "node_modules/pkg/index.ts" in checked(root) and "app/main.py" not in checked(root)


def test_walking_a_subfolder_matches_globs_against_the_project_root(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.isolint]\nextend-exclude = ["services/api/app/legacy/"]\n',
        "services/api/app/main.py": "",
        "services/api/app/legacy/old.py": "",
    })
    assert checked(root, root / "services" / "api") == {"services/api/app/main.py"}


def test_walking_into_an_excluded_folder_finds_nothing_but_a_named_file_is_checked(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.isolint]\nextend-exclude = ["vendor_libs/"]\n',
        "vendor_libs/pkg/mod.py": "",
        "node_modules/pkg/index.ts": "",
        "app/main.py": "",
    })
    assert checked(root, root / "vendor_libs" / "pkg") == set()
    assert checked(root, root / "node_modules") == set()
    assert checked(root, root / "vendor_libs" / "pkg" / "mod.py") == {"vendor_libs/pkg/mod.py"}


def test_negated_exclude_patterns_keep_gitignore_semantics(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.isolint]\nexclude = ["gen/*.py", "!gen/keep.py"]\n',
        "gen/drop.py": "",
        "gen/keep.py": "",
    })
    assert checked(root) - {"pyproject.toml"} == {"gen/keep.py"}


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"


def test_cross_file_run_parses_each_file_once_and_parallel_equals_sequential(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a tree budget, files indexed in phase 1 and checked in phase 2 keep their tree in
    between (the same worker does both), so no file is parsed twice — and the findings depend
    neither on it nor on the workers (by default no tree is kept: ``pool.TREE_BUDGET_BYTES``)."""
    import ast
    from collections import Counter

    parses: Counter[str] = Counter()
    real_parse = ast.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parses[filename] += 1
        return real_parse(source, filename, *args, **kwargs)

    without_trees = lint_paths([EXAMPLE], jobs=1)
    monkeypatch.setattr(pool, "TREE_BUDGET_BYTES", 64 * 1024**2)
    monkeypatch.setattr(ast, "parse", counting_parse)
    sequential = lint_paths([EXAMPLE], jobs=1)
    assert len(sequential.findings) >= 20
    assert parses and max(parses.values()) == 1, [name for name, count in parses.items() if count > 1]
    monkeypatch.setattr(ast, "parse", real_parse)
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 8)  # a threshold, not our logic: force the workers
    parallel = lint_paths([EXAMPLE], jobs=2)
    assert findings_json(parallel) == findings_json(sequential) == findings_json(without_trees)
