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
nothing isolint's rules read. libcst is imported only for a file that failed to parse, and runs
only where a scan of the text finds a place one of those constructs could stand
(:func:`may_hold_newer_syntax`): a file being typed into fails to parse at many keystrokes
(``os.``), and libcst takes from 50 ms to a second to reject 2,000 lines.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from isolint.core.libcst_bound import TooLongForLibcst, refuse_if_too_long_for_libcst


@dataclass(frozen=True, order=True)
class _Edit:
    start: int  # offsets into the text
    end: int
    replacement: str


#: what CPython's tokenizer says of brackets nested beyond its limit (200, in every version): no
#: interpreter reads such a text, and libcst's native parser overflows its stack on it (the
#: process dies of SIGSEGV), so it is never handed to libcst
_NESTED_TOO_DEEP = "too many nested parentheses"


def downlevel(text: str, error: SyntaxError | None = None) -> str | None:
    """``text`` rewritten so the running interpreter parses it, or None when it is not valid
    Python of any version libcst knows (a real syntax error, a template). ``error``: what the
    running interpreter's parser said of ``text``. Raises :class:`TooLongForLibcst` for a text
    libcst would take minutes over."""
    if error is not None and error.msg == _NESTED_TOO_DEEP:
        return None
    return rewrite_newer_syntax(text) if may_hold_newer_syntax(text) else None


def rewrite_newer_syntax(text: str) -> str | None:
    """``downlevel`` without the scan that spares libcst a text holding nothing to rewrite."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    refuse_if_too_long_for_libcst(text)
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


#: blanks between two tokens of one logical line, backslash continuations included
_GAP = r"(?:[ \t\f]|\\\r?\n|\\\r)"
#: ``def NAME[`` / ``class NAME[``: type parameters (the name: anything up to a blank or bracket)
_TYPE_PARAMETER_RES = tuple(re.compile(keyword + _GAP + r"+[^\s\[(\\]+" + _GAP + r"*\[") for keyword in ("def", "class"))
#: ``type NAME =`` / ``type NAME[``: a type alias, where it starts a statement (``_starts_statement``)
_TYPE_ALIAS_RE = re.compile(r"type" + _GAP + r"+[^\s=(\[.,:;)\]}#\\'\"]+" + _GAP + r"*[=\[]")
_EXCEPT_RE = re.compile(r"except(?!\w)")
#: an f-string's or t-string's prefix and opening quote; a prefix never follows a character of
#: a name (the tokenizer reads ``xf"…"`` as a name and a plain string)
_FSTRING_START_RE = re.compile(r"(?<!\w)(?:[fF][rR]?|[rR][fF])(\"\"\"|'''|\"|')")
_TSTRING_START_RE = re.compile(r"(?<!\w)(?:[tT][rR]?|[rR][tT])(?:\"\"\"|'''|\"|')")
#: replacement fields nested deeper than this are newer syntax (a format spec in a format spec)
_OLD_FSTRING_DEPTH = 2


def may_hold_newer_syntax(text: str) -> bool:
    """False only when none of the constructs ``downlevel`` rewrites can occur in ``text``: no
    ``def``/``class`` name followed by ``[``, no statement starting ``type NAME``, no ``except``
    clause with a comma outside brackets, no t-string, and every f-string one the running
    interpreter reads as it stands (it ends where that interpreter's tokenizer ends it, outside
    every replacement field, on its line when single-quoted, and no field holds a backslash, a
    ``#`` or fields nested too deep).

    Conservative — a False answer reports the file unparseable: strings and comments are not
    told apart from code, and whatever is unsure counts as possible. Cheap: regular expressions
    led by a literal, and a walk over the characters of f-strings only."""
    if any(pattern.search(text) for pattern in _TYPE_PARAMETER_RES):
        return True
    if any(_starts_statement(text, match.start()) for match in _TYPE_ALIAS_RE.finditer(text)):
        return True
    if any(_starts_statement(text, match.start()) and _bare_tuple_may_follow(text, match.end())
           for match in _EXCEPT_RE.finditer(text)):
        return True
    if _TSTRING_START_RE.search(text):
        return True
    return not all(_old_fstring(text, match.end(), match.group(1)) for match in _FSTRING_START_RE.finditer(text))


def _starts_statement(text: str, start: int) -> bool:
    """Only blanks before ``start`` on its line, or a ``;`` or ``:`` ending what precedes it."""
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    before = text[line_start:start].rstrip(" \t\f")
    return not before or before[-1] in ";:"


def _bare_tuple_may_follow(text: str, start: int) -> bool:
    """Whether the ``except`` clause from ``start`` may hold a comma outside brackets before its
    colon (``except A, B:``); a string, a comment or a lambda in it counts as possible."""
    depth = 0
    index, end = start, len(text)
    while index < end:
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char in "'\"#":
            return True
        elif char == "\\":
            index += 1  # a line continuation: the line break does not end the clause
        elif depth == 0:
            if char == ",":
                return True
            if char == ":" and not text.startswith("=", index + 1):
                return "lambda" in text[start:index]
            if char in "\r\n":
                return False
        index += 1
    return False


def _old_fstring(text: str, start: int, quote: str) -> bool:
    """Whether the f-string whose body starts at ``start`` is one the running interpreter reads:
    its literal ends (where that interpreter's tokenizer ends it: the first unescaped closing
    quote) outside every replacement field, and its fields hold no backslash, no ``#``, no line
    break in a one-line literal and no nesting deeper than the old limit. Braces and ``#`` inside
    a string within a field count too (conservative)."""
    triple, mark = len(quote) == 3, quote[0]
    depth = 0
    index, end = start, len(text)
    while index < end:
        char = text[index]
        if char == "\\":
            if depth:
                return False
            index += 2
            continue
        if char == mark and (not triple or text.startswith(quote, index)):
            return depth == 0
        if char in "\r\n" and not triple:
            return False
        if char == "{":
            if not depth and text.startswith("{", index + 1):
                index += 2
                continue
            depth += 1
            if depth > _OLD_FSTRING_DEPTH:
                return False
        elif char == "}":
            if not depth and text.startswith("}", index + 1):
                index += 2
                continue
            depth = max(depth - 1, 0)
        elif char == "#" and depth:
            return False
        index += 1
    return False


_TEMPLATE_TAG = re.compile(r"^[ \t]*(\{%|\{#|\{\{)", re.MULTILINE)


def looks_like_template(text: str) -> bool:
    """A file with Jinja-style tags opening a line (``{% if … %}``, ``{{ name }}``) is a template
    that renders to code — a code generator's input named ``.py`` —, not code."""
    return ("{%" in text or "{#" in text or "{{" in text) and _TEMPLATE_TAG.search(text) is not None


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
