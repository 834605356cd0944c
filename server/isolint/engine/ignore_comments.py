"""Where an ignore comment goes, per language: the editor's "Ignore ISOxxx on this line" action
and ``isolint check --add-ignore`` (ruff's ``--add-noqa``) share it.

The comment goes on the finding's first line, because that is the line suppressions are matched
against. An existing ``isolint: ignore[...]`` directive there gets the code merged in; otherwise
a new comment is appended — unless the line ends inside a string or after a backslash
continuation (Python), or inside a quoted multi-line value (dotenv), where a comment would
change the code: then no action is offered rather than a wrong one.
"""

from __future__ import annotations

import io
import tokenize
from typing import Iterable

from isolint.core.model import Edit, Finding, Language, Range
from isolint.core.suppression import Suppressions, add_code_to_comment, scan_line_comments
from isolint.core.source import SourceFile

COMMENT_MARKERS = {Language.PYTHON: "#", Language.DOTENV: "#", Language.TYPESCRIPT: "//"}


def suppressions_of(source: SourceFile) -> Suppressions:
    """Suppression comments as the engine reads them for this language."""
    if source.language is Language.PYTHON:
        from isolint.engine.python_runner import collect_suppressions

        return collect_suppressions(source)
    if source.language is Language.DOTENV:
        from isolint.engine.dotenv_runner import dotenv_suppressions

        return dotenv_suppressions(source)
    return scan_line_comments(source.text, COMMENT_MARKERS.get(source.language, "#"))


def ignore_edit(source: SourceFile, line: int, code: str) -> Edit | None:
    """The edit that silences ``code`` on ``line``; None when no comment can go there."""
    return ignore_codes_edit(source, line, [code])


def ignore_codes_edit(source: SourceFile, line: int, codes: Iterable[str],
                      suppressions: Suppressions | None = None) -> Edit | None:
    """The edit that silences every one of ``codes`` on ``line`` (merged into an existing
    directive there); None when no comment can go there or the line already ignores them."""
    codes = sorted(set(codes))
    if source.language not in COMMENT_MARKERS or not 0 <= line < len(source.lines) or not codes:
        return None
    text = source.line(line)
    existing = (suppressions or suppressions_of(source)).comment_at(line)
    if existing is not None:
        directive = merged = text[existing.column:existing.end_column]
        for code in codes:
            merged = add_code_to_comment(merged, code)
        if merged == directive:
            return None  # a bare ignore directive already covers every rule
        return Edit(Range.of(line, existing.column, line, existing.end_column), merged)
    if not _comment_can_end(source, line):
        return None
    marker = COMMENT_MARKERS[source.language]
    stripped = text.rstrip()
    separator = "" if not stripped else ("  " if source.language is not Language.DOTENV else " ")
    return Edit(Range.of(line, len(stripped), line, len(text)),
                f"{separator}{marker} isolint: ignore[{', '.join(codes)}]")


def add_ignore_edits(source: SourceFile, findings: Iterable[Finding]) -> tuple[list[Edit], list[int]]:
    """Edits writing an ignore comment for every finding (one per line, codes merged), and the
    0-based lines where no comment can go (inside a multi-line string, after a backslash)."""
    by_line: dict[int, set[str]] = {}
    for finding in findings:
        by_line.setdefault(finding.range.start.line, set()).add(finding.code)
    suppressions = suppressions_of(source)
    edits, refused = [], []
    for line, codes in sorted(by_line.items()):
        edit = ignore_codes_edit(source, line, codes, suppressions)
        if edit is not None:
            edits.append(edit)
        elif suppressions.comment_at(line) is None:
            refused.append(line)  # nothing covers it and no comment can go there
    return edits, refused


def _comment_can_end(source: SourceFile, line: int) -> bool:
    text = source.line(line)
    if source.language is Language.PYTHON:
        return not text.rstrip().endswith("\\") and not _python_line_ends_in_string(source.text, line)
    if source.language is Language.DOTENV:
        from isolint.engine.dotenv_runner import parse_dotenv

        return not any(entry.line == line and entry.value_range.end.line > line
                       for entry in parse_dotenv(source).entries)
    return True


def _python_line_ends_in_string(text: str, line: int) -> bool:
    """True when a string token (a triple-quoted one) spans the end of ``line`` (0-based)."""
    number = line + 1
    string_types = {tokenize.STRING} | {getattr(tokenize, name) for name in ("FSTRING_MIDDLE",) if hasattr(tokenize, name)}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] > number:
                return False
            if token.type in string_types and token.start[0] <= number < token.end[0]:
                return True
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False  # half-typed code: appending a comment is the best guess
    return False
