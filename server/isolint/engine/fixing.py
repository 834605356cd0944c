"""Materializing fix descriptors and applying fixes to a whole file (ruff's fix loop)."""

from __future__ import annotations

from dataclasses import dataclass

from isolint.core.model import Applicability, Edit, Finding, Fix
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
