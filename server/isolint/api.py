"""The façade both front ends use: lint a text, lint paths, fix a text.

Everything here delegates to the engine: ``engine/checker.py`` checks one source,
``engine/batch.py`` runs the two phases over many files, ``engine/fixing.py`` applies fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from isolint.core.config import Settings, settings_for
from isolint.core.model import Finding, Severity
from isolint.core.source import SourceFile, relative_path
from isolint.engine.baseline import BaselineError, FileFindings, load_baseline, write_baseline
from isolint.engine.batch import LintRun, check_paths, collect_files
from isolint.engine.checker import UNUSED_IGNORE, CheckResult, check_source
from isolint.engine.explain import Explanation, explain_file
from isolint.engine.fixing import MAX_FIX_ROUNDS, apply_fixes_once
from isolint.engine.project import ProjectIndex

__all__ = ["BASELINED_MODES", "add_ignore_comments", "apply_baseline", "CheckResult", "collect_files",
           "explain_file", "Explanation", "findings_for_editor", "fix_source", "FixResult", "IgnoreComments",
           "lint_paths", "lint_source", "LintRun", "split_baselined", "write_run_baseline"]


def lint_source(
    text: str,
    path: str | Path,
    settings: Settings | None = None,
    project: ProjectIndex | None = None,
) -> CheckResult:
    """Findings for ``text`` as if it were the file at ``path`` (which need not exist)."""
    path = Path(path)
    settings = settings or settings_for(path if path.is_absolute() else Path.cwd() / path)
    source = SourceFile.from_text(path, text, settings, service=_service(project, path, settings))
    return check_source(source, project)


def _service(project: ProjectIndex | None, path: Path, settings: Settings) -> str | None:
    if project is None:
        return None
    return project.services.service_of(relative_path(path, settings.root))


@dataclass
class FixResult:
    text: str
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    failed: list[tuple[Finding, str]] = field(default_factory=list)


def fix_source(
    text: str,
    path: str | Path,
    settings: Settings | None = None,
    unsafe: bool = False,
    project: ProjectIndex | None = None,
    only: Iterable[str] | None = None,
    leave_baselined: bool = False,
    baseline: Path | None = None,
) -> FixResult:
    """Apply fixes until nothing more applies (ruff's loop); never returns unparsable code
    when the input parsed. ``leave_baselined``: findings the baseline accepts (``baseline``,
    else the file's setting) are left as they are, as the CLI leaves them unreported.
    Raises BaselineError when that baseline cannot be read."""
    only = set(only) if only is not None else None
    result = lint_source(text, path, settings, project)
    outcome = FixResult(text)
    for _ in range(MAX_FIX_ROUNDS):
        fixable = split_baselined(result, baseline)[0] if leave_baselined else result.findings
        candidates = [f for f in fixable if only is None or f.code in only]
        step = apply_fixes_once(outcome.text, candidates, unsafe)
        outcome.failed.extend(step.failed)
        if not step.applied:
            break
        new_result = lint_source(step.text, path, result.source.settings, project)
        if new_result.parse_error is not None and result.parse_error is None:
            outcome.failed.extend((f, "fix produced code that does not parse; reverted") for f in step.applied)
            break
        outcome.text = step.text
        outcome.applied.extend(step.applied)
        result = new_result
    outcome.remaining = result.findings
    return outcome


def lint_paths(
    paths: Iterable[str | Path],
    overrides: dict[str, Any] | None = None,
    jobs: int | None = None,
    cache: bool = False,
    all_facts: bool = True,
    stdin: tuple[str | Path, str] | None = None,
) -> LintRun:
    """Check every file under ``paths``. Two phases: index cross-file facts, then check.

    With ``cache``, results are reused for files whose bytes, settings, isolint build and the
    cross-file facts their rules read are unchanged (``engine/cache.py``). ``jobs`` worker
    processes parse and check in parallel (default: all cores); results are identical to a
    sequential run and sorted by path. ``all_facts=False`` runs only the indexers whose facts
    the enabled rules read (``isolint check``; ``report``'s metrics want every kind).

    Given part of a project (files, a sub-folder), the run indexes the whole project the files
    belong to and reports only on them: for each, exactly what a full run reports. ``stdin``
    is (path, text): that text is checked as the file at path (``--stdin-filename``).
    """
    text = (Path(stdin[0]), stdin[1]) if stdin is not None else None
    return check_paths([Path(p) for p in paths], overrides, jobs, cache, all_facts, text)


def _file_findings(result: CheckResult, findings: list[Finding] | None = None) -> FileFindings:
    source = result.source
    return FileFindings(source.path, result.findings if findings is None else findings, source.lines,
                        source.language)


def split_baselined(result: CheckResult, baseline: Path | None = None) -> tuple[list[Finding], list[Finding]]:
    """(new, baselined) findings of one result: against ``baseline``, else the file's configured
    ``baseline`` setting; with neither, every finding is new. Raises BaselineError."""
    path = baseline or result.source.settings.baseline_path
    if path is None or not result.findings:
        return list(result.findings), []
    return load_baseline(path).split(_file_findings(result))


#: what editors do with findings a baseline accepts (the language server's `baselinedFindings` setting)
BASELINED_MODES = ("hint", "hide", "show")


def findings_for_editor(result: CheckResult, mode: str = "hint") -> list[Finding]:
    """The findings an editor shows for ``result`` under the file's ``baseline`` setting: new
    ones unchanged; baselined ones at hint severity with ``data["baselined"]`` (``hint``),
    dropped (``hide``) or unchanged (``show``). A baseline that cannot be read changes nothing
    (the CLI reports it; an editor must keep working)."""
    if mode == "show" or result.source.settings.baseline_path is None:
        return list(result.findings)
    try:
        new, known = split_baselined(result)
    except BaselineError:
        return list(result.findings)
    if mode == "hide" or not known:
        return new
    hints = [replace(f, severity=Severity.HINT, data={**f.data, "baselined": True}) for f in known]
    return sorted(new + hints, key=Finding.sort_key)


def apply_baseline(run: LintRun, baseline: Path | None = None) -> int:
    """Move the findings a baseline accepts from each result's ``findings`` to ``baselined``.
    ``baseline`` (the CLI's ``--baseline``) wins over each project's setting. Returns how many
    were moved. Raises BaselineError."""
    moved = 0
    for result in run.results:
        new, known = split_baselined(result, baseline)
        if known:
            result.findings, result.baselined = new, known
            moved += len(known)
    return moved


def write_run_baseline(run: LintRun, path: Path) -> int:
    """Record every current finding of ``run`` in the baseline file ``path``."""
    return write_baseline(path, (_file_findings(r, r.findings + r.baselined) for r in run.results))


@dataclass
class IgnoreComments:
    """What ``add_ignore_comments`` would write."""

    #: (result, new text) of every file that gets comments
    rewrites: list[tuple[CheckResult, str]] = field(default_factory=list)
    added: int = 0
    #: (path, 0-based line) of findings where no comment can go
    refused: list[tuple[str, int]] = field(default_factory=list)


def add_ignore_comments(run: LintRun) -> IgnoreComments:
    """The text of every file of ``run`` with an ``isolint: ignore[CODE]`` comment on the line
    of each of its findings (ruff's ``--add-noqa``); the caller writes them. Unused ignore
    comments (ISO003) are not silenced by another one: ``--fix`` removes them."""
    from isolint.engine.ignore_comments import add_ignore_edits
    from isolint.fixers.text_edits import apply_edits

    outcome = IgnoreComments()
    for result in run.results:
        if not result.findings:
            continue
        edits, lines = add_ignore_edits(result.source, [f for f in result.findings if f.code != UNUSED_IGNORE])
        outcome.refused.extend((str(result.source.path), line) for line in lines)
        if edits:
            outcome.rewrites.append((result, apply_edits(result.source.text, edits)))
            outcome.added += len(edits)
    return outcome
