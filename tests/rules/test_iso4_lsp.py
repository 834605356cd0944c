"""The contract in the editor: renaming a message type in an open ``.py`` file re-checks the
open ``.ts`` file (its rules read the changed fact kinds) — the issue's third criterion, over
stdio against the real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.support import SERVER_COMMAND, client_position, make_client, profile, start_session, write_tree

WORKSPACE = {
    "pyproject.toml": "[project]\nname = 'chat'\n\n[tool.isolint]\n",
    "services/api/requirements.txt": "fastapi\n",
    "services/api/app/__init__.py": "",
    "services/api/app/ws.py": """
        from enum import Enum


        class MessageType(str, Enum):
            THREAD_CREATED = "thread_created"
            THREAD_UPDATE = "thread_update"


        async def push(websocket, thread):
            await websocket.send_json({"type": MessageType.THREAD_UPDATE, "payload": thread})
        """,
    "web/src/socket.ts": """
        export function listen(ws: WebSocket) {
          ws.onmessage = (event) => {
            const message = JSON.parse(event.data);
            switch (message.type) {
              case 'thread_created':
                return add(message.payload);
              case 'thread_updated':
                return update(message.payload);
            }
          };
        }
        """,
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "chat", WORKSPACE)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("name", ["vscode", "neovim"])
async def test_renaming_a_python_message_type_updates_the_open_typescript_file(client, workspace, name):
    session = await start_session(client, workspace, profile(name))
    ts_uri = session.open(workspace / "web/src/socket.ts", language_id="typescript")
    diagnostics = await session.diagnostics(ts_uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("ISO403", 6)]
    py_uri = session.open(workspace / "services/api/app/ws.py")
    await session.diagnostics(py_uri)

    start = client_position(session.texts[py_uri], '"thread_update"', session.encoding)
    published_before = len(session.recorded.published.get(ts_uri, []))
    session.change(py_uri, (start.line, start.character + 1), (start.line, start.character + 14), "thread_updated")
    if session.pull:
        for _ in range(100):  # the server refreshes pull clients; re-pull until the .ts agrees
            if not await session.diagnostics(ts_uri):
                break
            await asyncio.sleep(0.05)
        assert await session.diagnostics(ts_uri) == []
    else:
        for _ in range(200):
            latest = session.recorded.published.get(ts_uri, [])
            if len(latest) > published_before and not latest[-1].diagnostics:
                break
            await asyncio.sleep(0.05)
        assert list(session.recorded.published[ts_uri][-1].diagnostics) == []
