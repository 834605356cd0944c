"""Suppression comments: ``# isolint: ignore[ISO101, ISO102]`` on the finding's line.

A bare ``# isolint: ignore`` silences every rule on that line; ``# isolint: ignore-file`` (or
``ignore-file[ISO1]``) anywhere in a comment silences the whole file. TypeScript uses ``//``.
Comments are found by the language runner (Python: ``tokenize``), so a string that merely
contains the text never suppresses anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUPPRESSION_RE = re.compile(
    r"isolint:\s*(?P<kind>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE
)
ALL = "*"


@dataclass(frozen=True, slots=True)
class SuppressionComment:
    line: int  # 0-based
    column: int  # code points, start of the "isolint:" directive
    end_column: int
    codes: tuple[str, ...]  # empty tuple = all rules
    file_level: bool


@dataclass
class Suppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)
    file_codes: set[str] = field(default_factory=set)
    comments: list[SuppressionComment] = field(default_factory=list)

    def add_comment(self, line: int, column: int, text: str) -> None:
        """Record the directives of one comment, ``text`` including its ``#``/``//`` marker."""
        for match in SUPPRESSION_RE.finditer(text):
            codes = tuple(c.strip().upper() for c in (match.group("codes") or "").split(",") if c.strip())
            file_level = match.group("kind").lower() == "ignore-file"
            self.comments.append(
                SuppressionComment(line, column + match.start(), column + match.end(), codes, file_level)
            )
            target = self.file_codes if file_level else self.by_line.setdefault(line, set())
            target.update(codes or (ALL,))

    def is_suppressed(self, code: str, line: int) -> bool:
        return _matches(code, self.file_codes) or _matches(code, self.by_line.get(line, ()))

    def silencers(self, code: str, line: int) -> list[tuple[int, str]]:
        """(index in ``comments``, selector) of every directive that silences ``code`` on
        ``line`` (the unused-ignore rule, ISO003, counts what each one silenced)."""
        return [(index, selector) for index, comment in enumerate(self.comments)
                if comment.file_level or comment.line == line
                for selector in (comment.codes or (ALL,)) if _matches(code, (selector,))]

    def comment_at(self, line: int) -> SuppressionComment | None:
        return next((c for c in self.comments if c.line == line and not c.file_level), None)


def _matches(code: str, selectors) -> bool:
    return any(sel == ALL or code.startswith(sel) for sel in selectors)


def scan_line_comments(text: str, marker: str) -> Suppressions:
    """For languages without a tokenizer here (dotenv, TOML): a comment starts at ``marker``
    that begins the line or follows whitespace."""
    suppressions = Suppressions()
    if "isolint:" not in text:
        return suppressions
    for number, line in enumerate(text.splitlines()):
        index = line.find(marker)
        while index != -1:
            if index == 0 or line[index - 1] in " \t":
                suppressions.add_comment(number, index, line[index:])
                break
            index = line.find(marker, index + 1)
    return suppressions


def add_code_to_comment(comment_text: str, code: str) -> str:
    """Merge ``code`` into an existing ``isolint: ignore[...]`` directive in a comment."""
    match = SUPPRESSION_RE.search(comment_text)
    if match is None:
        return comment_text.rstrip() + f"  # isolint: ignore[{code}]"
    codes = [c.strip() for c in (match.group("codes") or "").split(",") if c.strip()]
    if match.group("codes") is None and match.group("kind").lower() == "ignore":
        return comment_text  # a bare ignore already covers every code
    if code not in codes:
        codes.append(code)
    replacement = f"isolint: {match.group('kind')}[{', '.join(sorted(codes))}]"
    return comment_text[: match.start()] + replacement + comment_text[match.end():]
