"""Source files: reading bytes safely, deciding the language, and position conversion.

This module is the *only* place that converts ``ast``'s UTF-8 byte columns to the engine's
internal unit (code points); the LSP converts code points to the negotiated encoding.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import Callable, Hashable, TypeVar

from isolint.core.config import Settings
from isolint.core.model import Language, Position, Range, Zone
from isolint.core.modules import module_of_rel
from isolint.core.scratch import Key, Scratch
from isolint.core.zones import classify, is_compose_name

T = TypeVar("T")

MAX_FILE_BYTES = 5 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192
#: NUL characters make the sniffed start of a file that decodes as text binary when at least one
#: in this many of its characters is a NUL: a wide encoding (UTF-16, UTF-32) of ASCII text has one
#: every second or fourth byte, while source text may hold a stray one inside a string (a key
#: separator in a template literal, which compilers accept). Bytes that do not decode and hold a
#: NUL are binary whatever the count.
BINARY_NUL_SPACING = 10
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
DOTENV_EXTRA_NAMES = frozenset({".secrets", "secrets.env", ".envrc", ".flaskenv"})
DOTENV_TEMPLATE_SUFFIXES = (".template", ".example", ".sample", ".tmpl", ".dist")
#: docker compose files (``docker-compose.yml``, ``compose.prod.yaml``, ``docker-compose-local.yml``):
#: read like env files, since their ``environment:`` entries and ``${VAR:-default}`` defaults are
#: the values a container is started with
#: shell scripts: read like env files for the secrets they assign (``export SECRET_KEY=…``) or fall
#: back to (``"${SECRET_KEY:-…}"``) — by ISO201 only
SHELL_SUFFIXES = (".sh", ".bash")


def language_of(path: str | PurePosixPath | Path) -> Language | None:
    """The language a file is analysed as, from its name alone."""
    text = path if isinstance(path, str) else str(path)
    lowered = text[text.rfind("/") + 1:].lower()  # the name, without building a path object
    if not lowered:
        lowered = PurePosixPath(text).name.lower()
    if lowered.endswith(PYTHON_SUFFIXES):
        return Language.PYTHON
    if lowered.endswith(TYPESCRIPT_SUFFIXES) and not lowered.endswith((".d.ts", ".min.js")):
        return Language.TYPESCRIPT
    if is_dotenv_name(lowered) or is_compose_name(lowered) or is_shell_name(lowered):
        return Language.DOTENV
    if lowered == "pyproject.toml":
        return Language.TOML
    return None


def is_shell_name(lowered: str) -> bool:
    """A shell script, by its lower-case name."""
    return lowered.endswith(SHELL_SUFFIXES)


def is_dotenv_name(lowered: str) -> bool:
    stem = lowered
    for suffix in DOTENV_TEMPLATE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return (
        stem == ".env"
        or stem.startswith(".env.")
        or stem.endswith(".env")
        or stem in DOTENV_EXTRA_NAMES
        or stem.endswith(".secrets")
        or lowered in ("env.template", "env.example", "env.sample")
    )


class UnreadableSource(Exception):
    """A file that is not text we can analyse (binary, too large, undecodable)."""


def source_encoding(raw: bytes, language: Language | None) -> str:
    """The codec a file's bytes are read — and a fix written back — with: a PEP 263 coding
    cookie in a Python file's first two lines, else UTF-8 (``utf-8-sig`` when a BOM starts
    the file, so that encoding the text again writes the BOM again)."""
    if language is Language.PYTHON and b"coding" in raw[:raw.find(b"\n", raw.find(b"\n") + 1) % (len(raw) + 1)]:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError as exc:
            raise UnreadableSource(f"bad encoding declaration: {exc}") from exc
        return encoding
    return "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"


def has_binary_nuls(start: bytes | str) -> bool:
    """Whether the NUL characters in ``start`` (a file's first ``BINARY_SNIFF_BYTES``) say it is
    binary rather than text holding a stray NUL (``BINARY_NUL_SPACING``)."""
    count = start.count(b"\x00" if isinstance(start, bytes) else "\x00")
    return count > 0 and count * BINARY_NUL_SPACING >= len(start)


BINARY_REASON = "binary file (NUL bytes); skipped"


def decode_source(raw: bytes, language: Language | None) -> str:
    """Bytes to text, honouring BOMs and PEP 263 coding cookies; never guesses silently. A
    stray NUL in text that decodes is kept (``has_binary_nuls``): whether the language accepts
    it is its parser's answer (Python's refuses it: a parse error, ISO001)."""
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableSource(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; skipped")
    start = raw[:BINARY_SNIFF_BYTES]
    if has_binary_nuls(start):
        raise UnreadableSource(BINARY_REASON)
    encoding = source_encoding(raw, language)
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if b"\x00" in start:
            raise UnreadableSource(BINARY_REASON) from exc
        raise UnreadableSource(f"cannot decode as {encoding}: {exc}") from exc
    return text[1:] if text.startswith("\ufeff") else text


def encode_source(text: str, original: bytes, language: Language | None) -> bytes:
    """``text`` as the bytes of a file that was read from ``original``: the same codec, the
    BOM kept. Raises UnreadableSource when the text cannot be written that way (a character
    the declared coding lacks, or a coding declaration the text no longer makes the same)."""
    encoding = source_encoding(original, language)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start:exc.end]
        raise UnreadableSource(f"{character!r} cannot be written in the file's encoding ({encoding})") from exc
    if source_encoding(raw, language) != encoding or decode_source(raw, language) != text:
        raise UnreadableSource(f"the fixed text would no longer be read back as {encoding}")
    return raw


_CODING_COOKIE_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


def header_line_count(lines: list[str]) -> int:
    """How many first lines must stay first: a shebang, then a PEP 263 coding cookie (an
    import a fix adds goes below them)."""
    count = 1 if lines and lines[0].startswith("#!") else 0
    for index, line in enumerate(lines[:2]):
        if _CODING_COOKIE_RE.match(line):
            count = index + 1
    return count


@dataclass
class SourceFile:
    """One file's text plus where it sits: language, zone and service."""

    path: Path
    rel_path: str  # POSIX, relative to settings.root (or the path as given when outside it)
    text: str
    language: Language
    settings: Settings
    zone: Zone = Zone.PRODUCTION
    service: str | None = None
    #: where rules and indexers share work on this file (``core/scratch.py``); not an
    #: ``__init__`` field, so ``dataclasses.replace(source, text=…)`` starts an empty one
    scratch: Scratch = field(default_factory=Scratch, init=False, repr=False, compare=False)

    def memo(self, key: Key[T], test: Callable[[SourceFile], T], argument: Hashable = None) -> T:
        """``test(self)``, computed once per ``key`` (and ``argument``) while the key holds."""
        entries = self.scratch.entries(key)
        try:
            return entries[(key, argument)]
        except KeyError:
            value = entries[(key, argument)] = test(self)
            return value

    @classmethod
    def from_text(
        cls,
        path: Path | str,
        text: str,
        settings: Settings,
        language: Language | None = None,
        service: str | None = None,
        rel_path: str | None = None,
        zone: Zone | None = None,
    ) -> "SourceFile":
        """``rel_path`` (relative to ``settings.root``), when the caller knows it, saves
        resolving the path (file discovery knows it for every file it walks); ``zone``, when
        the caller knows what ``classify`` says for that path and settings (the cache does)."""
        path = path if isinstance(path, Path) else Path(path)  # Path(a_path) parses it all again
        rel = rel_path if rel_path is not None else relative_path(path, settings.root)
        language = language or language_of(rel) or Language.PYTHON
        return cls(path=path, rel_path=rel, text=text, language=language, settings=settings,
                   zone=classify(rel, settings) if zone is None else zone, service=service)

    @cached_property
    def raw(self) -> bytes:
        return self.text.encode("utf-8", errors="surrogatepass")

    def adopt_raw(self, raw: bytes) -> None:
        """Take the bytes the text was decoded from as ``raw`` when they are exactly what ``raw``
        would encode (UTF-8 without a BOM, nearly every file): one copy of the file in memory
        instead of two, and no encoding pass."""
        if not raw.startswith(codecs.BOM_UTF8) and source_encoding(raw, self.language) == "utf-8":
            self.__dict__["raw"] = raw

    @cached_property
    def lines(self) -> list[str]:
        """Lines without their terminators, split exactly as ``ast`` and LSP split them."""
        return _NEWLINE_RE.split(self.text)

    @cached_property
    def line_offsets(self) -> list[int]:
        """Where each line starts in ``text``."""
        text = self.text
        if "\r" not in text:  # nearly every file: summed in C, four times faster than the regex
            return [0, *accumulate(len(line) + 1 for line in text.split("\n"))][:-1]
        return [0, *(match.end() for match in _NEWLINE_RE.finditer(text))]

    @property
    def name(self) -> str:
        return PurePosixPath(self.rel_path).name

    @cached_property
    def module(self) -> str:
        """Dotted module name relative to the project root (``services.api.app.db``)."""
        return module_of_rel(self.rel_path)

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def column_from_byte(self, line_index: int, byte_column: int) -> int:
        text = self.line(line_index)
        if text.isascii():
            return min(byte_column, len(text))
        return len(text.encode("utf-8", errors="surrogatepass")[:byte_column].decode("utf-8", errors="ignore"))

    def position_from_ast(self, lineno: int, col_offset: int) -> Position:
        """``ast`` positions (1-based line, UTF-8 byte column) to the internal unit."""
        return Position(lineno - 1, self.column_from_byte(lineno - 1, col_offset))

    def offset(self, position: Position) -> int:
        """Index into ``text`` of a position (clamped to the text)."""
        if position.line >= len(self.line_offsets):
            return len(self.text)
        line_start = self.line_offsets[position.line]
        return min(line_start + min(position.column, len(self.line(position.line))), len(self.text))

    def position_at(self, offset: int) -> Position:
        import bisect

        line = bisect.bisect_right(self.line_offsets, offset) - 1
        return Position(line, offset - self.line_offsets[line])

    def text_in(self, range_: Range) -> str:
        return self.text[self.offset(range_.start) : self.offset(range_.end)]

    @property
    def header_lines(self) -> int:
        """Lines a fix inserts nothing above (shebang, coding cookie)."""
        return header_line_count(self.lines[:2])

    @property
    def line_ending(self) -> str:
        match = _NEWLINE_RE.search(self.text)
        return match.group(0) if match else "\n"

    def release(self) -> None:
        """Let go of what was computed from the text (its lines), once the file's analysis in
        this process is done: a process that analyses thousands of files holds only those it
        is working on. Asked for again, it is computed again."""
        self.__dict__.pop("lines", None)
        self.__dict__.pop("line_offsets", None)


