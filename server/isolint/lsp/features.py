"""Every request, notification and command the server handles, in one table.

A row is (LSP method, handler, options announced in ``initialize``); the handler's module is
the area it belongs to. pygls derives the server's capabilities from what is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from isolint.lsp import code_actions, commands, configuration, diagnostics, hover, lifecycle, sync
from isolint.lsp.convert import SOURCE

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

FEATURES: tuple[tuple[str, Callable[..., Any], Any], ...] = (
    # life cycle
    (types.INITIALIZE, lifecycle.initialize, None),
    (types.INITIALIZED, lifecycle.initialized, None),
    (types.SHUTDOWN, lifecycle.shutdown, None),
    # document sync
    (types.TEXT_DOCUMENT_DID_OPEN, sync.did_open, None),
    (types.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, None),
    (types.TEXT_DOCUMENT_DID_SAVE, sync.did_save, sync.SAVE_OPTIONS),
    (types.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, None),
    # pull diagnostics (push diagnostics follow every analysis: diagnostics.publish)
    (types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.document_diagnostic, types.DiagnosticOptions(
        identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=True)),
    (types.WORKSPACE_DIAGNOSTIC, diagnostics.workspace_diagnostic, None),
    # code actions and hover
    (types.TEXT_DOCUMENT_CODE_ACTION, code_actions.code_action, code_actions.CODE_ACTION_OPTIONS),
    (types.CODE_ACTION_RESOLVE, code_actions.code_action_resolve, None),
    (types.TEXT_DOCUMENT_HOVER, hover.hover, None),
    # configuration and workspace
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, configuration.did_change_configuration, None),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, configuration.did_change_watched_files, None),
    (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, configuration.did_change_workspace_folders, None),
)

COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    (commands.APPLY_FIX, commands.apply_fix),
    (commands.FIX_ALL, commands.fix_all),
    (commands.SHOW_DEBUG_INFO, commands.show_debug_info),
)


def register(server: IsolintLanguageServer) -> None:
    for method, handler, options in FEATURES:
        server.feature(method, options)(handler)
    for name, handler in COMMANDS:
        server.command(name)(handler)
