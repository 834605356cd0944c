"""The façade both front ends use: lint a text, lint paths, fix a text."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from isolint.core.config import ConfigError, Settings, settings_for
from isolint.core.files import read_regular
from isolint.core.model import Finding, Zone
from isolint.engine.baseline import FileFindings, load_baseline, write_baseline
from isolint.engine.cache import CacheEntry, ResultCache, content_digest, fact_kinds_read, facts_digest
from isolint.engine.checker import CheckResult, check_source, index_source, load_source
from isolint.engine.discovery import SettingsResolver, SourceEntry, iter_source_files
from isolint.engine.fixing import MAX_FIX_ROUNDS, apply_fixes_once
from isolint.engine.project import ProjectIndex
from isolint.engine.selection import TokenScan, indexers_read_by
from isolint.core.source import (MAX_FILE_BYTES, SourceFile, UnreadableSource, decode_source, language_of,
                                 relative_path)


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
    from isolint.core.source import relative_path

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
    #: things the user should know that did not stop the run (a cache folder refused, …)
    warnings: list[str] = field(default_factory=list)
    projects: dict[Path, ProjectIndex] = field(default_factory=dict)
    #: files whose results came from the cache / were checked this time
    cached_files: int = 0
    checked_files: int = 0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]


def collect_files(paths: list[Path], overrides: dict[str, Any] | None = None,
                  warnings: list[str] | None = None) -> tuple[list[SourceEntry], list[ConfigError]]:
    """The files to check under ``paths``; what discovery skipped with a reason is appended to
    ``warnings``."""
    resolver = SettingsResolver(overrides)
    files = list(iter_source_files(paths, resolver, warnings.append if warnings is not None else None))
    unique_errors = {(str(e.path), e.line, e.key, e.message): e for e in resolver.errors}
    return files, list(unique_errors.values())


#: below this many files to parse, worker processes cost more than they save
PARALLEL_THRESHOLD = 48


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
    paths = [Path(p) for p in paths]
    warnings: list[str] = []
    entries, errors = collect_files(paths, overrides, warnings)
    run = LintRun(config_errors=errors, warnings=warnings)
    projects: dict[Path, ProjectIndex] = {}
    caches: dict[int, ResultCache] = {}
    for entry in entries:
        if entry.settings.root not in projects:
            projects[entry.settings.root] = ProjectIndex(
                entry.settings, None if all_facts else indexers_read_by(entry.settings))
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
            item.kinds = fact_kinds_read(item.source, TokenScan(item.raw), projects[item.source.settings.root])
    phase1 = [p for p in pending if p.entry is None and (
        not p.kinds or projects[p.source.settings.root].indexers_for(p.source))]
    workers = _StickyWorkers([p.source for p in pending], projects, jobs, len(phase1))
    position = {id(p): i for i, p in enumerate(pending)}
    outputs = workers.phase1([(position[id(p)], not p.kinds, len(p.raw)) for p in phase1])
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
    updates = [(p.source.settings.root, p.source.rel_path, p.facts) for p in pending if p.facts]
    work = [(position[id(p)], p.facts if (p.indexed or p.entry is not None) else None, len(p.raw)) for p in to_check]
    for item, outcome in zip(to_check, workers.phase2(updates, work)):
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
        if result_cache.refusal is not None and result_cache.refusal not in run.warnings:
            run.warnings.append(result_cache.refusal)
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
        raw = read_regular(entry.path, MAX_FILE_BYTES)
        text = decode_source(raw, language)
    except (OSError, UnreadableSource):
        return load_source(entry.path, settings, service)  # an ISO002 finding with the reason
    source = SourceFile.from_text(entry.path, text, settings, language, service, rel_path=rel)
    item = _Pending(source, raw)
    if caches is not None:
        result_cache = caches.get(id(settings))  # one Settings object per config: id is stable here
        if result_cache is None:
            result_cache = caches[id(settings)] = ResultCache(settings, (i.name for i in project.indexers))
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


#: Python trees kept between the phases, estimated at 25 bytes of tree per byte of source
#: (≈ 1 KB per line), so that the budget bounds the memory they hold across all workers.
TREE_BUDGET_BYTES = 2 * 1024**3
TREE_BYTES_PER_SOURCE_BYTE = 25


class _StickyWorkers:
    """The two phases of a run on the same processes, each file always on the same one.

    A file indexed in phase 1 and checked in phase 2 is parsed once: the worker that indexed it
    keeps its tree (within ``TREE_BUDGET_BYTES``) and checks it in phase 2, after receiving
    every file's facts. Files go to the least loaded worker by size, in order, so the
    assignment — and the result — does not depend on timing. Without fork (or for a small run)
    the one "worker" is this process.
    """

    def __init__(self, sources: list[SourceFile], projects: dict[Path, ProjectIndex], jobs: int | None,
                 phase1_size: int) -> None:
        self.sources = sources
        self.projects = projects
        jobs = jobs or os.cpu_count() or 1
        if jobs <= 1 or phase1_size < PARALLEL_THRESHOLD or not _can_fork():
            jobs = 1
        else:
            jobs = min(jobs, phase1_size // (PARALLEL_THRESHOLD // 2) or 1)
        self.jobs = jobs
        self.owner: dict[int, int] = {}
        self.load = [0] * jobs
        self.local = _TreeKeeper(sources, projects, TREE_BUDGET_BYTES) if jobs == 1 else None
        self.connections: list = []
        if self.local is None:
            self._fork()

    def _fork(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        for _ in range(self.jobs):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_sticky_loop, daemon=True,
                                      args=(child_end, self.sources, self.projects, TREE_BUDGET_BYTES // self.jobs))
            process.start()
            child_end.close()
            self.connections.append((process, parent_end))

    def _assign(self, index: int, size: int) -> int:
        worker = self.owner.get(index)
        if worker is None:
            worker = self.owner[index] = min(range(self.jobs), key=self.load.__getitem__)
            self.load[worker] += size + 1
        return worker

    def _run(self, op: str, items: list[tuple], extra: Any = None) -> list:
        if self.local is not None:
            try:
                return [getattr(self.local, op)(*item[:2]) for item in items]
            finally:
                if op == "phase2":
                    self.local.release()
        batches: list[list[tuple]] = [[] for _ in range(self.jobs)]
        slots: list[tuple[int, int]] = []
        for item in items:
            worker = self._assign(item[0], item[2])
            slots.append((worker, len(batches[worker])))
            batches[worker].append(item[:2])
        for (_, connection), batch in zip(self.connections, batches):
            connection.send((op, batch, extra))
        replies = [self._receive(connection) for _, connection in self.connections]
        return [replies[worker][slot] for worker, slot in slots]

    @staticmethod
    def _receive(connection) -> list:
        try:
            status, payload = connection.recv()
        except EOFError:
            raise RuntimeError("an isolint worker process died") from None
        if status != "ok":
            raise RuntimeError(f"an isolint worker failed:\n{payload}")
        return payload

    def phase1(self, items: list[tuple[int, bool, int]]) -> list:
        """(source index, check completely?, size) → an _Outcome, or the file's facts."""
        return self._run("phase1", items)

    def phase2(self, updates: list[tuple[Path, str, dict]], items: list[tuple[int, Any, int]]) -> list:
        """Every file's facts, then (source index, known facts, size) → an _Outcome. Ends the workers."""
        try:
            return self._run("phase2", items, updates)
        finally:
            for process, connection in self.connections:
                connection.close()
                process.join()


