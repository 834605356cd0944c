"""User errors on the command line and in ``.gitignore``: one clear message naming the flag,
the path or ``file:line``, exit 2 for an error (a bad ``.gitignore`` line is skipped with a
warning, as git skips it), never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.robustness.hostile import assert_user_error, build_tree, run_isolint

LOCALHOST = 'REDIS_HOST = "localhost"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n", "app/config.py": LOCALHOST})


@pytest.mark.parametrize("bad_line", ["foo\\", "**/[z-a]", "!"])
def test_a_bad_gitignore_line_is_skipped_with_a_warning_and_the_others_apply(project: Path, bad_line: str) -> None:
    build_tree(project, {".gitignore": f"{bad_line}\nlocal/\n", "local/settings.py": LOCALHOST})
    result = run_isolint(project, "check", "--no-cache", "--no-show-source", ".")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "app/config.py" in result.stdout and "local/settings.py" not in result.stdout  # line 2 still ignores
    warning = [line for line in result.stderr.splitlines() if ".gitignore:1:" in line]
    assert len(warning) == 1 and "warning" in warning[0] and f"pattern {bad_line!r} ignored" in warning[0]


@pytest.mark.parametrize(("flags", "fragments"), [
    (["--select", ""], ["--select", "selects no rule"]),
    (["--select", "ISO9"], ["--select", "`ISO9` matches no rule", "did you mean ISO0, ISO1"]),
    (["--select", "ISO999"], ["--select", "`ISO999` matches no rule"]),
    (["--ignore", "ISO108"], ["--ignore", "did you mean ISO101, ISO102, ISO103, ISO104 or ISO105?"]),
    (["--extend-select", "hardcoded-local-hosts"], ["--extend-select", "did you mean hardcoded-local-host?"]),
    (["--select", "iso101"], ["--select", "did you mean ISO101?"]),
    (["--select", "ISO1!"], ["--select", "is not a rule code, prefix or name"]),
])
def test_an_unknown_or_empty_selector_flag_is_an_error_with_a_suggestion(project: Path, flags: list[str],
                                                                       fragments: list[str]) -> None:
    result = run_isolint(project, "check", "--no-cache", *flags, ".")
    assert_user_error(result, *fragments)
    assert result.stdout == ""


def test_a_known_selector_still_selects(project: Path) -> None:
    result = run_isolint(project, "check", "--no-cache", "--select", "ISO1,hardcoded-local-host", ".")
    assert result.returncode == 1 and "ISO101" in result.stdout and result.stderr == ""


def test_a_missing_path_or_a_dangling_symlink_is_named(project: Path) -> None:
    os.symlink(project / "nowhere.py", project / "app/dangling.py")
    assert_user_error(run_isolint(project, "check", "missing.py"), "missing.py", "no such file")
    assert_user_error(run_isolint(project, "check", "app/dangling.py"), "app/dangling.py", "symbolic link")


def test_a_fifo_named_on_the_command_line_is_refused_without_blocking(project: Path) -> None:
    os.mkfifo(project / "app/pipe.py")
    assert_user_error(run_isolint(project, "check", "app/pipe.py"), "app/pipe.py", "not a regular file")


@pytest.mark.parametrize("name", ["app/config.py", "app"])
def test_an_unreadable_file_or_folder_named_on_the_command_line_is_an_error(project: Path, name: str) -> None:
    os.chmod(project / name, 0o000)
    try:
        result = run_isolint(project, "check", "--no-cache", name, unprivileged=True)
    finally:
        os.chmod(project / name, 0o755)
    assert_user_error(result, name, "cannot read", "Permission denied")


@pytest.mark.parametrize("args", [["check", "-o", "out"], ["check", "--write-baseline", "out"],
                                  ["report", "-o", "out"], ["report", "--history", "out"]])
def test_an_output_path_that_is_a_folder_is_an_error_naming_it(project: Path, args: list[str]) -> None:
    (project / "out").mkdir()
    result = run_isolint(project, *args, "--no-cache", ".")
    assert_user_error(result, "out", "Is a directory")
    assert list((project / "out").iterdir()) == [] and not (project / "out.tmp").exists()
