"""Expected findings written into fixtures.

* a trailing ``# error: ISO101`` (``// error: ISO401`` in TypeScript) expects the codes on
  that line;
* a comment line of its own, ``# error: ISO201``, expects them on the next non-comment line
  (for dotenv files, where a trailing comment could be read as part of a value);
* a first-lines directive ``# isolint-fixture: path=services/api/app/config.py`` sets the
  virtual path the fixture is linted as (its zone and service come from that path), and
  ``# isolint-fixture: settings={"config-modules": ["*/config.py"]}`` adds settings (JSON).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MARKER_RE = re.compile(r"(?:#|//)\s*error:\s*(?P<codes>ISO\d{3}(?:\s*,\s*ISO\d{3})*)")
DIRECTIVE_RE = re.compile(r"^\s*(?:#|//)\s*isolint-fixture:\s*(?P<key>\w+)=(?P<value>.+?)\s*$")


@dataclass
class FixtureSpec:
    expected: set[tuple[int, str]] = field(default_factory=set)  # (0-based line, code)
    path: str | None = None
    settings: dict = field(default_factory=dict)


def parse_markers(text: str) -> FixtureSpec:
    spec = FixtureSpec()
    lines = text.splitlines()
    pending: list[str] = []
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
        match = MARKER_RE.search(line)
        is_comment_line = stripped.startswith(("#", "//"))
        if match and is_comment_line and stripped.startswith(match.group(0)[:1]) and line.strip().startswith(
            match.group(0)
        ):
            pending.extend(_codes(match.group("codes")))
            continue
        if pending and stripped and not is_comment_line:
            spec.expected.update((index, code) for code in pending)
            pending = []
        if match and not is_comment_line:
            spec.expected.update((index, code) for code in _codes(match.group("codes")))
    return spec


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",")]
