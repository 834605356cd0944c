"""Text document synchronisation: open, change (incremental), save, close.

The server keeps its own copy of each open text (:mod:`isolint.lsp.documents`); every change
schedules an analysis of the newest text (:mod:`isolint.lsp.scheduler`) unless the editor
settings say to check on save only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from isolint.core.config import CONFIG_FILE_NAMES
from isolint.lsp.configuration import config_error_diagnostics, reload_configuration
from isolint.lsp.documents import path_of
from isolint.lsp.indexing import reindex_from_disk
from isolint.lsp.settings import RUN_ON_SAVE

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

SAVE_OPTIONS = types.SaveOptions(include_text=False)


def did_open(ls: IsolintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    document = ls.documents.open(params.text_document)
    ls.scheduler.forget(document.uri)
    ls.schedule(document)


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


def did_save(ls: IsolintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = ls.documents.get(params.text_document.uri)
    path = path_of(params.text_document.uri)
    if path is not None and path.name in CONFIG_FILE_NAMES:
        reload_configuration(ls)
    elif document is not None:
        ls.schedule(document)


def did_close(ls: IsolintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    document = ls.documents.close(params.text_document.uri)
    ls.scheduler.forget(params.text_document.uri)
    if not ls.pull:
        keep = []
        if document is not None and document.path is not None:
            keep = config_error_diagnostics(ls, document.path.resolve())
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                            diagnostics=keep))
    if document is not None and document.path is not None:
        reindex_from_disk(ls, document.path, after_analyses=True)
