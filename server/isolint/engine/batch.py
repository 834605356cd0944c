"""Checking many files (``isolint check``/``report``): discover, index cross-file facts, check.

A run has two phases. Phase 1 parses each file once where it can: a file whose rules read no
cross-file facts is checked completely (its facts extracted from the same parse); a file whose
rules read facts only contributes its facts (when an indexer wants it). Phase 2 checks those
files once every file's facts are known. With the result cache, a file whose bytes, settings,
isolint build and the facts its rules read are unchanged is not checked again
(``engine/cache.py``). The work runs on ``engine/pool.py``'s workers.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isolint.core.config import ConfigError
from isolint.core.files import read_regular_with_stat
from isolint.core.model import Finding, Language
from isolint.core.source import (MAX_FILE_BYTES, SourceFile, UnreadableSource, UnreadSourceFile, language_of,
                                 relative_path, source_from_bytes)
from isolint.engine.cache import (CacheEntry, ResultCache, content_digest, fact_kinds_read, fact_texts,
                                  merged_facts_digest, stat_stamp, zone_probe)
from isolint.engine.checker import CheckResult, collector_paused, load_source
from isolint.engine.discovery import SettingsResolver, SourceEntry, iter_source_files
from isolint.engine.pool import Outcome, StickyWorkers
from isolint.engine.project import ProjectIndex
from isolint.engine.selection import indexers_read_by, token_scan


@dataclass
class LintRun:
    results: list[CheckResult] = field(default_factory=list)
    config_errors: list[ConfigError] = field(default_factory=list)
    #: things the user should know that did not stop the run (a cache folder refused, …)
    warnings: list[str] = field(default_factory=list)
    #: files whose results came from the cache / were checked this time
    cached_files: int = 0
    checked_files: int = 0
    _projects: dict[Path, ProjectIndex] = field(default_factory=dict, repr=False)
    #: files whose facts are not yet in their project (``projects`` writes them when first read)
    _unindexed: list[QueuedFile] = field(default_factory=list, repr=False)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def projects(self) -> dict[Path, ProjectIndex]:
        """Every project of the run with every file's facts. A run whose files all come from the
        cache compares fact digests without the facts (``cache.merged_facts_digest``): they are
        decoded and indexed only if something reads them (a file checked again, a report)."""
        if self._unindexed:
            unindexed, self._unindexed = self._unindexed, []
            for item in unindexed:
                self._projects[item.root].update(item.source.rel_path, item.facts)
        return self._projects


def collect_files(paths: list[Path], overrides: dict[str, Any] | None = None,
                  warnings: list[str] | None = None) -> tuple[list[SourceEntry], list[ConfigError]]:
    """The files to check under ``paths``; what discovery skipped with a reason is appended to
    ``warnings``."""
    resolver = SettingsResolver(overrides)
    files = list(iter_source_files(paths, resolver, warnings.append if warnings is not None else None))
    unique_errors = {(str(e.path), e.line, e.key, e.message): e for e in resolver.errors}
    return files, list(unique_errors.values())


@dataclass
class QueuedFile:
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
    outcome: Outcome | None = None
    #: another file of a project the run checks part of: indexed for its facts, not reported
    context: bool = False
    #: the file's ``cache.stat_stamp`` when it was read (None: hash it next time too)
    stamp: list[int] | None = None
    #: ``cache.zone_probe``, taken before the file's zone was computed
    zone_probe: list[Any] | None = None
    #: ``cache.fact_texts`` of ``facts``, made once (the digests and the new entry read them)
    _texts: tuple[Any, dict[str, str]] | None = None

    @property
    def root(self) -> Path:
        return self.source.settings.root

    def fact_texts(self, facts: Any = None) -> dict[str, str]:
        """``cache.fact_texts`` of ``facts`` (default: the file's), computed once per facts object."""
        facts = self.facts if facts is None else facts
        if self._texts is None or self._texts[0] is not facts:
            self._texts = (facts, fact_texts(facts))
        return self._texts[1]

    def cached_result(self) -> CheckResult:
        assert self.entry is not None
        zone = self.entry.decoded_zone()
        if zone is not None:
            self.source.zone = zone
        parse_error = Finding.from_json(self.entry.parse_error) if self.entry.parse_error else None
        return CheckResult(self.source, self.entry.decoded_findings(), parse_error, self.entry.facts)


class _FactDigests:
    """Digest of each fact kind's merged view per project (``cache.merged_facts_digest``: of
    the facts every queued file holds, as a cache entry keeps them), computed once per run."""

    def __init__(self, queue: list[QueuedFile], projects: dict[Path, ProjectIndex]) -> None:
        self._queue = queue
        self._kinds = {root: {indexer.name for indexer in project.indexers} for root, project in projects.items()}
        self._memo: dict[Path, _KindDigests] = {}

    def get(self, root: Path, kind: str) -> str:
        return self.of(root)[kind]

    def of(self, root: Path) -> dict[str, str]:
        """One project's digests by kind, each computed when first asked for."""
        by_kind = self._memo.get(root)
        if by_kind is None:
            texts: dict[str, list[tuple[str, str]]] = {kind: [] for kind in self._kinds[root]}
            for item in self._queue:
                if item.root == root and item.facts:
                    for kind, text in item.fact_texts().items():
                        if kind in texts:  # what the project indexes (``ProjectIndex.update``)
                            texts[kind].append((item.source.rel_path, text))
            by_kind = self._memo[root] = _KindDigests(texts)
        return by_kind


class _KindDigests(dict):
    def __init__(self, texts: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__()
        self._texts = texts

    def __missing__(self, kind: str) -> str:
        digest = self[kind] = merged_facts_digest(self._texts.get(kind, ()))
        return digest


def check_paths(paths: list[Path], overrides: dict[str, Any] | None, jobs: int | None, cache: bool,
                all_facts: bool, stdin: tuple[Path, str] | None = None) -> LintRun:
    """Check every file under ``paths`` (see ``api.lint_paths``); ``stdin`` is (path, text): that
    text checked as the file at path, instead of ``paths``."""
    with collector_paused():  # what the run holds from here to its end: no garbage to look for
        run, queue, caches = _queue_files(paths, overrides, cache, all_facts, stdin)
        if gc.get_freeze_count():
            # The process froze its heap (the command line, ``cli.common.prepare_engine``): the
            # queue, the cache's entries and the projects join it before the collector resumes.
            # Left to it, a warm run's full collections walked them twice (a quarter of its
            # time after the imports).
            gc.freeze()
    workers = _index_phase(queue, run, jobs)
    digests = _FactDigests(queue, run._projects)
    to_check = _reuse_cached(queue, digests, run)
    if to_check:
        run.projects  # every file's facts indexed before the check phase reads them (in this process or forked)
    _check_phase(queue, to_check, workers)
    _collect(queue, digests, run)
    _save_caches(caches, paths, queue, run)
    _sort_results(run.results)
    return run


def _queue_files(paths: list[Path], overrides: dict[str, Any] | None, cache: bool, all_facts: bool,
                 stdin: tuple[Path, str] | None) -> tuple[LintRun, list[QueuedFile], dict[int, ResultCache]]:
    """The run's files discovered, read or answered by their cache entries, and queued."""
    warnings: list[str] = []
    resolver = SettingsResolver(overrides)
    if stdin is not None:
        paths = []  # only the project of the file named matters
        targets = [SourceEntry(stdin[0], resolver.for_path(stdin[0]))]
    else:
        targets = list(iter_source_files(paths, resolver, warnings.append))
    context = _project_context(paths, targets, resolver, warnings)
    unique_errors = {(str(e.path), e.line, e.key, e.message): e for e in resolver.errors}
    run = LintRun(config_errors=list(unique_errors.values()), warnings=warnings)
    for entry in targets + context:
        if entry.settings.root not in run._projects:
            run._projects[entry.settings.root] = ProjectIndex(
                entry.settings, None if all_facts else indexers_read_by(entry.settings))
    caches: dict[int, ResultCache] = {}
    queue: list[QueuedFile] = []
    for entry in targets:
        text = stdin[1] if stdin is not None else None
        item = _load(entry, run._projects[entry.settings.root], caches if cache and text is None else None, text)
        if isinstance(item, CheckResult):
            run.results.append(item)
        else:
            queue.append(item)
    for entry in context:
        item = _load(entry, run._projects[entry.settings.root], caches if cache else None)
        if isinstance(item, QueuedFile):  # an unreadable file contributes nothing to the index
            item.context = True
            queue.append(item)
    return run, queue, caches


def _sort_results(results: list[CheckResult]) -> None:
    """By path relative to the root, then by path: the second key only where two projects
    share a relative path (formatting every path costs a warm run more than its sort)."""
    rels = [r.source.rel_path for r in results]
    if len(set(rels)) == len(rels):
        results.sort(key=lambda r: r.source.rel_path)
    else:
        results.sort(key=lambda r: (r.source.rel_path, str(r.source.path)))


def _project_context(paths: list[Path], targets: list[SourceEntry], resolver: SettingsResolver,
                     warnings: list[str]) -> list[SourceEntry]:
    """The other files of the projects the targets belong to, when ``paths`` do not cover a
    whole project (``isolint check one/file.py``): their facts go into the project index, so
    the cross-file rules judge the targets exactly as a full run does; they are not reported."""
    given_folders = [os.path.realpath(p) for p in paths if p.is_dir()]
    roots = {entry.settings.root for entry in targets}
    partial = sorted(root for root in roots if not any(_covers(folder, str(root)) for folder in given_folders))
    if not partial:
        return []
    taken = {(entry.settings.root, _rel_of(entry)) for entry in targets}
    known = set(warnings)

    def warn(message: str) -> None:
        if message not in known:
            known.add(message)
            warnings.append(message)

    return [entry for entry in iter_source_files(partial, resolver, warn)
            if entry.settings.root in roots and (entry.settings.root, _rel_of(entry)) not in taken]


def _covers(folder: str, root: str) -> bool:
    return root == folder or root.startswith(folder.rstrip("/") + "/")


def _rel_of(entry: SourceEntry) -> str:
    return entry.rel_path if entry.rel_path is not None else relative_path(entry.path, entry.settings.root)


def _load(entry: SourceEntry, project: ProjectIndex, caches: dict[int, ResultCache] | None,
          text: str | None = None) -> QueuedFile | CheckResult:
    """A file read (or ``text`` given for it) and looked up in the cache; an unreadable file
    is its ISO002 result."""
    settings = entry.settings
    rel = _rel_of(entry)
    service = project.services.service_of(rel)
    language = entry.language or language_of(entry.path.name)
    result_cache = None
    if caches is not None:
        result_cache = caches.get(id(settings))  # one Settings object per config: id is stable here
        if result_cache is None:
            result_cache = caches[id(settings)] = ResultCache(settings, (i.name for i in project.indexers),
                                                                 layout=project.services.fingerprint())
        if text is None:
            unchanged = _unchanged(entry, rel, language, service, result_cache)
            if unchanged is not None:
                return unchanged
    stamp = None
    # before the zone is computed: a unit tier created in between makes the probe disagree
    probe = zone_probe(settings.root, rel) if result_cache is not None else None
    try:
        if text is None:
            raw, info = read_regular_with_stat(entry.path, MAX_FILE_BYTES)
            source, stamp = source_from_bytes(entry.path, raw, settings, language, service, rel), stat_stamp(info)
        else:
            raw = text.encode("utf-8", "surrogatepass")
            source = SourceFile.from_text(entry.path, text, settings, language, service, rel_path=rel)
            source.adopt_raw(raw)
    except (OSError, UnreadableSource):
        return load_source(entry.path, settings, service)  # an ISO002 finding with the reason
    item = QueuedFile(source, raw, stamp=stamp, zone_probe=probe)
    if result_cache is not None:
        item.cache = result_cache
        content = (result_cache.digest_by_stamp(rel, stamp) or "").split("@", 1)[0] or content_digest(raw)
        # a path's zone can change with the tree around it (a `unit/` folder created beside a
        # tests/ tier): an entry is only good for the zone it was computed in
        item.digest = f"{content}@{source.zone.value}"
        item.entry = result_cache.get(rel, item.digest)
        if item.entry is not None:
            item.facts = item.entry.facts
            result_cache.restamp(rel, stamp, probe)
    return item


def _unchanged(entry: SourceEntry, rel: str, language: Language | None, service: str | None,
               result_cache: ResultCache) -> QueuedFile | None:
    """A file whose stat stamp (``cache.stat_stamp``) is the one its cache entry recorded, in
    the zone it was checked in: queued with that entry without reading or hashing it (its text
    is read only if something asks for it: ``UnreadSourceFile``)."""
    try:
        stamp = stat_stamp(os.stat(entry.fs_path or entry.path))
    except OSError:
        return None
    found = result_cache.unchanged(rel, stamp)
    if found is None:
        return None
    cached, zone = found
    source = UnreadSourceFile.from_text(entry.path, None, entry.settings, language, service,  # type: ignore[arg-type]
                                        rel_path=rel, zone=zone)
    if zone is None and cached.digest != f"{cached.digest.partition('@')[0]}@{source.zone.value}":
        return None  # classified again (a unit tier came or went): another zone, another verdict
    return QueuedFile(source, b"", digest=cached.digest, cache=result_cache, entry=cached, facts=cached.facts,
                      stamp=stamp)


def _index_phase(queue: list[QueuedFile], run: LintRun, jobs: int | None) -> StickyWorkers:
    """Phase 1 on the workers: every file the cache did not answer is admitted there (the fact
    kinds its rules read, the indexers that want it: work on every file, so not serial in this
    process), then checked completely, indexed, or left for phase 2. Every file's facts
    (extracted or cached) are then due in its project (``LintRun.projects``). A context file
    (``_project_context``) is only indexed."""
    phase1 = [item for item in queue if item.entry is None]
    workers = StickyWorkers([item.source for item in queue], run._projects, jobs, len(phase1))
    position = {id(item): index for index, item in enumerate(queue)}
    outputs = workers.phase1([(position[id(item)], item.context, len(item.source.raw)) for item in phase1])
    for item, (kinds, output) in zip(phase1, outputs):
        item.kinds = kinds
        if isinstance(output, Outcome):
            item.outcome = output
            item.facts = output.facts
        elif output is not None:
            item.facts = output
            item.indexed = True
    run._unindexed = [item for item in queue if item.facts]
    return workers


def _reuse_cached(queue: list[QueuedFile], digests: _FactDigests, run: LintRun) -> list[QueuedFile]:
    """Cached verdicts whose facts are unchanged go into ``run``; returns the files to check."""
    to_check: list[QueuedFile] = []
    # entries read from one cache file share their digest sets (``cache._entries_of``): each
    # set is compared once per project; the sets stay alive (in their entries) through the loop
    verdicts: dict[tuple[Path, int], bool] = {}
    for item in queue:
        if item.outcome is not None or item.context:
            continue
        unchanged = False
        if item.entry is not None:
            recorded = item.entry.fact_digests
            unchanged = verdicts.get((item.root, id(recorded)))
            if unchanged is None:
                unchanged = verdicts[item.root, id(recorded)] = _facts_unchanged(recorded, digests.of(item.root))
        if unchanged:
            run.results.append(item.cached_result())
            run.cached_files += 1
            continue
        if item.entry is not None:  # checked again: its new entry must name the kinds it reads
            item.kinds = fact_kinds_read(item.source, token_scan(item.source), run.projects[item.root])
        to_check.append(item)
    return to_check


def _facts_unchanged(recorded: dict[str, str], current: dict[str, str]) -> bool:
    for kind, digest in recorded.items():
        if current[kind] != digest:
            return False
    return True


def _check_phase(queue: list[QueuedFile], to_check: list[QueuedFile], workers: StickyWorkers) -> None:
    """Phase 2: facts already extracted (phase 1 or the cache) are passed on, so no indexer
    runs twice."""
    position = {id(item): index for index, item in enumerate(queue)}
    updates = [(item.root, item.source.rel_path, item.facts) for item in queue if item.facts]
    work = [(position[id(item)], item.facts if (item.indexed or item.entry is not None) else None,
             len(item.source.raw))
            for item in to_check]
    for item, outcome in zip(to_check, workers.phase2(updates, work)):
        item.outcome = outcome


def _collect(queue: list[QueuedFile], digests: _FactDigests, run: LintRun) -> None:
    for item in queue:
        if item.outcome is None:
            continue
        run.checked_files += 1
        result = item.outcome.apply_to(item.source)
        run.results.append(result)
        if item.cache is not None:
            item.cache.put(item.source.rel_path, CacheEntry(
                item.digest, [f.to_json() for f in result.findings], item.fact_texts(result.facts),
                {kind: digests.get(item.root, kind) for kind in item.kinds},
                item.source.zone.value, result.parse_error.to_json() if result.parse_error else None, item.stamp,
                item.zone_probe,
            ))


def _save_caches(caches: dict[int, ResultCache], paths: list[Path], queue: list[QueuedFile], run: LintRun) -> None:
    """Saved; a run over a whole project root forgets the entries of files that are gone. A
    cache folder that was refused becomes a warning of the run."""
    given = {os.path.realpath(p) for p in paths}
    for result_cache in caches.values():
        if str(result_cache.root) in given:
            result_cache.retain({item.source.rel_path for item in queue if item.cache is result_cache})
        result_cache.save()
        if result_cache.refusal is not None and result_cache.refusal not in run.warnings:
            run.warnings.append(result_cache.refusal)
