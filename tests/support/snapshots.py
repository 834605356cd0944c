"""Snapshot files (ruff's habit): rendered findings plus the diff of each fix.

Set ``ISOLINT_UPDATE_SNAPSHOTS=1`` to (re)write them; each snapshot written is reported (a
``SnapshotUpdated`` warning in pytest's summary) — review the diff before committing. Under CI
(``CI`` set, as every CI service does) updating is refused: a run there checks, never accepts.
"""

from __future__ import annotations

import difflib
import os
import warnings
from pathlib import Path

from isolint.core.masking import secret_masker
from isolint.core.model import Finding
from isolint.engine.fixing import materialize
from isolint.fixers import FixNotApplicable
from isolint.fixers.text_edits import apply_edits

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "snapshots"


class SnapshotUpdated(UserWarning):
    """A snapshot file written by ``ISOLINT_UPDATE_SNAPSHOTS=1``."""


def updating_snapshots(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether this run (re)writes snapshots; raises under CI, where nothing may be accepted."""
    if environ.get("ISOLINT_UPDATE_SNAPSHOTS") != "1":
        return False
    if environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        raise AssertionError("ISOLINT_UPDATE_SNAPSHOTS=1 is refused under CI: snapshots are updated and reviewed "
                             "locally, and CI only checks them")
    return True


def render_findings(text: str, findings: list[Finding], label: str) -> str:
    out: list[str] = []
    mask = secret_masker(text.splitlines(), findings)  # a fix diff must not print secrets either
    for finding in findings:
        r = finding.range
        out.append(
            f"{r.start.line + 1}:{r.start.column + 1}-{r.end.line + 1}:{r.end.column + 1} "
            f"{finding.code} [{finding.severity.value}] {finding.message}"
        )
        out.extend(f"  related {location.range.start.line + 1}:{location.range.start.column + 1}"
                   f"{' ' + location.path if location.path else ''}: {location.message}"
                   for location in finding.related)
        if finding.fix is not None:
            out.append(f"  fix ({finding.fix.applicability.value}): {finding.fix.title}")
            try:
                new_text = apply_edits(text, materialize(finding.fix, text))
            except FixNotApplicable as exc:
                out.append(f"  fix not applicable: {exc}")
                continue
            diff = difflib.unified_diff(
                [mask(line) for line in text.splitlines()],
                [mask(line) for line in new_text.splitlines()],
                f"a/{label}", f"b/{label}", n=1, lineterm="",
            )
            out.extend("  " + line for line in diff)
    return "\n".join(out) + "\n"


def assert_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOT_DIR / f"{name}.snap"
    if updating_snapshots():
        existed = path.exists()
        if not existed or path.read_text(encoding="utf-8") != actual:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            verb = "updated" if existed else "created"
            warnings.warn(SnapshotUpdated(f"{verb} {path.relative_to(SNAPSHOT_DIR)}"), stacklevel=2)
        return
    assert path.exists(), f"missing snapshot {path}; run with ISOLINT_UPDATE_SNAPSHOTS=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "snapshot", "actual",
                                              lineterm=""))
        raise AssertionError(f"snapshot {path.name} differs (ISOLINT_UPDATE_SNAPSHOTS=1 to accept):\n{diff}")
