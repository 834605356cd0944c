"""Driving the real ``isolint server`` over stdio with pytest-lsp's client.

The client records what a real editor would see: every ``publishDiagnostics`` with its
version, dynamic registrations, ``workspace/applyEdit`` requests (applied to its own copy of the
text, in the negotiated encoding). Client capability profiles are pytest-lsp's recordings of
real editors (VS Code, Neovim, Emacs/eglot), adjusted where a test needs one capability.
"""

from __future__ import annotations

import asyncio
import copy
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

# ISOLINT_LSP_TEST_LOG=/tmp/server.log keeps the servers' INFO log for debugging a failure
SERVER_COMMAND = [sys.executable, "-m", "isolint", "server"] + (
    ["--log-level", "INFO", "--log-file", os.environ["ISOLINT_LSP_TEST_LOG"]] if os.environ.get("ISOLINT_LSP_TEST_LOG") else [])
TIMEOUT = 20.0
NEWLINE_RE = re.compile(r"\r\n|\r|\n")


@dataclass
class Recorded:
    published: dict[str, list[types.PublishDiagnosticsParams]] = field(default_factory=dict)
    registrations: list[types.Registration] = field(default_factory=list)
    applied_edits: list[types.WorkspaceEdit] = field(default_factory=list)
    partial_results: dict[Any, list[Any]] = field(default_factory=dict)
    changed: asyncio.Event | None = None

    def notify(self) -> None:
        if self.changed is not None:
            self.changed.set()


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.recorded = Recorded()  # type: ignore[attr-defined]
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.recorded.published.setdefault(params.uri, []).append(params)  # type: ignore[attr-defined]
        client.recorded.notify()  # type: ignore[attr-defined]

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.recorded.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    def unregister(client: LanguageClient, params: types.UnregistrationParams) -> None:
        return None

    def apply_edit(client: LanguageClient, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.recorded.applied_edits.append(params.edit)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    default_progress = features[types.PROGRESS]

    def progress(client: LanguageClient, params: types.ProgressParams) -> None:
        """pytest-lsp records work-done progress only; partial results have no ``kind``."""
        if isinstance(params.value, dict) and "kind" not in params.value:
            client.recorded.partial_results.setdefault(params.token, []).append(params.value)  # type: ignore[attr-defined]
            return
        default_progress(client, params)

    features[types.PROGRESS] = progress
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    features[types.CLIENT_UNREGISTER_CAPABILITY] = unregister
    features[types.WORKSPACE_APPLY_EDIT] = apply_edit
    register_lsp_features(client, features)
    return client


# -- client capability profiles -------------------------------------------------------------------
def profile(name: str, encodings: list[str] | None = None, pull: bool | None = None) -> types.ClientCapabilities:
    """``vscode`` (push, utf-16, lazy edits, documentChanges, dynamic file watching),
    ``vscode-pull`` (the same with pull diagnostics, as VS Code ≥ 1.67), ``neovim-0.7`` (push,
    utf-16, no positionEncodings), ``neovim`` (0.11: pull, utf-8 first), ``emacs`` (eglot: push,
    utf-32 first, edits inline)."""
    recorded = {
        "vscode": "visual-studio-code", "vscode-pull": "visual-studio-code", "neovim-0.7": "neovim@v0.7",
        "neovim": "neovim@v0.11", "emacs": "emacs",
    }[name]
    capabilities = copy.deepcopy(client_capabilities(recorded))
    if name == "vscode-pull" or pull:
        capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(related_document_support=True)
        capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    if pull is False:
        capabilities.text_document.diagnostic = None
    if encodings is not None:
        general = capabilities.general or types.GeneralClientCapabilities()
        general.position_encodings = encodings
        capabilities.general = general
    return capabilities


def is_pull(capabilities: types.ClientCapabilities) -> bool:
    return capabilities.text_document is not None and capabilities.text_document.diagnostic is not None


# -- workspaces ---------------------------------------------------------------------------------
def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if text else "", encoding="utf-8")
    return root


