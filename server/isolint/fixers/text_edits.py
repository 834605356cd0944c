"""Plain text edits: apply a set of edits, and turn a rewritten text back into one small edit."""

from __future__ import annotations

import re
from typing import Iterable

from isolint.core.model import Edit, Position, Range

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def line_offsets(text: str) -> list[int]:
    return [0] + [m.end() for m in _NEWLINE_RE.finditer(text)]


def offset_of(text: str, offsets: list[int], position: Position) -> int:
    if position.line >= len(offsets):
        return len(text)
    start = offsets[position.line]
    end = offsets[position.line + 1] if position.line + 1 < len(offsets) else len(text)
    line_len = len(text[start:end].rstrip("\r\n"))
    return start + min(position.column, line_len)


def position_of(offsets: list[int], offset: int) -> Position:
    import bisect

    line = bisect.bisect_right(offsets, offset) - 1
    return Position(line, offset - offsets[line])


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (overlapping ones raise ValueError)."""
    offsets = line_offsets(text)
    spans = sorted(
        ((offset_of(text, offsets, e.range.start), offset_of(text, offsets, e.range.end), e.new_text) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    out, cursor = [], 0
    for start, end, new_text in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def minimal_edit(old: str, new: str) -> Edit | None:
    """The single edit turning ``old`` into ``new``, trimmed to whole changed lines (so editors
    keep cursor and folding elsewhere). None when the texts are equal."""
    if old == new:
        return None
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    prefix = 0
    while prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old_lines), len(new_lines)) - prefix
        and old_lines[-1 - suffix] == new_lines[-1 - suffix]
    ):
        suffix += 1
    old_offsets = line_offsets(old)
    start_offset = sum(len(line) for line in old_lines[:prefix])
    end_offset = len(old) - sum(len(line) for line in old_lines[len(old_lines) - suffix:]) if suffix else len(old)
    replacement = "".join(new_lines[prefix: len(new_lines) - suffix])
    return Edit(Range(position_of(old_offsets, start_offset), position_of(old_offsets, end_offset)), replacement)
