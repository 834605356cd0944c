"""``isolint server``: the language server (pygls 2.x), over stdio or TCP.

The handlers below only translate between LSP and the engine; the work happens in
:mod:`isolint.lsp.scheduler` (per-document analysis off the event loop),
:mod:`isolint.lsp.projects` (settings and facts per workspace folder),
:mod:`isolint.lsp.code_actions` and :mod:`isolint.lsp.hover`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from isolint import __version__
from isolint.core.config import CONFIG_FILE_NAMES
from isolint.core.model import Finding, Language
from isolint.core.source import SourceFile, language_of
from isolint.lsp import code_actions as actions
from isolint.lsp.analysis import Outcome, Snapshot, check_file, index_file
from isolint.lsp.convert import (
    SOURCE,
    PositionCodec,
    diagnostic_json,
    finding_from_data,
    split_lines,
    to_diagnostic,
)
from isolint.lsp.documents import Document, DocumentStore, path_of
from isolint.lsp.hover import hover_text
from isolint.lsp.projects import Folder, Projects
from isolint.lsp.scheduler import DocumentState, Scheduler
from isolint.lsp.settings import RUN_ON_SAVE, SECTION, EditorSettings, parse_editor_settings, unwrap

log = logging.getLogger(__name__)

APPLY_FIX, FIX_ALL, SHOW_DEBUG_INFO = "isolint.applyFix", "isolint.fixAll", "isolint.showDebugInfo"
WATCHER_ID = "isolint-watched-files"
CONFIG_GLOBS = tuple(f"**/{name}" for name in CONFIG_FILE_NAMES)
SOURCE_GLOBS = ("**/*.{py,pyi,pyw}", "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}", "**/.env*", "**/*.env")
WORKSPACE_BATCH = 32


class IsolintProtocol(LanguageServerProtocol):
    """pygls' protocol without pygls' own copy of the open documents.

    The server keeps its own (:mod:`isolint.lsp.documents`). pygls' copy would double the work
    of every keystroke (it rebuilds the whole text per change) and, worse, corrupt the change
    the server then applies: its position conversion rewrites ``position.character`` in place
    when a column lies past the end of a line, and its lines also break at U+2028 and form
    feeds, so an edit on such a line — or a client sending a large column to mean "the end of
    the line", as the specification allows — reached the server moved.
    """

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


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
        # separate threads so a workspace scan never queues in front of a keystroke. pygls'
        # own pool reads stdin; it must never wait behind an analysis.
        self.checker = ThreadPoolExecutor(1, thread_name_prefix="isolint-check")
        self.background = ThreadPoolExecutor(1, thread_name_prefix="isolint-background")
        self.scheduler = Scheduler(self.checker, self.snapshot_of, self.documents.get, self.on_result)
        self.config_errors_shown: dict[Path, str] = {}
        self.problems_shown: set[str] = set()
        self.workspace_cache: dict[Path, tuple[tuple, str, list[types.Diagnostic]]] = {}
        self.indexing: asyncio.Future | None = None
        self.initialization_settings: Any = {}

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
        language = document.language
        path = self.path_for(document)
        if language is None or path is None or not self.editor_for(document).enable:
            return None
        settings = self.projects.settings_for(path)
        project = self.projects.index_for(settings)
        self.sync_config_errors()
        return Snapshot(document.uri, path, document.text, document.version, language, settings, project,
                        self.projects.editor_for(path).baselined_findings)

    def source_of(self, document: Document) -> SourceFile | None:
        path = self.path_for(document)
        if path is None or document.language is None:
            return None
        settings = self.projects.settings_for(path)
        return SourceFile.from_text(path, document.text, settings, document.language)

    def schedule(self, document: Document) -> None:
        self.scheduler.request(document.uri)

    def on_result(self, document: Document, state: DocumentState, outcome: Outcome | None) -> None:
        if not self.pull:
            self.publish(document, state)
        if outcome is not None and outcome.changed_facts:
            self.recheck_readers(outcome.changed_facts, except_uri=document.uri)

    def diagnostics_of(self, document: Document, state: DocumentState | None) -> list[types.Diagnostic]:
        items = [to_diagnostic(f, document.lines, self.codec, document.uri, document.version)
                 for f in (state.findings if state else [])]
        if document.path is not None:
            items.extend(self.config_error_diagnostics(document.path.resolve(), document.lines))
        return items

    def publish(self, document: Document, state: DocumentState) -> None:
        """Push the document's diagnostics, serialised straight from plain JSON objects (see
        ``convert.diagnostic_json``: this runs on every keystroke)."""
        diagnostics = [diagnostic_json(f, document.lines, self.codec, document.uri, document.version)
                       for f in state.findings]
        if document.path is not None:
            diagnostics.extend(self.protocol._converter.unstructure(d)
                               for d in self.config_error_diagnostics(document.path.resolve(), document.lines))
        self.protocol._send_data({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": {
            "uri": document.uri, "version": document.version, "diagnostics": diagnostics}})

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

    # -- configuration -------------------------------------------------------------------------
    def config_error_diagnostics(self, config: Path, lines: list[str] | None = None) -> list[types.Diagnostic]:
        error = self.projects.errors.get(config)
        if error is None:
            return []
        if lines is None:
            try:
                lines = split_lines(config.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                lines = [""]
        line = min(max(error.line - 1, 0), len(lines) - 1)
        start = len(lines[line]) - len(lines[line].lstrip())
        range_ = types.Range(start=types.Position(line=line, character=self.codec.to_client_column(lines[line], start)),
                             end=types.Position(line=line, character=self.codec.units(lines[line])))
        key = f" `{error.key}`" if error.key else ""
        return [types.Diagnostic(
            range=range_, severity=types.DiagnosticSeverity.Error, source=SOURCE, code="config",
            message=f"Invalid isolint configuration{key}: {error.message}. The last valid settings stay in force.",
        )]

    def sync_config_errors(self) -> None:
        """Show each config file's error (or its recovery) once, where the error is."""
        current = {path: str(error) for path, error in self.projects.errors.items()}
        if current == self.config_errors_shown:
            return
        changed = {p for p in set(current) | set(self.config_errors_shown)
                   if current.get(p) != self.config_errors_shown.get(p)}
        self.config_errors_shown = current
        for config in changed:
            uri = from_fs_path(str(config)) or config.as_uri()
            document = self.documents.get(uri)
            if document is not None:
                self.schedule(document)
            elif not self.pull:
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                    uri=uri, diagnostics=self.config_error_diagnostics(config)))
            if config in current:
                self.show_problem(f"isolint: {current[config]}", types.MessageType.Warning)
        self.refresh_pull_clients()

    def show_problem(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        if message not in self.problems_shown:
            self.problems_shown.add(message)
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def set_editor_settings(self, global_raw: Any, per_folder: dict[str, Any] | None = None) -> bool:
        """Apply editor settings; True when they changed what is checked or how."""
        before = (self.projects.editor, {uri: f.editor for uri, f in self.projects.folders.items()})
        self.projects.editor = parse_editor_settings(global_raw)
        for problem in self.projects.editor.problems:
            self.show_problem(problem)
        for uri, raw in (per_folder or {}).items():
            folder = self.projects.folders.get(uri)
            if folder is not None:
                folder.editor = parse_editor_settings(raw) if raw is not None else None
                for problem in folder.editor.problems if folder.editor else ():
                    self.show_problem(problem)
        if before == (self.projects.editor, {uri: f.editor for uri, f in self.projects.folders.items()}):
            return False
        self.projects.invalidate()
        self.start_indexing()
        return True

    async def pull_configuration(self) -> bool:
        """Editor settings per workspace folder through ``workspace/configuration``."""
        folders = list(self.projects.folders.values())
        items = [types.ConfigurationItem(section=SECTION)]
        items += [types.ConfigurationItem(scope_uri=folder.uri, section=SECTION) for folder in folders]
        try:
            values = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except JsonRpcException as exc:  # a client that advertises the request but fails it
            log.warning("workspace/configuration failed: %s", exc)
            return False
        values = list(values or [])
        # A client without isolint settings answers null: initializationOptions stay in force,
        # and workspace/configuration values win key by key where present.
        global_raw = {**unwrap(self.initialization_settings), **unwrap(values[0] if values else None)}
        per_folder = {folder.uri: {**global_raw, **unwrap(value)} if value is not None else None
                      for folder, value in zip(folders, values[1:])}
        return self.set_editor_settings(global_raw, per_folder)

    def reload_configuration(self) -> None:
        self.projects.invalidate()
        self.sync_config_errors()
        self.start_indexing()
        self.recheck_all()

    # -- workspace folders and background indexing --------------------------------------------
    def add_folder(self, uri: str, name: str | None = None) -> None:
        path = path_of(uri)
        if path is not None:
            self.projects.folders[uri] = Folder(uri, path.resolve())

    def start_indexing(self) -> None:
        """Fill each project's facts from disk, in the background; open documents keep the
        facts of their (possibly unsaved) text and are re-checked when indexing ends."""
        from isolint.rules.registry import INDEXERS

        if not INDEXERS or not self.projects.folders:
            return
        open_paths = {d.path.resolve() for d in self.documents if d.path is not None}
        loop = asyncio.get_running_loop()

        def index_workspace() -> set[str]:
            changed: set[str] = set()
            for path, settings in self.projects.workspace_files():
                if path.resolve() in open_paths:
                    continue
                try:
                    changed |= index_file(path, settings, self.projects.index_for(settings))
                except Exception:
                    log.exception("indexing %s failed", path)
            return changed

        future = loop.run_in_executor(self.background, index_workspace)
        self.indexing = future

        def done(task: asyncio.Future) -> None:
            if task.cancelled() or task.exception() is not None or not task.result():
                return
            # Documents opened meanwhile may have had their (unsaved) facts overwritten from
            # disk, and readers of the new facts are stale: check every open document again.
            for document in self.documents:
                self.schedule(document)
            self.refresh_pull_clients()

        future.add_done_callback(done)

    def reindex_from_disk(self, path: Path) -> None:
        """A file changed outside the editor, or was closed with unsaved edits: its facts
        come from disk again."""
        from isolint.rules.registry import INDEXERS

        if not INDEXERS or language_of(path.name) is None:
            return
        settings = self.projects.settings_for(path)
        project = self.projects.index_for(settings)
        future = asyncio.get_running_loop().run_in_executor(self.background, index_file, path, settings, project)
        future.add_done_callback(lambda task: (not task.cancelled() and task.exception() is None and task.result()
                                               and self.recheck_readers(task.result())))

    # -- workspace diagnostics -----------------------------------------------------------------
    def disk_file_report(self, path: Path, settings, previous: dict[str, str]) -> types.WorkspaceDocumentDiagnosticReport:
        uri = from_fs_path(str(path)) or path.as_uri()
        project = self.projects.index_for(settings)
        try:
            stat = path.stat()
            baselined = self.projects.editor_for(path).baselined_findings
            key = (stat.st_mtime_ns, stat.st_size, settings.fingerprint(), project.generation, self.codec.encoding,
                   baselined, _stamp(settings.baseline_path))
        except OSError:
            key = ()
        cached = self.workspace_cache.get(path)
        if cached is None or cached[0] != key or not key:
            findings, lines = check_file(path, settings, project, self.projects.editor_for(path).baselined_findings)
            items = [to_diagnostic(f, lines, self.codec, uri, None) for f in findings]
            items.extend(self.config_error_diagnostics(path.resolve()) if path.name in CONFIG_FILE_NAMES else [])
            cached = (key, result_id_of(items), items)
            self.workspace_cache[path] = cached
        _, result_id, items = cached
        if previous.get(uri) == result_id:
            return types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=result_id, version=None)
        return types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=items, result_id=result_id, version=None)