def uri_of(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


# -- a session ----------------------------------------------------------------------------------
class Session:
    """One initialized client talking to one server process."""

    def __init__(self, client: LanguageClient, capabilities: types.ClientCapabilities, encoding: str) -> None:
        self.client = client
        self.capabilities = capabilities
        self.encoding = encoding
        self.pull = is_pull(capabilities)
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    @property
    def recorded(self) -> Recorded:
        return self.client.recorded  # type: ignore[attr-defined]

    # documents
    def open(self, path: Path, text: str | None = None, language_id: str = "python") -> str:
        uri = uri_of(path)
        text = path.read_text(encoding="utf-8") if text is None else text
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)))
        return uri

    def change(self, uri: str, start: tuple[int, int], end: tuple[int, int], new_text: str) -> int:
        """An incremental change; ``start``/``end`` in the client's units."""
        self.texts[uri] = apply_text_edits(self.texts[uri], [types.TextEdit(
            range=types.Range(start=types.Position(*start), end=types.Position(*end)), new_text=new_text)],
            self.encoding)
        return self._send_change(uri, types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=new_text))

    def replace_all(self, uri: str, text: str) -> int:
        self.texts[uri] = text
        return self._send_change(uri, types.TextDocumentContentChangeWholeDocument(text=text))

    def apply(self, uri: str, edits: list[types.TextEdit]) -> int:
        """Apply edits the server proposed, as an editor does: locally, then one didChange per
        edit from the last to the first (so earlier positions stay valid)."""
        version = self.versions[uri]
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            version = self.change(uri, (edit.range.start.line, edit.range.start.character),
                                  (edit.range.end.line, edit.range.end.character), edit.new_text)
        return version

    def _send_change(self, uri: str, change: Any) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[change]))
        return self.versions[uri]

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))

    # diagnostics
    async def published(self, uri: str, version: int | None = None, timeout: float = TIMEOUT
                        ) -> types.PublishDiagnosticsParams:
        """The first publish for ``version`` (the latest one when None)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for params in self.recorded.published.get(uri, []):
                if version is None or params.version == version:
                    return params
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no publishDiagnostics for {uri} v{version}: {self.recorded.published.get(uri)}")
            self.recorded.changed = asyncio.Event()
            try:
                await asyncio.wait_for(self.recorded.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def diagnostics(self, uri: str, version: int | None = None) -> list[types.Diagnostic]:
        """The diagnostics of a document's version, through pull or push as the client does."""
        version = self.versions.get(uri) if version is None else version
        if self.pull:
            report = await asyncio.wait_for(self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))), TIMEOUT)
            assert report.kind == "full", report
            return list(report.items)
        return list((await self.published(uri, version)).diagnostics)

    async def code_actions(self, uri: str, range_: types.Range, diagnostics: list[types.Diagnostic] | None = None,
                           only: list[str] | None = None) -> list[types.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics or [], only=only))), TIMEOUT)
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    async def resolved(self, action: types.CodeAction) -> types.CodeAction:
        if action.edit is not None:
            return action
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), TIMEOUT)

    def edits_of(self, edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
        if edit.document_changes:
            return [e for change in edit.document_changes if isinstance(change, types.TextDocumentEdit)
                    and change.text_document.uri == uri for e in change.edits]
        return list((edit.changes or {}).get(uri, []))


async def start_session(client: LanguageClient, root: Path | None, capabilities: types.ClientCapabilities,
                        folders: list[Path] | None = None, initialization_options: Any = None) -> Session:
    folders = folders if folders is not None else ([root] if root is not None else [])
    result = await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=capabilities,
        root_uri=uri_of(root) if root is not None else None,
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(f), name=f.name) for f in folders] or None,
        initialization_options=initialization_options,
    )), TIMEOUT)
    encoding = str(result.capabilities.position_encoding or "utf-16")
    return Session(client, capabilities, encoding)


# -- positions on the client side ---------------------------------------------------------------
def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def column(line: str, units_count: int, encoding: str) -> int:
    """Code point index of a column given in ``encoding`` units."""
    counted = 0
    for index, char in enumerate(line):
        if counted >= units_count:
            return index
        counted += units(char, encoding)
    return len(line)


def client_position(text: str, needle: str, encoding: str, occurrence: int = 0) -> types.Position:
    """Where ``needle`` starts in ``text``, in the client's units."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    before = text[:offset]
    lines = NEWLINE_RE.split(before)
    return types.Position(line=len(lines) - 1, character=units(lines[-1], encoding))


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """What an editor does with edits: positions in ``encoding`` units, applied back to front."""
    def offset(position: types.Position) -> int:
        starts = [0] + [m.end() for m in NEWLINE_RE.finditer(text)]
        if position.line >= len(starts):
            return len(text)
        line_text = NEWLINE_RE.split(text)[position.line]
        return starts[position.line] + column(line_text, position.character, encoding)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def text_at(text: str, range_: types.Range, encoding: str) -> str:
    lines = NEWLINE_RE.split(text)
    assert range_.start.line == range_.end.line, range_
    line = lines[range_.start.line]
    return line[column(line, range_.start.character, encoding):column(line, range_.end.character, encoding)]
