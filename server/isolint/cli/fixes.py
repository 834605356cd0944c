"""``--fix`` and ``--diff``: ruff's fix loop (``api.fix_source``) over every file with a fix."""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from isolint.api import CheckResult, FixResult, LintRun, fix_source
from isolint.cli.output import display_path
from isolint.core.masking import secret_masker
from isolint.core.source import SourceFile
from isolint.engine.fixing import MAX_FIX_ROUNDS, FixNotWritten, fix_allowed, write_fixed_file


def _fix_result(run: LintRun, result: CheckResult, text: str, unsafe: bool, baseline: Path | bool,
                force: bool = False) -> FixResult | None:
    """``baseline``: the findings fixes leave alone — those a baseline file accepts (a path), the
    file's configured baseline (True) or none (False). ``force``: fix ``text`` even though the
    run found nothing fixable in the file (another file's fix moved a finding here)."""
    if not force and not any(fix_allowed(f.fix, unsafe) for f in result.findings):
        return None
    source = result.source
    outcome = fix_source(text, source.path, source.settings, unsafe=unsafe,
                         project=run.projects.get(source.settings.root), leave_baselined=baseline is not False,
                         baseline=baseline if isinstance(baseline, Path) else None)
    for finding, reason in outcome.failed:
        line = finding.range.start.line + 1
        print(f"warning: {finding.code} fix not applied at {finding.path}:{line}: {reason}", file=sys.stderr)
    return outcome


def fix_run(run: LintRun, unsafe: bool, baseline: Path | bool = True) -> dict[int, FixResult]:
    """Every file's fix outcome, by its index in ``run.results`` (files with nothing applied are
    left out). One problem reported once over several files (the same fallback in three
    modules: one finding, the others related locations) moves to the next file once its first
    place is fixed, so a file fixed that way is re-indexed and the files its finding named are
    fixed too, in this same run: one ``--fix`` is complete, a second changes nothing, and
    ``--diff`` shows all of it."""
    where = {(r.source.settings.root, r.source.rel_path): i for i, r in enumerate(run.results)}
    outcomes: dict[int, FixResult] = {}
    queue = list(range(len(run.results)))
    forced: set[int] = set()
    budget = len(run.results) + MAX_FIX_ROUNDS * 16  # every file once, and a bounded number of returns
    while queue and budget > 0:
        budget -= 1
        index = queue.pop(0)
        result = run.results[index]
        previous = outcomes.get(index)
        text = previous.text if previous is not None else result.source.text
        outcome = _fix_result(run, result, text, unsafe, baseline, force=index in forced)
        forced.discard(index)
        if outcome is None or not outcome.applied or outcome.text == text:
            continue
        if previous is not None:
            outcome.applied = previous.applied + outcome.applied
            outcome.failed = previous.failed + outcome.failed
        outcomes[index] = outcome
        root = result.source.settings.root
        elsewhere = {where.get((root, related.path)) for finding in outcome.applied[len(previous.applied)
                                                                                  if previous else 0:]
                     for related in finding.related if related.path and related.path != result.source.rel_path}
        elsewhere.discard(None)
        if elsewhere and run.projects.get(root) is not None:
            _reindex(run.projects[root], result.source, outcome.text)
            for other in sorted(elsewhere):  # type: ignore[type-var]
                forced.add(other)  # type: ignore[arg-type]
                if other not in queue:
                    queue.append(other)  # type: ignore[arg-type]
    return outcomes


def _reindex(project, source: SourceFile, text: str) -> None:
    """The project's facts of ``source`` as of its fixed ``text``."""
    from isolint.engine.checker import index_source

    index_source(SourceFile.from_text(source.path, text, source.settings, source.language, source.service,
                                      source.rel_path), project)


@dataclass
class FileWrites:
    """The files a command rewrote, and those it refused to write (with why): a file that
    cannot be written as it was read — its encoding, permissions, a change since the check —
    stays as it was, and the user learns exactly which files changed."""

    changed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    _cwd: str = field(default_factory=lambda: os.path.abspath(os.getcwd()))

    def write_back(self, source: SourceFile, text: str) -> bool:
        """Write ``text`` over the file ``source`` was read from; False when refused."""
        shown, _ = display_path(source.path, self._cwd)
        try:
            write_fixed_file(source.path, source.text, text, source.language)
        except FixNotWritten as exc:
            self.refused.append((shown, str(exc)))
            return False
        self.changed.append(shown)
        return True

    def print_refusals(self) -> None:
        """One error per file left as it was, then exactly which files were changed."""
        for shown, reason in self.refused:
            print(f"error: {shown}: not written: {reason}; the file is unchanged", file=sys.stderr)
        if self.refused:
            changed = ", ".join(self.changed) if self.changed else "none"
            print(f"error: {len(self.refused)} file(s) could not be written; files changed: {changed}",
                  file=sys.stderr)


def apply_fixes(run: LintRun, unsafe: bool, writes: FileWrites, baseline: Path | bool = True) -> int:
    """Write fixed files; the run's results then hold what remains (a refused file keeps its
    findings). Findings the baseline accepts are not fixed. Returns findings fixed."""
    fixed = 0
    for index, outcome in sorted(fix_run(run, unsafe, baseline).items()):
        result = run.results[index]
        if outcome.text == result.source.text:
            continue
        if not writes.write_back(result.source, outcome.text):
            continue
        fixed += len(outcome.applied)
        new_source = dataclasses.replace(result.source, text=outcome.text)
        run.results[index] = dataclasses.replace(
            result, source=new_source, findings=list(outcome.remaining))
    return fixed


def diff_fixes(run: LintRun, unsafe: bool, baseline: Path | bool = True) -> tuple[str, int]:
    """Unified diffs of what ``--fix`` would write, and the number of fixes."""
    cwd = os.path.abspath(os.getcwd())
    chunks: list[str] = []
    count = 0
    for index, outcome in sorted(fix_run(run, unsafe, baseline).items()):
        result = run.results[index]
        if outcome.text == result.source.text:
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
