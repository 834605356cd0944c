"""Language-server latency: how long after a keystroke the editor shows fresh diagnostics.

A real LSP client over stdio (raw JSON-RPC, no pygls on the client side, so the client's own
overhead is a dictionary lookup) starts ``python -m isolint server`` in a generated
multi-service workspace, lets it index the workspace, then opens production files of 100, 1,000
and 3,000 lines and sends incremental ``didChange`` edits one at a time, timing each from the
moment the change is written to the moment the ``publishDiagnostics`` of *that* document
version arrives. Edits are what a user does: type and delete a character in a comment, break
and restore a hard-coded ``localhost`` (a finding disappears and comes back), add and remove a
line. The measured files send WebSocket messages: the costly case, since an edit that moves a
line changes their message-contract facts, which other files' findings depend on. Reports
p50/p95/max per file size, the server's CPU time per edit (user + system, from
/proc: what an edit costs whatever else the machine is doing) and the server's peak RSS
(``VmHWM`` of the server process and any children) with the workspace indexed.

    .venv/bin/python bench/lsp_latency.py                 # 5,000-file workspace, 240 edits per size
    .venv/bin/python bench/lsp_latency.py --files 500 --edits 60   # a quick look

``--corpus NAME`` measures a real monorepo of ``bench/corpora.toml`` instead (found with
``bench/corpora.py path NAME``; nothing is written into it): the production files closest to
``--lines`` long are typed into one keystroke at a time (Enter, a line of code character by
character with brackets and quotes closed as editors do, undo), first while the server indexes
the workspace, then once it has; reported per file: first diagnostics of the newly opened file,
p50/p95 keystroke → diagnostics, the CPU of each analysis (from the server's INFO log), server
CPU per keystroke; then the summed PSS of the server's process tree and ``shutdown`` + ``exit``.

    ISOLINT_CORPORA_ROOT=/work/corpora .venv/bin/python bench/lsp_latency.py --corpus skyvern --lines 1000 2000
    .venv/bin/python bench/lsp_latency.py --corpus openhands --interval 120   # keystrokes at a typing cadence

Results and the machine they were measured on: docs/performance.md, "Language server latency".
Targets, generated files (issue 3): p95 <= 50 ms at 1,000 lines, <= 150 ms at 3,000 lines, RSS <= 200 MB.
Targets, real files (issue 13): p95 <= 30 ms at ~1,000 lines, <= 60 ms at ~2,000 (twice that while
indexing), first diagnostics <= 300 ms during indexing, summed PSS <= 200 MB, gone within 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGETS_P95_MS = {1_000: 50.0, 3_000: 150.0}
TARGET_RSS_MB = 200.0
#: issue 13, real files: p95 per 1,000 lines (twice that while indexing), first diagnostics, leaving
CORPUS_TARGET_P95_MS_PER_1000_LINES = 30.0
TARGET_FIRST_MS, TARGET_EXIT_MS = 300.0, 1000.0
SIZES = (100, 1_000, 3_000)
SERVICES = ("backend", "auth", "billing", "search", "notifications", "analytics")
ENTITIES = (
    "order", "invoice", "customer", "shipment", "payment", "refund", "ticket", "thread", "message",
    "account", "session_token", "report", "export", "webhook", "subscription", "coupon", "address",
)


# --- the generated workspace ------------------------------------------------------------------

MODULE_HEADER = '''\
"""{title}: storage, cache and notifications for {entity} records."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionLocal, engine

log = logging.getLogger(__name__)

REDIS_HOST = "localhost"
CACHE_URL = os.getenv("{ENTITY}_CACHE_URL", "redis://localhost:6379/0")
'''

MODULE_BLOCK = '''

@dataclass
class {Entity}Record{n}:
    id: int
    owner_id: int
    status: str = "pending"
    # {entity} records are cached for five minutes; invalidated on every status change


def load_{entity}_{n}(record_id: int) -> {Entity}Record{n} | None:
    session = SessionLocal()
    row = session.execute(select({Entity}Record{n}).where({Entity}Record{n}.id == record_id)).first()
    session.close()
    if row is None:
        log.info("{entity} %s not found", record_id)
        return None
    return {Entity}Record{n}(row.id, row.owner_id, row.status)


def save_{entity}_{n}(record: {Entity}Record{n}) -> None:
    with Session(engine) as session, session.begin():
        session.merge(record)



def {entity}_service_url_{n}() -> str:
    return os.environ.get("{ENTITY}_SERVICE_URL", "http://localhost:8000")
'''

TEST_MODULE = '''\
"""Unit tests for {entity} handling."""

from unittest import mock

from app.{package}.{entity}_{n} import load_{entity}_{n}


