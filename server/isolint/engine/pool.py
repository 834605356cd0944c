"""The CLI's worker processes: the two phases of a run on the same processes; a file indexed in
phase 1 is checked in phase 2 by the worker that indexed it where it can, which keeps its tree
in between (within a budget: none by default, see ``TREE_BUDGET_BYTES``) so that it is not
parsed twice.

Workers are forked (they inherit the loaded sources and the project indexes without pickling);
where fork is unavailable or unsafe (Windows, macOS), or the run is small, the one "worker" is
this process. Results do not depend on the number of workers nor on timing.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isolint.core.model import Finding, Zone
from isolint.core.source import SourceFile
from isolint.engine.cache import fact_kinds_read
from isolint.engine.checker import CheckResult, check_source, collector_paused, index_source
from isolint.engine.project import ProjectIndex
from isolint.engine.runners import runner_for
from isolint.engine.selection import token_scan

#: below this many files to parse, worker processes cost more than they save
PARALLEL_THRESHOLD = 48
#: Python trees kept between the phases, estimated at 31 bytes of tree per byte of source (as
#: measured with tracemalloc on Skyvern's files: 400 files, 2.9 MB → 92 MB; ≈ 1.2 KB per
#: line), so that the budget bounds the memory they hold across all workers; a file beyond it
#: is parsed again in phase 2. None are kept: on Skyvern a budget of 64 MB kept 87 trees (of
#: the ≈ 560 files parsed in both phases) and cost 42 MB of the process tree's peak summed PSS
#: (298 MB against 256 MB, 32 MB of budget 280 MB) for no CPU time measurable on a loaded
#: machine (29.0 s against 29.2 s; docs/performance.md): kept trees fragment the workers'
#: heaps more than they save in parsing. A file indexed in phase 1 is still known to parse,
#: which lets phase 2 rule it out before parsing it again (``check_source``'s ``parses``).
TREE_BUDGET_BYTES = 0
TREE_BYTES_PER_SOURCE_BYTE = 31

#: each worker's share of a phase is sent in about this many chunks; a worker that has done its
#: own takes the last chunks of the others, so the phase ends when the last chunk does
CHUNKS_PER_WORKER = 24

#: phase 1 item: (source index, only indexed for context?, size); phase 2: (source index, known facts, size)
WorkItem = tuple[int, Any, int]


@dataclass
class Outcome:
    """What a worker sends back: everything of a CheckResult except the (large) source."""

    findings: list[Finding]
    parse_error: Finding | None
    facts: dict[str, Any]
    crashed_rules: list[str]
    zone: Zone

    @classmethod
    def of(cls, result: CheckResult, source: SourceFile) -> Outcome:
        return cls(result.findings, result.parse_error, result.facts, result.crashed_rules, source.zone)

    def apply_to(self, source: SourceFile) -> CheckResult:
        source.zone = self.zone
        return CheckResult(source, self.findings, self.parse_error, self.facts, self.crashed_rules)


class StickyWorkers:
    """Files are shared out to the least loaded worker by size, in order, and sent in chunks; a
    worker done with its own share takes the last chunks of another's, so that neither waits
    for the other at the end of a phase. A file's result does not depend on the worker that
    produces it. The worker that indexed a file checks it in phase 2, after receiving every
    file's facts; it keeps the file's tree in between only within ``TREE_BUDGET_BYTES`` (none by
    default)."""

    def __init__(self, sources: list[SourceFile], projects: dict[Path, ProjectIndex], jobs: int | None,
                 phase1_size: int) -> None:
        self.sources = sources
        self.projects = projects
        jobs = jobs or os.cpu_count() or 1
        if jobs <= 1 or phase1_size < PARALLEL_THRESHOLD or not can_fork():
            jobs = 1
        else:
            jobs = min(jobs, phase1_size // (PARALLEL_THRESHOLD // 2) or 1)
        self.jobs = jobs
        self.owner: dict[int, int] = {}
        self.load = [0] * jobs
        self.local = TreeKeeper(sources, projects, TREE_BUDGET_BYTES) if jobs == 1 else None
        self.connections: list = []
        if self.local is None:
            self._fork()

    def _fork(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        # The sources and project indexes are shared with the workers copy-on-write; frozen, the
        # workers' collections do not write to (and so copy) every inherited object's header.
        gc.collect()
        thaw = gc.get_freeze_count() == 0  # a heap the command line froze stays frozen (asked once)
        gc.freeze()
        for _ in range(self.jobs):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_worker_loop, daemon=True,
                                      args=(child_end, self.sources, self.projects, TREE_BUDGET_BYTES // self.jobs))
            process.start()
            child_end.close()
            self.connections.append((process, parent_end))
        if thaw:
            gc.unfreeze()

    def _assign(self, index: int, size: int) -> int:
        worker = self.owner.get(index)
        if worker is None:
            worker = self.owner[index] = min(range(self.jobs), key=self.load.__getitem__)
            self.load[worker] += size + 1
        return worker

    def _run(self, phase: int, items: list[WorkItem], updates: Any = None) -> list:
        if self.local is not None:
            try:
                return [self.local.run(phase, index, argument) for index, argument, _ in items]
            finally:
                if phase == 2:
                    self.local.release()
        from multiprocessing.connection import wait  # not imported by a run without workers (a warm one)

        queues: list[deque[tuple[int, int, Any, int]]] = [deque() for _ in range(self.jobs)]
        for slot, (index, argument, size) in enumerate(items):
            queues[self._assign(index, size)].append((slot, index, argument, size))
        chunk_bytes = sum(size + 1 for _, _, size in items) // (self.jobs * CHUNKS_PER_WORKER) + 1
        results: list = [None] * len(items)
        waiting: dict[Any, tuple[int, list[int]]] = {}
        for worker, (_, connection) in enumerate(self.connections):
            self._send(worker, connection, phase, queues, chunk_bytes, waiting, updates)
        while waiting:
            for connection in wait(list(waiting)):
                worker, slots = waiting.pop(connection)
                for slot, value in zip(slots, self._receive(connection)):
                    results[slot] = value
                self._send(worker, connection, phase, queues, chunk_bytes, waiting)
        return results

    def _send(self, worker: int, connection: Any, phase: int, queues: list[deque], chunk_bytes: int,
              waiting: dict, updates: Any = None) -> None:
        """The worker's next chunk: its own files in order, else the last files of the worker
        with the most left (files stolen in phase 1 are then the thief's in phase 2)."""
        own = queues[worker]
        if own:
            source, take = own, own.popleft
        else:
            source = max(queues, key=len)
            take = source.pop
        chunk: list[tuple[int, int, Any]] = []
        taken = 0
        while source and taken < chunk_bytes:
            slot, index, argument, size = take()
            chunk.append((slot, index, argument))
            taken += size + 1
            if phase == 1:
                self.owner[index] = worker
        if chunk:  # phase 2's first chunk brings every file's facts
            connection.send((phase, [(index, argument) for _, index, argument in chunk], updates))
            waiting[connection] = (worker, [slot for slot, _, _ in chunk])

    @staticmethod
    def _receive(connection) -> list:
        try:
            status, payload = connection.recv()
        except EOFError:
            raise RuntimeError("an isolint worker process died") from None
        if status != "ok":
            raise RuntimeError(f"an isolint worker failed:\n{payload}")
        return payload

    def phase1(self, items: list[WorkItem]) -> list[tuple[tuple[str, ...], Outcome | dict[str, Any] | None]]:
        """(source index, only indexed for context?, size) → (the fact kinds the file's rules
        read, and an Outcome when it was checked completely, its facts when it was indexed,
        None when phase 1 had nothing to do with it)."""
        return self._run(1, items)

    def phase2(self, updates: list[tuple[Path, str, dict]], items: list[WorkItem]) -> list[Outcome]:
        """Every file's facts, then (source index, known facts, size) → an Outcome. Ends the workers."""
        try:
            return self._run(2, items, updates)
        finally:
            for process, connection in self.connections:
                try:
                    connection.send(None)  # a worker also holds the others' pipes: no end of file
                except OSError:
                    pass
                connection.close()
                process.join()


class TreeKeeper:
    """One worker's share of a run: indexes, keeps trees for phase 2, checks."""

    def __init__(self, sources: list[SourceFile], projects: dict[Path, ProjectIndex], budget: int) -> None:
        self.sources = sources
        self.projects = projects
        self.budget = budget
        self.trees: dict[int, Any] = {}
        #: files whose text the index phase parsed (kept tree or not)
        self.parses: set[int] = set()
        self.frozen = False
        #: thaw the heap after the trees are let go only when nothing else froze it (the
        #: command line does); asked once: the count walks the whole frozen generation
        self.thaw = gc.get_freeze_count() == 0

    def run(self, phase: int, index: int, argument: Any) -> Any:
        source = self.sources[index]
        done = True
        try:
            if phase == 2:
                return self.phase2(index, argument)
            kinds, output = self.phase1(index, argument)
            done = argument or isinstance(output, Outcome)  # a context file, or checked completely
            return kinds, output
        finally:
            source.release()  # a file waiting for phase 2 makes its text again then
            if done:
                # its content verdicts (token scan, admission answers) serve only a later phase
                # in this process: kept to the end of the run, OpenHands' held 9 MB (36 MB of
                # live objects in one process after phase 2 instead of 27 MB)
                source.scratch.clear()

    def phase1(self, index: int, context: bool) -> tuple[tuple[str, ...], Outcome | dict[str, Any] | None]:
        """Admit the file, then: no facts read by its rules (and not a context file) — check it
        completely; else, when an indexer wants it, extract its facts (keeping the tree for
        phase 2 within the budget)."""
        source = self.sources[index]
        project = self.projects[source.settings.root]
        scan = token_scan(source)
        kinds = () if context else fact_kinds_read(source, scan, project)
        if not (kinds or context):
            return kinds, Outcome.of(check_source(source, project, update_project=False), source)
        if not project.indexers_for(source, scan):
            return kinds, None
        cost = len(source.raw) * TREE_BYTES_PER_SOURCE_BYTE
        # The collector resumes only once the tree is frozen or gone: resumed while the tree
        # is alive, its first collection would traverse every node of it.
        with collector_paused():
            keep: list = []
            index_source(source, project, keep)  # in a forked worker this updates the worker's own copy
            if keep:
                self.parses.add(index)
            if keep and 0 < cost <= self.budget and runner_for(source.language).keeps_tree:
                self.trees[index] = keep[0]
                self.budget -= cost
                # A kept tree is a million long-lived objects that hold no cycle: left to the
                # collector, every full collection of the run would traverse all kept trees
                # (measured: +25 % CPU). Frozen, they are skipped until ``release``.
                gc.freeze()
                self.frozen = True
            del keep
        return kinds, project.file_facts(source.rel_path)

    def release(self) -> None:
        self.trees.clear()
        self.parses.clear()
        if self.frozen and self.thaw:
            gc.unfreeze()
        self.frozen = False

    def phase2(self, index: int, known: Any) -> Outcome:
        source = self.sources[index]
        result = check_source(source, self.projects[source.settings.root], update_project=False,
                              known_facts=known, parsed=self.trees.pop(index, None), parses=index in self.parses)
        return Outcome.of(result, source)


def _worker_loop(connection, sources: list[SourceFile], projects: dict[Path, ProjectIndex], budget: int) -> None:
    """A forked worker: chunks of phase 1, then of phase 2 (the first bringing the facts the
    parent merged), until the parent closes the connection."""
    keeper = TreeKeeper(sources, projects, budget)
    try:
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            if message is None:
                return
            phase, batch, updates = message
            try:
                if updates is not None:
                    for root, rel_path, facts in updates:
                        projects[root].update(rel_path, facts)
                connection.send(("ok", [keeper.run(phase, index, argument) for index, argument in batch]))
            except Exception:  # noqa: BLE001 - reported to the parent, which raises
                connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()
        os._exit(0)


def can_fork() -> bool:
    """Forked workers inherit the parsed-free work list for free; where fork is unavailable or
    unsafe (Windows, macOS) the run stays in-process rather than pickling every source."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")
