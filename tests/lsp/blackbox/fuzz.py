"""A seeded fuzzer of editing sessions against ``isolint server``, through the black-box client.

Random edits (valid and invalid Python, half-typed code, huge pastes, binary junk, NUL, lone
surrogates — JSON can carry them as ``\\uD800`` escapes —, form feeds and U+2028, which are not
line breaks in LSP, very long lines, CRLF), several changes per notification, version jumps,
columns past the end of a line (the specification clamps them), random requests (hover, code
actions, resolve, pull diagnostics, commands) on open, closed and unknown documents, half of
them cancelled, and didClose/didOpen churn. The server must never crash or hang (every request
is answered, with a result or as cancelled, within the timeout), never publish a version it was
not sent or an older one than it already published, and at the end its diagnostics must equal
a fresh run's.

    .venv/bin/python -m tests.lsp.blackbox.fuzz --seconds 600 --seed 1     # a long manual run
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.lsp.blackbox.corpus import EXAMPLE_FILES, copy_monorepo, unseen_files
from tests.lsp.blackbox.jsonrpc import CONTENT_MODIFIED, REQUEST_CANCELLED
from tests.lsp.blackbox.session import (
    BlackboxSession,
    ClientDocument,
    Inconsistent,
    apply_text_edits,
    expected_diagnostics,
    normalised,
    parses,
    line_starts,
    position_of,
    split,
    uri_of,
)

#: every request must be answered within this many seconds (huge pastes included)
ANSWER_TIMEOUT = 30.0

PYTHON_SNIPPETS = (
    "localhost", "\n", "\r\n", "é", "🎉", "中文", "👩‍💻", '"', "'", '"""', "(", ")", "[", "{", ":", "    ", "\t",
    "def f(", "x = 1\n", "import os\n", 'HOST = "127.0.0.1"\n', 'os.getenv("REDIS_URL", "redis://localhost")\n',
    "class C:\n    pass\n", "async def g():\n    await session.commit()\n", "# isolint: ignore[ISO101]",
    "  # isolint: ignore", "\\\n", "if True\n", "lambda: (", "f'{", "\x0c", "\u2028", "\ufeff", "\x00",
    "\ud800", "\udfff", "\ud83d", "session = Session(engine)\n", "del os.environ['X']\n", "#", "",
)
OTHER_SNIPPETS = (
    "socket.send(JSON.stringify({ type: 'thread_updatd' }));\n", "case 'agent_paused':", "// ", "/*", "*/",
    "`${", "<div>", "DATABASE_URL=postgres://postgres:postgres@localhost/app_dev\n", "APP_ENV=development\n",
    "DEBUG=true\n", 'SECRET="', "export ", "=", "'",
)


@dataclass
class Stats:
    edits: int = 0
    requests: int = 0
    cancelled: int = 0
    answered_cancelled: int = 0
    reopened: int = 0
    version_jumps: int = 0
    unknown_document_requests: int = 0
    compared_mid_run: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.edits} edits, {self.requests} requests ({self.cancelled} cancelled, "
                f"{self.answered_cancelled} answered as cancelled, {self.unknown_document_requests} on unknown "
                f"or closed documents), {self.reopened} close/reopen, {self.version_jumps} version jumps")


@dataclass
class InFlight:
    method: str
    document: ClientDocument | None
    versions: tuple[int, int]  # the document's version when sent
    cancelled: bool = False


