"""The façade both front ends use: lint a text, lint paths, fix a text."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from isolint.core.config import ConfigError, Settings, settings_for
from isolint.core.model import Finding
from isolint.engine.checker import CheckResult, check_source, load_source
from isolint.engine.discovery import SettingsResolver, iter_source_files
from isolint.engine.fixing import MAX_FIX_ROUNDS, apply_fixes_once
from isolint.engine.project import ProjectIndex
from isolint.engine.sources import SourceFile


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
    from isolint.engine.sources import relative_path

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


@dataclass
class LintRun:
    results: list[CheckResult] = field(default_factory=list)
    config_errors: list[ConfigError] = field(default_factory=list)
    projects: dict[Path, ProjectIndex] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]


def collect_files(paths: list[Path], overrides: dict[str, Any] | None = None) -> tuple[list[tuple[Path, Settings]], list[ConfigError]]:
    resolver = SettingsResolver(overrides)
    files = list(iter_source_files(paths, resolver))
    unique_errors = {(str(e.path), e.line, e.key, e.message): e for e in resolver.errors}
    return files, list(unique_errors.values())


def lint_paths(
    paths: Iterable[str | Path],
    overrides: dict[str, Any] | None = None,
    jobs: int | None = None,
) -> LintRun:
    """Check every file under ``paths``. Two phases: index cross-file facts, then check."""
    files, errors = collect_files([Path(p) for p in paths], overrides)
    run = LintRun(config_errors=errors)
    projects: dict[Path, ProjectIndex] = {}
    for _, settings in files:
        if settings.root not in projects:
            projects[settings.root] = ProjectIndex(settings)
    run.projects = projects
    sources: list[SourceFile] = []
    for path, settings in files:
        project = projects[settings.root]
        loaded = load_source(path, settings, project.services.service_of(_rel(path, settings.root)))
        if isinstance(loaded, CheckResult):
            run.results.append(loaded)
        else:
            sources.append(loaded)
    # Phase 1: facts for cross-file rules (only files an indexer's prefilter admits).
    for source in sources:
        project = projects[source.settings.root]
        if project.indexers_for(source.language, source.raw):
            _index_only(source, project)
    # Phase 2: check.
    run.results.extend(_check_all(sources, projects, jobs))
    run.results.sort(key=lambda r: r.source.rel_path)
    return run


def _rel(path: Path, root: Path) -> str:
    from isolint.engine.sources import relative_path

    return relative_path(path, root)


def _index_only(source: SourceFile, project: ProjectIndex) -> None:
    from isolint.engine.checker import index_source

    index_source(source, project)


def _check_all(sources: list[SourceFile], projects: dict[Path, ProjectIndex], jobs: int | None) -> list[CheckResult]:
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(sources) < 64:
        return [check_source(s, projects[s.settings.root], update_project=False) for s in sources]
    chunks = [sources[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_check_chunk, chunk, {r: p for r, p in projects.items()}) for chunk in chunks]
        results: list[CheckResult] = []
        for future in futures:
            results.extend(future.result())
    return results


def _check_chunk(sources: list[SourceFile], projects: dict[Path, ProjectIndex]) -> list[CheckResult]:
    return [check_source(s, projects[s.settings.root], update_project=False) for s in sources]
