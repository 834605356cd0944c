"""The workspace's cross-file facts, read from disk in the background.

Beyond its first ``FILES_ON_THE_THREAD``, a workspace's files are read, parsed and their facts
extracted in a process of their own, started for the indexing at a lower scheduling priority
(``FactsProcess``): the analysis of the file the user types in runs on the server's threads,
which share one interpreter lock, and a parse holds that lock for its whole length — tens of
milliseconds for a large file — so indexing on a thread delays every keystroke it overlaps. The
server's background thread walks the workspace, sends the files in batches and writes the facts
that come back into each project's index. It stops as soon as the server is told to leave
(``shutdown``, ``exit``, the client gone), killing the process, so leaving never waits for a
workspace. The first files (all of a small workspace, whose indexing costs less than starting
the process), and all of them where no process can be started, are indexed on the background
thread, which pauses while an open document is analysed (between two files and at the
engine's checkpoints within one, :mod:`isolint.engine.checkpoints`).

Open documents keep the facts of their (possibly unsaved) text: whether a file is open is asked
when its facts are written, not when indexing starts, so a document opened meanwhile is never
given the facts on disk. Open documents are re-checked when indexing ends, so a file opened
meanwhile shows its single-file findings at once and its cross-file findings once the index is
complete.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections import deque
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from isolint.core.config import Settings
from isolint.core.source import language_of, relative_path
from isolint.engine.checkpoints import Superseded, checkpoints
from isolint.engine.project import ProjectIndex
from isolint.lsp.analysis import facts_on_disk

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

YIELD_SECONDS = 0.002


def _has_indexers() -> bool:
    from isolint.rules.registry import INDEXERS

    return bool(INDEXERS)


#: a workspace of this many files is indexed on the server's thread: starting the process
#: (importing the engine and the rules) costs more than their indexing
FILES_ON_THE_THREAD = 200
#: files per message to the facts process, and messages in flight (it never waits for the next)
BATCH_FILES = 16
BATCHES_IN_FLIGHT = 2
#: how much lower the facts process's scheduling priority is (``os.nice``): on a contended CPU
#: the analysis of a keystroke gets about three quarters of it, and indexing still progresses
#: on a machine busy with other work
NICENESS = 5


def index_workspace(ls: IsolintLanguageServer) -> set[str]:
    """Index every workspace file not open in the editor; the fact kinds that changed. The
    first ``FILES_ON_THE_THREAD`` on the background thread, the rest, if any, by a process."""
    log.info("indexing started: %d workspace folder(s)", len(ls.projects.folders))
    files = ((path, settings) for path, settings in ls.projects.workspace_files(ls.stopping)
             if not _is_open(ls, path))
    changed, indexed = _index_here(ls, islice(files, FILES_ON_THE_THREAD))
    rest = next(files, None)
    if rest is not None and not ls.stopping.is_set():
        try:
            process = FactsProcess()
        except (OSError, RuntimeError, ValueError) as exc:  # no processes here: go on on this thread
            log.info("indexing on the server's thread: %s", exc)
            more, more_indexed = _index_here(ls, chain([rest], files))
        else:
            ls.facts_process = process
            try:
                more, more_indexed = _index_in(process, ls, chain([rest], files))
            finally:
                ls.facts_process = None
                process.stop()
        changed |= more
        indexed += more_indexed
    if ls.stopping.is_set():
        log.info("indexing interrupted after %d files: the server is leaving", indexed)
    else:
        log.info("indexing done: %d files", indexed)
    return changed


def _index_in(process: "FactsProcess", ls: IsolintLanguageServer,
              files: Iterator[tuple[Path, Settings]]) -> tuple[set[str], int]:
    """Facts from the process, batch by batch, written into the projects' indexes here."""
    changed: set[str] = set()
    indexed = 0
    pending: deque[list[tuple[Path, Settings]]] = deque()
    while True:
        _yield_to_editor(ls)  # the walk and the writes below take this process's interpreter lock
        try:
            while len(pending) < BATCHES_IN_FLIGHT and not ls.stopping.is_set():
                batch = list(islice(files, BATCH_FILES))
                if not batch:
                    break
                process.send([(path, settings, ls.projects.index_for(settings).settings) for path, settings in batch])
                pending.append(batch)
            if not pending or ls.stopping.is_set():
                return changed, indexed
            answers = process.receive(ls.stopping)
        except (EOFError, OSError):  # killed: the server is leaving
            return changed, indexed
        batch = pending.popleft()
        _yield_to_editor(ls)
        for (path, settings), (facts, error) in zip(batch, answers):
            if error is not None:
                log.error("indexing %s failed: %s", path, error)
            else:
                changed |= _record(ls, path, settings, facts)
            indexed += 1


def _index_here(ls: IsolintLanguageServer, files: Iterator[tuple[Path, Settings]]) -> tuple[set[str], int]:
    changed: set[str] = set()
    indexed = 0
    with checkpoints(lambda: _step_aside(ls)):
        for path, settings in files:
            _yield_to_editor(ls)
            if ls.stopping.is_set():
                break
            try:
                changed |= _index_unless_open(ls, path, settings)
            except Superseded:
                break  # the server is leaving
            except Exception:
                log.exception("indexing %s failed", path)
            indexed += 1
    return changed, indexed


