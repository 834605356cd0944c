"""Random edits and cancelled requests for a few seconds: the server neither crashes nor hangs,
and its final diagnostics equal a fresh check of the final text."""

from __future__ import annotations

import asyncio
import random

from isolint.api import lint_source
from lsprotocol import types

from tests.lsp.support import NEWLINE_RE, profile, start_session, units, write_tree

SEED_TEXT = '''import os

REDIS_HOST = "localhost"  # é🎉 中文
DB_URL = os.environ.get("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app")


def connect(host="127.0.0.1"):
    return host
'''
SNIPPETS = ["localhost", "\n", "é", "🎉", "中", '"', "(", ")", ":", "    ", "def f(", "x = 1\n", "\r\n", "#", ""]
DURATION = 4.0


def _random_range(rng: random.Random, text: str, encoding: str) -> tuple[tuple[int, int], tuple[int, int]]:
    lines = NEWLINE_RE.split(text)
    def position():
        line = rng.randrange(len(lines))
        column = rng.randint(0, len(lines[line]))
        return line, units(lines[line][:column], encoding)
    a, b = position(), position()
    return (a, b) if a <= b else (b, a)


async def test_random_edits_and_cancels(client, tmp_path):
    root = write_tree(tmp_path / "repo", {"pyproject.toml": "[tool.isolint]\n", "services/api/Dockerfile": "FROM x\n",
                                          "services/api/app/__init__.py": ""})
    path = root / "services/api/app/config.py"
    session = await start_session(client, root, profile("neovim", pull=False))  # utf-8, push
    uri = session.open(path, SEED_TEXT)
    rng = random.Random(20240611)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DURATION
    request_id = 0
    while loop.time() < deadline:
        start, end = _random_range(rng, session.texts[uri], session.encoding)
        session.change(uri, start, end, rng.choice(SNIPPETS))
        if rng.random() < 0.3:
            request_id += 1
            method, params = rng.choice([
                (types.TEXT_DOCUMENT_HOVER, types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=start[0], character=start[1]))),
                (types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=types.Range(start=types.Position(*start), end=types.Position(*end)),
                    context=types.CodeActionContext(diagnostics=[]))),
            ])
            future = asyncio.ensure_future(client.protocol.send_request_async(method, params, msg_id=f"fuzz-{request_id}"))
            if rng.random() < 0.5:
                await asyncio.sleep(0)
                client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=f"fuzz-{request_id}"))
            future.add_done_callback(lambda f: f.exception() if not f.cancelled() else None)
        await asyncio.sleep(rng.choice([0, 0, 0.001, 0.01]))
    # The fuzzed text as it ended: the server's view equals a fresh check when it parses
    # (when it does not, the last good findings are carried, plus ISO001).
    last = await session.published(uri, session.versions[uri], timeout=30)
    fresh = lint_source(session.texts[uri], path)
    if fresh.parse_error is None:
        assert _keys(last.diagnostics) == sorted((f.code, f.range.start.line, f.range.end.line) for f in fresh.findings)
    else:
        assert "ISO001" in {d.code for d in last.diagnostics}
    # Back to a text that parses: exactly a fresh run's findings.
    version = session.replace_all(uri, SEED_TEXT + "\nEXTRA = 'localhost'\n")
    published = await session.published(uri, version, timeout=30)
    fresh = lint_source(session.texts[uri], path)
    assert fresh.parse_error is None and len(fresh.findings) >= 3
    assert _keys(published.diagnostics) == sorted((f.code, f.range.start.line, f.range.end.line) for f in fresh.findings)
    # and it still answers
    hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=15))), 10)
    assert hover is not None and "ISO101" in hover.contents.value


def _keys(diagnostics) -> list[tuple[str, int, int]]:
    return sorted((d.code, d.range.start.line, d.range.end.line) for d in diagnostics)
