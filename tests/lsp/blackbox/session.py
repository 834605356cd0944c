"""An editor session against ``isolint server`` as an outside client sees it.

The client keeps its own copy of every document (and of every version it sent), converts
positions with its own arithmetic (encode the line, count code units, decode a prefix — not
the server's per-character walk), and checks everything the server says against that copy:
every published or pulled range lies inside the text of the version it names, on character
boundaries, start <= end; versions only move forward and never name a text the client did not
send; edits apply cleanly. ``expected_diagnostics`` is what a fresh ``isolint`` run reports for
the final texts, in the same encoding.
"""

from __future__ import annotations

import ast
import bisect
import functools
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote, urlparse

from tests.lsp.blackbox.jsonrpc import JsonRpcClient, Notification

LINE_BREAK = re.compile(r"\r\n|\r|\n")
CODECS = {"utf-8": ("utf-8", 1), "utf-16": ("utf-16-le", 2), "utf-32": ("utf-32-le", 4)}
SEVERITY = {"error": 1, "warning": 2, "info": 3, "hint": 4}
PUBLISH = "textDocument/publishDiagnostics"
TIMEOUT = 30.0
SERVER_COMMAND = [sys.executable, "-m", "isolint", "server"] + (
    ["--log-level", "INFO", "--log-file", os.environ["ISOLINT_LSP_TEST_LOG"]] if os.environ.get("ISOLINT_LSP_TEST_LOG") else [])


class Inconsistent(AssertionError):
    """The server said something that cannot be true of the text the client holds."""


# -- positions -------------------------------------------------------------------------------
class Units:
    """Code units of one position encoding, computed by encoding whole prefixes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.codec, self.width = CODECS[encoding]

    def length(self, text: str) -> int:
        return len(text.encode(self.codec, "surrogatepass")) // self.width

    def column(self, line: str, units: int, what: str = "position") -> int:
        """Code point index of ``units``; Inconsistent when it falls inside a character or
        past the line's end."""
        data = line.encode(self.codec, "surrogatepass")
        if units < 0 or units * self.width > len(data):
            raise Inconsistent(f"{what}: column {units} is past the end of {_short(line)} ({len(data) // self.width} "
                               f"{self.encoding} units)")
        prefix = data[:units * self.width]
        try:
            decoded = prefix.decode(self.codec, "surrogatepass")
        except UnicodeDecodeError as exc:
            raise Inconsistent(f"{what}: column {units} splits a character of {_short(line)}") from exc
        if line[:len(decoded)] != decoded:
            raise Inconsistent(f"{what}: column {units} splits a character of {_short(line)}")
        return len(decoded)


def _short(line: str) -> str:
    return repr(line) if len(line) < 160 else f"{line[:80]!r}…{line[-60:]!r}"


@functools.lru_cache(maxsize=256)
def split(text: str) -> list[str]:
    """Lines as LSP counts them (cached: every publish of a version is checked against it)."""
    return LINE_BREAK.split(text)


@functools.lru_cache(maxsize=256)
def line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in LINE_BREAK.finditer(text)]


def offset_of(text: str, position: dict[str, int], units: Units, what: str = "position") -> int:
    lines, starts = split(text), line_starts(text)
    line, character = position["line"], position["character"]
    if not 0 <= line < len(lines):
        raise Inconsistent(f"{what}: line {line} is outside the document ({len(lines)} lines)")
    return starts[line] + units.column(lines[line], character, what)


def position_of(text: str, offset: int, units: Units) -> dict[str, int]:
    starts = line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return {"line": line, "character": units.length(text[starts[line]:offset])}


def check_range(text: str, range_: dict[str, Any], units: Units, what: str) -> tuple[int, int]:
    """Offsets of a range that must lie inside ``text`` with start <= end."""
    start = offset_of(text, range_["start"], units, f"{what} start")
    end = offset_of(text, range_["end"], units, f"{what} end")
    if end < start:
        raise Inconsistent(f"{what}: range ends before it starts: {range_}")
    return start, end


