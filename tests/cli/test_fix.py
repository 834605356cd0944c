"""--fix, --diff and --unsafe-fixes on a copy of the project: what is written, what is shown."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.cli.conftest import SECRET, run_cli

CONFIG = "services/api/app/config.py"


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file() and ".isolint_cache" not in p.parts}


def test_diff_shows_fixes_and_changes_nothing(project: Path, capsys) -> None:
    before = snapshot(project)
    code, out, err = run_cli(capsys, "check", "--no-cache", "--diff", "--unsafe-fixes")
    assert code == 1
    assert snapshot(project) == before
    assert f"--- a/{CONFIG}\n+++ b/{CONFIG}\n" in out
    assert '-REDIS_HOST = "localhost"' in out
    assert any(line.startswith("+REDIS_HOST = ") and "REDIS_HOST" in line[14:] for line in out.splitlines())
    assert SECRET not in out  # blanking a secret must not print it in the removed line
    assert "Would apply 3 fixes." in err


def test_diff_without_unsafe_fixes_exits_0_when_only_unsafe_fixes_exist(project: Path, capsys) -> None:
    code, out, err = run_cli(capsys, "check", "--no-cache", "--diff")
    assert (code, out) == (0, "")
    assert "No fixes available." in err


def test_fix_applies_only_safe_fixes_by_default(project: Path, capsys) -> None:
    before = snapshot(project)
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--fix")
    assert code == 1
    assert snapshot(project) == before  # every fix here is unsafe
    assert "Found 3 findings." in out


def test_unsafe_fixes_rewrite_files_that_still_parse(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "fix", "--no-cache", "--unsafe-fixes")
    config = (project / CONFIG).read_text()
    ast.parse(config)
    ast.parse((project / "services/api/tests/test_settings.py").read_text())
    assert 'REDIS_HOST = "localhost"' not in config and "REDIS_HOST" in config
    assert 'return host == "localhost"' in config  # the look-alike is untouched
    assert "monkeypatch" in (project / "services/api/tests/test_settings.py").read_text()
    assert SECRET not in (project / "services/api/.env.production").read_text()
    assert "(3 fixed, 0 remaining)" in out
    assert code == 0
    code, out, _ = run_cli(capsys, "check", "--no-cache")
    assert code == 0 and "All checks passed!" in out
