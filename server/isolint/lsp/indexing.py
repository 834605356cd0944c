"""The workspace's cross-file facts, read from disk in the background.

Indexing runs on the server's background thread, file by file, and stops as soon as the server
is told to leave (``shutdown``, ``exit``, the client gone), so leaving never waits for a
workspace; it pauses while an open document is being analysed, between two files and at the
engine's checkpoints within one (:mod:`isolint.engine.checkpoints`). Open documents keep
the facts of their (possibly unsaved) text and are re-checked when indexing ends, so a file
opened meanwhile shows its single-file findings at once and its cross-file findings once the
index is complete.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from isolint.core.source import language_of
from isolint.engine.checkpoints import Superseded, checkpoints
from isolint.lsp.analysis import index_file

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

YIELD_SECONDS = 0.002


def _has_indexers() -> bool:
    from isolint.rules.registry import INDEXERS

    return bool(INDEXERS)


def index_workspace(ls: IsolintLanguageServer, open_paths: set[Path]) -> set[str]:
    """Index every workspace file not open in the editor; the fact kinds that changed."""
    changed: set[str] = set()
    indexed = 0
    log.info("indexing started: %d workspace folder(s)", len(ls.projects.folders))
    with checkpoints(lambda: _step_aside(ls)):
        for path, settings in ls.projects.workspace_files(ls.stopping):
            _yield_to_editor(ls)
            if ls.stopping.is_set():
                break
            if path.resolve() in open_paths:
                continue
            try:
                changed |= index_file(path, settings, ls.projects.index_for(settings))
            except Superseded:
                break  # the server is leaving
            except Exception:
                log.exception("indexing %s failed", path)
            indexed += 1
    if ls.stopping.is_set():
        log.info("indexing interrupted after %d files: the server is leaving", indexed)
    else:
        log.info("indexing done: %d files", indexed)
    return changed


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
    open_paths = {d.path.resolve() for d in ls.documents if d.path is not None}
    future = asyncio.get_running_loop().run_in_executor(ls.background, index_workspace, ls, open_paths)
    ls.indexing = future

    def done(task: asyncio.Future) -> None:
        if task.cancelled() or task.exception() is not None or not task.result() or ls.stopping.is_set():
            return
        # Documents opened meanwhile may have had their (unsaved) facts overwritten from
        # disk, and readers of the new facts are stale: check every open document again.
        for document in ls.documents:
            ls.schedule(document)
        ls.refresh_pull_clients()

    future.add_done_callback(done)


def reindex_from_disk(ls: IsolintLanguageServer, path: Path, after_analyses: bool = False) -> None:
    """A file changed outside the editor, or was closed with unsaved edits: its facts
    come from disk again.

    ``after_analyses`` (a document just closed): the re-index queues behind the analyses on
    the checker thread. An analysis of the closed document may still be running there (closing
    cancels only the wait for it); it writes the facts of the unsaved text when it finishes, and
    the facts from disk must come after, not before."""
    if not _has_indexers() or language_of(path.name) is None or ls.stopping.is_set():
        return
    settings = ls.projects.settings_for(path)
    project = ls.projects.index_for(settings)
    executor = ls.checker if after_analyses else ls.background
    future = asyncio.get_running_loop().run_in_executor(executor, index_file, path, settings, project)
    future.add_done_callback(lambda task: (not task.cancelled() and task.exception() is None and task.result()
                                           and ls.recheck_readers(task.result())))
