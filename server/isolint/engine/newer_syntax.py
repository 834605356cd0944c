"""Python written for a newer interpreter than the one isolint runs on.

A project on Python 3.12+ uses syntax the running interpreter's ``ast`` cannot parse: type
parameters (``def f[T](…)``, ``class C[T]:``), ``type X = …`` aliases, f-strings that reuse their
quote or span lines inside a replacement field (PEP 701), ``except A, B:`` (PEP 758). Such a
file is valid code, so reporting it as unparseable (ISO001) and analysing nothing in it would be
wrong twice over. libcst's parser knows the newer grammar; when it accepts the file, this module
rewrites exactly those constructs into equivalent older spelling — type parameters blanked,
aliases as assignments, f-strings re-quoted (or, when that cannot work, turned into a plain
string of the same extent), exception tuples parenthesised — keeping every line where it was and
most columns, so that findings elsewhere in the file land where they belong.

What the rewrite drops (type parameters, the inside of an f-string that cannot be re-quoted) is
nothing isolint's rules read. libcst is imported only for a file that failed to parse.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, order=True)
class _Edit:
    start: int  # offsets into the text
    end: int
    replacement: str


def downlevel(text: str) -> str | None:
    """``text`` rewritten so the running interpreter parses it, or None when it is not valid
    Python of any version libcst knows (a real syntax error, a template)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
    except Exception:  # libcst's ParserSyntaxError and its tokenizer's errors alike
        return None
    offsets = _LineOffsets(text)
    collector = _collector_class()(positions, offsets, text)
    wrapper.module.visit(collector)
    if not collector.edits:
        return None
    rewritten = _apply(text, collector.edits)
    return rewritten if _parses(rewritten) else None


_TEMPLATE_TAG = re.compile(r"^[ \t]*(\{%|\{#|\{\{)", re.MULTILINE)


def looks_like_template(text: str) -> bool:
    """A file with Jinja-style tags opening a line (``{% if … %}``, ``{{ name }}``) is a template
    that renders to code — a code generator's input named ``.py`` —, not code."""
    return _TEMPLATE_TAG.search(text) is not None


def _parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False
    return True


def _apply(text: str, edits: list[_Edit]) -> str:
    parts = []
    cursor = 0
    for edit in sorted(edits):
        if edit.start < cursor:  # nested in an edit already made (an f-string inside a blanked one)
            continue
        parts.append(text[cursor:edit.start])
        parts.append(edit.replacement)
        cursor = edit.end
    parts.append(text[cursor:])
    return "".join(parts)


class _LineOffsets:
    """libcst positions (1-based line, 0-based column in characters) to text offsets."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.starts.append(index + 1)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column


def _blank(segment: str) -> str:
    """Spaces in place of ``segment``, its line breaks kept behind a backslash continuation so
    that a blanked span over several lines still joins them."""
    lines = segment.split("\n")
    blanked = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        blanked.append(" " * len(line) if last or not line else " " * (len(line) - 1) + "\\")
        if not last and not line:
            blanked[-1] = "\\"
    return "\n".join(blanked)


@lru_cache(maxsize=1)
def _collector_class():
    """The libcst visitor collecting the edits, defined on first use (libcst is imported only
    for a file that failed to parse)."""
    import libcst as cst

    class Collector(cst.CSTVisitor):
        def __init__(self, positions, offsets: _LineOffsets, text: str) -> None:
            super().__init__()
            self.positions, self.offsets, self.text = positions, offsets, text
            self.edits: list[_Edit] = []

        def _span(self, node) -> tuple[int, int]:
            where = self.positions[node]
            return (self.offsets.offset(where.start.line, where.start.column),
                    self.offsets.offset(where.end.line, where.end.column))

        def visit_TypeParameters(self, node) -> None:
            start, end = self._span(node)
            self.edits.append(_Edit(start, end, _blank(self.text[start:end])))

        def visit_TypeAlias(self, node) -> None:
            # ``type X[T] = v`` → ``X        = v``: the name moves to where ``type`` stood
            start, _ = self._span(node)
            name_start, name_end = self._span(node.name)
            name = self.text[name_start:name_end]
            self.edits.append(_Edit(start, name_end, name + " " * (name_end - start - len(name))))

        def visit_ExceptHandler(self, node) -> None:
            self._parenthesise_bare_tuple(node)

        def visit_ExceptStarHandler(self, node) -> None:
            self._parenthesise_bare_tuple(node)

        def _parenthesise_bare_tuple(self, node) -> None:
            if isinstance(node.type, cst.Tuple) and not node.type.lpar:
                start, end = self._span(node.type)
                self.edits.append(_Edit(start, end, "(" + self.text[start:end] + ")"))

        def visit_FormattedString(self, node) -> bool:
            start, end = self._span(node)
            literal = self.text[start:end]
            if _parses("(" + literal + ")"):
                return True  # fine as it is; an f-string nested in it is fine too
            self.edits.append(_Edit(start, end, _requoted(literal, node.prefix, node.end)))
            return False

        def visit_TemplatedString(self, node) -> bool:  # PEP 750 t-strings
            start, end = self._span(node)
            self.edits.append(_Edit(start, end, _plain_string(self.text[start:end])))
            return False

    return Collector


def _requoted(literal: str, prefix: str, quote: str) -> str:  # quote: the closing one
    """The f-string with another quote character when that alone makes it parse, else a plain
    string literal of the same extent."""
    body = literal[len(prefix) + len(quote):len(literal) - len(quote)]
    for other in ('"', "'", 3 * '"', 3 * "'"):
        if other == quote or other in body:
            continue
        candidate = prefix + other + body + other
        if _parses("(" + candidate + ")"):
            return candidate
    return _plain_string(literal)


def _plain_string(literal: str) -> str:
    """A string literal of spaces over the same lines (triple-quoted when it spans several),
    as wide as ``literal`` wherever its first and last lines leave room for the quotes."""
    blank = "".join("\n" if char == "\n" else " " for char in literal)
    quote = '"' if "\n" not in literal else 3 * '"'
    head = len(blank) - len(blank.lstrip(" "))
    tail = len(blank) - len(blank.rstrip(" "))
    inner = blank[min(head, len(quote)):len(blank) - min(tail, len(quote))] if blank.strip(" ") \
        else blank[len(quote):len(blank) - len(quote)]
    return quote + inner + quote
