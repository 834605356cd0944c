"""Snapshot files (ruff's habit): rendered findings plus the diff of each fix.

Set ``ISOLINT_UPDATE_SNAPSHOTS=1`` to (re)write them; review the diff before committing.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from isolint.core.model import SECRET_RANGE, Finding, masked_line
from isolint.engine.fixing import materialize
from isolint.fixers import FixNotApplicable
from isolint.fixers.text_edits import apply_edits

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "snapshots"


def render_findings(text: str, findings: list[Finding], label: str) -> str:
    out: list[str] = []
    for finding in findings:
        r = finding.range
        out.append(
            f"{r.start.line + 1}:{r.start.column + 1}-{r.end.line + 1}:{r.end.column + 1} "
            f"{finding.code} [{finding.severity.value}] {finding.message}"
        )
        if finding.fix is not None:
            out.append(f"  fix ({finding.fix.applicability.value}): {finding.fix.title}")
            try:
                new_text = apply_edits(text, materialize(finding.fix, text))
            except FixNotApplicable as exc:
                out.append(f"  fix not applicable: {exc}")
                continue
            masks = secret_masks(text, findings)
            diff = difflib.unified_diff(
                [masks.get(line, line) for line in text.splitlines()],
                [masks.get(line, line) for line in new_text.splitlines()],
                f"a/{label}", f"b/{label}", n=1, lineterm="",
            )
            out.extend("  " + line for line in diff)
    return "\n".join(out) + "\n"


def secret_masks(text: str, findings: list[Finding]) -> dict[str, str]:
    """Each source line holding a secret (``data["secret_range"]``) → that line masked. Fix diffs
    show removed and context lines, so snapshots would otherwise print secrets in full; a line
    left unchanged by a fix is masked on both sides alike."""
    lines = text.splitlines()
    masked: dict[int, str] = {}
    secret_findings = [f for f in findings if f.data.get(SECRET_RANGE)]
    # right to left on a line, so masking one secret does not shift the next one's columns
    for finding in sorted(secret_findings, key=lambda f: f.data[SECRET_RANGE][1], reverse=True):
        start_line, _, end_line, _ = finding.data[SECRET_RANGE]
        for index in range(start_line, min(end_line, len(lines) - 1) + 1):
            masked[index] = masked_line(masked.get(index, lines[index]), index, finding)
    return {lines[index]: line for index, line in masked.items()}


def assert_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOT_DIR / f"{name}.snap"
    if os.environ.get("ISOLINT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing snapshot {path}; run with ISOLINT_UPDATE_SNAPSHOTS=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "snapshot", "actual",
                                              lineterm=""))
        raise AssertionError(f"snapshot {path.name} differs (ISOLINT_UPDATE_SNAPSHOTS=1 to accept):\n{diff}")