class _TreeKeeper:
    """One worker's share of a run: indexes, keeps trees for phase 2, checks."""

    def __init__(self, sources: list[SourceFile], projects: dict[Path, ProjectIndex], budget: int) -> None:
        self.sources = sources
        self.projects = projects
        self.budget = budget
        self.trees: dict[int, Any] = {}
        self.frozen = False

    def phase1(self, index: int, complete: bool) -> "_Outcome | dict[str, Any]":
        source = self.sources[index]
        project = self.projects[source.settings.root]
        if complete:
            return _outcome(check_source(source, project, update_project=False), source)
        cost = len(source.raw) * TREE_BYTES_PER_SOURCE_BYTE
        keep: list | None = [] if cost <= self.budget else None
        index_source(source, project, keep)  # in a forked worker this updates the worker's own copy
        if keep:
            self.trees[index] = keep[0]
            self.budget -= cost
            # A kept tree is a million long-lived objects that hold no cycle: left to the
            # collector, every full collection of the run would traverse all kept trees
            # (measured: +25 % CPU). Frozen, they are skipped until ``release``.
            gc.freeze()
            self.frozen = True
        return project.file_facts(source.rel_path)

    def release(self) -> None:
        self.trees.clear()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def phase2(self, index: int, known: Any) -> "_Outcome":
        source = self.sources[index]
        result = check_source(source, self.projects[source.settings.root], update_project=False,
                              known_facts=known, parsed=self.trees.pop(index, None))
        return _outcome(result, source)


def _outcome(result: CheckResult, source: SourceFile) -> "_Outcome":
    return _Outcome(result.findings, result.parse_error, result.facts, result.crashed_rules, source.zone)


def _sticky_loop(connection, sources: list[SourceFile], projects: dict[Path, ProjectIndex], budget: int) -> None:
    """A forked worker: phase 1, then phase 2 on the facts the parent merged, then exit."""
    import traceback

    keeper = _TreeKeeper(sources, projects, budget)
    try:
        while True:
            try:
                op, batch, extra = connection.recv()
            except EOFError:
                return
            try:
                if op == "phase2":
                    for root, rel_path, facts in extra:
                        projects[root].update(rel_path, facts)
                connection.send(("ok", [getattr(keeper, op)(*item) for item in batch]))
            except Exception:  # noqa: BLE001 - reported to the parent, which raises
                connection.send(("error", traceback.format_exc()))
            if op == "phase2":
                return
    finally:
        connection.close()
        os._exit(0)


def _can_fork() -> bool:
    """Forked workers inherit the parsed-free work list for free; where fork is unavailable or
    unsafe (Windows, macOS) the run stays in-process rather than pickling every source."""
    import sys

    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _file_findings(result: CheckResult, findings: list[Finding] | None = None) -> FileFindings:
    source = result.source
    return FileFindings(source.path, result.findings if findings is None else findings, source.lines,
                        source.language)


def split_baselined(result: CheckResult, baseline: Path | None = None) -> tuple[list[Finding], list[Finding]]:
    """(new, baselined) findings of one result: against ``baseline``, else the file's configured
    ``baseline`` setting; with neither, every finding is new. Raises BaselineError."""
    path = baseline or result.source.settings.baseline_path
    if path is None:
        return list(result.findings), []
    return load_baseline(path).split(_file_findings(result))


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
    of each of its findings (ruff's ``--add-noqa``); the caller writes them."""
    from isolint.engine.ignore_comments import add_ignore_edits
    from isolint.fixers.text_edits import apply_edits

    outcome = IgnoreComments()
    for result in run.results:
        if not result.findings:
            continue
        edits, lines = add_ignore_edits(result.source, result.findings)
        outcome.refused.extend((str(result.source.path), line) for line in lines)
        if edits:
            outcome.rewrites.append((result, apply_edits(result.source.text, edits)))
            outcome.added += len(edits)
    return outcome
