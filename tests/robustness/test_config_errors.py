"""Configuration isolint cannot read or understand is an error naming the file, the line and
the key (exit 2), never skipped without a word; TOML's own spellings of the table are accepted.

The loader's errors carry ``path``, ``line`` and ``key`` (the language server shows them at the
configuration's line and keeps the last good settings), so they are checked on the loader too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from isolint.core.config import ConfigError, load_settings
from tests.robustness.hostile import assert_user_error, build_tree, run_isolint

SOURCES = {
    "app/config.py": 'REDIS_HOST = "localhost"\n',
    "app/.env.production": "JWT_SECRET_KEY=9f8c2b7e4d1a6f3e0b5c8d2a7e4f1b6c9d3a0e5f\n",
}
HEAD = '[project]\nname = "shop"\n\n[tool.isolint]\n'  # the isolint table's keys start on line 5

BROKEN = [
    ('per-file-ignores = { "[z-a]" = ["ISO1"] }', "per-file-ignores", "'[z-a]' is not a valid glob"),
    ('exclude = ["build/", "[z-a]"]', "exclude", "'[z-a]' is not a valid glob"),
    ('production-paths = ["**/[z-a]"]', "production-paths", "'**/[z-a]' is not a valid glob"),
    ('extend-exclude = ["foo\\\\"]', "extend-exclude", "is not a valid glob"),
    ('contract = { backend = "[z-a]" }', "contract", "is not a valid glob"),
    ("select = []", "select", "selects no rule"),
    ('select = ["ISO9"]', "select", "`ISO9` matches no rule; did you mean ISO0, ISO1"),
    ('select = ["ISO999"]', "select", "`ISO999` matches no rule"),
    ('ignore = ["ISO108"]', "ignore", "did you mean ISO101, ISO102, ISO103, ISO104 or ISO105?"),
    ('per-file-ignores = { "tests/*" = ["ISO99"] }', "per-file-ignores", "`ISO99` matches no rule"),
    ('severity = { ISO7 = "hint" }', "severity", "`ISO7` matches no rule"),
]


@pytest.mark.parametrize(("setting", "key", "message"), BROKEN, ids=[key for _, key, _ in BROKEN])
def test_an_invalid_setting_is_an_error_at_its_line_and_key(tmp_path: Path, setting: str, key: str,
                                                          message: str) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": f"{HEAD}{setting}\n", **SOURCES})
    result = run_isolint(root, "check", "--no-cache", ".")
    assert_user_error(result, "pyproject.toml:5:", f"`{key}`", message)
    # the rest is still checked, with the defaults the broken table would have refined
    unconfigured = run_isolint(build_tree(tmp_path / "plain", {"pyproject.toml": HEAD, **SOURCES}),
                               "check", "--no-cache", ".")
    assert unconfigured.returncode == 1 and "ISO101" in unconfigured.stdout
    assert result.stdout == unconfigured.stdout
    with pytest.raises(ConfigError) as raised:
        load_settings(root / "pyproject.toml")
    assert (raised.value.line, raised.value.key) == (5, key)


def test_the_inline_isolint_table_of_tool_is_honoured(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": '[tool]\nisolint = { select = ["ISO2"] }\n', **SOURCES})
    result = run_isolint(root, "check", "--no-cache", "--no-show-source", ".")
    assert result.returncode == 1 and "ISO201" in result.stdout and "ISO101" not in result.stdout, result.stderr


def test_an_error_inside_the_inline_table_points_at_its_line(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": '[tool]\nblack = {}\nisolint = { select = ["ISO999"] }\n',
                                 **SOURCES})
    assert_user_error(run_isolint(root, "check", "."), "pyproject.toml:3:", "`select`", "ISO999")


def test_dotted_keys_under_tool_are_honoured_and_located(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": '[tool]\nisolint.select = ["ISO2"]\nisolint.ignore = ["ISO9"]\n',
                                 **SOURCES})
    assert_user_error(run_isolint(root, "check", "."), "pyproject.toml:3:", "`ignore`", "ISO9")


def test_a_broken_table_header_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": '[project]\nname = "shop"\n[tool.isolint\nselect = ["ISO1"]\n',
                                 **SOURCES})
    assert_user_error(run_isolint(root, "check", "."), "pyproject.toml:3:", "TOML")


def test_invalid_toml_in_an_isolint_toml_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"isolint.toml": 'select = ["ISO1"]\nignore = [\n', **SOURCES})
    assert_user_error(run_isolint(root, "check", "."), "isolint.toml:", "TOML")


def test_an_unreadable_pyproject_is_an_error_not_skipped(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": HEAD + 'select = ["ISO2"]\n', **SOURCES})
    os.chmod(root / "pyproject.toml", 0o000)
    try:
        result = run_isolint(root, "check", "--no-cache", ".", unprivileged=True)
    finally:
        os.chmod(root / "pyproject.toml", 0o644)
    assert_user_error(result, "pyproject.toml", "cannot read", "Permission denied")


def test_a_pyproject_without_isolint_settings_is_not_a_configuration(tmp_path: Path) -> None:
    """A project's own broken pyproject.toml that never mentions isolint is not ours to judge."""
    root = build_tree(tmp_path, {"pyproject.toml": "[project\nname = 'x'\n", **SOURCES})
    result = run_isolint(root, "check", "--no-cache", "--no-show-source", ".")
    assert result.returncode == 1 and "ISO101" in result.stdout and "Traceback" not in result.stderr