def _is_open(ls: IsolintLanguageServer, path: Path) -> bool:
    real_path = path.resolve()
    return any(document.real_path == real_path for document in ls.documents)


def _record(ls: IsolintLanguageServer, path: Path, settings: Settings, facts: dict | None) -> set[str]:
    """Write a file's facts read from disk, unless the file is open now: a document opened
    since indexing started (or since its file was read) keeps the facts of the editor's text,
    which its analysis writes. The fact kinds that changed."""
    if facts is None or _is_open(ls, path):
        return set()
    return ls.projects.index_for(settings).update(relative_path(path, settings.root), facts)


def _index_unless_open(ls: IsolintLanguageServer, path: Path, settings: Settings) -> set[str]:
    """Read a file's facts from disk and record them (``_record``); the fact kinds that changed."""
    return _record(ls, path, settings, facts_on_disk(path, settings, ls.projects.index_for(settings)))


class FactsProcess:
    """A process that reads files' facts (``analysis.facts_on_disk``) at a lower priority.

    Spawned, not forked: the server has threads, one of which may hold a lock a forked child
    would inherit held. It keeps a facts-free copy of each project's ``ProjectIndex``, made from
    the same settings (the indexers read its services, never its facts), so the facts equal
    those the server would extract itself."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), name="isolint-facts", daemon=True)
        self.process.start()
        child.close()
        log.info("indexing in process %d", self.process.pid)

    def send(self, batch: list[tuple[Path, Settings, Settings]]) -> None:
        """Files with their settings and their project's (whose index the facts go to)."""
        self.connection.send(batch)

    def receive(self, stopping: Any) -> list[tuple[dict | None, str | None]]:
        """The answers to the oldest batch sent; EOFError once the process is gone (or the
        server is leaving: the process is then killed)."""
        while not self.connection.poll(0.1):
            if stopping.is_set() or not self.process.is_alive():
                self.stop()
                raise EOFError
        return self.connection.recv()

    def stop(self) -> None:
        """Kill the process (it writes nothing: there is nothing to wait for)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(1)
        self.connection.close()


def _serve(connection: Any) -> None:
    """The facts process: answer batches of files until the server closes the connection."""
    os.dup2(2, 1)  # the server's stdout carries the protocol: nothing of this process goes there
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):
        pass
    indexes: dict[Path, ProjectIndex] = {}
    while True:
        try:
            batch = connection.recv()
        except (EOFError, OSError):
            return
        answers = []
        for path, settings, project_settings in batch:
            project = indexes.get(project_settings.root)
            if project is None or project.settings != project_settings:
                project = indexes[project_settings.root] = ProjectIndex(project_settings)
            try:
                answers.append((facts_on_disk(path, settings, project), None))
            except Exception as exc:  # reported by the server, whose log this process does not have
                answers.append((None, f"{type(exc).__name__}: {exc}"))
        try:
            connection.send(answers)
        except (EOFError, OSError):
            return


def _step_aside(ls: IsolintLanguageServer) -> None:
    """At each checkpoint of a file being indexed (between parse, indexers, functions): the
    file the user types in goes first, and a server told to leave abandons the file."""
    _yield_to_editor(ls)
    if ls.stopping.is_set():
        raise Superseded


def _yield_to_editor(ls: IsolintLanguageServer) -> None:
    """Wait while an open document is being analysed: the two threads share one interpreter
    lock, and the file the user just opened or typed in comes first."""
    while ls.scheduler.analysing and not ls.stopping.wait(YIELD_SECONDS):
        pass


def start_indexing(ls: IsolintLanguageServer) -> None:
    """Fill each project's facts from disk, in the background."""
    if not _has_indexers() or not ls.projects.folders or ls.stopping.is_set():
        return
    future = asyncio.get_running_loop().run_in_executor(ls.background, index_workspace, ls)
    ls.indexing = future

    def done(task: asyncio.Future) -> None:
        if task.cancelled() or task.exception() is not None or not task.result() or ls.stopping.is_set():
            return
        # Readers of the new facts are stale: check every open document again.
        for document in ls.documents:
            ls.schedule(document)
        ls.refresh_pull_clients()

    future.add_done_callback(done)


def reindex_from_disk(ls: IsolintLanguageServer, path: Path, after_analyses: bool = False) -> None:
    """A file changed outside the editor, or was closed with unsaved edits: its facts
    come from disk again, unless it is open (again) when they are recorded.

    ``after_analyses`` (a document just closed): the re-index queues behind the analyses on
    the checker thread. An analysis of the closed document may still be running there (closing
    cancels only the wait for it); it writes the facts of the unsaved text when it finishes, and
    the facts from disk must come after, not before."""
    if not _has_indexers() or language_of(path.name) is None or ls.stopping.is_set():
        return
    settings = ls.projects.settings_for(path)
    executor = ls.checker if after_analyses else ls.background
    future = asyncio.get_running_loop().run_in_executor(executor, _index_unless_open, ls, path, settings)
    future.add_done_callback(lambda task: (not task.cancelled() and task.exception() is None and task.result()
                                           and ls.recheck_readers(task.result())))
