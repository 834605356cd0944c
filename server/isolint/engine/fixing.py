"""Materializing fix descriptors and applying fixes to a whole file (ruff's fix loop)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from isolint.core.model import Applicability, Edit, Finding, Fix, Language
from isolint.core.source import MAX_FILE_BYTES, UnreadableSource, decode_source, encode_source
from isolint.fixers import FixNotApplicable, get_builder
from isolint.fixers.text_edits import apply_edits

MAX_FIX_ROUNDS = 10


def materialize(fix: Fix, text: str) -> tuple[Edit, ...]:
    """The concrete edits of a fix against the current ``text`` (builds lazy fixes)."""
    if fix.builder is None:
        return fix.edits
    return tuple(get_builder(fix.builder)(text, fix.params))


def fix_allowed(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None or fix.applicability is Applicability.DISPLAY_ONLY:
        return False
    return fix.is_safe or unsafe


@dataclass
class FixOutcome:
    text: str
    applied: list[Finding]
    failed: list[tuple[Finding, str]]


def apply_fixes_once(text: str, findings: list[Finding], unsafe: bool) -> FixOutcome:
    """Apply every allowed fix whose edits do not overlap an earlier one's."""
    chosen: list[Edit] = []
    applied: list[Finding] = []
    failed: list[tuple[Finding, str]] = []
    for finding in sorted(findings, key=lambda f: f.range.start):
        if not fix_allowed(finding.fix, unsafe):
            continue
        try:
            edits = materialize(finding.fix, text)  # type: ignore[arg-type]
        except FixNotApplicable as exc:
            failed.append((finding, str(exc)))
            continue
        if not edits or any(e.range.overlaps(c.range) or e.range == c.range for e in edits for c in chosen):
            continue
        chosen.extend(edits)
        applied.append(finding)
    if not chosen:
        return FixOutcome(text, [], failed)
    try:
        return FixOutcome(apply_edits(text, chosen), applied, failed)
    except ValueError as exc:
        return FixOutcome(text, [], failed + [(f, str(exc)) for f in applied])


class FixNotWritten(Exception):
    """A fixed text that was not written; the file is as it was (the message says why)."""


def write_fixed_file(path: Path, checked_text: str, fixed_text: str, language: Language | None) -> None:
    """Write ``fixed_text`` over the file ``checked_text`` was read from, in the file's own
    encoding (declared coding, BOM; line endings and indentation are the fix's business).

    Refuses — leaving the file untouched — when the file is not a regular file any more, cannot
    be opened for writing, changed since it was checked, or the text cannot be encoded the way
    the file is. A failing write is undone with the bytes read."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_NONBLOCK)  # a FIFO swapped in must not block
    except OSError as exc:
        raise FixNotWritten(f"cannot open it for writing ({exc.strerror or exc})") from None
    with os.fdopen(descriptor, "r+b") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise FixNotWritten("it is no longer a regular file")
        original = handle.read(MAX_FILE_BYTES + 1)  # more is refused by decode_source
        try:
            unchanged = decode_source(original, language) == checked_text
            raw = encode_source(fixed_text, original, language)
        except UnreadableSource as exc:
            raise FixNotWritten(str(exc)) from None
        if not unchanged:
            raise FixNotWritten("it changed since it was checked")
        _overwrite(handle, raw, original)


def _overwrite(handle: BinaryIO, raw: bytes, original: bytes) -> None:
    try:
        handle.seek(0)
        handle.write(raw)
        handle.truncate()
        handle.flush()
    except OSError as exc:
        try:
            handle.seek(0)
            handle.write(original)
            handle.truncate()
            handle.flush()
        except OSError:
            raise FixNotWritten(f"writing failed ({exc.strerror or exc}) and so did restoring it: "
                                "check the file") from None
        raise FixNotWritten(f"writing failed ({exc.strerror or exc}); restored") from None
