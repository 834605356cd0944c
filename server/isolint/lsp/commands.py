"""``workspace/executeCommand``: apply one fix, fix a whole document, show debug information.

Fixes reach the document through ``workspace/applyEdit``, so the editor's undo covers them.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from lsprotocol import types

from isolint import __version__
from isolint.lsp import code_actions as actions
from isolint.lsp.convert import finding_from_data
from isolint.lsp.server import IsolintLanguageServer  # at run time: pygls reads command signatures

APPLY_FIX, FIX_ALL, SHOW_DEBUG_INFO = "isolint.applyFix", "isolint.fixAll", "isolint.showDebugInfo"


def _uri_argument(arguments: tuple[Any, ...]) -> str | None:
    """A document URI given as is or as ``{"uri": ...}``."""
    argument = arguments[0] if arguments else None
    uri = argument.get("uri") if isinstance(argument, dict) else argument
    return uri if isinstance(uri, str) else None


async def _apply(ls: IsolintLanguageServer, edit: types.WorkspaceEdit | None) -> dict[str, Any]:
    if edit is None:
        return {"applied": False, "reason": "nothing to change"}
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="isolint"))
    return {"applied": bool(result and result.applied)}


async def apply_fix(ls: IsolintLanguageServer, *arguments: Any) -> dict[str, Any]:
    """Arguments: ``{"uri": ..., "finding": {...}}`` (a diagnostic's ``data`` works as is)."""
    data = arguments[0] if arguments and isinstance(arguments[0], dict) else {}
    finding = finding_from_data(data)
    uri = data.get("uri")
    if finding is None or not isinstance(uri, str):
        return {"applied": False, "reason": "expected {uri, finding}"}
    document, state = await ls.current(uri)
    if document is None or state is None:
        return {"applied": False, "reason": "document not open"}
    current = actions.same_finding(finding, state.findings)
    if current is None:
        return {"applied": False, "reason": "the finding is gone"}
    return await _apply(ls, await actions.edit_for(ls, document, actions.FIX, current))


async def fix_all(ls: IsolintLanguageServer, *arguments: Any) -> dict[str, Any]:
    """Arguments: a document URI, or ``{"uri": ...}``."""
    uri = _uri_argument(arguments)
    if uri is None:
        return {"applied": False, "reason": "expected a document URI"}
    document, _ = await ls.current(uri)
    if document is None:
        return {"applied": False, "reason": "document not open"}
    return await _apply(ls, await actions.edit_for(ls, document, actions.FIX_ALL, None))


async def show_debug_info(ls: IsolintLanguageServer, *arguments: Any) -> str:
    text = debug_info(ls, _uri_argument(arguments))
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=text))
    return text


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
