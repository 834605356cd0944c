"""The façade both front ends use: lint a text, lint paths, fix a text."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from isolint.core.config import ConfigError, Settings, settings_for
from isolint.core.model import Finding, Zone
from isolint.engine.cache import CacheEntry, ResultCache, content_digest, fact_kinds_read, facts_digest
from isolint.engine.checker import CheckResult, check_source, index_source, load_source
from isolint.engine.discovery import SettingsResolver, SourceEntry, iter_source_files
from isolint.engine.fixing import MAX_FIX_ROUNDS, apply_fixes_once
from isolint.engine.project import ProjectIndex
from isolint.engine.selection import TokenScan
from isolint.engine.sources import SourceFile, UnreadableSource, decode_source, language_of, relative_path


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
    #: files whose results came from the cache / were checked this time
    cached_files: int = 0
    checked_files: int = 0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]


def collect_files(paths: list[Path], overrides: dict[str, Any] | None = None) -> tuple[list[SourceEntry], list[ConfigError]]:
    resolver = SettingsResolver(overrides)
    files = list(iter_source_files(paths, resolver))
    unique_errors = {(str(e.path), e.line, e.key, e.message): e for e in resolver.errors}
    return files, list(unique_errors.values())


#: below this many files to parse, worker processes cost more than they save
PARALLEL_THRESHOLD = 48


def lint_paths(
    paths: Iterable[str | Path],
    overrides: dict[str, Any] | None = None,
    jobs: int | None = None,
    cache: bool = False,
) -> LintRun:
    """Check every file under ``paths``. Two phases: index cross-file facts, then check.

    With ``cache``, results are reused for files whose bytes, settings, isolint build and the
    cross-file facts their rules read are unchanged (``engine/cache.py``). ``jobs`` worker
    processes parse and check in parallel (default: all cores); results are identical to a
    sequential run and sorted by path.
    """
    paths = [Path(p) for p in paths]
    entries, errors = collect_files(paths, overrides)
    run = LintRun(config_errors=errors)
    projects: dict[Path, ProjectIndex] = {}
    caches: dict[int, ResultCache] = {}
    for entry in entries:
        if entry.settings.root not in projects:
            projects[entry.settings.root] = ProjectIndex(entry.settings)
    run.projects = projects

    pending: list[_Pending] = []
    for entry in entries:
        item = _load(entry, projects[entry.settings.root], caches if cache else None)
        if isinstance(item, CheckResult):
            run.results.append(item)
        else:
            pending.append(item)

    # Phase 1, one parse per file where possible: a file whose rules read no cross-file facts
    # is checked completely now (its facts extracted from the same parse); a file whose rules
    # read facts only contributes its facts now (when an indexer wants it) and is checked in
    # phase 2, once every file's facts are known.
    for item in pending:
        if item.entry is None:
            item.kinds = fact_kinds_read(item.source, TokenScan(item.raw))
    phase1 = [p for p in pending if p.entry is None and (
        not p.kinds or projects[p.source.settings.root].indexers_for(p.source.language, p.raw))]
    outputs = _parallel(_phase1_worker, [p.source for p in phase1], projects, jobs,
                        [not p.kinds for p in phase1])
    for item, output in zip(phase1, outputs):
        if isinstance(output, _Outcome):
            item.outcome = output
            item.facts = output.facts
        else:
            item.facts = output
        item.indexed = True
    for item in pending:
        if item.facts:
            projects[item.source.settings.root].update(item.source.rel_path, item.facts)

    # A cached verdict stands only if the facts its rules read are unchanged.
    digests = _FactDigests(projects)
    to_check: list[_Pending] = []
    for item in pending:
        if item.outcome is not None:
            continue
        if item.entry is not None and all(
            digests.get(item.source.settings.root, kind) == digest for kind, digest in item.entry.fact_digests.items()
        ):
            run.results.append(item.cached_result())
            run.cached_files += 1
        else:
            to_check.append(item)

    # Phase 2: the files whose rules read facts. Facts already extracted (phase 1 or the
    # cache) are passed on, so no indexer runs twice.
    known = [p.facts if (p.indexed or p.entry is not None) else None for p in to_check]
    for item, outcome in zip(to_check, _parallel(_check_worker, [p.source for p in to_check], projects, jobs, known)):
        item.outcome = outcome
    for item in pending:
        if item.outcome is None:
            continue
        run.checked_files += 1
        result = item.outcome.apply_to(item.source)
        run.results.append(result)
        if item.cache is not None:
            item.cache.put(item.source.rel_path, CacheEntry(
                item.digest, [f.to_json() for f in result.findings], result.facts,
                {kind: digests.get(item.source.settings.root, kind) for kind in item.kinds},
                item.source.zone.value, result.parse_error.to_json() if result.parse_error else None,
            ))
    # A run over a whole project root forgets the entries of files that are gone.
    given = {os.path.realpath(p) for p in paths}
    for result_cache in caches.values():
        if str(result_cache.root) in given:
            result_cache.retain({p.source.rel_path for p in pending if p.cache is result_cache})
        result_cache.save()
    run.results.sort(key=lambda r: (r.source.rel_path, str(r.source.path)))
    return run


@dataclass
class _Pending:
    """A readable file on its way through the two phases."""

    source: SourceFile
    raw: bytes
    digest: str = ""
    cache: ResultCache | None = None
    entry: CacheEntry | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    indexed: bool = False  # facts extracted in phase 1
    #: fact kinds the file's rules may read (empty: it can be checked in phase 1)
    kinds: tuple[str, ...] = ()
    outcome: "_Outcome | None" = None

    def cached_result(self) -> CheckResult:
        assert self.entry is not None
        zone = self.entry.decoded_zone()
        if zone is not None:
            self.source.zone = zone
        parse_error = Finding.from_json(self.entry.parse_error) if self.entry.parse_error else None
        return CheckResult(self.source, self.entry.decoded_findings(), parse_error, self.entry.facts)


def _load(entry: SourceEntry, project: ProjectIndex,
          caches: dict[int, ResultCache] | None) -> _Pending | CheckResult:
    settings = entry.settings
    rel = entry.rel_path if entry.rel_path is not None else relative_path(entry.path, settings.root)
    service = project.services.service_of(rel)
    language = language_of(entry.path.name)
    try:
        raw = entry.path.read_bytes()
        text = decode_source(raw, language)
    except (OSError, UnreadableSource):
        return load_source(entry.path, settings, service)  # an ISO002 finding with the reason
    source = SourceFile.from_text(entry.path, text, settings, language, service, rel_path=rel)
    item = _Pending(source, raw)
    if caches is not None:
        result_cache = caches.get(id(settings))  # one Settings object per config: id is stable here
        if result_cache is None:
            result_cache = caches[id(settings)] = ResultCache(settings)
        item.cache = result_cache
        item.digest = content_digest(raw)
        item.entry = result_cache.get(rel, item.digest)
        if item.entry is not None:
            item.facts = item.entry.facts
    return item


class _FactDigests:
    """Digest of each fact kind's merged view per project, computed once per run."""

    def __init__(self, projects: dict[Path, ProjectIndex]) -> None:
        self._projects = projects
        self._memo: dict[tuple[Path, str], str] = {}

    def get(self, root: Path, kind: str) -> str:
        key = (root, kind)
        if key not in self._memo:
            self._memo[key] = facts_digest(self._projects[root].facts(kind))
        return self._memo[key]