class _TextOnUse(SourceFile):
    """A source whose text is made when something asks for it (``_make_text``) and can be let
    go again (``release``)."""

    @property  # type: ignore[override]
    def text(self) -> str:
        text = self.__dict__.get("_text")
        if text is None:
            text = self.__dict__["_text"] = self._make_text()
        return text

    @text.setter
    def text(self, value: str | None) -> None:
        self.__dict__["_text"] = value

    def _make_text(self) -> str:
        raise NotImplementedError

    def release(self) -> None:
        super().release()
        self.__dict__.pop("_text", None)


class UnreadSourceFile(_TextOnUse):
    """A file whose cached result its stat stamp vouches for (``engine/cache.py``): its text is
    read from disk only if something asks for it — the output of its cached findings, or a
    check again when the facts it reads changed. A warm run over a monorepo reads almost
    nothing. A file that became unreadable since reads as empty."""

    def _make_text(self) -> str:
        from isolint.core.files import read_regular

        try:
            raw = read_regular(self.path, MAX_FILE_BYTES)
            text = decode_source(raw, self.language)
            self.adopt_raw(raw)
        except (OSError, UnreadableSource):
            text = ""
        return text

    def release(self) -> None:
        SourceFile.release(self)  # the text stays: read again, it could differ from the text checked


