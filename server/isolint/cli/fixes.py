"""``--fix`` and ``--diff``: ruff's fix loop (``api.fix_source``) over every file with a fix."""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys

from isolint.api import CheckResult, FixResult, LintRun, fix_source
from isolint.cli.output import display_path
from isolint.core.masking import secret_masker
from isolint.engine.fixing import fix_allowed


def _fix_result(run: LintRun, result: CheckResult, unsafe: bool) -> FixResult | None:
    if not any(fix_allowed(f.fix, unsafe) for f in result.findings):
        return None
    source = result.source
    outcome = fix_source(source.text, source.path, source.settings, unsafe=unsafe,
                         project=run.projects.get(source.settings.root))
    for finding, reason in outcome.failed:
        line = finding.range.start.line + 1
        print(f"warning: {finding.code} fix not applied at {finding.path}:{line}: {reason}", file=sys.stderr)
    return outcome


def write_back(source, text: str) -> None:
    """Write a changed file (fixes, ignore comments)."""
    source.path.write_text(text, encoding="utf-8", newline="")


def apply_fixes(run: LintRun, unsafe: bool) -> int:
    """Write fixed files; the run's results then hold what remains. Returns findings fixed."""
    fixed = 0
    for index, result in enumerate(run.results):
        outcome = _fix_result(run, result, unsafe)
        if outcome is None or not outcome.applied or outcome.text == result.source.text:
            continue
        write_back(result.source, outcome.text)
        fixed += len(outcome.applied)
        new_source = dataclasses.replace(result.source, text=outcome.text)
        run.results[index] = dataclasses.replace(
            result, source=new_source, findings=list(outcome.remaining))
    return fixed


def diff_fixes(run: LintRun, unsafe: bool) -> tuple[str, int]:
    """Unified diffs of what ``--fix`` would write, and the number of fixes."""
    cwd = os.path.abspath(os.getcwd())
    chunks: list[str] = []
    count = 0
    for result in run.results:
        outcome = _fix_result(run, result, unsafe)
        if outcome is None or not outcome.applied or outcome.text == result.source.text:
            continue
        count += len(outcome.applied)
        shown, _ = display_path(result.source.path, cwd)
        mask = secret_masker(result.source.lines, result.findings)  # removed lines would show secrets
        chunks.extend(difflib.unified_diff(
            [mask(line) for line in result.source.text.splitlines(keepends=True)],
            [mask(line) for line in outcome.text.splitlines(keepends=True)],
            fromfile=f"a/{shown}", tofile=f"b/{shown}",
        ))
        if chunks and not chunks[-1].endswith("\n"):
            chunks[-1] += "\n\\ No newline at end of file\n"
    return "".join(chunks), count