class Fuzzer:
    def __init__(self, session: BlackboxSession, documents: list[ClientDocument], rng: random.Random) -> None:
        self.session = session
        self.documents = documents
        self.rng = rng
        self.stats = Stats()
        self.in_flight: dict[Any, InFlight] = {}
        self.actions: list[tuple[ClientDocument, int, dict]] = []  # code actions to resolve later
        self.jump_next = False

    # -- edits ---------------------------------------------------------------------------------
    def snippet(self, document: ClientDocument) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:  # a huge paste: a few hundred lines of another document
            donor = rng.choice(self.documents).text or "x = 1\n"
            return (donor * (1 + 40_000 // max(len(donor), 1)))[:rng.randrange(5_000, 120_000)]
        if roll < 0.04:  # a very long line
            return rng.choice(["x", "é", "🎉", "localhost "]) * rng.randrange(2_000, 30_000)
        if roll < 0.07:  # binary-ish junk
            return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).decode("latin-1")
        pool = PYTHON_SNIPPETS if document.language_id == "python" else PYTHON_SNIPPETS[:20] + OTHER_SNIPPETS
        return "".join(rng.choice(pool) for _ in range(rng.choice([1, 1, 1, 2, 3])))

    def random_span(self, text: str) -> tuple[int, int]:
        rng = self.rng
        if not text:
            return 0, 0
        start = rng.randrange(len(text) + 1)
        length = rng.choice([0, 0, 1, rng.randrange(1, 40), rng.randrange(1, 400)])
        end = min(len(text), start + length)
        # LSP cannot address the point between the \r and \n of one line break
        return _off_crlf(text, start), _off_crlf(text, end)

    def edit(self, document: ClientDocument) -> None:
        rng = self.rng
        version = None
        if self.jump_next:
            version = document.version + rng.randrange(2, 1_000)
            self.jump_next = False
            self.stats.version_jumps += 1
        roll = rng.random()
        if roll < 0.04:
            self.session.replace_all(document, self.snippet(document) if rng.random() < 0.5 else document.text, version)
        elif roll < 0.12:
            self.past_line_end(document)
        else:
            changes = []
            text = document.text
            for _ in range(rng.choice([1, 1, 1, 2, 4])):
                start, end = self.random_span(text)
                new = self.snippet(document) if rng.random() < 0.8 else ""
                changes.append((start, end, new))
                text = text[:start] + new + text[end:]
            self.session.change(document, changes, version)
        self.stats.edits += 1

    def past_line_end(self, document: ClientDocument) -> None:
        """Replace a whole line's content with a range whose end column lies past the line's
        end: the specification says it means the end of the line (some clients send a large
        column to mean exactly that)."""
        lines = split(document.text)
        line = self.rng.randrange(len(lines))
        begin = line_starts(document.text)[line]
        new_text = self.rng.choice(["", "é🎉", "x = 2", "中文 # 🎉"])
        past = self.session.units.length(lines[line]) + self.rng.choice([1, 50, 10_000])
        document.text = document.text[:begin] + new_text + document.text[begin + len(lines[line]):]
        self.session.send_change(document, [{"range": {"start": {"line": line, "character": 0},
                                                       "end": {"line": line, "character": past}}, "text": new_text}])

    # -- requests ------------------------------------------------------------------------------
    def request(self) -> None:
        rng, session = self.rng, self.session
        roll = rng.random()
        document: ClientDocument | None = rng.choice(self.documents)
        uri = document.uri
        if roll < 0.1:
            uri = uri_of(session.root / f"never_seen_{rng.randrange(100)}.py")
            document = None
            self.stats.unknown_document_requests += 1
        elif uri in session.closed:
            self.stats.unknown_document_requests += 1
        text = document.text if document is not None else "x"
        span = self.random_span(text)
        range_ = {"start": position_of(text, span[0], session.units), "end": position_of(text, span[1], session.units)}
        choice = rng.random()
        if choice < 0.3:
            method, params = "textDocument/hover", {"textDocument": {"uri": uri}, "position": range_["start"]}
        elif choice < 0.6:
            method, params = "textDocument/codeAction", {"textDocument": {"uri": uri}, "range": range_, "context": {
                "diagnostics": [], "only": rng.choice([None, ["quickfix"], ["source.fixAll"], ["source"]])}}
            if params["context"]["only"] is None:
                del params["context"]["only"]
        elif choice < 0.75 and self.actions:
            _, _, action = self.actions.pop(rng.randrange(len(self.actions)))
            method, params = "codeAction/resolve", action
        elif choice < 0.9 and session.pull:
            method, params = "textDocument/diagnostic", {"textDocument": {"uri": uri}}
        elif choice < 0.93 and session.pull:
            method, params = "workspace/diagnostic", {"previousResultIds": []}
        else:
            method, params = "workspace/executeCommand", {"command": "isolint.showDebugInfo", "arguments": [uri]}
        version = document.version if document is not None else 0
        request_id = session.client.send_request(method, params, request_id=f"fuzz-{self.stats.requests}"
                                                 if rng.random() < 0.5 else None)
        self.in_flight[request_id] = InFlight(method, document, (version, version))
        self.stats.requests += 1
        if rng.random() < 0.5:
            if rng.random() < 0.5:
                time.sleep(rng.choice([0, 0.001, 0.01, 0.05]))
            session.client.cancel(request_id)
            self.in_flight[request_id].cancelled = True
            self.stats.cancelled += 1

    def collect(self, wait: bool = False) -> None:
        """Check every answered request; a request older than the timeout is a hang."""
        client = self.session.client
        for request_id, flight in list(self.in_flight.items()):
            pending = client._pending.get(request_id)
            if pending is None:
                continue
            if not pending.done.is_set() and not wait and time.monotonic() - pending.sent <= ANSWER_TIMEOUT:
                continue
            response = client.wait(request_id, max(0.1, ANSWER_TIMEOUT - (time.monotonic() - pending.sent)))
            del self.in_flight[request_id]
            self.check_response(flight, response)

    def check_response(self, flight: InFlight, response) -> None:
        error = response.error
        if error is not None:
            if error.get("code") == REQUEST_CANCELLED and flight.cancelled:
                self.stats.answered_cancelled += 1
                return
            if error.get("code") == CONTENT_MODIFIED:
                return
            raise AssertionError(f"{flight.method} failed: {error}")
        result, document = response.result, flight.document
        if document is None or result is None:
            return
        # The answer describes some version between the one the request was sent for and the
        # current one: it must fit at least one of them.
        texts = [t for v, t in document.history.items() if flight.versions[0] <= v <= document.version]
        if flight.method == "textDocument/codeAction":
            for action in result:
                if not isinstance(action.get("command"), str) and action.get("edit") is None:
                    self.actions.append((document, document.version, action))
                self._fits(texts, [e for e in _edits(action.get("edit"), document.uri)], "code action edit")
        elif flight.method == "codeAction/resolve":
            self._fits(texts, _edits(result.get("edit"), document.uri), "resolved edit")
        elif flight.method == "textDocument/hover" and "range" in result:
            self._fits(texts, [{"range": result["range"], "newText": ""}], "hover range")
        elif flight.method == "textDocument/diagnostic" and result.get("kind") == "full":
            self._fits(texts, [{"range": d["range"], "newText": ""} for d in result["items"]], "pulled diagnostic",
                       overlapping=True)

    def _fits(self, texts: list[str], edits: list[dict], what: str, overlapping: bool = False) -> None:
        if not edits:
            return
        problems = []
        for text in texts:
            try:
                if overlapping:
                    for edit in edits:
                        apply_text_edits(text, [edit], self.session.units, what)
                else:
                    apply_text_edits(text, edits, self.session.units, what)
                return
            except Inconsistent as exc:
                problems.append(str(exc))
        raise Inconsistent(f"{what} fits none of the versions it may describe: {problems[-3:]}")

    # -- open/close churn ----------------------------------------------------------------------
    def churn(self) -> None:
        document = self.rng.choice(self.documents)
        if document.uri in self.session.closed:
            reopened = self.session.open(document.path, document.text if self.rng.random() < 0.7 else None)
            self.documents[self.documents.index(document)] = reopened
            self.stats.reopened += 1
        else:
            self.session.close(document)

    def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        open_documents = [d for d in self.documents if d.uri not in self.session.closed]
        if roll < 0.6 and open_documents:
            self.edit(rng.choice(open_documents))
        elif roll < 0.85:
            self.request()
        elif roll < 0.9:
            self.jump_next = True
        elif roll < 0.95:
            self.churn()
        if rng.random() < 0.3:
            time.sleep(rng.choice([0.001, 0.005, 0.02, 0.1]))
        self.collect()
        if not self.session.client.alive():
            raise AssertionError(f"the server died; stderr:\n{self.session.client.stderr_tail()}")


def _off_crlf(text: str, offset: int) -> int:
    return offset - 1 if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n" else offset


def _edits(edit: dict | None, uri: str) -> list[dict]:
    if not edit:
        return []
    found = [e for change in edit.get("documentChanges") or [] if change["textDocument"]["uri"] == uri
             for e in change["edits"]]
    return found + list((edit.get("changes") or {}).get(uri, []))


def clean(document: ClientDocument) -> bool:
    """A text a fresh run and the server must agree on exactly (no parse error to carry
    findings across, nothing the CLI refuses as binary or undecodable)."""
    text = document.text
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text) or len(text) > 4_000_000:
        return False
    return document.language_id != "python" or parses(text)