def result_id_of(items: list[types.Diagnostic]) -> str:
    """Equal diagnostics, equal id: a client re-pulling unchanged results gets ``unchanged``."""
    blob = json.dumps([[d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                        d.code, d.message, d.severity] for d in items], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def create_server() -> IsolintLanguageServer:
    server = IsolintLanguageServer()
    _register(server)
    return server


def _register(server: IsolintLanguageServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: IsolintLanguageServer, params: types.InitializeParams) -> None:
        ls.codec = PositionCodec(str(ls.workspace.position_encoding or "utf-16"))
        ls.pull = ls.capability("text_document.diagnostic") is not None
        ls.support = actions.ClientSupport.of(params.capabilities)
        for folder in params.workspace_folders or ():
            ls.add_folder(folder.uri, folder.name)
        if not ls.projects.folders and (params.root_uri or params.root_path):
            ls.add_folder(params.root_uri or from_fs_path(params.root_path))
        ls.initialization_settings = params.initialization_options or {}
        if not ls.set_editor_settings(ls.initialization_settings):
            ls.start_indexing()
        log.info("initialized: encoding %s, %s diagnostics, %d folder(s)", ls.codec.encoding,
                 "pull" if ls.pull else "push", len(ls.projects.folders))

    @server.feature(types.INITIALIZED)
    async def initialized(ls: IsolintLanguageServer, params: types.InitializedParams) -> None:
        if ls.capability("workspace.did_change_watched_files.dynamic_registration"):
            from isolint.rules.registry import INDEXERS

            globs = CONFIG_GLOBS + (SOURCE_GLOBS if INDEXERS else ())
            watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in globs]
            registration = types.Registration(
                id=WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
            except JsonRpcException as exc:
                log.warning("could not register file watchers: %s", exc)
        if ls.capability("workspace.configuration") and await ls.pull_configuration():
            ls.recheck_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: IsolintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        document = ls.documents.open(params.text_document)
        ls.scheduler.forget(document.uri)
        ls.schedule(document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IsolintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        state = ls.scheduler.state(document.uri)
        for change in params.content_changes:
            state.follow(document.apply(change, ls.codec))
        document.version = params.text_document.version
        if ls.editor_for(document).run != RUN_ON_SAVE:
            ls.schedule(document)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: IsolintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        path = path_of(params.text_document.uri)
        if path is not None and path.name in CONFIG_FILE_NAMES:
            ls.reload_configuration()
        elif document is not None:
            ls.schedule(document)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: IsolintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        document = ls.documents.close(params.text_document.uri)
        ls.scheduler.forget(params.text_document.uri)
        if not ls.pull:
            keep = []
            if document is not None and document.path is not None:
                keep = ls.config_error_diagnostics(document.path.resolve())
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                                diagnostics=keep))
        if document is not None and document.path is not None:
            ls.reindex_from_disk(document.path)

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=True))
    async def document_diagnostic(ls: IsolintLanguageServer, params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        document = ls.documents.get(uri)
        if document is None:
            path = path_of(uri)
            items = ls.config_error_diagnostics(path.resolve()) if path is not None else []
        else:
            document, state = await _current(ls, uri)
            items = ls.diagnostics_of(document, state) if document is not None else []
        result_id = result_id_of(items)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(ls: IsolintLanguageServer, params: types.WorkspaceDiagnosticParams):
        return await _workspace_diagnostic(ls, params)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=True))
    async def code_action(ls: IsolintLanguageServer, params: types.CodeActionParams):
        document, state = await _current(ls, params.text_document.uri)
        if document is None or state is None:
            return None
        copy = Document(document.uri, document.text, document.version, document.language_id)
        source = ls.source_of(copy)
        if source is None:
            return None
        range_ = ls.codec.range_from_client(copy.lines, params.range)
        findings = actions.relevant_findings(state.findings, range_, params.context.diagnostics)
        project = ls.projects.index_for(source.settings)
        return await asyncio.get_running_loop().run_in_executor(
            ls.checker, actions.build_actions, copy, source, findings, list(state.findings),
            params.context.only, ls.codec, ls.support, project)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: IsolintLanguageServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        what, uri = data.get("action"), data.get("uri")
        if what not in (actions.FIX, actions.IGNORE, actions.FIX_ALL) or not isinstance(uri, str):
            return action
        document, state = await _current(ls, uri)
        if document is None or state is None:
            return action
        finding = finding_from_data(data)
        if data.get("version") != document.version and finding is not None:
            finding = _same_finding(finding, state.findings)  # the text moved on: find it again
            if finding is None:
                return action
        edit = await _edit_for(ls, document, what, finding)
        if edit is not None:
            action.edit = edit
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: IsolintLanguageServer, params: types.HoverParams):
        document, state = await _current(ls, params.text_document.uri)
        if document is None or state is None:
            return None
        source = ls.source_of(document)
        if source is None:
            return None
        position = ls.codec.from_client(document.lines, params.position)
        formats = ls.capability("text_document.hover.content_format") or [types.MarkupKind.PlainText]
        markdown = types.MarkupKind.Markdown in formats
        text = hover_text(state.findings, source, position, markdown)
        if text is None:
            return None
        kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
        return types.Hover(contents=types.MarkupContent(kind=kind, value=text))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: IsolintLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.capability("workspace.configuration"):
            changed = await ls.pull_configuration()
        else:
            changed = ls.set_editor_settings({**unwrap(ls.initialization_settings), **unwrap(params.settings)})
        if changed:
            ls.sync_config_errors()
            ls.recheck_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: IsolintLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [p for p in (path_of(change.uri) for change in params.changes) if p is not None]
        if any(path.name in CONFIG_FILE_NAMES for path in paths):
            ls.reload_configuration()
            return
        if any(change.type != types.FileChangeType.Changed for change in params.changes):
            for project in ls.projects.indexes():  # import resolution looks files up: forget them
                project.invalidate_files()
        for path in paths:
            if ls.documents.get(from_fs_path(str(path)) or "") is None:
                ls.reindex_from_disk(path)
        ls.workspace_cache.clear()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(ls: IsolintLanguageServer,
                                           params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed:
            ls.projects.folders.pop(folder.uri, None)
        for folder in params.event.added:
            ls.add_folder(folder.uri, folder.name)
        if ls.capability("workspace.configuration"):
            await ls.pull_configuration()  # an added folder's own editor settings
        ls.reload_configuration()

    @server.command(APPLY_FIX)
    async def apply_fix(ls: IsolintLanguageServer, *arguments: Any) -> dict[str, Any]:
        """Arguments: ``{"uri": ..., "finding": {...}}`` (a diagnostic's ``data`` works as is)."""
        data = arguments[0] if arguments and isinstance(arguments[0], dict) else {}
        finding = finding_from_data(data)
        uri = data.get("uri")
        if finding is None or not isinstance(uri, str):
            return {"applied": False, "reason": "expected {uri, finding}"}
        document, state = await _current(ls, uri)
        if document is None or state is None:
            return {"applied": False, "reason": "document not open"}
        current = _same_finding(finding, state.findings)
        if current is None:
            return {"applied": False, "reason": "the finding is gone"}
        return await _apply(ls, await _edit_for(ls, document, actions.FIX, current))

    @server.command(FIX_ALL)
    async def fix_all(ls: IsolintLanguageServer, *arguments: Any) -> dict[str, Any]:
        """Arguments: a document URI, or ``{"uri": ...}``."""
        argument = arguments[0] if arguments else None
        uri = argument.get("uri") if isinstance(argument, dict) else argument
        if not isinstance(uri, str):
            return {"applied": False, "reason": "expected a document URI"}
        document, _ = await _current(ls, uri)
        if document is None:
            return {"applied": False, "reason": "document not open"}
        return await _apply(ls, await _edit_for(ls, document, actions.FIX_ALL, None))

    @server.command(SHOW_DEBUG_INFO)
    async def show_debug_info(ls: IsolintLanguageServer, *arguments: Any) -> str:
        argument = arguments[0] if arguments else None
        uri = argument.get("uri") if isinstance(argument, dict) else argument
        text = debug_info(ls, uri if isinstance(uri, str) else None)
        ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=text))
        return text


