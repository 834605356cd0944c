"""Server bugs the black-box client and fuzzer found, each pinned by the smallest session that
showed it (raw JSON-RPC client, tests/lsp/blackbox)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lsp.blackbox.session import BlackboxSession, normalised, expected_diagnostics, text_digest

HOST_LINE = 'CACHE_HOST = "localhost"\n'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "services/api/app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.isolint]\n")
    (root / "services/api/Dockerfile").write_text("FROM python:3.11-slim\n")
    return root


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_a_column_past_the_end_of_a_line_means_its_end(root: Path, tmp_path: Path, encoding: str) -> None:
    """pygls' own copy of the document rewrote ``position.character`` of the change in place
    (to the line's length minus one) before the server applied it: the server deleted one
    character less than the client and the two texts went apart for good."""
    session = BlackboxSession(root, tmp_path / "server.log", [encoding])
    document = session.open(root / "services/api/app/settings.py", 'TITLE = "é🎉"\n' + HOST_LINE)
    first_line = document.text.split("\n")[0]
    document.text = "\n" + HOST_LINE  # what the specification says the change below leaves
    session.send_change(document, [{"range": {"start": {"line": 0, "character": 0},
                                              "end": {"line": 0, "character": session.units.length(first_line) + 999}},
                                    "text": ""}])
    assert session.server_digest(document) == text_digest(document.text)
    assert [(d["code"], d["range"]["start"]["line"]) for d in session.diagnostics(document)] == [("ISO101", 1)]
    session.finish()


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x1c", "\x85"])
def test_edits_on_lines_holding_what_splitlines_breaks_at(root: Path, tmp_path: Path, separator: str) -> None:
    """U+2028, form feeds and friends are not line breaks in LSP (nor in Python); pygls' copy
    split lines there, so a column after one lay "past the end" of its line and was moved."""
    session = BlackboxSession(root, tmp_path / "server.log", ["utf-16"])
    text = f'NOTE = "a{separator}b"; CACHE_HOST = "localhost"\n'
    document = session.open(root / "services/api/app/settings.py", text)
    column = text.index("CACHE_HOST")
    session.change(document, [(column, column, "é_ = '🎉'; ")])
    assert session.server_digest(document) == text_digest(document.text)
    got = normalised(session.diagnostics(document))
    assert got == expected_diagnostics(root, [document], session.units)[document.uri]
    assert got and got[0][0] == "ISO101"
    session.finish()


def test_closing_a_document_answers_the_requests_waiting_for_it(root: Path, tmp_path: Path) -> None:
    """A request waiting for a document's analysis got a "cancelled" error when the document
    closed; only the client cancels requests — the server answers (here: nothing to show)."""
    session = BlackboxSession(root, tmp_path / "server.log", ["utf-16"])
    slow = "".join(f'HOST_{n} = "localhost"\n' for n in range(3_000))
    document = session.open(root / "services/api/app/hosts.py", slow)
    waiting = [session.client.send_request("textDocument/hover", {
        "textDocument": {"uri": document.uri}, "position": {"line": n, "character": 10}}) for n in range(3)]
    session.close(document)
    for request_id in waiting:
        response = session.client.wait(request_id, 30)
        assert response.error is None, response.error
        assert response.result is None
    session.finish()


def test_facts_of_a_superseded_analysis_still_recheck_their_readers(tmp_path: Path) -> None:
    """An analysis whose text changed before it landed is discarded, but it had already stored
    the document's new facts in the project index; the next analysis then found nothing changed
    and the other open documents reading those facts were never re-checked (the backend kept a
    near miss the frontend had made ambiguous)."""
    from tests.lsp.blackbox.corpus import copy_monorepo

    root = copy_monorepo(tmp_path / "monorepo")
    session = BlackboxSession(root, tmp_path / "server.log", ["utf-16"], pull=True)
    messages = session.open(root / "services/backend/app/ws/messages.py")
    # the workspace's facts are indexed in the background; the server asks for a refresh when done
    session.client.wait_for(lambda: any(method == "workspace/diagnostic/refresh"
                                        for method, _ in session.client.server_requests), 60, "indexing")
    assert any(d["code"] == "ISO403" and "thread_update`" in d["message"] for d in session.diagnostics(messages))
    # a long file, so that its analysis is still running when the second change arrives
    filler = "".join(f"export const LABEL_{i} = 'é🎉 {i}';\n" for i in range(3_000))
    socket = session.open(root / "frontend/src/ws/touch.ts", filler)
    session.diagnostics(socket)
    send = "export function touch(socket: WebSocket): void {\n" \
           "  socket.send(JSON.stringify({ type: 'thread_updatd', payload: {} }));\n}\n"
    session.change(socket, [(0, 0, send)])  # a new fact: `thread_update` now has two near misses
    session.pull_document(messages)  # a round trip: the analysis of that change has started
    session.change(socket, [(len(socket.text), len(socket.text), "// 🎉\n")])  # no fact changes
    session.diagnostics(socket)  # its re-check of the readers is scheduled once its analysis lands
    got = normalised(session.diagnostics(messages))
    assert got == expected_diagnostics(root, [messages, socket], session.units)[messages.uri]
    assert any(code == "ISO401" and "thread_update`" in message for code, *_, message in got)
    session.finish()