def test_missing_{entity}_is_none() -> None:
    with mock.patch("app.{package}.{entity}_{n}.SessionLocal") as factory:
        factory.return_value.execute.return_value.first.return_value = None
        assert load_{entity}_{n}(42) is None


def test_{entity}_url_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("{ENTITY}_SERVICE_URL", "http://{entity}.internal")
'''

# Only some modules talk to the browser over the WebSocket (a few per cent in the audited repo).
WEBSOCKET_BLOCK = '''

async def notify_{entity}_{n}(websocket, record: {Entity}Record{n}) -> None:
    await websocket.send_json({{"type": "{entity}_updated", "payload": {{"id": record.id, "status": record.status}}}})
'''

TS_UTIL_MODULE = '''\
// {Entity} API helpers.
export interface {Entity} {{ id: number; ownerId: number; status: string }}

const apiBase = process.env.NEXT_PUBLIC_API_URL ?? "http://localhost:8000";

export async function fetch{Entity}(id: number): Promise<{Entity}> {{
  const response = await fetch(`${{apiBase}}/{entity}s/${{id}}`);
  if (!response.ok) throw new Error(`{entity} ${{id}}: ${{response.status}}`);
  return (await response.json()) as {Entity};
}}

export function format{Entity}Status(item: {Entity}): string {{
  return item.status.replace("_", " ");
}}
'''

TS_MODULE = '''\
// {Entity} live updates over the backend WebSocket.
export type {Entity}Updated = {{ type: "{entity}_updated"; payload: {{ id: number; status: string }} }};
export type {Entity}Deleted = {{ type: "{entity}_deleted"; payload: {{ id: number }} }};

export function on{Entity}Message(raw: string, apply: (id: number, status: string) => void): void {{
  const message = JSON.parse(raw) as {Entity}Updated | {Entity}Deleted;
  if (message.type === "{entity}_updated") {{
    apply(message.payload.id, message.payload.status);
  }}
}}