async def _current(ls: IsolintLanguageServer, uri: str) -> tuple[Document | None, DocumentState | None]:
    """The document and its findings for its current text; re-awaits if the text changed
    while the answer was on its way back to this coroutine."""
    while True:
        state = await ls.scheduler.current(uri)
        document = ls.documents.get(uri)
        if document is None or state is None or state.done == state.wanted:
            return document, state


def _same_finding(finding: Finding, findings: Iterable[Finding]) -> Finding | None:
    """The current version of a finding listed for an older text (same rule, same message,
    nearest line)."""
    candidates = [f for f in findings if f.code == finding.code and f.message == finding.message]
    if not candidates:
        return None
    return min(candidates, key=lambda f: abs(f.range.start.line - finding.range.start.line))


async def _edit_for(ls: IsolintLanguageServer, document: Document, what: str, finding: Finding | None
                    ) -> types.WorkspaceEdit | None:
    """Build the edit off the event loop (libcst may be involved) on a copy of the text; an
    edit for a text that changed meanwhile is not returned."""
    copy = Document(document.uri, document.text, document.version, document.language_id)
    source = ls.source_of(copy)
    if source is None:
        return None
    project = ls.projects.index_for(source.settings)
    edits = await asyncio.get_running_loop().run_in_executor(
        ls.checker, actions.edits_for, what, finding, copy, source, project)
    if not edits or ls.documents.get(document.uri) is not document or document.version != copy.version:
        return None
    return actions.workspace_edit(copy, edits, ls.codec, ls.support)


