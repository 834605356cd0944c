"""``--fix`` writes a file back the way it was: its declared coding, its BOM, its line endings,
the indentation of the block it edits — or refuses that file, changing no byte of it, and says
which files it did change (exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.robustness.hostile import assert_user_error, build_tree, file_bytes, run_isolint

CONFIG = "[tool.isolint]\n"
LOCALHOST = b'REDIS_HOST = "localhost"'


def fix(root: Path, unprivileged: bool = False):
    return run_isolint(root, "fix", "--unsafe-fixes", "--no-cache", ".", unprivileged=unprivileged)


def test_a_latin_1_file_stays_latin_1_below_its_shebang_and_cookie(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/legacy.py": b'#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n' + LOCALHOST + b"\n",
    })
    result = fix(root)
    assert result.returncode == 0, result.stderr
    raw = (root / "app/legacy.py").read_bytes()
    lines = raw.split(b"\n")
    assert lines[:3] == [b"#!/usr/bin/env python", b"# -*- coding: latin-1 -*-", b"import os"]
    assert b'NAME = "caf\xe9"' in raw and "é".encode() not in raw
    assert LOCALHOST not in raw
    compile(raw, "legacy.py", "exec")  # Python reads it back with the declared coding


def test_a_bom_and_crlf_endings_are_kept(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/windows.py": b'\xef\xbb\xbfNAME = "caf\xc3\xa9"\r\n' + LOCALHOST + b"\r\n",
    })
    assert fix(root).returncode == 0
    raw = (root / "app/windows.py").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfimport os\r\n") and raw.count(b"\xef\xbb\xbf") == 1
    assert LOCALHOST not in raw and 'NAME = "café"'.encode() in raw
    assert raw.count(b"\n") == raw.count(b"\r\n") == 3


def test_cr_only_endings_are_kept(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": CONFIG,
                                 "app/classic.py": b'"""Doc."""\r' + LOCALHOST + b"\rX = 1\r"})
    assert fix(root).returncode == 0
    raw = (root / "app/classic.py").read_bytes()
    assert b"\n" not in raw and raw.startswith(b'"""Doc."""\rimport os\r') and LOCALHOST not in raw


TAB_FIRST = """\
import psycopg2


def helper():
\treturn 1


class Repository:
    def read(self):
        conn = psycopg2.connect("")
        conn.cursor().execute("SELECT 1")
        conn.close()

    def write(self):
        session = SessionLocal()
        session.add(1)
        session.close()
"""


def test_a_fix_uses_the_indentation_of_its_own_block(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": CONFIG, "app/repository.py": TAB_FIRST})
    assert fix(root).returncode == 0
    text = (root / "app/repository.py").read_text()
    assert "        try:\n            conn.cursor()" in text
    assert "        finally:\n            conn.close()" in text
    assert "        with SessionLocal() as session:\n            session.add(1)" in text
    assert [line for line in text.splitlines() if "\t" in line] == ["\treturn 1"]
    compile(text, "repository.py", "exec")


def test_text_the_declared_coding_cannot_hold_is_refused_and_the_others_written(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {
        "pyproject.toml": CONFIG + 'env-accessor = "réglages[{name!r}]"\n',
        "app/ascii_only.py": b"# coding: ascii\n" + LOCALHOST + b"\n",
        "app/plain.py": LOCALHOST + b"\n",
    })
    before = file_bytes(root)["app/ascii_only.py"]
    result = fix(root)
    assert_user_error(result, "app/ascii_only.py", "ascii", "unchanged")
    assert_user_error(result, "files changed: app/plain.py")
    assert (root / "app/ascii_only.py").read_bytes() == before
    assert (root / "app/plain.py").read_text(encoding="utf-8") == 'REDIS_HOST = réglages["REDIS_HOST"]\n'


def test_a_read_only_file_is_left_alone_and_the_changed_files_are_named(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": CONFIG, **{f"app/m{n}.py": LOCALHOST + b"\n" for n in range(3)}})
    os.chmod(root / "app/m1.py", 0o444)
    result = fix(root, unprivileged=True)
    assert_user_error(result, "app/m1.py", "Permission denied", "unchanged")
    assert_user_error(result, "files changed: app/m0.py, app/m2.py")
    assert (root / "app/m1.py").read_bytes() == LOCALHOST + b"\n"
    assert LOCALHOST not in (root / "app/m0.py").read_bytes()


def test_an_immutable_file_even_root_cannot_write_is_refused(tmp_path: Path) -> None:
    """``chattr +i``: what a read-only file is to a user, for root too (where supported)."""
    root = build_tree(tmp_path, {"pyproject.toml": CONFIG, "app/frozen.py": LOCALHOST + b"\n"})
    frozen = root / "app/frozen.py"
    if shutil.which("chattr") is None or \
            subprocess.run(["chattr", "+i", str(frozen)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        result = fix(root)
        assert_user_error(result, "app/frozen.py", "unchanged")
        assert_user_error(result, "files changed: none")
        assert frozen.read_bytes() == LOCALHOST + b"\n"
    finally:
        subprocess.run(["chattr", "-i", str(frozen)], check=False)


def test_ignore_comments_are_written_in_the_file_s_encoding_too(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/legacy.py": b'# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\r\n' + LOCALHOST + b"\r\n",
    })
    result = run_isolint(root, "check", "--add-ignore", "--no-cache", ".")
    assert result.returncode == 0, result.stderr
    raw = (root / "app/legacy.py").read_bytes()
    assert b'NAME = "caf\xe9"' in raw and b"isolint: ignore[ISO101]" in raw
    assert run_isolint(root, "check", "--no-cache", ".").returncode == 0
