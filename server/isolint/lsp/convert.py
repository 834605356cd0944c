"""The boundary between the engine's model and LSP: positions, ranges, diagnostics, edits.

The engine counts columns in code points; LSP clients count in the negotiated encoding
(UTF-16 unless the client offered UTF-8 or UTF-32). Every conversion happens here, against the
exact line the position sits on, so é, 🎉 and CJK on the same line land where the user sees
them. Lines are split on ``\\r\\n``, ``\\r`` and ``\\n`` only, as the LSP specification says
(``str.splitlines`` also splits on form feeds and U+2028, which would shift every later line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from isolint.core.model import Edit, Finding, Position, Range, RelatedLocation, Severity
from isolint.core.rule import rule_doc_url

NEWLINE_RE = re.compile(r"\r\n|\r|\n")
SOURCE = "isolint"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def split_lines(text: str) -> list[str]:
    return NEWLINE_RE.split(text)


class PositionCodec:
    """Code points ↔ the client's code units (``utf-8``, ``utf-16`` or ``utf-32``)."""

    def __init__(self, encoding: str | None) -> None:
        encoding = str(encoding or types.PositionEncodingKind.Utf16.value).lower()
        self.encoding = encoding if encoding in ("utf-8", "utf-16", "utf-32") else "utf-16"
        #: the last line asked about and whether it is ASCII (one tuple: threads share a codec)
        self._last_line: tuple[str, bool] = ("", True)

    def _is_ascii(self, line: str) -> bool:
        """``line.isascii()``, remembered for the last line: the positions of thousands of
        findings on one long line (a minified bundle's) cost one scan of it, not one each."""
        last = self._last_line
        if last[0] is not line:
            last = self._last_line = (line, line.isascii())
        return last[1]

    def units(self, text: str) -> int:
        """Length of ``text`` in client code units."""
        if self.encoding == "utf-32" or text.isascii():
            return len(text)
        if self.encoding == "utf-16":
            return len(text.encode("utf-16-le", "surrogatepass")) // 2
        return len(text.encode("utf-8", "surrogatepass"))

    def to_client_column(self, line: str, column: int) -> int:
        column = max(0, min(column, len(line)))
        if self.encoding == "utf-32" or self._is_ascii(line):
            return column
        return self.units(line[:column])

    def from_client_column(self, line: str, units: int) -> int:
        """Code point index of a client column; a column inside a character (half a surrogate
        pair, the middle of a UTF-8 sequence) rounds up to the next character boundary, and a
        column past the end clamps to the line's length, as the LSP specification asks."""
        if units <= 0:
            return 0
        if self.encoding == "utf-32" or self._is_ascii(line):
            return min(units, len(line))
        counted = 0
        for index, char in enumerate(line):
            if counted >= units:
                return index
            counted += self.units(char)
        return len(line)

    def to_client_pair(self, lines: Sequence[str], position: Position) -> tuple[int, int]:
        """(line, character) in client units; past the last line, the end of the document."""
        if position.line >= len(lines):
            last = len(lines) - 1
            return (last, self.units(lines[last])) if last >= 0 else (0, 0)
        return position.line, self.to_client_column(lines[position.line], position.column)

    def to_client(self, lines: Sequence[str], position: Position) -> types.Position:
        line, character = self.to_client_pair(lines, position)
        return types.Position(line=line, character=character)

    def from_client(self, lines: Sequence[str], position: types.Position) -> Position:
        if position.line >= len(lines):
            last = max(len(lines) - 1, 0)
            return Position(last, len(lines[last]) if lines else 0)
        line = max(position.line, 0)
        return Position(line, self.from_client_column(lines[line], position.character))

    def range_to_client(self, lines: Sequence[str], range_: Range) -> types.Range:
        return types.Range(start=self.to_client(lines, range_.start), end=self.to_client(lines, range_.end))

    def range_from_client(self, lines: Sequence[str], range_: types.Range) -> Range:
        return Range(self.from_client(lines, range_.start), self.from_client(lines, range_.end))