async def _apply(ls: IsolintLanguageServer, edit: types.WorkspaceEdit | None) -> dict[str, Any]:
    if edit is None:
        return {"applied": False, "reason": "nothing to change"}
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="isolint"))
    return {"applied": bool(result and result.applied)}


async def _workspace_diagnostic(ls: IsolintLanguageServer, params: types.WorkspaceDiagnosticParams
                                ) -> types.WorkspaceDiagnosticReport:
    """Every workspace file, open ones from memory; progress and partial results when the
    client asks for them; unchanged files answered by result id."""
    loop = asyncio.get_running_loop()
    previous = {item.uri: item.value for item in params.previous_result_ids}
    token, partial = params.work_done_token, params.partial_result_token
    if ls.indexing is not None and not ls.indexing.done():
        await asyncio.shield(ls.indexing)  # cross-file rules need every file's facts first
    files = await loop.run_in_executor(ls.background, lambda: list(ls.projects.workspace_files()))
    open_uris = {d.uri for d in ls.documents}
    if token is not None:
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title="isolint: checking the workspace", percentage=0, cancellable=False))
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for document in ls.documents:
        state = ls.scheduler.states.get(document.uri)
        diagnostics = ls.diagnostics_of(document, state)
        result_id = result_id_of(diagnostics)
        if previous.get(document.uri) == result_id:
            items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(uri=document.uri, result_id=result_id,
                                                                          version=document.version))
        else:
            items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=document.uri, items=diagnostics,
                                                                     result_id=result_id, version=document.version))
    pending = [(p, s) for p, s in files if (from_fs_path(str(p)) or p.as_uri()) not in open_uris]
    try:
        for start in range(0, len(pending), WORKSPACE_BATCH):
            batch = pending[start:start + WORKSPACE_BATCH]
            reports = await loop.run_in_executor(
                ls.background, lambda batch=batch: [ls.disk_file_report(p, s, previous) for p, s in batch])
            if partial is not None:
                ls.progress(types.ProgressParams(
                    token=partial, value=types.WorkspaceDiagnosticReportPartialResult(items=reports)))
            else:
                items.extend(reports)
            if token is not None:
                done = start + len(batch)
                ls.work_done_progress.report(token, types.WorkDoneProgressReport(
                    message=f"{done}/{len(pending)} files", percentage=int(100 * done / max(len(pending), 1))))
    finally:
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    return types.WorkspaceDiagnosticReport(items=items)


