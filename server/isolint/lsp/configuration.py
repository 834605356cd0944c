"""Configuration: editor settings (initializationOptions, ``workspace/configuration``,
``didChangeConfiguration``), config files on disk (watched, or saved in the editor) and
workspace folders.

A config file that breaks keeps its last good settings in force (:mod:`isolint.lsp.projects`);
its error is shown once as a message and as a diagnostic at the line ``ConfigError`` names.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path

from isolint.core.config import CONFIG_FILE_NAMES
from isolint.engine.pytest_runs import CONFIG_FILE_NAMES as PYTEST_CONFIG_FILE_NAMES
from isolint.lsp.convert import SOURCE, split_lines
from isolint.lsp.documents import path_of
from isolint.lsp.indexing import reindex_from_disk, start_indexing
from isolint.lsp.settings import SECTION, parse_editor_settings, unwrap

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

#: the watcher of the projects' baseline files (registered apart: their names come from settings)
BASELINE_WATCHER_ID = "isolint-baseline-files"


def config_error_diagnostics(ls: IsolintLanguageServer, config: Path, lines: list[str] | None = None
                             ) -> list[types.Diagnostic]:
    """The error of a broken config file, at the line it names (the whole line's text)."""
    error = ls.projects.errors.get(config)
    if error is None:
        return []
    if lines is None:
        try:
            lines = split_lines(config.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            lines = [""]
    line = min(max(error.line - 1, 0), len(lines) - 1)
    start = len(lines[line]) - len(lines[line].lstrip())
    range_ = types.Range(start=types.Position(line=line, character=ls.codec.to_client_column(lines[line], start)),
                         end=types.Position(line=line, character=ls.codec.units(lines[line])))
    key = f" `{error.key}`" if error.key else ""
    return [types.Diagnostic(
        range=range_, severity=types.DiagnosticSeverity.Error, source=SOURCE, code="config",
        message=f"Invalid isolint configuration{key}: {error.message}. The last valid settings stay in force.",
    )]


def sync_config_errors(ls: IsolintLanguageServer) -> None:
    """Show each config file's error (or its recovery) once, where the error is."""
    current = {path: str(error) for path, error in ls.projects.errors.items()}
    if current == ls.config_errors_shown:
        return
    changed = {p for p in set(current) | set(ls.config_errors_shown)
               if current.get(p) != ls.config_errors_shown.get(p)}
    ls.config_errors_shown = current
    for config in changed:
        uri = from_fs_path(str(config)) or config.as_uri()
        document = ls.documents.get(uri)
        if document is not None:
            ls.schedule(document)
        elif not ls.pull:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=config_error_diagnostics(ls, config)))
        if config in current:
            ls.show_problem(f"isolint: {current[config]}", types.MessageType.Warning)
    ls.refresh_pull_clients()


def _editor_state(ls: IsolintLanguageServer) -> tuple:
    return ls.projects.editor, {uri: f.editor for uri, f in ls.projects.folders.items()}


def set_editor_settings(ls: IsolintLanguageServer, global_raw: Any, per_folder: dict[str, Any] | None = None) -> bool:
    """Apply editor settings; True when they changed what is checked or how."""
    before = _editor_state(ls)
    ls.projects.editor = parse_editor_settings(global_raw)
    for problem in ls.projects.editor.problems:
        ls.show_problem(problem)
    for uri, raw in (per_folder or {}).items():
        folder = ls.projects.folders.get(uri)
        if folder is not None:
            folder.editor = parse_editor_settings(raw) if raw is not None else None
            for problem in folder.editor.problems if folder.editor else ():
                ls.show_problem(problem)
    if before == _editor_state(ls):
        return False
    ls.projects.invalidate()
    start_indexing(ls)
    return True


async def pull_configuration(ls: IsolintLanguageServer) -> bool:
    """Editor settings per workspace folder through ``workspace/configuration``."""
    folders = list(ls.projects.folders.values())
    items = [types.ConfigurationItem(section=SECTION)]
    items += [types.ConfigurationItem(scope_uri=folder.uri, section=SECTION) for folder in folders]
    try:
        values = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except JsonRpcException as exc:  # a client that advertises the request but fails it
        log.warning("workspace/configuration failed: %s", exc)
        return False
    values = list(values or [])
    # A client without isolint settings answers null: initializationOptions stay in force,
    # and workspace/configuration values win key by key where present.
    global_raw = {**unwrap(ls.initialization_settings), **unwrap(values[0] if values else None)}
    per_folder = {folder.uri: {**global_raw, **unwrap(value)} if value is not None else None
                  for folder, value in zip(folders, values[1:])}
    return set_editor_settings(ls, global_raw, per_folder)


def reload_configuration(ls: IsolintLanguageServer) -> None:
    ls.projects.invalidate()
    sync_config_errors(ls)
    start_indexing(ls)
    ls.recheck_all()
    asyncio.ensure_future(watch_baselines(ls))


async def watch_baselines(ls: IsolintLanguageServer) -> None:
    """Ask the client to report changes of each project's baseline file (``isolint check
    --write-baseline`` rewrites it while files are open), registering again when the
    configuration names other files."""
    if not ls.capability("workspace.did_change_watched_files.dynamic_registration"):
        return
    globs = sorted({f"**/{path.name}" for path in ls.projects.baseline_paths()})
    if globs == ls.baseline_globs:
        return
    try:
        if ls.baseline_globs:
            await ls.client_unregister_capability_async(types.UnregistrationParams(unregisterations=[
                types.Unregistration(id=BASELINE_WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES)]))
        ls.baseline_globs = globs
        if globs:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
                id=BASELINE_WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in globs]))]))
    except JsonRpcException as exc:
        log.warning("could not register the baseline watcher: %s", exc)


# -- handlers ------------------------------------------------------------------------------------
async def did_change_configuration(ls: IsolintLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    if ls.capability("workspace.configuration"):
        changed = await pull_configuration(ls)
    else:
        changed = set_editor_settings(ls, {**unwrap(ls.initialization_settings), **unwrap(params.settings)})
    if changed:
        sync_config_errors(ls)
        ls.recheck_all()


def did_change_watched_files(ls: IsolintLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    paths = [p for p in (path_of(change.uri) for change in params.changes) if p is not None]
    if any(path.name in CONFIG_FILE_NAMES or path.name in PYTEST_CONFIG_FILE_NAMES for path in paths):
        # isolint's settings, or a pytest configuration whose testpaths the project's layout reads
        reload_configuration(ls)
        return
    baselines = ls.projects.baseline_paths()
    if any(path.resolve() in baselines for path in paths):
        ls.recheck_all()  # the baseline is read again (by its stamp) when each file is checked
    if any(change.type != types.FileChangeType.Changed for change in params.changes):
        for project in ls.projects.indexes():  # import resolution looks files up: forget them
            project.invalidate_files()
    for path in paths:
        if ls.documents.get(from_fs_path(str(path)) or "") is None:
            reindex_from_disk(ls, path)
    ls.workspace_cache.clear()


async def did_change_workspace_folders(ls: IsolintLanguageServer, params: types.DidChangeWorkspaceFoldersParams
                                       ) -> None:
    for folder in params.event.removed:
        ls.projects.folders.pop(folder.uri, None)
    for folder in params.event.added:
        ls.add_folder(folder.uri, folder.name)
    if ls.capability("workspace.configuration"):
        await pull_configuration(ls)  # an added folder's own editor settings
    reload_configuration(ls)