def visible_range(lines: Sequence[str], range_: Range) -> Range:
    """An empty range widened to one character where the line has one, so every editor draws
    something (several draw nothing for an empty range)."""
    if range_.start != range_.end:
        return range_
    line = lines[range_.start.line] if range_.start.line < len(lines) else ""
    if range_.start.column < len(line):
        return Range(range_.start, Position(range_.start.line, range_.start.column + 1))
    if range_.start.column > 0 and range_.start.column == len(line):
        return Range(Position(range_.start.line, range_.start.column - 1), range_.start)
    return range_


def _diagnostic_data(finding: Finding, uri: str, version: int | None, stale: bool) -> dict[str, Any]:
    """``data`` carries the whole finding (fix descriptor included) so code actions are
    answered without linting again; ``stale`` marks a finding carried over from an older text
    (its fix no longer applies)."""
    data: dict[str, Any] = {"finding": finding.to_json(), "uri": uri, "version": version}
    if stale:
        data["stale"] = True
    return data


def to_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec, uri: str, version: int | None,
                  stale: bool = False) -> types.Diagnostic:
    """One finding as an LSP diagnostic (for responses: pull, code actions)."""
    return types.Diagnostic(
        range=codec.range_to_client(lines, visible_range(lines, finding.range)),
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=rule_doc_url(finding.code)),
        source=SOURCE,
        related_information=[
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=codec.range_to_client(lines, location.range)),
                message=location.message)
            for location in same_file_related(finding)
        ] or None,
        data=_diagnostic_data(finding, uri, version, stale),
    )


def diagnostic_json(finding: Finding, lines: Sequence[str], codec: PositionCodec, uri: str, version: int | None,
                    stale: bool = False) -> dict[str, Any]:
    """The same diagnostic as :func:`to_diagnostic`, as the JSON object itself. Pushing
    diagnostics is the per-keystroke path: building lsprotocol objects and having cattrs take
    them apart again cost more than the conversion (≈ 20 ms for 300 findings)."""
    diagnostic = {
        "range": _range_json(lines, codec, visible_range(lines, finding.range)),
        "message": finding.message,
        "severity": SEVERITIES[finding.severity].value,
        "code": finding.code,
        "codeDescription": {"href": rule_doc_url(finding.code)},
        "source": SOURCE,
        "data": _diagnostic_data(finding, uri, version, stale),
    }
    related = [{"location": {"uri": uri, "range": _range_json(lines, codec, location.range)},
                "message": location.message} for location in same_file_related(finding)]
    if related:
        diagnostic["relatedInformation"] = related
    return diagnostic


def same_file_related(finding: Finding) -> list[RelatedLocation]:
    """Related locations in the diagnostic's own document (their positions convert against its
    lines); locations in other files are shown by the CLI's reports."""
    return [location for location in finding.related if not location.path or location.path == finding.path]


def _range_json(lines: Sequence[str], codec: PositionCodec, range_: Range) -> dict[str, Any]:
    (start_line, start_char), (end_line, end_char) = (codec.to_client_pair(lines, range_.start),
                                                      codec.to_client_pair(lines, range_.end))
    return {"start": {"line": start_line, "character": start_char},
            "end": {"line": end_line, "character": end_char}}


def to_text_edit(edit: Edit, lines: Sequence[str], codec: PositionCodec) -> types.TextEdit:
    return types.TextEdit(range=codec.range_to_client(lines, edit.range), new_text=edit.new_text)


def finding_from_data(data: Any) -> Finding | None:
    """The finding a diagnostic's (or code action's) ``data`` carries; None when it is not ours."""
    if not isinstance(data, dict) or not isinstance(data.get("finding"), dict):
        return None
    try:
        return Finding.from_json(data["finding"])
    except (KeyError, TypeError, ValueError):
        return None
