"""``--fix`` and ``--diff``: ruff's fix loop (``api.fix_source``) over every file with a fix."""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field

from isolint.api import CheckResult, FixResult, LintRun, fix_source
from isolint.cli.output import display_path
from isolint.core.masking import secret_masker
from isolint.engine.fixing import FixNotWritten, fix_allowed, write_fixed_file


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


@dataclass
class FixReport:
    """What ``--fix`` did: findings fixed, files written, files it refused to write (why)."""

    fixed: int = 0
    changed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def apply_fixes(run: LintRun, unsafe: bool) -> FixReport:
    """Write fixed files; the run's results then hold what remains. A file that cannot be
    written as it was read (its encoding, permissions, a change since the check) is refused
    and keeps its findings; the others are written."""
    report = FixReport()
    cwd = os.path.abspath(os.getcwd())
    for index, result in enumerate(run.results):
        outcome = _fix_result(run, result, unsafe)
        if outcome is None or not outcome.applied or outcome.text == result.source.text:
            continue
        shown, _ = display_path(result.source.path, cwd)
        try:
            write_fixed_file(result.source.path, result.source.text, outcome.text, result.source.language)
        except FixNotWritten as exc:
            report.refused.append((shown, str(exc)))
            continue
        report.fixed += len(outcome.applied)
        report.changed.append(shown)
        new_source = dataclasses.replace(result.source, text=outcome.text)
        run.results[index] = dataclasses.replace(
            result, source=new_source, findings=list(outcome.remaining))
    return report


def print_refusals(report: FixReport) -> None:
    """One error per file left unfixed, then exactly which files were changed."""
    for shown, reason in report.refused:
        print(f"error: {shown}: fix not written: {reason}; the file is unchanged", file=sys.stderr)
    if report.refused:
        changed = ", ".join(report.changed) if report.changed else "none"
        print(f"error: {len(report.refused)} file(s) could not be fixed; files changed: {changed}",
              file=sys.stderr)


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
