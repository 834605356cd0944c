"""Diagnostics, pushed (``publishDiagnostics``), pulled per document (``textDocument/diagnostic``)
and pulled for the whole workspace (``workspace/diagnostic``).

A document's diagnostics are its findings plus, for a configuration file, the error that keeps
its last good settings in force. Result ids hash the diagnostics, so an unchanged answer is
exact; files on disk are cached by (mtime, size, settings, index generation) because clients
poll the workspace.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from isolint.core.config import CONFIG_FILE_NAMES, Settings
from isolint.lsp.adapter import send_notification_json, to_json
from isolint.lsp.analysis import check_file
from isolint.lsp.configuration import config_error_diagnostics
from isolint.lsp.convert import diagnostic_json, to_diagnostic
from isolint.lsp.documents import Document, path_of
from isolint.lsp.scheduler import DocumentState

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

WORKSPACE_BATCH = 32


def result_id_of(items: list[types.Diagnostic]) -> str:
    """Equal diagnostics, equal id: a client re-pulling unchanged results gets ``unchanged``."""
    blob = json.dumps([[d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                        d.code, d.message, d.severity] for d in items], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def diagnostics_of(ls: IsolintLanguageServer, document: Document, state: DocumentState | None
                   ) -> list[types.Diagnostic]:
    items = [to_diagnostic(f, document.lines, ls.codec, document.uri, document.version)
             for f in (state.findings if state else [])]
    if document.path is not None:
        items.extend(config_error_diagnostics(ls, document.path.resolve(), document.lines))
    return items


def publish(ls: IsolintLanguageServer, document: Document, state: DocumentState) -> None:
    """Push the document's diagnostics, serialised straight from plain JSON objects (see
    ``convert.diagnostic_json``: this runs on every keystroke)."""
    diagnostics = [diagnostic_json(f, document.lines, ls.codec, document.uri, document.version)
                   for f in state.findings]
    if document.path is not None:
        diagnostics.extend(to_json(ls, d) for d in config_error_diagnostics(ls, document.path.resolve(), document.lines))
    send_notification_json(ls, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, {
        "uri": document.uri, "version": document.version, "diagnostics": diagnostics})


async def document_diagnostic(ls: IsolintLanguageServer, params: types.DocumentDiagnosticParams):
    uri = params.text_document.uri
    document = ls.documents.get(uri)
    if document is None:
        path = path_of(uri)
        items = config_error_diagnostics(ls, path.resolve()) if path is not None else []
    else:
        document, state = await ls.current(uri)
        items = diagnostics_of(ls, document, state) if document is not None else []
    result_id = result_id_of(items)
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


def _open_document_reports(ls: IsolintLanguageServer, previous: dict[str, str]
                           ) -> list[types.WorkspaceDocumentDiagnosticReport]:
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for document in ls.documents:
        diagnostics = diagnostics_of(ls, document, ls.scheduler.states.get(document.uri))
        result_id = result_id_of(diagnostics)
        if previous.get(document.uri) == result_id:
            items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(uri=document.uri, result_id=result_id,
                                                                          version=document.version))
        else:
            items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=document.uri, items=diagnostics,
                                                                     result_id=result_id, version=document.version))
    return items


async def workspace_diagnostic(ls: IsolintLanguageServer, params: types.WorkspaceDiagnosticParams
                               ) -> types.WorkspaceDiagnosticReport:
    """Every workspace file, open ones from memory; progress and partial results when the
    client asks for them; unchanged files answered by result id."""
    loop = asyncio.get_running_loop()
    previous = {item.uri: item.value for item in params.previous_result_ids}
    token, partial = params.work_done_token, params.partial_result_token
    if ls.indexing is not None and not ls.indexing.done():
        await asyncio.shield(ls.indexing)  # cross-file rules need every file's facts first
    files = await loop.run_in_executor(ls.background, lambda: list(ls.projects.workspace_files(ls.stopping)))
    open_uris = {d.uri for d in ls.documents}
    if token is not None:
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title="isolint: checking the workspace", percentage=0, cancellable=False))
    items = _open_document_reports(ls, previous)
    pending = [(p, s) for p, s in files if (from_fs_path(str(p)) or p.as_uri()) not in open_uris]
    try:
        for start in range(0, len(pending), WORKSPACE_BATCH):
            if ls.stopping.is_set():
                break
            batch = pending[start:start + WORKSPACE_BATCH]
            reports = await loop.run_in_executor(
                ls.background, lambda batch=batch: [disk_file_report(ls, p, s, previous) for p, s in batch])
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


def disk_file_report(ls: IsolintLanguageServer, path: Path, settings: Settings, previous: dict[str, str]
                     ) -> types.WorkspaceDocumentDiagnosticReport:
    uri = from_fs_path(str(path)) or path.as_uri()
    project = ls.projects.index_for(settings)
    baselined = ls.projects.editor_for(path).baselined_findings
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size, settings.fingerprint(), project.generation, ls.codec.encoding,
               baselined, _stamp(settings.baseline_path))
    except OSError:
        key = ()
    cached = ls.workspace_cache.get(path)
    if cached is None or cached[0] != key or not key:
        findings, lines = check_file(path, settings, project, baselined)
        items = [to_diagnostic(f, lines, ls.codec, uri, None) for f in findings]
        items.extend(config_error_diagnostics(ls, path.resolve()) if path.name in CONFIG_FILE_NAMES else [])
        cached = (key, result_id_of(items), items)
        ls.workspace_cache[path] = cached
    _, result_id, items = cached
    if previous.get(uri) == result_id:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=result_id, version=None)
    return types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=items, result_id=result_id, version=None)


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """Modification time and size of a file (the baseline), None when absent."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat is not None else None