@dataclass
class _Outcome:
    """What a worker sends back: everything of a CheckResult except the (large) source."""

    findings: list[Finding]
    parse_error: Finding | None
    facts: dict[str, Any]
    crashed_rules: list[str]
    zone: Zone

    def apply_to(self, source: SourceFile) -> CheckResult:
        source.zone = self.zone
        return CheckResult(source, self.findings, self.parse_error, self.facts, self.crashed_rules)


# Work shared with forked workers: set before the pool starts, read by index in the children,
# so sources and the project index are inherited instead of pickled.
_SHARED: tuple[list[SourceFile], dict[Path, ProjectIndex], list[Any] | None] | None = None


def _check_worker(index: int, extract_facts: bool = False) -> _Outcome:
    assert _SHARED is not None
    source = _SHARED[0][index]
    known = _SHARED[2][index] if _SHARED[2] is not None and not extract_facts else None
    result = check_source(source, _SHARED[1][source.settings.root], update_project=False, known_facts=known)
    return _Outcome(result.findings, result.parse_error, result.facts, result.crashed_rules, source.zone)


def _phase1_worker(index: int) -> "_Outcome | dict[str, Any]":
    """A complete check (extra flag True) or only the file's facts."""
    assert _SHARED is not None and _SHARED[2] is not None
    if _SHARED[2][index]:
        return _check_worker(index, extract_facts=True)
    source = _SHARED[0][index]
    project = _SHARED[1][source.settings.root]
    index_source(source, project)  # in a forked worker this updates the worker's own copy
    return project.file_facts(source.rel_path)


def _parallel(worker, sources: list[SourceFile], projects: dict[Path, ProjectIndex], jobs: int | None,
              extra: list[Any] | None = None) -> list:
    """``worker(i)`` for every source (``extra[i]`` is per-item input), in order; across
    processes when it pays off."""
    global _SHARED
    jobs = jobs or os.cpu_count() or 1
    _SHARED = (sources, projects, extra)
    try:
        if jobs <= 1 or len(sources) < PARALLEL_THRESHOLD or not _can_fork():
            return [worker(i) for i in range(len(sources))]
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        jobs = min(jobs, len(sources) // (PARALLEL_THRESHOLD // 2) or 1)
        chunk = max(1, len(sources) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(worker, range(len(sources)), chunksize=chunk))
    finally:
        _SHARED = None


def _can_fork() -> bool:
    """Forked workers inherit the parsed-free work list for free; where fork is unavailable or
    unsafe (Windows, macOS) the run stays in-process rather than pickling every source."""
    import sys

    return sys.platform.startswith("linux") and hasattr(os, "fork")
