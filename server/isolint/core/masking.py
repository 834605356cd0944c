"""Masking secrets in text isolint shows: source lines next to findings, and fix diffs.

A finding about a secret sets ``data["secret_range"]``. One line may hold several secrets
(``boto3.client(aws_access_key_id="…", aws_secret_access_key="…")``), and a diff shows lines
before and after a fix, so masking goes by *all* the findings of a file, not just the one shown.
Shown text is then masked by shape too (``mask_secret_shapes``): a token in a provider's format
that no rule reported — a real key resembling a documentation example — is not shown either.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from isolint.core.model import SECRET_RANGE, Finding, mask_secret
from isolint.core.secret_formats import ANY_FORMAT_MARKER_RE, FORMAT_MARKERS


def _spans_on_line(findings: Iterable[Finding], line_index: int, line_length: int) -> list[tuple[int, int]]:
    spans = []
    for finding in findings:
        secret = finding.data.get(SECRET_RANGE)
        if not secret or not secret[0] <= line_index <= secret[2]:
            continue
        start = secret[1] if line_index == secret[0] else 0
        end = secret[3] if line_index == secret[2] else line_length
        spans.append((start, end))
    return spans


def secrets_by_line(findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    """The findings whose secret covers each line, gathered once per file: masking a line then
    costs the secrets on that line, not every finding of the file (a generated file can hold tens
    of thousands)."""
    by_line: dict[int, list[Finding]] = {}
    for finding in findings:
        secret = finding.data.get(SECRET_RANGE)
        if secret:
            for index in range(secret[0], secret[2] + 1):
                by_line.setdefault(index, []).append(finding)
    return by_line


def mask_line(line: str, line_index: int, findings: Iterable[Finding]) -> str:
    """``line`` (the file's line ``line_index``) with every secret the findings point at masked."""
    # right to left, so masking one secret does not shift the next one's columns
    for start, end in sorted(set(_spans_on_line(findings, line_index, len(line))), reverse=True):
        line = line[:start] + mask_secret(line[start:end]) + line[end:]
    return line


def secret_masker(lines: list[str], findings: list[Finding]) -> Callable[[str], str]:
    """A function masking the findings' secrets in any line of the file (``lines``) *before or
    after* a fix: a line the fix kept is recognised whole, a changed line by the secrets it
    still contains."""
    by_line = secrets_by_line(findings)
    secret_lines = sorted(index for index in by_line if index < len(lines))
    masked_lines = {lines[index]: mask_line(lines[index], index, by_line[index]) for index in secret_lines}
    pieces = sorted({lines[index][start:end] for index in secret_lines
                     for start, end in _spans_on_line(by_line[index], index, len(lines[index]))} - {""},
                    key=len, reverse=True)
    # whole tokens only: the password `postgres` must not mask the scheme `postgresql://`
    patterns = [(re.compile(rf"(?<![A-Za-z0-9]){re.escape(piece)}(?![A-Za-z0-9])"), mask_secret(piece))
                for piece in pieces]

    def mask(line: str) -> str:
        stripped = line.rstrip("\r\n")
        if stripped in masked_lines:
            return mask_secret_shapes(masked_lines[stripped]) + line[len(stripped):]
        for pattern, masked in patterns:
            line = pattern.sub(lambda _: masked, line)
        return mask_secret_shapes(line)

    return mask


def _keep_ends(value: str) -> str:
    """Masked to the same length (carets under a shown line stay in place)."""
    return "*" * len(value) if len(value) < 12 else value[:2] + "*" * (len(value) - 4) + value[-2:]


#: a quoted or dotenv value of 16+ token characters bound to a secret-like name
#: (``AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/…EXAMPLEKEY"``, ``api_key: "…"``, ``TOKEN=…``)
_NAMED_SECRET_RE = re.compile(
    r"""(?i)(?P<name>[\w.-]*(?:secret|passw(?:or)?d|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)[\w.-]*)"""
    r"""(?P<sep>["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>[A-Za-z0-9+/=_\-.~]{16,})(?P=quote)""")


def _mask_named_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return match.group(0)  # a word, a setting name: nothing to hide
    return match.group(0)[: match.start("value") - match.start(0)] + _keep_ends(value) + match.group("quote")


def mask_secret_shapes(line: str) -> str:
    """``line`` with every value in a provider token format (``AKIA…``, ``ghp_…``, ``sk_live_…``,
    a JWT…), and every long value bound to a secret-like name, masked, whether or not a rule reported it: what looks like a documentation example
    may be a real key. (Passwords in URLs are masked by the findings that report them; masking
    every one would hide the placeholders fixes write, ``postgres:changeme@``.)"""
    if ANY_FORMAT_MARKER_RE.search(line):
        for fmt, markers in FORMAT_MARKERS:
            if any(marker in line for marker in markers):
                line = fmt.pattern.sub(lambda match: _keep_ends(match.group(0)), line)
    # a value of no known format bound to a secret-like name (AWS's documented example key)
    return _NAMED_SECRET_RE.sub(_mask_named_value, line)