def apply_text_edits(text: str, edits: list[dict[str, Any]], units: Units, what: str = "edit") -> str:
    """Apply LSP TextEdits as an editor does (all positions refer to the original text);
    overlapping edits are an error."""
    spans = sorted((*check_range(text, e["range"], units, what), index, e["newText"]) for index, e in enumerate(edits))
    for (_, end, _, _), (start, _, _, _) in zip(spans, spans[1:]):
        if start < end:
            raise Inconsistent(f"{what}: overlapping edits {edits}")
    for start, end, _, new_text in reversed(spans):
        text = text[:start] + new_text + text[end:]
    return text


def as_received(text: str) -> str:
    """The string the server decodes from what this client sends: JSON joins an escaped high
    and low surrogate into one character even when the client held them as two lone ones."""
    return json.loads(json.dumps(text))


def uri_of(path: Path) -> str:
    return "file://" + quote(str(path.resolve()))


def path_of(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


# -- documents -------------------------------------------------------------------------------
@dataclass
class ClientDocument:
    uri: str
    path: Path
    language_id: str
    text: str
    version: int
    history: dict[int, str] = field(default_factory=dict)
    #: versions sent since the document was (re)opened: a publish must name one of them
    opened_at: int = 0

    def remember(self) -> None:
        self.history[self.version] = self.text


def language_id_of(path: Path) -> str:
    name = path.name
    if name.endswith(".tsx"):
        return "typescriptreact"
    if name.endswith((".ts", ".mts", ".cts")):
        return "typescript"
    if name.endswith((".js", ".jsx")):
        return "javascript"
    if name.startswith(".env") or name.endswith(".env"):
        return "dotenv"
    return "python"


def client_capabilities(encodings: list[str] | None, pull: bool, lazy: bool, document_changes: bool) -> dict:
    """Written out by hand (no recorded profile): what a plain, fairly complete editor offers."""
    code_action: dict[str, Any] = {
        "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "source", "source.fixAll"]}},
        "isPreferredSupport": True, "dataSupport": lazy,
    }
    if lazy:
        code_action["resolveSupport"] = {"properties": ["edit"]}
    text_document: dict[str, Any] = {
        "synchronization": {"didSave": True, "willSave": False, "dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True, "codeDescriptionSupport": True,
                               "dataSupport": True},
        "codeAction": code_action,
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    }
    workspace: dict[str, Any] = {
        "applyEdit": True, "workspaceEdit": {"documentChanges": document_changes}, "configuration": True,
        "workspaceFolders": True, "didChangeWatchedFiles": {"dynamicRegistration": True},
        "didChangeConfiguration": {"dynamicRegistration": False},
    }
    if pull:
        text_document["diagnostic"] = {"dynamicRegistration": False, "relatedDocumentSupport": False}
        workspace["diagnostics"] = {"refreshSupport": True}
    capabilities: dict[str, Any] = {"textDocument": text_document, "workspace": workspace,
                                    "window": {"workDoneProgress": True}}
    if encodings is not None:
        capabilities["general"] = {"positionEncodings": encodings}
    return capabilities


# -- the session -----------------------------------------------------------------------------
class BlackboxSession:
    """One server process driven through one workspace folder."""

    def __init__(self, root: Path, logs: Path, encodings: list[str] | None = None, pull: bool = False,
                 lazy: bool = True, document_changes: bool = True, command: list[str] | None = None) -> None:
        """``command`` starts another server build (the VS Code extension's bundled one)."""
        self.root = root.resolve()
        self.offered = encodings
        self.pull = pull
        self.lazy = lazy
        self.documents: dict[str, ClientDocument] = {}
        self.closed: set[str] = set()
        self.applied_edits: list[dict[str, Any]] = []
        self.client = JsonRpcClient(command or SERVER_COMMAND, cwd=self.root, stderr_path=logs,
                                    on_server_request=self._answer_server)
        result = self.client.request("initialize", {
            "processId": os.getpid(), "rootUri": uri_of(self.root), "rootPath": str(self.root),
            "workspaceFolders": [{"uri": uri_of(self.root), "name": self.root.name}],
            "capabilities": client_capabilities(encodings, pull, lazy, document_changes),
            "clientInfo": {"name": "isolint-blackbox", "version": "1"},
        }, timeout=60)
        negotiated = result["capabilities"].get("positionEncoding")
        if encodings:
            assert negotiated in encodings, f"server chose {negotiated!r}, offered {encodings}"
        else:
            assert negotiated in (None, "utf-16"), f"no encodings offered: must be UTF-16, got {negotiated!r}"
        self.encoding = negotiated or "utf-16"
        self.units = Units(self.encoding)
        self.capabilities = result["capabilities"]
        self.client.notify("initialized", {})

    def _answer_server(self, method: str, params: Any) -> Any:
        if method == "workspace/configuration":
            return [None for _ in params["items"]]
        if method == "workspace/applyEdit":
            self.applied_edits.append(params["edit"])
            return {"applied": True}
        return None  # registerCapability, workDoneProgress/create, diagnostic/refresh

    # -- text synchronisation --------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None, language_id: str | None = None) -> ClientDocument:
        text = path.read_text(encoding="utf-8") if text is None else as_received(text)
        uri = uri_of(path)
        previous = self.documents.get(uri)
        version = previous.version + 1 if previous else 1
        document = ClientDocument(uri, path, language_id or language_id_of(path), text, version,
                                  dict(previous.history) if previous else {})
        document.opened_at = version
        document.remember()
        self.documents[uri] = document
        self.closed.discard(uri)
        self.client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": document.language_id, "version": version, "text": text}})
        return document

    def change(self, document: ClientDocument, changes: list[tuple[int, int, str]], version: int | None = None) -> int:
        """Incremental changes given as code point offsets (start, end, new text); each refers
        to the text left by the previous one, as LSP content changes do."""
        content_changes = []
        for start, end, new_text in changes:
            new_text = as_received(new_text)
            range_ = {"start": position_of(document.text, start, self.units),
                      "end": position_of(document.text, end, self.units)}
            content_changes.append({"range": range_, "text": new_text})
            document.text = document.text[:start] + new_text + document.text[end:]
        return self.send_change(document, content_changes, version)

    def change_units(self, document: ClientDocument, range_: dict[str, Any], new_text: str) -> int:
        """One change with a range the caller wrote in the client's units (a column past the
        end of a line is clamped by the server, as the specification says)."""
        start, end = (offset_of(document.text, range_[key], self.units) for key in ("start", "end"))
        document.text = document.text[:start] + new_text + document.text[end:]
        return self.send_change(document, [{"range": range_, "text": new_text}])

    def replace_all(self, document: ClientDocument, text: str, version: int | None = None) -> int:
        document.text = text = as_received(text)
        return self.send_change(document, [{"text": text}], version)

    def send_change(self, document: ClientDocument, content_changes: list[dict], version: int | None = None) -> int:
        """Send content changes the caller already applied to ``document.text``."""
        document.version = version if version is not None else document.version + 1
        document.remember()
        self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": document.uri, "version": document.version}, "contentChanges": content_changes})
        return document.version

    def apply_workspace_edit(self, edit: dict[str, Any]) -> list[ClientDocument]:
        """Apply a server's WorkspaceEdit to the client's copies and tell the server, as an
        editor does: one didChange per document with the edits back to front."""
        touched = []
        per_uri: dict[str, list[dict]] = {}
        for change in edit.get("documentChanges") or []:
            document = self.documents[change["textDocument"]["uri"]]
            expected = change["textDocument"].get("version")
            if expected is not None and expected != document.version:
                raise Inconsistent(f"edit for version {expected}, document is at {document.version}")
            per_uri.setdefault(document.uri, []).extend(change["edits"])
        for uri, edits in (edit.get("changes") or {}).items():
            per_uri.setdefault(uri, []).extend(edits)
        for uri, edits in per_uri.items():
            document = self.documents[uri]
            new_text = apply_text_edits(document.text, edits, self.units, "code action edit")
            ordered = sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                             reverse=True)
            document.text = new_text
            self.send_change(document, [{"range": e["range"], "text": e["newText"]} for e in ordered])
            touched.append(document)
        return touched

    def save(self, document: ClientDocument, write: bool = True) -> None:
        if write:
            document.path.write_text(document.text, encoding="utf-8", newline="")
        self.client.notify("textDocument/didSave", {"textDocument": {"uri": document.uri}})

    def close(self, document: ClientDocument) -> None:
        self.closed.add(document.uri)
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": document.uri}})

    # -- diagnostics ---------------------------------------------------------------------------
    def published(self, document: ClientDocument, version: int | None = None, timeout: float = TIMEOUT) -> list[dict]:
        """The diagnostics pushed for ``version`` (default: the current one)."""
        version = document.version if version is None else version

        def arrived() -> Notification | None:
            return next((n for n in reversed(self.client.notifications) if n.method == PUBLISH
                         and n.params["uri"] == document.uri and n.params.get("version") == version), None)

        return self.client.wait_for(arrived, timeout, f"publishDiagnostics of {document.path.name} v{version}"
                                    ).params["diagnostics"]

    def pull_document(self, document: ClientDocument, previous: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"textDocument": {"uri": document.uri}}
        if previous is not None:
            params["previousResultId"] = previous
        report = self.client.request("textDocument/diagnostic", params, TIMEOUT)
        if report["kind"] == "full":
            self.check_diagnostics(document.text, report["items"], f"pulled {document.path.name}")
        return report

    def diagnostics(self, document: ClientDocument) -> list[dict]:
        """The current version's diagnostics, the way this client receives them."""
        if self.pull:
            report = self.pull_document(document)
            assert report["kind"] == "full", report
            return report["items"]
        return self.published(document)

    def check_diagnostics(self, text: str, diagnostics: list[dict], what: str) -> None:
        for diagnostic in diagnostics:
            check_range(text, diagnostic["range"], self.units, f"{what}: {diagnostic.get('code')}")
            if diagnostic.get("source") != "isolint":
                raise Inconsistent(f"{what}: source is {diagnostic.get('source')!r}")
            if diagnostic.get("code") != "config" and not str(diagnostic.get("codeDescription", {}).get("href", "")
                                                               ).endswith(f"{diagnostic.get('code')}.md"):
                raise Inconsistent(f"{what}: no rule documentation link: {diagnostic}")

    def check_publications(self) -> None:
        """Every publish so far names a version the client sent while the document was open
        (never an older one than already published) and fits that version's text."""
        latest: dict[str, int] = {}
        for note in self.client.notifications_of(PUBLISH):
            uri, version = note.params["uri"], note.params.get("version")
            document = self.documents.get(uri)
            if document is None:
                self.check_disk_diagnostics(uri, note.params["diagnostics"], "published (not open)")
                continue
            if version is None:
                if note.params["diagnostics"] and uri not in self.closed:
                    raise Inconsistent(f"unversioned non-empty publish for open {uri}")
                continue
            if version not in document.history:
                raise Inconsistent(f"publish for {uri} names version {version}, never sent")
            if version < latest.get(uri, -1):
                raise Inconsistent(f"publish for {uri} went back from v{latest[uri]} to v{version}")
            latest[uri] = version
            try:
                self.check_diagnostics(document.history[version], note.params["diagnostics"],
                                       f"published {document.path.name} v{version}")
            except Inconsistent as exc:
                raise Inconsistent(f"{exc}\n(the diagnostics fit versions {self._fitting(document, note)} of "
                                   f"{sorted(document.history)[-8:]})") from None

    def _fitting(self, document: ClientDocument, note: Notification) -> list[int]:
        fitting = []
        for version, text in document.history.items():
            try:
                self.check_diagnostics(text, note.params["diagnostics"], "")
                fitting.append(version)
            except Inconsistent:
                pass
        return fitting[-8:]

    def check_disk_diagnostics(self, uri: str, diagnostics: list[dict], what: str) -> None:
        path = path_of(uri)
        try:
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            text = ""
        self.check_diagnostics(text, diagnostics, f"{what} {path.name}")

    # -- requests ------------------------------------------------------------------------------
    def code_actions(self, document: ClientDocument, range_: dict, diagnostics: list[dict],
                     only: list[str] | None = None) -> list[dict]:
        context: dict[str, Any] = {"diagnostics": diagnostics, "triggerKind": 1}
        if only is not None:
            context["only"] = only
        result = self.client.request("textDocument/codeAction", {
            "textDocument": {"uri": document.uri}, "range": range_, "context": context}, TIMEOUT)
        return [a for a in result or [] if not isinstance(a.get("command"), str)]  # CodeActions, not Commands

    def resolve(self, action: dict) -> dict:
        if "edit" in action or not self.lazy:
            return action
        return self.client.request("codeAction/resolve", action, TIMEOUT)

    def hover(self, document: ClientDocument, position: dict) -> dict | None:
        return self.client.request("textDocument/hover", {
            "textDocument": {"uri": document.uri}, "position": position}, TIMEOUT)

    def server_digest(self, document: ClientDocument) -> str:
        info = self.client.request("workspace/executeCommand", {"command": "isolint.showDebugInfo",
                                                                "arguments": [document.uri]}, TIMEOUT)
        return info.split("sha1 ", 1)[1].split()[0]

    def assert_in_sync(self, document: ClientDocument) -> None:
        """The server's copy of the text is the client's (compared by digest)."""
        if self.server_digest(document) != text_digest(document.text):
            raise Inconsistent(f"{document.path.name} v{document.version}: the server's text differs from the "
                               f"client's")

    def settle(self, quiet: float = 0.3, timeout: float = TIMEOUT) -> None:
        """Wait until the server has been silent for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(self.client.notifications)
            time.sleep(quiet)
            if len(self.client.notifications) == count:
                return

    def settle_until(self, matches: Callable[[], bool], quiet_spells: tuple[float, ...] = (0.5, 1.5, 4.0)) -> None:
        """Silence is only a proxy for "done": on a loaded machine the re-check a fact change
        triggers in *other* open files can start after a short quiet spell. ``matches`` is asked
        again after longer spells before the caller's assertion runs; a real difference
        survives them all."""
        for quiet in quiet_spells:
            self.settle(quiet, TIMEOUT)
            if matches():
                return

    def finish(self) -> str:
        """Shut down cleanly; returns the server's stderr, which must hold no traceback."""
        code = self.client.shutdown()
        log = self.client.stderr_text()
        assert not self.client.protocol_errors, self.client.protocol_errors
        assert code == 0, f"server exit code {code}; stderr:\n{log[-4000:]}"
        assert "Traceback" not in log, log[-6000:]
        return log


