"""Fingerprints of findings: the identity a finding keeps across unrelated edits.

A baseline (``engine/baseline.py``), SARIF ``partialFingerprints`` and the language server all
use :func:`fingerprint_file`, so a finding accepted in one is recognised in the others.

A fingerprint holds neither a line number nor the message text: it hashes the rule code, the
enclosing scope's qualified name (``Service.handle``; empty at module level), and the flagged
line's text with whitespace collapsed and secrets masked. It survives lines inserted above,
other code of the file changing, the finding moving within its function, and a new isolint
version rewording messages. Identical keys in one file (the same call twice in a function)
are told apart by their occurrence index, in position order, so a baseline counts them.
The path is not part of the hash: callers keep findings per file.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from isolint.core.masking import mask_line, secrets_by_line
from isolint.core.model import Finding, Language

#: bumped when the hashed key changes; stored in baselines and SARIF fingerprint names
FINGERPRINT_VERSION = 1

_PY_SCOPE_RE = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
_TS_SCOPE_RE = re.compile(
    r"^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?"
    r"(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|class\s+([A-Za-z_$][\w$]*)|"
    r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=|interface\s+([A-Za-z_$][\w$]*)|"
    r"(?:(?:public|private|protected|static|readonly|get|set)\s+)*([A-Za-z_$][\w$]*)\s*\([^;]*\)\s*(?::[^{;]*)?\{)"
)
_WHITESPACE_RE = re.compile(r"\s+")
_TS_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "with", "return", "function"})


@dataclass(frozen=True, slots=True)
class Fingerprint:
    #: hash of (code, scope, normalised line); equal for identical findings of one file
    key: str
    #: 0 for the first finding with this key in the file (position order), 1 for the next…
    occurrence: int

    def __str__(self) -> str:
        return f"{self.key}:{self.occurrence}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def enclosing_scope(lines: Sequence[str], line_index: int, language: Language | None) -> str:
    """Dotted names of the functions and classes around a line, found by indentation (no
    parse: fingerprints are also computed for cached results). Module level gives ``""``."""
    if language not in (Language.PYTHON, Language.TYPESCRIPT) or not 0 <= line_index < len(lines):
        return ""
    pattern = _PY_SCOPE_RE if language is Language.PYTHON else _TS_SCOPE_RE
    comment = "#" if language is Language.PYTHON else "//"
    threshold = _indent(lines[line_index]) if lines[line_index].strip() else 1 << 30
    names: list[str] = []
    for index in range(line_index - 1, -1, -1):
        if threshold == 0:
            break
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith(comment) or stripped[0] in ")]}":
            continue
        indent = _indent(line)
        if indent >= threshold:
            continue
        threshold = indent
        match = pattern.match(stripped)
        if match:
            name = next(group for group in match.groups() if group)
            if name not in _TS_KEYWORDS:
                names.append(name)
    return ".".join(reversed(names))


def normalised_line(lines: Sequence[str], index: int, line_secrets: Iterable[Finding]) -> str:
    """Line ``index``, the secrets ``line_secrets`` (the findings whose secret covers it) masked,
    whitespace collapsed."""
    if not 0 <= index < len(lines):
        return ""
    return _WHITESPACE_RE.sub(" ", mask_line(lines[index], index, line_secrets)).strip()


def fingerprint_key(code: str, scope: str, line: str) -> str:
    blob = "\x1f".join((str(FINGERPRINT_VERSION), code, scope, line)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(blob).hexdigest()[:20]


def fingerprint_file(findings: Sequence[Finding], lines: Sequence[str],
                     language: Language | None) -> list[Fingerprint]:
    """Fingerprints of one file's findings (same order as ``findings``)."""
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    seen: dict[str, int] = defaultdict(int)
    out: list[Fingerprint | None] = [None] * len(findings)
    by_line = secrets_by_line(findings)
    # a key depends on the code and the line only: computed once per pair, since a line of a
    # minified bundle (megabytes) can hold thousands of findings
    keys: dict[tuple[str, int], str] = {}
    for i in order:
        finding = findings[i]
        index = finding.range.start.line
        key = keys.get((finding.code, index))
        if key is None:
            scope = enclosing_scope(lines, index, language)
            key = keys[finding.code, index] = fingerprint_key(
                finding.code, scope, normalised_line(lines, index, by_line.get(index, ())))
        out[i] = Fingerprint(key, seen[key])
        seen[key] += 1
    return [fp for fp in out if fp is not None]