class BytesSourceFile(_TextOnUse):
    """A file held as the UTF-8 bytes it was read from, its text decoded from them when
    something asks for it (``source_from_bytes``)."""

    def _make_text(self) -> str:
        return self.raw.decode("utf-8")


def source_from_bytes(path: Path, raw: bytes, settings: Settings, language: Language | None,
                      service: str | None = None, rel_path: str | None = None) -> SourceFile:
    """The source of a file read as ``raw``; raises UnreadableSource as ``decode_source`` does.
    A UTF-8 file without a BOM (nearly every file) is held as its bytes alone, its text decoded
    when something asks for it and let go with ``release``: the CLI reads every file in one
    process and analyses it in a worker, so the reading process holds each file once, and each
    worker the text of the files it is analysing."""
    if raw.startswith(codecs.BOM_UTF8) or source_encoding(raw, language) != "utf-8":
        source = SourceFile.from_text(path, decode_source(raw, language), settings, language, service, rel_path)
        source.adopt_raw(raw)
        return source
    if not raw.isascii() or len(raw) > MAX_FILE_BYTES or b"\x00" in raw[:BINARY_SNIFF_BYTES]:
        decode_source(raw, language)  # raises when the bytes are no text to analyse; the text is not kept
    source = BytesSourceFile.from_text(path, None, settings, language, service, rel_path)  # type: ignore[arg-type]
    source.__dict__["raw"] = raw
    return source


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return PurePosixPath(path.as_posix()).as_posix().lstrip("/")
