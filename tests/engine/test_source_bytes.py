"""A file the CLI reads is held as its bytes; its text is decoded when asked for, and is the
text ``decode_source`` makes — before and after ``release`` — or the read fails the same way."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.core.source import (BytesSourceFile, SourceFile, UnreadableSource, decode_source,
                                 source_from_bytes)

TEXTS = {
    "ascii.py": b'HOST = "localhost"\r\nPORT = 8000\n',
    "accents.py": 'NAME = "café ☕"\nEMOJI = "😀"\n'.encode("utf-8"),
    "bom.py": codecs.BOM_UTF8 + 'X = "é"\n'.encode("utf-8"),
    "latin.py": '# -*- coding: latin-1 -*-\nX = "é"\n'.encode("latin-1"),
    "cookie_utf8.py": '# coding: utf-8\nX = "é"\n'.encode("utf-8"),
    "app.ts": 'const url = "http://localhost:3000"; // ☕\n'.encode("utf-8"),
    # a stray NUL in valid UTF-8 text: a key separator in a template literal, which tsc compiles
    "separator.ts": b"export const key = (a: string, b: string) => `${a}\x00${b}`;\n" + b"// padding\n" * 4,
}

UNREADABLE = {
    "invalid.py": b'X = "\xff\xfe"\n',
    "nul.py": b"X = 1\n\x00\x00",
    "utf16.py": "import os\nX = 1\n".encode("utf-16-le"),  # no BOM: decodes as UTF-8, a NUL every second byte
    "blob.py": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"x" * 200,  # one NUL in 10 % of it, not UTF-8
    "bad_cookie.py": b"# coding: no-such-codec\nX = 1\n",
}


def settings(tmp_path: Path) -> Settings:
    return Settings(root=tmp_path)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_text_from_bytes_is_the_decoded_text_before_and_after_release(tmp_path: Path, name: str) -> None:
    raw = TEXTS[name]
    language = Language.TYPESCRIPT if name.endswith(".ts") else Language.PYTHON
    source = source_from_bytes(tmp_path / name, raw, settings(tmp_path), language, rel_path=name)
    expected = decode_source(raw, language)
    assert source.text == expected
    eager = SourceFile.from_text(tmp_path / name, expected, settings(tmp_path), language, rel_path=name)
    assert source.lines == eager.lines and source.line_offsets == eager.line_offsets
    assert source.zone is eager.zone
    source.release()
    assert "lines" not in source.__dict__
    assert source.text == expected
    assert source.rel_path == name and source.language is language


@pytest.mark.parametrize("name", ["ascii.py", "accents.py", "cookie_utf8.py", "app.ts"])
def test_utf8_files_are_held_as_their_bytes_alone(tmp_path: Path, name: str) -> None:
    raw = TEXTS[name]
    source = source_from_bytes(tmp_path / name, raw, settings(tmp_path), None, rel_path=name)
    assert isinstance(source, BytesSourceFile)
    assert source.raw is raw
    assert source.__dict__.get("_text") is None  # nothing decoded until asked
    source.text
    source.release()
    assert source.__dict__.get("_text") is None


@pytest.mark.parametrize("name", ["bom.py", "latin.py"])
def test_files_in_another_encoding_keep_their_text(tmp_path: Path, name: str) -> None:
    source = source_from_bytes(tmp_path / name, TEXTS[name], settings(tmp_path), Language.PYTHON, rel_path=name)
    assert type(source) is SourceFile
    source.release()
    assert source.text == decode_source(TEXTS[name], Language.PYTHON)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_bytes_fail_as_decoding_does(tmp_path: Path, name: str) -> None:
    raw = UNREADABLE[name]
    with pytest.raises(UnreadableSource) as expected:
        decode_source(raw, Language.PYTHON)
    with pytest.raises(UnreadableSource) as got:
        source_from_bytes(tmp_path / name, raw, settings(tmp_path), Language.PYTHON, rel_path=name)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name", ["nul.py", "utf16.py", "blob.py"])
def test_nul_bytes_of_a_binary_file_or_a_wide_encoding_say_binary(name: str) -> None:
    with pytest.raises(UnreadableSource, match="binary file"):
        decode_source(UNREADABLE[name], Language.PYTHON)


def test_a_stray_nul_in_text_is_kept_for_the_parser() -> None:
    assert "\x00" in decode_source(TEXTS["separator.ts"], Language.TYPESCRIPT)


def test_a_stray_nul_is_checked_as_its_language_reads_it(tmp_path: Path) -> None:
    """TypeScript accepts a NUL in a string: the file is checked. Python refuses one anywhere in
    its source: a parse error (ISO001) at the NUL, not "binary"."""
    from isolint.api import lint_paths

    (tmp_path / "web").mkdir()
    (tmp_path / "web/client.ts").write_bytes(
        b"export const key = (a: string, b: string) => `${a}\x00${b}`;\n"
        b'export const api = "http://localhost:8000/api";\n' + b"// padding\n" * 10)
    (tmp_path / "api").mkdir()
    (tmp_path / "api/settings.py").write_bytes(
        b'import os\nSEPARATOR = "\x00"\nURL = os.environ.get("API_URL", "http://localhost:8000")\n' + b"# padding\n" * 10)
    run = lint_paths([tmp_path], overrides={"select": ["ISO0", "ISO101"]}, jobs=1)
    found = sorted((Path(f.path).name, f.code, f.range.start.line, f.range.start.column) for f in run.findings)
    assert found == [("client.ts", "ISO101", 1, 19), ("settings.py", "ISO001", 1, 13)], found
    [parse_error] = [f for f in run.findings if f.code == "ISO001"]
    assert "null bytes" in parse_error.message