export const {entity}SocketUrl = process.env.NEXT_PUBLIC_WS_URL ?? "ws://localhost:8000/ws";
'''


def production_module(lines: int, entity: str = "order", seed: int = 0, websocket: bool = True) -> str:
    """A production-zone service module of exactly ``lines`` lines, with findings in it; with
    ``websocket``, each block also sends a message to the browser (message-contract facts)."""
    text = MODULE_HEADER.format(title=entity.replace("_", " ").capitalize(), entity=entity, ENTITY=entity.upper())
    n = seed
    while True:  # whole blocks only: a cut-off block would not parse
        block = MODULE_BLOCK + (WEBSOCKET_BLOCK if websocket else "")
        block = block.format(entity=entity, Entity=_camel(entity), ENTITY=entity.upper(), n=n)
        if text.count("\n") + block.count("\n") > lines:
            break
        text += block
        n += 1
    padding = lines - text.count("\n")
    return text + "".join(f"# {entity} notes, line {index}\n" for index in range(padding))


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


def generate_workspace(root: Path, files: int, seed: int = 7) -> int:
    """A monorepo of ``files`` files: six services (app code, unit and integration tests), a
    shared package, dev scripts, a TypeScript frontend and per-environment .env files. About 4 %
    of the service modules and 10 % of the frontend modules carry WebSocket traffic."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "bench-monorepo"\nversion = "0"\n\n[tool.isolint]\n')
    (root / ".env.development").write_text("DATABASE_URL=postgresql://app:app@localhost:5432/app_dev\n")
    (root / ".env.production").write_text("DATABASE_URL=\nREDIS_HOST=\n")
    written = 2
    for service in SERVICES:
        app = root / "services" / service / "app"
        app.mkdir(parents=True)
        (app / "__init__.py").write_text("")
        (app / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
        (root / "services" / service / "requirements.txt").write_text("fastapi\nsqlalchemy\n")
        written += 3
    plan = [("app", 0.70), ("unit", 0.10), ("integration", 0.04), ("shared", 0.05), ("scripts", 0.03), ("ts", 0.08)]
    index = 0
    while written < files:
        kind = rng.choices([k for k, _ in plan], weights=[w for _, w in plan])[0]
        service = rng.choice(SERVICES)
        entity = rng.choice(ENTITIES)
        package = f"pkg{index % 40}"
        if kind == "app":
            path = root / "services" / service / "app" / package / f"{entity}_{index}.py"
            text = production_module(rng.randint(40, 220), entity, index, websocket=rng.random() < 0.04)
        elif kind in ("unit", "integration"):
            path = root / "services" / service / "tests" / kind / f"test_{entity}_{index}.py"
            text = TEST_MODULE.format(entity=entity, ENTITY=entity.upper(), package=package, n=index)
        elif kind == "shared":
            path = root / "shared" / "shared" / f"{entity}_{index}.py"
            text = production_module(rng.randint(30, 120), entity, index, websocket=False)
        elif kind == "scripts":
            path = root / "scripts" / f"seed_{entity}_{index}.py"
            text = production_module(rng.randint(30, 80), entity, index, websocket=False)
        else:
            live = rng.random() < 0.1
            path = root / "frontend" / "src" / ("live" if live else "api") / f"{entity}{index}.ts"
            text = (TS_MODULE if live else TS_UTIL_MODULE).format(entity=entity, Entity=_camel(entity))
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py" and not (path.parent / "__init__.py").exists() and "tests" not in path.parts:
            (path.parent / "__init__.py").write_text("")
            written += 1
        path.write_text(text)
        written += 1
        index += 1
    return written


# --- a raw JSON-RPC client ---------------------------------------------------------------------


@dataclass
class Published:
    version: int | None
    received: float
    count: int


@dataclass
class StdioClient:
    """The smallest real LSP client: framed JSON-RPC over the server's stdin/stdout, with a
    reader thread that timestamps every message the moment it is decoded."""

    argv: list[str]
    cwd: Path
    stderr_path: Path
    process: subprocess.Popen = field(init=False)
    published: dict[str, list[Published]] = field(default_factory=dict)
    responses: dict[int, dict] = field(default_factory=dict)
    progress_ended: int = 0
    _next_id: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        threading.Thread(target=self._read_forever, daemon=True).start()

    def _send(self, message: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        with self._write_lock:
            sent = time.perf_counter()
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.process.stdin.flush()
        return sent

    def notify(self, method: str, params: dict) -> float:
        return self._send({"method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float = 600.0) -> dict:
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        with self._lock:
            if not self._lock.wait_for(lambda: request_id in self.responses, timeout):
                raise TimeoutError(f"{method}: no response within {timeout} s")
            response = self.responses.pop(request_id)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result")

    def _read_forever(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            received = time.perf_counter()
            self._dispatch(message, received)

    def _dispatch(self, message: dict, received: float) -> None:
        method = message.get("method")
        if method is None:
            with self._lock:
                self.responses[message["id"]] = message
                self._lock.notify_all()
        elif "id" in message:  # a request from the server: answer like a plain editor would
            result = [None] * len(message["params"].get("items", [])) if method == "workspace/configuration" else None
            self._send({"id": message["id"], "result": result})
        elif method == "textDocument/publishDiagnostics":
            params = message["params"]
            entry = Published(params.get("version"), received, len(params["diagnostics"]))
            with self._lock:
                self.published.setdefault(params["uri"], []).append(entry)
                self._lock.notify_all()
        elif method == "$/progress" and message["params"]["value"].get("kind") == "end":
            with self._lock:
                self.progress_ended += 1
                self._lock.notify_all()

    def wait_for_version(self, uri: str, version: int, timeout: float) -> Published | None:
        def arrived() -> Published | None:
            return next((p for p in self.published.get(uri, ()) if p.version == version), None)

        with self._lock:
            self._lock.wait_for(arrived, timeout)
            return arrived()

    def peak_rss_mb(self) -> float:
        """VmHWM of the server process plus its live children (worker processes), in MB."""
        total_kb = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        return total_kb / 1024

    def cpu_seconds(self) -> float:
        """CPU of the server's process tree: its own, its live children's (the process that
        indexes the workspace) and that of the children it has reaped."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a child gone meanwhile: its time is in its parent's cutime + cstime
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        return total / os.sysconf("SC_CLK_TCK")

    def wait_until_idle(self, quiet: float = 1.5, timeout: float = 1800.0) -> float:
        """Block until the server has used (almost) no CPU for ``quiet`` seconds: its
        background indexing has finished (the protocol has no signal for that)."""
        started = time.perf_counter()
        last, quiet_since = self.cpu_seconds(), time.perf_counter()
        while time.perf_counter() - started < timeout:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - last > 0.02:
                quiet_since = time.perf_counter()
            elif time.perf_counter() - quiet_since >= quiet:
                return quiet_since - started
            last = now
        raise TimeoutError(f"the server was still busy after {timeout} s")

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=30)
            self.notify("exit", {})
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._stderr.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found.append(int(child))
            found.extend(_children(int(child)))
    return found


# --- the measurement ---------------------------------------------------------------------------

CLIENT_CAPABILITIES = {  # what Neovim 0.7 offers, minus what does not matter here: push diagnostics
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"relatedInformation": True, "versionSupport": True, "tagSupport": {"valueSet": [1, 2]}},
        "codeAction": {"dataSupport": True, "resolveSupport": {"properties": ["edit"]},
                       "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}},
    },
    "workspace": {"configuration": True, "workspaceFolders": True},
    "window": {"workDoneProgress": True},
}


@dataclass
class SizeResult:
    lines: int
    edits: int
    latencies_ms: list[float]
    missing: int
    open_ms: float
    findings: int  # diagnostics published for the opened file
    cpu_ms_per_edit: float  # server CPU (user + system) per edit: what the edit costs on an idle machine

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def edit_script(text: str, count: int, seed: int) -> list[tuple[int, int, int, int, str]]:
    """``count`` incremental edits (start line, start char, end line, end char, new text), in
    do/undo pairs so the file keeps its size and findings: type and delete a character in a
    comment, break and restore a ``"localhost"`` literal, add and remove a line."""
    rng = random.Random(seed)
    lines = text.split("\n")
    comments = [i for i, line in enumerate(lines) if line.lstrip().startswith("#")]
    literals = [i for i, line in enumerate(lines) if '"localhost"' in line]
    blank = [i for i, line in enumerate(lines) if not line.strip()]
    edits: list[tuple[int, int, int, int, str]] = []
    while len(edits) < count:
        kind = rng.choice(("comment", "literal", "line"))
        if kind == "comment" and comments:
            row = rng.choice(comments)
            col = len(lines[row])
            edits += [(row, col, row, col, "x"), (row, col, row, col + 1, "")]
        elif kind == "literal" and literals:
            row = rng.choice(literals)
            col = lines[row].index('"localhost"') + len('"localhos')
            edits += [(row, col, row, col + 1, ""), (row, col, row, col, "t")]
        elif blank:
            row = rng.choice(blank)
            edits += [(row, 0, row, 0, "retries = 3\n"), (row, 0, row + 1, 0, "")]
    return edits[:count]


def measure_size(client: StdioClient, workspace: Path, lines: int, edits: int, timeout: float) -> SizeResult:
    path = workspace / "services" / "backend" / "app" / "orders" / f"fulfilment_{lines}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = production_module(lines, "order", seed=10_000)
    path.write_text(text)
    uri = path.as_uri()
    sent = client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    opened = client.wait_for_version(uri, 1, timeout)
    if opened is None:
        raise RuntimeError(f"no diagnostics for {path.name} version 1 within {timeout} s")
    latencies, missing = [], 0
    cpu_before = client.cpu_seconds()
    for version, (l1, c1, l2, c2, new) in enumerate(edit_script(text, edits, seed=lines), start=2):
        change = {"range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}},
                  "text": new}
        started = client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        published = client.wait_for_version(uri, version, timeout)
        if published is None:
            missing += 1
        else:
            latencies.append((published.received - started) * 1000)
    cpu_ms = (client.cpu_seconds() - cpu_before) * 1000 / edits
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return SizeResult(lines, edits, latencies, missing, (opened.received - sent) * 1000, opened.count, cpu_ms)


# --- real monorepos: real files typed one keystroke at a time ------------------------------------

TYPED_LINES = (  # what gets typed, one character per didChange; the patterns the rules look for
    'endpoint = os.getenv("SERVICE_URL", "http://localhost:8000/api")',
    "retries = max(1, int(settings.retries)) * 2  # back off on failure",
    'payload = {"type": "status_update", "id": str(record_id), "ok": True}',
    "session = SessionLocal()",
)
AUTO_CLOSE = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'"}
TEST_PARTS = {"test", "tests", "testing", "conftest.py", "__tests__", "fixtures"}


def production_python_files(root: Path) -> list[tuple[int, str]]:
    """(line count, path relative to ``root``) of the Python files a user would edit as
    production code (no tests, no vendored or generated folders), sorted by path."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        parts = set(rel.parts)
        if parts & TEST_PARTS or rel.name.startswith("test_") or rel.name.endswith("_test.py") or any(
                part.startswith(".") or part in ("node_modules", "migrations", "versions", "vendor") for part in rel.parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found.append((text.count("\n"), rel.as_posix()))
    return found


def pick_file(root: Path, candidates: list[tuple[int, str]], lines: int) -> str:
    """The production file closest to ``lines`` long (ties: first by path) that has a
    statement inside a function to type after."""
    for _, rel in sorted(candidates, key=lambda entry: (abs(entry[0] - lines), entry[1])):
        try:
            keystrokes((root / rel).read_text(encoding="utf-8"), 1, seed=0)
        except (ValueError, SyntaxError):
            continue
        return rel
    raise SystemExit(f"no production Python file with functions in {root}")


def keystrokes(text: str, count: int, seed: int) -> list[tuple[int, int, int, int, str]]:
    """At least ``count`` didChange edits of a user typing: at a statement inside a function, Enter
    (a new line, indented as an editor does), then one of ``TYPED_LINES`` one character at a
    time, with brackets and quotes closed automatically (typing the closer steps over it and
    sends nothing), then undo (the typed line removed in one change). Intermediate texts do
    not always parse (``os.``), as when a user types."""
    import ast

    tree = ast.parse(text)
    lines = text.split("\n")
    anchors = sorted({node.lineno for function in ast.walk(tree)
                      if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                      for node in function.body
                      if isinstance(node, (ast.Assign, ast.Expr, ast.AugAssign, ast.AnnAssign))
                      and node.lineno == node.end_lineno and not lines[node.lineno - 1].rstrip().endswith("\\")})
    if not anchors:
        raise ValueError("no single-line statement inside a function to type after")
    rng = random.Random(seed)
    edits: list[tuple[int, int, int, int, str]] = []
    round_ = 0
    while len(edits) < count:
        row = rng.choice(anchors) - 1  # 0-based line of the anchor statement
        anchor = lines[row]
        indent = anchor[:len(anchor) - len(anchor.lstrip())]
        typed_row = row + 1
        edits.append((row, len(anchor), row, len(anchor), "\n" + indent))
        typed = TYPED_LINES[round_ % len(TYPED_LINES)]
        buffer, cursor = "", 0
        for char in typed:
            if cursor < len(buffer) and buffer[cursor] == char and char in AUTO_CLOSE.values():
                cursor += 1  # typing over the closer the editor inserted: the text is unchanged
                continue
            column = len(indent) + cursor
            insert = char + AUTO_CLOSE.get(char, "")
            edits.append((typed_row, column, typed_row, column, insert))
            buffer = buffer[:cursor] + insert + buffer[cursor:]
            cursor += 1
        # undo: the typed line and its line break go in one change, the file is as before
        edits.append((row, len(anchor), typed_row, len(indent) + len(buffer), ""))
        round_ += 1
    return edits  # whole rounds: the file ends as it started


@dataclass
class TypingResult:
    label: str
    rel_path: str
    lines: int
    open_ms: float
    findings: int
    latencies_ms: list[float] = field(default_factory=list)
    missing: int = 0
    cpu_ms_per_edit: float | None = None  # server process CPU per keystroke (after indexing only)
    analysis_cpu_ms: list[float] = field(default_factory=list)  # the server's own per-analysis CPU

    def percentile(self, q: float) -> float:
        return _percentile(self.latencies_ms, q)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


class ServerLog:
    """The server's INFO log: when indexing starts and ends, and the CPU of every analysis."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def indexing_done(self) -> bool:
        text = self.text()
        return "indexing done" in text or "indexing interrupted" in text

    def wait_for(self, needle: str, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while needle not in self.text():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the server never logged {needle!r}")
            time.sleep(0.01)

    def analyses_since_mark(self, name: str) -> list[float]:
        """CPU ms of each analysis of ``name`` logged since the last call."""
        text = self.text()
        new, self.offset = text[self.offset:], len(text)
        prefix = f"analysed {name} version "
        return [float(line.split(": ", 2)[-1].split(" ms CPU")[0].rsplit(": ", 1)[-1])
                for line in new.splitlines() if prefix in line]


def type_into(client: StdioClient, log: ServerLog, root: Path, rel: str, keystroke_count: int, timeout: float,
              label: str, while_indexing: bool, interval_ms: float | None = None) -> TypingResult:
    """Open ``rel``, time its first diagnostics, type the keystroke script. ``while_indexing``:
    only keystrokes answered before the server logs the end of indexing count (typing stops
    there).

    Without ``interval_ms`` each keystroke waits for the diagnostics of its version (the
    latency of one keystroke alone). With it, keystrokes go out every ``interval_ms`` whatever
    the server does, as a user types; a keystroke's latency is then the time until the first
    diagnostics of its version or a later one arrive (an overtaken version is never published)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    log.analyses_since_mark(path.name)
    with client._lock:
        client.published.pop(uri, None)  # versions restart at 1 when a file is opened again
    sent = client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    opened = client.wait_for_version(uri, 1, timeout)
    if opened is None:
        raise RuntimeError(f"no diagnostics for {rel} version 1 within {timeout} s")
    result = TypingResult(label, rel, text.count("\n"), (opened.received - sent) * 1000, opened.count)
    cpu_before = client.cpu_seconds()
    log.analyses_since_mark(path.name)
    sent_at: dict[int, float] = {}
    for version, (l1, c1, l2, c2, new) in enumerate(keystrokes(text, keystroke_count, seed=len(rel)), start=2):
        if while_indexing and log.indexing_done():
            break
        if interval_ms is not None and sent_at:
            time.sleep(max(0.0, sent_at[version - 1] + interval_ms / 1000 - time.perf_counter()))
        change = {"range": {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}},
                  "text": new}
        sent_at[version] = client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        if interval_ms is None and client.wait_for_version(uri, version, timeout) is None:
            result.missing += 1
    if sent_at and interval_ms is not None and client.wait_for_version(uri, max(sent_at), timeout) is None:
        result.missing += 1
    indexing_ended = _first_line_time(log, "indexing done") if while_indexing else None
    with client._lock:
        published = sorted(client.published.get(uri, []), key=lambda p: p.received)
    for version, started in sent_at.items():
        answer = next((p for p in published if p.version is not None and p.version >= version
                       and p.received >= started), None)
        if answer is None or (interval_ms is None and answer.version != version):
            continue
        if indexing_ended is None or answer.received < indexing_ended:
            result.latencies_ms.append((answer.received - started) * 1000)
    if not while_indexing and sent_at:
        result.cpu_ms_per_edit = (client.cpu_seconds() - cpu_before) * 1000 / len(sent_at)
    result.analysis_cpu_ms = log.analyses_since_mark(path.name)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return result


def _first_line_time(log: ServerLog, needle: str) -> float | None:
    """When the server logged ``needle``, on this process's perf_counter clock (None: not yet)."""
    import datetime

    line = next((line for line in log.text().splitlines() if needle in line), None)
    if line is None:
        return None
    logged = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return time.perf_counter() - (time.time() - logged)


def tree_pss_mb(pid: int) -> float:
    """Summed proportional set size of the server and every process below it."""
    from process_tree import descendants, pss_kb

    return sum(pss_kb(p) for p in descendants(pid)) / 1024


def corpus_root(name: str) -> Path:
    completed = subprocess.run([sys.executable, str(Path(__file__).resolve().parent / "corpora.py"), "path", name],
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(completed.stderr.strip() or f"corpus {name} is not materialised (bench/corpora.py fetch {name})")
    return Path(completed.stdout.strip())


def run_corpus(args: argparse.Namespace) -> int:
    """One server on the real corpus: type into each chosen file while the workspace is being
    indexed, then again once it is indexed; memory of the indexed server; leaving."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    root = corpus_root(args.corpus).resolve()
    candidates = production_python_files(root)
    chosen = args.file or [pick_file(root, candidates, lines) for lines in args.lines]
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="isolint-lsp-corpus-"))
    scratch.mkdir(parents=True, exist_ok=True)
    log = ServerLog(scratch / "server.log")
    argv = args.server.split() + ["--log-level", "INFO", "--log-file", str(log.path)]
    load_before = os.getloadavg()
    client = StdioClient(argv, root, scratch / "server-stderr.log")
    during: list[TypingResult] = []
    after: list[TypingResult] = []
    try:
        started = time.perf_counter()
        client.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": CLIENT_CAPABILITIES,
            "workspaceFolders": [{"uri": root.as_uri(), "name": args.corpus}],
            "clientInfo": {"name": "isolint-bench", "version": "1"},
        })
        client.notify("initialized", {})
        log.wait_for("indexing started", 120)
        index_started = time.perf_counter()
        print(f"{args.corpus}: initialize + initialized {1000 * (index_started - started):.0f} ms; indexing started",
              flush=True)
        for rel in chosen:
            if log.indexing_done():
                break
            during.append(type_into(client, log, root, rel, args.keystrokes, args.timeout, "while indexing", True,
                                    args.interval))
            print(f"  while indexing: {rel}: first diagnostics {during[-1].open_ms:.0f} ms, "
                  f"{len(during[-1].latencies_ms)} keystrokes timed", flush=True)
        log.wait_for("indexing done", 1800)
        indexed_s = time.perf_counter() - index_started
        client.wait_until_idle(quiet=1.0)
        index_cpu_s = client.cpu_seconds()
        pss_indexed = tree_pss_mb(client.process.pid)
        print(f"  indexing took {indexed_s:.1f} s wall; server CPU so far {index_cpu_s:.1f} s; "
              f"PSS {pss_indexed:.0f} MB", flush=True)
        for rel in chosen:
            after.append(type_into(client, log, root, rel, args.keystrokes, args.timeout, "indexed", False,
                                   args.interval))
            print(f"  indexed: {rel}: p95 {after[-1].percentile(0.95):.1f} ms", flush=True)
        pss_end = tree_pss_mb(client.process.pid)
        rss_peak = client.peak_rss_mb()
        sent = time.perf_counter()
        client.request("shutdown", None, timeout=30)
        client.notify("exit", None)
        client.process.wait(30)
        exit_ms = (time.perf_counter() - sent) * 1000
    finally:
        if client.process.poll() is None:
            client.process.kill()
    load = os.getloadavg()
    print()
    print(f"Machine: {machine()}; load average during the run: {load_before[0]:.1f} → {load[0]:.1f}")
    print(f"Workspace: {args.corpus} ({root}); indexing {indexed_s:.1f} s wall; typing: "
          + (f"one keystroke every {args.interval:.0f} ms" if args.interval else "each keystroke waits for its diagnostics"))
    print("\n| phase | file | lines | open → first diagnostics | keystrokes | p50 | p95 | max | no publish "
          "| CPU per analysis (median / p95) | server CPU per keystroke | target p95 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for result in during + after:
        target = _target_p95(result.lines) * (2 if result.label == "while indexing" else 1)
        p95 = result.percentile(0.95)
        failed |= p95 > target or result.missing > 0
        cpu = f"{result.cpu_ms_per_edit:.1f} ms" if result.cpu_ms_per_edit is not None else "—"
        print(f"| {result.label} | `{result.rel_path}` | {result.lines:,} | {result.open_ms:.0f} ms "
              f"| {len(result.latencies_ms)} | {result.percentile(0.5):.1f} ms | {p95:.1f} ms "
              f"| {max(result.latencies_ms, default=float('nan')):.1f} ms | {result.missing} "
              f"| {_percentile(result.analysis_cpu_ms, 0.5):.1f} / {_percentile(result.analysis_cpu_ms, 0.95):.1f} ms "
              f"| {cpu} | ≤ {target:.0f} ms {'✅' if p95 <= target else '❌'} |")
    first_during = [r.open_ms for r in during]
    failed |= any(ms > TARGET_FIRST_MS for ms in first_during) or exit_ms > TARGET_EXIT_MS
    failed |= pss_indexed > TARGET_RSS_MB
    print(f"\nFirst diagnostics of a file opened during indexing: "
          f"{', '.join(f'{ms:.0f} ms' for ms in first_during) or 'none (indexing ended first)'} "
          f"(target ≤ {TARGET_FIRST_MS:.0f} ms)")
    print(f"Memory, summed PSS of the server's process tree: {pss_indexed:.0f} MB indexed, {pss_end:.0f} MB after "
          f"the edits (target ≤ {TARGET_RSS_MB:.0f} MB); peak RSS {rss_peak:.0f} MB")
    print(f"shutdown + exit: {exit_ms:.0f} ms (target ≤ {TARGET_EXIT_MS:.0f} ms)")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "load_average": [load_before[0], load[0]], "corpus": args.corpus,
            "index_s": indexed_s, "pss_indexed_mb": pss_indexed, "pss_end_mb": pss_end, "exit_ms": exit_ms,
            "results": [{"phase": r.label, "file": r.rel_path, "lines": r.lines, "open_ms": r.open_ms,
                         "keystrokes": len(r.latencies_ms), "p50_ms": r.percentile(0.5),
                         "p95_ms": r.percentile(0.95), "missing": r.missing, "cpu_ms_per_edit": r.cpu_ms_per_edit,
                         "analysis_cpu_ms_median": _percentile(r.analysis_cpu_ms, 0.5)} for r in during + after],
        }, indent=2))
    if args.workdir is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


def _target_p95(lines: int) -> float:
    """Issue 13: ≤ 30 ms at ~1,000 lines, ≤ 60 ms at ~2,000 lines (interpolated between)."""
    return CORPUS_TARGET_P95_MS_PER_1000_LINES * max(lines, 1_000) / 1_000


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    from isolint import __version__

    return (f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB RAM; {platform.platform()}; "
            f"Python {platform.python_version()}; isolint {__version__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5_000, help="files in the generated workspace")
    parser.add_argument("--edits", type=int, default=240, help="didChange edits per file size (>= 200)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one publish")
    parser.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--workspace-diagnostic", action="store_true",
                        help="also pull workspace/diagnostic for every file before the edits (slow; more memory)")
    parser.add_argument("--server", default=f"{sys.executable} -m isolint server", help="server command line")
    parser.add_argument("--corpus", default=None,
                        help="a real monorepo of bench/corpora.toml as the workspace (bench/corpora.py path NAME)")
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000, 2_000],
                        help="with --corpus: type into the production files closest to these lengths")
    parser.add_argument("--file", action="append", default=None,
                        help="with --corpus: type into this file (relative to the corpus) instead; repeatable")
    parser.add_argument("--keystrokes", type=int, default=240, help="with --corpus: keystrokes per file (at least)")
    parser.add_argument("--interval", type=float, default=None, metavar="MS",
                        help="with --corpus: type one keystroke every MS ms instead of waiting for each one's diagnostics")
    args = parser.parse_args(argv)
    if args.corpus:
        return run_corpus(args)

    scratch = Path(tempfile.mkdtemp(prefix="isolint-lsp-bench-")) if args.workdir is None else args.workdir
    workspace = scratch / "workspace"
    started = time.perf_counter()
    written = generate_workspace(workspace, args.files)
    print(f"generated {written} files in {workspace} ({time.perf_counter() - started:.1f} s)", flush=True)

    load_before = os.getloadavg()
    client = StdioClient(args.server.split(), workspace, scratch / "server-stderr.log")
    try:
        started = time.perf_counter()
        client.request("initialize", {
            "processId": os.getpid(), "rootUri": workspace.as_uri(), "capabilities": CLIENT_CAPABILITIES,
            "workspaceFolders": [{"uri": workspace.as_uri(), "name": "workspace"}],
            "clientInfo": {"name": "isolint-bench", "version": "1"},
        })
        client.notify("initialized", {})
        initialized_ms = (time.perf_counter() - started) * 1000
        # The server indexes the workspace in the background after `initialized`.
        indexed_s = client.wait_until_idle()
        rss_indexed = client.peak_rss_mb()
        print(f"initialize {initialized_ms:.0f} ms; background indexing of {written} files: {indexed_s:.1f} s; "
              f"peak RSS {rss_indexed:.0f} MB", flush=True)
        documents = findings = 0
        checked_s, rss_checked = None, rss_indexed
        if args.workspace_diagnostic:  # every file checked, as for a client pulling workspace diagnostics
            started = time.perf_counter()
            report = client.request("workspace/diagnostic", {"previousResultIds": []})
            checked_s = time.perf_counter() - started
            documents = len(report["items"])
            findings = sum(len(item.get("items", [])) for item in report["items"])
            rss_checked = client.peak_rss_mb()
            print(f"workspace/diagnostic: {documents} files, {findings} findings in {checked_s:.1f} s; "
                  f"peak RSS {rss_checked:.0f} MB", flush=True)
        results = [measure_size(client, workspace, size, args.edits, args.timeout) for size in args.sizes]
        rss_end = client.peak_rss_mb()
    finally:
        client.close()

    load = os.getloadavg()
    rss_peak = max(rss_indexed, rss_checked, rss_end)
    print()
    print(f"Machine: {machine()}; load average during the run: {load_before[0]:.1f} → {load[0]:.1f}")
    print(f"Command: .venv/bin/python bench/lsp_latency.py --files {args.files} --edits {args.edits}"
          + (" --workspace-diagnostic" if args.workspace_diagnostic else "")
          + (f" --sizes {' '.join(map(str, args.sizes))}" if list(args.sizes) != list(SIZES) else "") + "\n")
    print("| file | findings | edits | open → diagnostics | p50 | p95 | max | no publish | server CPU per edit "
          "| target p95 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for result in results:
        p50, p95 = result.percentile(0.50), result.percentile(0.95)
        target = TARGETS_P95_MS.get(result.lines)
        verdict = "—" if target is None else f"≤ {target:.0f} ms {'✅' if p95 <= target else '❌'}"
        failed |= target is not None and p95 > target or result.missing > 0
        print(f"| {result.lines:,} lines | {result.findings} | {result.edits} | {result.open_ms:.0f} ms | {p50:.1f} ms "
              f"| {p95:.1f} ms | {max(result.latencies_ms, default=float('nan')):.1f} ms | {result.missing} "
              f"| {result.cpu_ms_per_edit:.1f} ms | {verdict} |")
    print(f"\nServer start: initialize answered in {initialized_ms:.0f} ms; background indexing of {written} files "
          f"took {indexed_s:.1f} s." + (f" workspace/diagnostic ({documents} files, {findings} findings): "
                                         f"{checked_s:.1f} s, peak RSS {rss_checked:.0f} MB." if documents else ""))
    print(f"Peak RSS (VmHWM): {rss_indexed:.0f} MB with the workspace indexed, {rss_end:.0f} MB after the edits "
          f"(target ≤ {TARGET_RSS_MB:.0f} MB {'✅' if rss_peak <= TARGET_RSS_MB else '❌'})")
    failed |= rss_peak > TARGET_RSS_MB
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "load_average": [load_before[0], load[0]], "files": written,
            "initialize_ms": initialized_ms, "index_s": indexed_s, "workspace_diagnostic_s": checked_s,
            "rss_indexed_mb": rss_indexed, "rss_checked_mb": rss_checked, "rss_end_mb": rss_end,
            "sizes": [{"lines": r.lines, "findings": r.findings, "edits": r.edits, "p50_ms": r.percentile(0.5),
                       "p95_ms": r.percentile(0.95), "max_ms": max(r.latencies_ms, default=None),
                       "missing": r.missing, "open_ms": r.open_ms, "cpu_ms_per_edit": r.cpu_ms_per_edit}
                      for r in results],
        }, indent=2))
    if args.workdir is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
