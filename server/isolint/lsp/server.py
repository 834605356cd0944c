"""The language server's state and the helpers every handler shares.

Handlers live by area — :mod:`~isolint.lsp.lifecycle`, :mod:`~isolint.lsp.sync`,
:mod:`~isolint.lsp.diagnostics`, :mod:`~isolint.lsp.code_actions`, :mod:`~isolint.lsp.hover`,
:mod:`~isolint.lsp.configuration`, :mod:`~isolint.lsp.commands` — and are registered from the
one table in :mod:`isolint.lsp.features`. The work happens in :mod:`isolint.lsp.scheduler`
(per-document analysis off the event loop), :mod:`isolint.lsp.indexing` (the workspace's facts)
and :mod:`isolint.lsp.projects` (settings and facts per workspace folder). Everything that
touches pygls beyond its public API is in :mod:`isolint.lsp.adapter`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from isolint import __version__
from isolint.core.model import Language
from isolint.core.source import SourceFile
from isolint.lsp import code_actions as actions
from isolint.lsp.adapter import IsolintProtocol
from isolint.lsp.analysis import Outcome, Snapshot
from isolint.lsp.convert import PositionCodec
from isolint.lsp.documents import Document, DocumentStore, path_of
from isolint.lsp.projects import Folder, Projects
from isolint.lsp.scheduler import DocumentState, Scheduler
from isolint.lsp.settings import EditorSettings

if TYPE_CHECKING:
    import asyncio

    from isolint.lsp.indexing import FactsProcess


class IsolintLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("isolint", __version__, protocol_cls=IsolintProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents = DocumentStore()
        self.projects = Projects()
        self.codec = PositionCodec(None)
        self.pull = False
        self.support = actions.ClientSupport(lazy_edits=False, document_changes=False)
        # Checks of open documents and background work (indexing, workspace diagnostics) get
        # separate threads so a workspace scan never queues in front of a keystroke; the
        # thread reading stdin never waits behind either.
        self.checker = ThreadPoolExecutor(1, thread_name_prefix="isolint-check")
        self.background = ThreadPoolExecutor(1, thread_name_prefix="isolint-background")
        self.scheduler = Scheduler(self.checker, self.snapshot_of, self.documents.get, self.on_result)
        #: set on ``shutdown``/``exit``: background loops stop between two files
        self.stopping = threading.Event()
        self.config_errors_shown: dict[Path, str] = {}
        self.problems_shown: set[str] = set()
        self.workspace_cache: dict[Path, tuple[tuple, str, list[types.Diagnostic]]] = {}
        self.indexing: asyncio.Future | None = None
        #: the process reading the workspace's facts while indexing runs (``indexing.FactsProcess``)
        self.facts_process: FactsProcess | None = None
        self.client_watch: asyncio.Task | None = None
        self.initialization_settings: Any = {}
        #: globs of the baseline files the client watches for the server (``watch_baselines``)
        self.baseline_globs: list[str] = []

    # -- capabilities --------------------------------------------------------------------------
    def capability(self, dotted: str) -> Any:
        value: Any = self.client_capabilities
        for part in dotted.split("."):
            value = getattr(value, part, None) if value is not None else None
        return value

    # -- documents -----------------------------------------------------------------------------
    def path_for(self, document: Document) -> Path | None:
        if document.path is not None:
            return document.path
        language = document.language
        if language is None:
            return None
        suffix = {Language.PYTHON: ".py", Language.TYPESCRIPT: ".ts", Language.DOTENV: ".env"}.get(language, "")
        name = document.uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "untitled"
        folder = next(iter(self.projects.folders.values()), None)
        return (folder.path if folder else Path.cwd()) / f"{name}{'' if name.endswith(suffix) else suffix}"

    def editor_for(self, document: Document) -> EditorSettings:
        return self.projects.editor_for(document.path)

    def snapshot_of(self, document: Document) -> Snapshot | None:
        from isolint.lsp.configuration import sync_config_errors

        language = document.language
        path = self.path_for(document)
        if language is None or path is None or not self.editor_for(document).enable:
            return None
        settings = self.projects.settings_for(path)
        project = self.projects.index_for(settings)
        sync_config_errors(self)
        parse = None
        if language is Language.PYTHON:
            if document.edited_parse is None:
                from isolint.engine.incremental_parse import EditedParse

                document.edited_parse = EditedParse()
            parse = document.edited_parse.parse
        return Snapshot(document.uri, path, document.text, document.version, language, settings, project,
                        self.projects.editor_for(path).baselined_findings, parse=parse)

    def source_of(self, document: Document) -> SourceFile | None:
        path = self.path_for(document)
        if path is None or document.language is None:
            return None
        settings = self.projects.settings_for(path)
        return SourceFile.from_text(path, document.text, settings, document.language)

    def schedule(self, document: Document) -> None:
        self.scheduler.request(document.uri)

    async def current(self, uri: str) -> tuple[Document | None, DocumentState | None]:
        """The document and its findings for its current text; re-awaits if the text changed
        while the answer was on its way back to this coroutine."""
        while True:
            state = await self.scheduler.current(uri)
            document = self.documents.get(uri)
            if document is None or state is None or state.done == state.wanted:
                return document, state

    def on_result(self, document: Document, state: DocumentState, outcome: Outcome | None) -> None:
        from isolint.lsp.diagnostics import publish

        if not self.pull:
            publish(self, document, state)
        if outcome is not None and outcome.changed_facts:
            self.recheck_readers(outcome.changed_facts, except_uri=document.uri)

    def recheck_readers(self, kinds: set[str], except_uri: str | None = None) -> None:
        """Re-check open documents whose rules read facts of these kinds."""
        rechecked = False
        for document in self.documents:
            state = self.scheduler.states.get(document.uri)
            if document.uri != except_uri and state is not None and state.reads_facts & kinds:
                self.schedule(document)
                rechecked = True
        if rechecked:
            self.refresh_pull_clients()

    def recheck_all(self) -> None:
        for document in self.documents:
            self.schedule(document)
        self.workspace_cache.clear()
        self.refresh_pull_clients()

    def refresh_pull_clients(self) -> None:
        if self.pull and self.capability("workspace.diagnostics.refresh_support"):
            self.workspace_diagnostic_refresh(None)

    def show_problem(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Show a message once per session (a problem met on every keystroke is shown once)."""
        if message not in self.problems_shown:
            self.problems_shown.add(message)
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # -- workspace folders ---------------------------------------------------------------------
    def add_folder(self, uri: str, name: str | None = None) -> None:
        path = path_of(uri)
        if path is not None:
            self.projects.folders[uri] = Folder(uri, path.resolve())

    def close_executors(self) -> None:
        """Interrupt indexing and workspace scans (they check ``stopping`` between files) and
        drop queued work, so leaving never waits for a workspace."""
        self.stopping.set()
        if self.facts_process is not None:
            self.facts_process.stop()
        self.checker.shutdown(wait=False, cancel_futures=True)
        self.background.shutdown(wait=False, cancel_futures=True)


def create_server() -> IsolintLanguageServer:
    from isolint.lsp.features import register

    server = IsolintLanguageServer()
    register(server)
    return server
