"""Parsing an edited Python text by re-parsing only the definition the edit is in.

In the editor, a keystroke changes a few characters of one function; parsing the whole file
again was the largest single cost of the check that follows it (about 7 ms per 1,000 lines).
:class:`EditedParse` keeps the last text of a document that parsed and its tree. For the next
text it finds the changed lines; when they lie inside one function or class (the innermost
definition holding them, reached through classes only) and the text has as many lines as
before, it parses that definition's lines alone, at their own line numbers and columns, and
puts the new statement in place of the old one in a copy of the path of classes above it.
Every other statement is the previous tree's own object (the engine and the rules never
modify a tree).

The result is the tree ``ast.parse`` makes of the whole new text, or nothing is reused:

* the definition's lines are parsed after as many empty lines as precede it (so every line
  number is the file's) and, when it is indented, inside ``if 1:`` on the line before it (so
  every column is the file's); the parse must give exactly one statement;
* the text before the definition is unchanged and ends a logical line before it; the text
  after it is unchanged and starts, at its first code line, a statement at the definition's
  indentation or less (or the file ends). The tokenizer's state where the definition starts
  and where it ends (no bracket or string open, the same indentation levels) is therefore the
  same as in the whole file, and the text around it parses to the same statements;
* anything the argument above does not cover falls back to parsing the whole text: a
  different number of lines, an edit outside every definition or on its first line's
  indentation, a segment that does not parse (the whole text is then parsed for its error),
  a tab or form feed or carriage return in the text (indentation and line ends the segment
  could read differently), a ``barry_as_FLUFL`` future import (it changes the grammar), a
  tree read through ``downlevel``;
* ``tests/engine/test_incremental_parse.py`` compares both trees, positions included, over
  every keystroke of typing into real files.
"""

from __future__ import annotations

import ast
import copy
import logging
import warnings

from isolint.core.source import SourceFile
from isolint.engine.python_runner import parse_python_as_written

log = logging.getLogger(__name__)

#: the statements whose own lines are re-parsed: they start a logical line and nothing but
#: their own body follows on their last line
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: characters whose reading (indentation, line ends) could differ between a segment and the file
_UNSPLICEABLE = ("\t", "\x0c", "\r")


class EditedParse:
    """The parse of one document's successive texts (one per document; not thread-safe: the
    language server checks one text of a document at a time)."""

    __slots__ = ("_last", "reused")

    def __init__(self) -> None:
        #: (text, its lines, its tree) of the last text parsed as written, one tuple so that a
        #: reader never sees parts of two texts
        self._last: tuple[str, list[str], ast.Module] | None = None
        #: how many parses re-used the previous tree (for the tests)
        self.reused = 0

    def parse(self, source: SourceFile) -> ast.Module:
        """``python_runner.parse_python(source)``, re-using the previous text's tree where the
        edit allows; raises ``ParseFailure`` as it does (the previous tree is then kept)."""
        text = source.text
        lines = text.split("\n")
        last = self._last
        tree = None
        if last is not None and "\r" not in text and "barry_as_FLUFL" not in text:
            try:
                tree = last[2] if text == last[0] else splice(last[1], last[2], lines)
            except Exception:  # a shortcut's bug must cost a whole parse, never the analysis
                log.exception("re-parsing %s from its previous text failed; parsing it whole", source.rel_path)
                tree = None
        if tree is not None:
            self.reused += 1
            as_written = True
        else:
            tree, as_written = parse_python_as_written(source)
        # a tree read through downlevel has the positions of a rewritten text: nothing to splice into
        self._last = (text, lines, tree) if as_written else None
        return tree



def splice(old_lines: list[str], old_tree: ast.Module, new_lines: list[str]) -> ast.Module | None:
    """The tree of ``new_lines`` made from ``old_tree`` (the tree of ``old_lines``) by re-parsing
    the one definition the edit is in, or None when this cannot be done (see the module)."""
    if len(old_lines) != len(new_lines):
        return None
    first = 0
    count = len(new_lines)
    while first < count and old_lines[first] == new_lines[first]:
        first += 1
    if first == count:
        return None  # same lines: the caller compares texts
    last = count - 1
    while old_lines[last] == new_lines[last]:
        last -= 1
    path = _path_to(old_tree, first + 1, last + 1)
    if path is None:
        return None
    target = path[-1]
    start, end = _first_line(target), target.end_lineno  # 1-based, inclusive
    if not _isolated(new_lines, start, end, target.col_offset):
        return None
    segment = "\n".join(new_lines[start - 1:end])
    if any(character in segment for character in _UNSPLICEABLE):
        return None
    statement = _parse_segment(segment, start, target.col_offset)
    if statement is None:
        return None
    return _replaced(path, statement)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", ())
    return min([node.lineno, *(decorator.lineno for decorator in decorators)])


def _path_to(tree: ast.Module, first: int, last: int) -> list[ast.AST] | None:
    """Module, classes, then the innermost definition whose lines hold lines ``first`` to
    ``last`` (1-based) — never its first line's indentation — or None when no definition does."""
    path: list[ast.AST] = [tree]
    body = tree.body
    while True:
        holder = next((statement for statement in body
                       if isinstance(statement, DEFINITIONS) and _first_line(statement) <= first
                       and last <= statement.end_lineno), None)
        if holder is None:
            break
        path.append(holder)
        if not isinstance(holder, ast.ClassDef):
            break
        body = holder.body
    if len(path) == 1:
        return None
    return path


def _isolated(lines: list[str], start: int, end: int, column: int) -> bool:
    """Lines ``start`` to ``end`` (1-based) hold a statement starting at ``column`` that the
    lines around it cannot join: the line before does not continue onto it, the first code
    line after it is indented no deeper than ``column`` (or there is none)."""
    opening = lines[start - 1]
    if len(opening) - len(opening.lstrip(" ")) != column or not opening[column:].strip():
        return False
    if start > 1 and lines[start - 2].endswith("\\"):
        return False
    for line in lines[end:]:
        code = line.lstrip(" ")
        if not code or code.startswith("#"):
            continue
        return len(line) - len(code) <= column and not code[0].isspace()
    return True


def _parse_segment(segment: str, start: int, column: int) -> ast.stmt | None:
    """The one statement ``segment`` (the file's lines from ``start``, 1-based) parses to, at
    the file's positions; None when it does not parse to exactly one statement."""
    if column:
        if start < 2:
            return None
        text = "\n" * (start - 2) + "if 1:\n" + segment + "\n"
    else:
        text = "\n" * (start - 1) + segment + "\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as parse_python: SyntaxWarnings stay quiet
        try:
            module = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None
    body = module.body
    if column:
        if len(body) != 1 or not isinstance(body[0], ast.If) or body[0].orelse:
            return None
        body = body[0].body
    if len(body) != 1:
        return None
    return body[0]


def _replaced(path: list[ast.AST], statement: ast.stmt) -> ast.Module:
    """A copy of the path's containers with ``statement`` in place of its last node; a class
    whose last statement it is ends where it now ends."""
    replacement: ast.AST = statement
    for depth in range(len(path) - 1, 0, -1):
        container, old = path[depth - 1], path[depth]
        copied = copy.copy(container)
        index = next(i for i, child in enumerate(container.body) if child is old)
        copied.body = [*container.body[:index], replacement, *container.body[index + 1:]]
        if isinstance(copied, ast.ClassDef) and index == len(container.body) - 1:
            copied.end_lineno, copied.end_col_offset = replacement.end_lineno, replacement.end_col_offset
        replacement = copied
    return replacement  # type: ignore[return-value]
