"""Expected findings written into fixtures.

* a trailing ``# error: ISO101`` (``// error: ISO401`` in TypeScript) expects the codes on
  that line;
* a comment line of its own, ``# error: ISO201``, expects them on the next non-comment line
  (for dotenv files, where a trailing comment could be read as part of a value);
* a code may carry the 1-based column its finding starts at, as ``isolint check`` prints it:
  ``# error: ISO101@12`` expects the ISO101 finding of that line to start at column 12 (a
  code without ``@`` expects the finding anywhere on the line);
* a code listed twice (``# error: ISO101, ISO101``) expects two findings of it on the line:
  the counts are compared, not only which codes occur;
* a marker isolint cannot read — a code that is not ``ISO`` and three digits, a marker after
  other comment text, a comment-line marker with no code line after it — is an error, never
  silently dropped;
* a trailing ``# related: ISO601`` expects the line to be a related location of a finding of
  that code in the same file (the other places of one problem), not a finding of its own;
* a first-lines directive ``# isolint-fixture: path=services/api/app/config.py`` sets the
  virtual path the fixture is linted as (its zone and service come from that path), and
  ``# isolint-fixture: settings={"config-modules": ["*/config.py"]}`` adds settings (JSON).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

CODE = r"ISO\d{3}(?:@\d+)?"
MARKER_RE = re.compile(rf"(?:#|//)\s*error:\s*(?P<codes>{CODE}(?:\s*,\s*{CODE})*)")
#: anything that looks meant as a marker: ``error`` and a colon in a comment
LOOSE_MARKER_RE = re.compile(r"(?:#|//).*?\berror\s*:")
RELATED_RE = re.compile(rf"(?:#|//)\s*related:\s*(?P<codes>{CODE}(?:\s*,\s*{CODE})*)\s*$")
DIRECTIVE_RE = re.compile(r"^\s*(?:#|//)\s*isolint-fixture:\s*(?P<key>\w+)=(?P<value>.+?)\s*$")


class MarkerError(ValueError):
    """A marker the parser cannot read (it would otherwise expect nothing)."""


@dataclass
class FixtureSpec:
    #: (0-based line, code) → how many findings of that code the line must have
    counts: Counter[tuple[int, str]] = field(default_factory=Counter)
    #: (0-based line, code, 1-based column) → how many findings of that code must start there;
    #: only for codes marked with ``@column``
    columns: Counter[tuple[int, str, int]] = field(default_factory=Counter)
    #: (0-based line, code) that must be a related location of a finding of that code
    related: set[tuple[int, str]] = field(default_factory=set)
    path: str | None = None
    settings: dict = field(default_factory=dict)

    @property
    def expected(self) -> set[tuple[int, str]]:
        """The (0-based line, code) pairs expected at least once."""
        return set(self.counts)

    def add(self, line: int, codes: list[str]) -> None:
        for code in codes:
            name, _, column = code.partition("@")
            self.counts[(line, name)] += 1
            if column:
                self.columns[(line, name, int(column))] += 1

    def column_mismatches(self, found: Counter[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
        """The (line, code, column) marks no finding starts at: ``found`` counts the findings
        by (0-based line, code, 1-based column)."""
        return sorted((self.columns - found).elements())


def parse_markers(text: str) -> FixtureSpec:
    spec = FixtureSpec()
    lines = text.splitlines()
    pending: list[str] = []
    pending_at = 0
    for index, line in enumerate(lines):
        directive = DIRECTIVE_RE.match(line)
        if directive:
            key, value = directive.group("key"), directive.group("value")
            if key == "path":
                spec.path = value
            elif key == "settings":
                spec.settings.update(json.loads(value))
            continue
        stripped = line.strip()
        if (related := RELATED_RE.search(line)) is not None and not stripped.startswith(("#", "//")):
            spec.related.update((index, code) for code in _codes(related.group("codes")))
            continue
        match = MARKER_RE.search(line)
        is_comment_line = stripped.startswith(("#", "//"))
        if LOOSE_MARKER_RE.search(line) and (match is None or (is_comment_line and not stripped.startswith(match.group(0)))
                                             or not _ends_marker(line, match)):
            raise MarkerError(f"line {index + 1}: unreadable marker {stripped!r}")
        if match and is_comment_line:
            pending.extend(_codes(match.group("codes")))
            pending_at = index
            continue
        if pending and stripped and not is_comment_line:
            spec.add(index, pending)
            pending = []
        if match:
            spec.add(index, _codes(match.group("codes")))
    if pending:
        raise MarkerError(f"line {pending_at + 1}: marker with no code line after it")
    return spec


def _ends_marker(line: str, match: re.Match[str]) -> bool:
    """Nothing but blanks, or another comment's text after a separator, follows the codes."""
    rest = line[match.end():]
    return not rest.strip() or rest.lstrip().startswith(("#", "//", "-", "(", ";", "—"))


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",")]