def debug_info(ls: IsolintLanguageServer, uri: str | None) -> str:
    import platform

    lines = [f"isolint {__version__} (Python {platform.python_version()}, {sys.executable})",
             f"position encoding: {ls.codec.encoding}; diagnostics: {'pull' if ls.pull else 'push'}",
             f"workspace folders: {', '.join(str(f.path) for f in ls.projects.folders.values()) or '(none)'}",
             f"open documents: {len(list(ls.documents))}"]
    for config in sorted(ls.projects.config_files):
        error = ls.projects.errors.get(config)
        lines.append(f"config file: {config}" + (f" (BROKEN, last good settings in force: {error})" if error else ""))
    document = ls.documents.get(uri) if uri else None
    if document is not None:
        source = ls.source_of(document)
        editor = ls.editor_for(document)
        lines.append(f"document: {uri} (version {document.version})")
        # a client that suspects its copy and the server's went apart can compare digests
        digest = hashlib.sha1(document.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        lines.append(f"  text: {len(document.lines)} lines, {len(document.text)} code points, sha1 {digest}")
        if source is not None:
            lines.append(f"  language: {source.language.value}; zone: {source.zone.value}; "
                         f"service: {ls.projects.index_for(source.settings).services.service_of(source.rel_path) or '-'}")
            lines.append(f"  project root: {source.settings.root}; config: {source.settings.config_path or '(none)'}")
        lines.append(f"  editor settings: enable={editor.enable} run={editor.run} overrides={dict(editor.overrides)}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="isolint server", description="Start the isolint language server.")
    parser.add_argument("--stdio", action="store_true", help="communicate over stdin/stdout (the default)")
    parser.add_argument("--tcp", action="store_true", help="listen on a TCP socket instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind with --tcp (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="port to listen on with --tcp (default: 2087)")
    parser.add_argument("--log-file", type=Path, help="write the server's log to this file (default: stderr)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.FileHandler(args.log_file, encoding="utf-8") if args.log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(args.log_level)
    server = create_server()
    try:
        if args.tcp:
            server.start_tcp(args.host, args.port)
        else:
            server.start_io()
    finally:
        server.checker.shutdown(wait=False, cancel_futures=True)
        server.background.shutdown(wait=False, cancel_futures=True)
    return 0


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """Modification time and size of a file (the baseline), None when absent."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat is not None else None
