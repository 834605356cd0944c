"""The façade both front ends use: lint a text, lint paths, fix a text.

Everything here delegates to the engine: ``engine/checker.py`` checks one source,
``engine/batch.py`` runs the two phases over many files, ``engine/fixing.py`` applies fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from isolint.core.config import Settings, settings_for
from isolint.core.model import Finding
from isolint.core.source import SourceFile, relative_path
from isolint.engine.batch import LintRun, check_paths, collect_files
from isolint.engine.checker import CheckResult, check_source
from isolint.engine.fixing import MAX_FIX_ROUNDS, apply_fixes_once
from isolint.engine.project import ProjectIndex

__all__ = ["CheckResult", "FixResult", "LintRun", "collect_files", "fix_source", "lint_paths", "lint_source"]


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
) -> FixResult:
    """Apply fixes until nothing more applies (ruff's loop); never returns unparsable code
    when the input parsed."""
    only = set(only) if only is not None else None
    result = lint_source(text, path, settings, project)
    outcome = FixResult(text)
    for _ in range(MAX_FIX_ROUNDS):
        candidates = [f for f in result.findings if only is None or f.code in only]
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
) -> LintRun:
    """Check every file under ``paths``. Two phases: index cross-file facts, then check.

    With ``cache``, results are reused for files whose bytes, settings, isolint build and the
    cross-file facts their rules read are unchanged (``engine/cache.py``). ``jobs`` worker
    processes parse and check in parallel (default: all cores); results are identical to a
    sequential run and sorted by path. ``all_facts=False`` runs only the indexers whose facts
    the enabled rules read (``isolint check``; ``report``'s metrics want every kind).
    """
    return check_paths([Path(p) for p in paths], overrides, jobs, cache, all_facts)
