"""Open documents: their text kept in sync through incremental changes, and findings carried
through those changes while a fresh analysis is not available (half-typed code that does not
parse, ``run = "onSave"``).

pygls keeps its own copy of each document, but splits lines with ``str.splitlines`` (form feeds
and U+2028 count as line breaks there, not in LSP); positions must match the client's exactly,
so the server keeps this store and converts with :mod:`isolint.lsp.convert`.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from isolint.core.model import Finding, Language, Position, Range
from isolint.core.source import language_of
from isolint.lsp.convert import NEWLINE_RE, PositionCodec, split_lines

LANGUAGE_IDS = {
    "python": Language.PYTHON,
    "typescript": Language.TYPESCRIPT,
    "typescriptreact": Language.TYPESCRIPT,
    "javascript": Language.TYPESCRIPT,
    "javascriptreact": Language.TYPESCRIPT,
    "dotenv": Language.DOTENV,
}


@dataclass(frozen=True)
class TextChange:
    """One applied change in code points, against the text as it was before the change."""

    start: Position
    end: Position
    new_text: str


def path_of(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


class Document:
    """The client's view of one open file.

    Its lines and their offsets are kept up to date through each incremental change by
    re-splitting only the lines around it (a keystroke in a 2,000-line file used to split the
    whole text twice: ≈ 3 ms of the event loop's time per keystroke). Each change builds new
    lists, so a list handed out earlier never changes under its reader."""

    def __init__(self, uri: str, text: str, version: int | None, language_id: str | None) -> None:
        self.uri = uri
        self.text = text
        self.version = version
        self.language_id = language_id or ""
        self.path = path_of(uri)
        #: the file's real path, resolved once: background indexing compares each file it
        #: records with the open documents' (``indexing._is_open``)
        self.real_path = self.path.resolve() if self.path is not None else None
        self._lines: list[str] | None = None
        self._offsets: list[int] | None = None
        #: the parse of this document's successive Python texts (``engine.incremental_parse``),
        #: made on the first analysis
        self.edited_parse: Any = None

    @property
    def language(self) -> Language | None:
        """By file name first (as the CLI decides), else by the editor's language id."""
        name = self.path.name if self.path else self.uri.rsplit("/", 1)[-1]
        return language_of(name) or LANGUAGE_IDS.get(self.language_id)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    @property
    def line_offsets(self) -> list[int]:
        """Where each line starts in ``text`` (one entry per line)."""
        if self._offsets is None:
            self._offsets = [0] + [match.end() for match in NEWLINE_RE.finditer(self.text)]
        return self._offsets

    def offset(self, position: Position) -> int:
        if position.line >= len(self.line_offsets):
            return len(self.text)
        return self.line_offsets[position.line] + min(position.column, len(self.lines[position.line]))

    def position_at(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_offsets, offset) - 1
        return Position(line, offset - self.line_offsets[line])

    def _reset(self, text: str) -> None:
        self.text = text
        self._lines = self._offsets = None

    def apply(self, change: types.TextDocumentContentChangeEvent, codec: PositionCodec) -> TextChange:
        """Apply one content change (incremental, or the whole text) and describe it in code
        points so carried findings can follow it."""
        if not isinstance(change, types.TextDocumentContentChangePartial):
            start, end = Position(0, 0), self.position_at(len(self.text))
            self._reset(change.text)
            return TextChange(start, end, change.text)
        start = codec.from_client(self.lines, change.range.start)
        end = codec.from_client(self.lines, change.range.end)
        if end < start:
            start, end = end, start
        begin, finish = self.offset(start), self.offset(end)
        self._splice(start.line, end.line, begin, finish, change.text)
        return TextChange(start, end, change.text)

    def _splice(self, first_line: int, last_line: int, begin: int, finish: int, inserted: str) -> None:
        """Replace ``text[begin:finish]`` and re-split the changed lines, from the line before
        them (a ``\r`` ending it and a ``\n`` the change puts first become one line break) to
        the start of the line after them (the last one's own line break is re-read too)."""
        lines, offsets, old_length = self.lines, self.line_offsets, len(self.text)
        self.text = self.text[:begin] + inserted + self.text[finish:]
        delta = len(self.text) - old_length
        first = max(min(first_line, len(lines) - 1) - 1, 0)
        last = min(last_line, len(lines) - 1)
        region_start = offsets[first]
        ends_at_a_line = last + 1 < len(offsets)  # else the region runs to the end of the text
        region_end = (offsets[last + 1] if ends_at_a_line else old_length) + delta
        region = self.text[region_start:region_end]
        parts = NEWLINE_RE.split(region)
        starts = [region_start] + [region_start + match.end() for match in NEWLINE_RE.finditer(region)]
        if ends_at_a_line:  # the region's last break starts line ``last + 1``, which is kept
            self._lines = lines[:first] + parts[:-1] + lines[last + 1:]
            self._offsets = offsets[:first] + starts + [offset + delta for offset in offsets[last + 2:]]
        else:
            self._lines = lines[:first] + parts
            self._offsets = offsets[:first] + starts


def _shift_position(position: Position, change: TextChange, inside: str) -> Position:
    """Where ``position`` ends up after ``change``. A position inside the replaced span goes to
    the span's start (``inside="start"``) or to the end of the inserted text (``"end"``)."""
    inserted = split_lines(change.new_text)
    end_of_insert = Position(change.start.line + len(inserted) - 1,
                             (change.start.column if len(inserted) == 1 else 0) + len(inserted[-1]))
    if position < change.start:
        return position
    if position == change.start and (inside == "end" or change.start != change.end):
        return position  # text typed right after a finding does not extend it
    if position < change.end:
        return change.start if inside == "start" else end_of_insert
    if position.line == change.end.line:
        return Position(end_of_insert.line, end_of_insert.column + position.column - change.end.column)
    return Position(position.line + end_of_insert.line - change.end.line, position.column)


def _shift_range(range_: Range, change: TextChange) -> Range:
    start = _shift_position(range_.start, change, "start")
    return Range(start, max(_shift_position(range_.end, change, "end"), start))


def shift_findings(findings: list[Finding], change: TextChange) -> list[Finding]:
    """Carry findings through one edit. A finding whose text was removed together with a line
    break (lines deleted) is dropped; a fix no longer matches the text, so it is removed."""
    removed_lines = change.end.line > change.start.line
    carried = []
    for finding in findings:
        if removed_lines and change.start < finding.range.start and finding.range.end <= change.end:
            continue
        start = _shift_position(finding.range.start, change, "start")
        end = _shift_position(finding.range.end, change, "end")
        end = max(end, start)
        related = tuple(dataclasses.replace(location, range=_shift_range(location.range, change))
                        for location in finding.related if not location.path)
        carried.append(dataclasses.replace(finding, range=Range(start, end), fix=None, related=related))
    return carried


@dataclass
class DocumentStore:
    documents: dict[str, Document] = field(default_factory=dict)

    def open(self, item: types.TextDocumentItem) -> Document:
        document = Document(item.uri, item.text, item.version, item.language_id)
        self.documents[item.uri] = document
        return document

    def get(self, uri: str) -> Document | None:
        return self.documents.get(uri)

    def close(self, uri: str) -> Document | None:
        return self.documents.pop(uri, None)

    def __iter__(self):
        return iter(list(self.documents.values()))
