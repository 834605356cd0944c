"""``initialize``, ``initialized`` and ``shutdown``: negotiation, file watchers, the first
indexing, and stopping background work when the client says goodbye.

What the protocol requires around them (ServerNotInitialized before ``initialize``,
InvalidRequest after ``shutdown``, the exit code) is enforced for every message in
:mod:`isolint.lsp.adapter`; the client process is watched by :mod:`isolint.lsp.transport`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path

from isolint.core.config import CONFIG_FILE_NAMES
from isolint.core.lazy_regex import compile_pending
from isolint.engine.pytest_runs import CONFIG_FILE_NAMES as PYTEST_CONFIG_FILE_NAMES
from isolint.lsp import code_actions as actions
from isolint.lsp.configuration import pull_configuration, set_editor_settings, watch_baselines
from isolint.lsp.convert import PositionCodec
from isolint.lsp.indexing import start_indexing

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

WATCHER_ID = "isolint-watched-files"
CONFIG_GLOBS = tuple(f"**/{name}" for name in dict.fromkeys(CONFIG_FILE_NAMES + PYTEST_CONFIG_FILE_NAMES))
SOURCE_GLOBS = ("**/*.{py,pyi,pyw}", "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}", "**/.env*", "**/*.env")
#: how often the client process is looked for (editors kill a lingering server after 1-2 s)
CLIENT_POLL_SECONDS = 0.5


def initialize(ls: IsolintLanguageServer, params: types.InitializeParams) -> None:
    ls.codec = PositionCodec(str(ls.workspace.position_encoding or "utf-16"))
    ls.pull = ls.capability("text_document.diagnostic") is not None
    ls.support = actions.ClientSupport.of(params.capabilities)
    for folder in params.workspace_folders or ():
        ls.add_folder(folder.uri, folder.name)
    if not ls.projects.folders and (params.root_uri or params.root_path):
        ls.add_folder(params.root_uri or from_fs_path(params.root_path))
    if params.process_id is not None and params.process_id != os.getpid():
        ls.client_watch = asyncio.ensure_future(watch_client(ls, params.process_id))
    ls.initialization_settings = params.initialization_options or {}
    # the rules' patterns are compiled on first use (a CLI run from the cache uses none): the
    # first analysis of the first file opened, during the indexing, would compile most of them
    _compile_patterns()
    if not set_editor_settings(ls, ls.initialization_settings):
        start_indexing(ls)
    log.info("initialized: encoding %s, %s diagnostics, %d folder(s)", ls.codec.encoding,
             "pull" if ls.pull else "push", len(ls.projects.folders))


def _compile_patterns() -> None:
    try:
        log.info("%d patterns compiled", compile_pending())
    except Exception:  # only a head start: each pattern still compiles where it is first used
        log.exception("compiling the rules' patterns ahead of use failed")


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
    if ls.capability("workspace.configuration") and await pull_configuration(ls):
        ls.recheck_all()
    await watch_baselines(ls)


def shutdown(ls: IsolintLanguageServer, params: None) -> None:
    """No request follows: indexing and workspace scans stop between two files now, so the
    ``exit`` that comes next is honoured at once."""
    ls.stopping.set()


async def watch_client(ls: IsolintLanguageServer, pid: int) -> None:
    """Leave (exit code 1) once the client process named in ``initialize`` is gone: an editor
    that crashed sends no ``exit`` and may not even close the pipe."""
    while True:
        await asyncio.sleep(CLIENT_POLL_SECONDS)
        if not client_alive(pid):
            log.warning("the client process %d is gone: leaving", pid)
            ls.stopping.set()
            ls.protocol.leave(1)
            return


def client_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    except OSError:
        return False
    try:  # a dead client not yet reaped by its parent is a zombie: gone for our purposes
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _windows_process_alive(pid: int) -> bool:
    """``os.kill(pid, 0)`` would terminate the process on Windows; ask for its exit code."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = wintypes.DWORD()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
