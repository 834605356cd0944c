"""Rename a string literal's value in place, keeping its quotes (Python and TypeScript alike).

Used by the message-contract near-miss fix: every literal spelling of the drifted message type
in the file is rewritten, so a declaration and the ``case`` labels that use it stay in step.
"""

from __future__ import annotations

from typing import Iterable

from isolint.core.model import Edit, Range


def rename_string_literals(literal_ranges: Iterable[Range], new_value: str) -> tuple[Edit, ...]:
    """Edits replacing the text between the quotes of each one-line literal (ranges include
    the quotes; callers only pass literals without prefixes or escapes)."""
    edits = []
    for literal in sorted(set(literal_ranges)):
        if literal.start.line != literal.end.line or literal.end.column - literal.start.column < 2:
            continue
        inner = Range.of(literal.start.line, literal.start.column + 1, literal.end.line, literal.end.column - 1)
        edits.append(Edit(inner, new_value))
    return tuple(edits)