def compare(session: BlackboxSession, documents: list[ClientDocument], stage: str) -> None:
    session.settle(0.5, 120)
    for document in documents:
        session.assert_in_sync(document)
    expected = expected_diagnostics(session.root, documents, session.units)

    def final() -> dict:
        return {d.uri: normalised(_final_diagnostics(session, d)) for d in documents}

    session.settle_until(lambda: final() == expected)
    got = final()
    for document in documents:
        if got[document.uri] != expected[document.uri]:
            raise AssertionError(
                f"{stage}: {document.path.relative_to(session.root)} v{document.version} ({session.encoding}) "
                f"differs from a fresh run\nonly server: {sorted(set(got[document.uri]) - set(expected[document.uri]))}\n"
                f"only fresh: {sorted(set(expected[document.uri]) - set(got[document.uri]))}")


def _final_diagnostics(session: BlackboxSession, document: ClientDocument) -> list[dict]:
    if session.pull:
        report = session.pull_document(document)
        return report["items"]
    return session.published(document, timeout=120)


def run_fuzz(workdir: Path, seed: int, encodings: list[str] | None, pull: bool, *, steps: int | None = None,
             seconds: float | None = None) -> Stats:
    """One session of ``steps`` fuzzing steps (reproducible from the seed, as far as the server's
    timing allows) or of ``seconds`` of them (long manual runs)."""
    if (steps is None) == (seconds is None):
        raise ValueError("give either steps or seconds")
    rng = random.Random(seed)
    root = copy_monorepo(workdir / "monorepo")
    originals = {path: path.read_text(encoding="utf-8") for path in
                 [root / rel for rel in EXAMPLE_FILES] + unseen_files(root, seed)}
    session = BlackboxSession(root, workdir / "server.log", encodings, pull=pull, lazy=rng.random() < 0.7,
                              document_changes=rng.random() < 0.5)
    try:
        documents = [session.open(path) for path in originals]
        fuzzer = Fuzzer(session, documents, rng)
        if steps is not None:
            for _ in range(steps):
                fuzzer.step()
        else:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                fuzzer.step()
        fuzzer.collect(wait=True)
        for document in list(fuzzer.documents):
            if document.uri in session.closed and rng.random() < 0.5:
                fuzzer.documents[fuzzer.documents.index(document)] = session.open(document.path, document.text)
        open_documents = [d for d in fuzzer.documents if d.uri not in session.closed]
        session.check_publications()
        # 1. the text as the fuzzing left it, when a fresh run can judge it exactly
        if all(clean(d) for d in open_documents):
            compare(session, open_documents, "as fuzzed")
            fuzzer.stats.compared_mid_run += 1
        # 2. every document back to a text that parses, through one incremental edit each
        for document in open_documents:
            restored = originals[document.path] + ("\n# é 🎉 中文 restored\n" if document.language_id != "dotenv"
                                                   else "\n# é 🎉 中文\nDEBUG=true\n")
            session.change(document, [(0, len(document.text), restored)])
        compare(session, open_documents, "restored")
        session.check_publications()
        for document in fuzzer.documents:
            if document.uri in session.closed and not session.pull:
                last = [n for n in session.client.notifications_of("textDocument/publishDiagnostics")
                        if n.params["uri"] == document.uri][-1]
                assert last.params["diagnostics"] == [], f"closed {document.path.name} keeps diagnostics"
        session.finish()
    except BaseException:
        session.client.kill()
        sys.stderr.write(f"fuzz seed {seed}, encodings {encodings}, pull {pull}; server log: {workdir / 'server.log'}\n")
        raise
    return fuzzer.stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz isolint server with random edits and cancels.")
    parser.add_argument("--seconds", type=float, default=300.0, help="fuzzing time per session")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--sessions", type=int, default=1, help="sessions, each with the next seed")
    args = parser.parse_args(argv)
    first = args.seed if args.seed is not None else random.randrange(1_000_000)
    for seed in range(first, first + args.sessions):
        rng = random.Random(seed)
        encodings = rng.choice([["utf-8"], ["utf-16"], ["utf-32"], None])
        pull = rng.random() < 0.4
        with tempfile.TemporaryDirectory(prefix="isolint-fuzz-") as tmp:
            started = time.monotonic()
            stats = run_fuzz(Path(tmp), seed, encodings, pull, seconds=args.seconds)
            print(f"seed {seed} ({encodings}, {'pull' if pull else 'push'}): {stats.summary()} "
                  f"in {time.monotonic() - started:.0f} s — OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