# -- a fresh run -----------------------------------------------------------------------------
def normalised(diagnostics: list[dict]) -> list[tuple]:
    return sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
                   d["range"]["end"]["line"], d["range"]["end"]["character"], d["severity"], d["message"])
                  for d in diagnostics if d.get("code") != "config")


def expected_diagnostics(root: Path, documents: list[ClientDocument], units: Units) -> dict[str, list[tuple]]:
    """What ``isolint`` run afresh on the workspace reports for each open document's final
    text, converted to the client's encoding. Open texts are written to disk first (a fresh
    process reads files; this is the state the server's in-memory view describes)."""
    from isolint.api import lint_paths, lint_source

    for document in documents:
        document.path.write_bytes(document.text.encode("utf-8", "surrogatepass"))
    run = lint_paths([root], jobs=1)
    projects = list(run.projects.values())
    expected: dict[str, list[tuple]] = {}
    for document in documents:
        project = next((p for p in projects if document.path.resolve().is_relative_to(p.settings.root)), None)
        result = lint_source(document.text, document.path.resolve(), project=project)
        expected[document.uri] = normalised([_as_diagnostic(f, document.text, units) for f in result.findings])
    return expected


def _as_diagnostic(finding, text: str, units: Units) -> dict[str, Any]:
    """A finding in LSP terms, computed independently of the server's converter. Empty ranges
    are widened to one character (the next, else the previous), as the server documents."""
    lines = split(text)
    (l1, c1), (l2, c2) = (finding.range.start.line, finding.range.start.column), (finding.range.end.line,
                                                                                  finding.range.end.column)
    if (l1, c1) == (l2, c2) and l1 < len(lines):
        if c1 < len(lines[l1]):
            c2 = c1 + 1
        elif c1 > 0:
            c1 = c1 - 1

    def position(line: int, column: int) -> dict[str, int]:
        if line >= len(lines):
            line, column = len(lines) - 1, len(lines[-1])
        return {"line": line, "character": units.length(lines[line][:column])}

    return {"code": finding.code, "message": finding.message, "severity": SEVERITY[finding.severity.value],
            "range": {"start": position(l1, c1), "end": position(l2, c2)}}


def text_digest(text: str) -> str:
    """As ``isolint.showDebugInfo`` prints it: the first 16 hex digits of the text's SHA-1."""
    import hashlib

    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
