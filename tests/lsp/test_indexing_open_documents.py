"""Background indexing never replaces an open document's facts with the file's on disk: the
editor's unsaved text wins, so another file's cross-file findings follow the buffer while the
workspace is still being indexed — over stdio against the real server."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from isolint.lsp.indexing import FILES_ON_THE_THREAD
from tests.lsp.support import SERVER_COMMAND, make_client, profile, start_session, write_tree

#: the backend module on disk sends ``thread_update``; the editor's unsaved text sends
#: ``thread_updated``, the kind the frontend handles
ON_DISK = dedent("""
    async def push(websocket, thread):
        await websocket.send_json({"type": "thread_update", "payload": thread})
    """)
UNSAVED = ON_DISK.replace("thread_update", "thread_updated")
FRONTEND = """
    export function listen(ws: WebSocket) {
      ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        switch (message.type) {
          case 'thread_updated':
            return update(message.payload);
        }
      };
    }
    """
#: backend modules with facts of their own (indexing changes some) walked before ``ws.py`` — more
#: than are indexed on the server's thread, so ``ws.py`` is read from disk by the facts process,
#: once the process has started, long after the editor opened it — and after it, so that
#: indexing goes on for a while once it has written ``ws.py``'s facts
FILLERS_BEFORE = FILES_ON_THE_THREAD + 50
FILLERS_AFTER = 2 * FILES_ON_THE_THREAD


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    files = {
        "pyproject.toml": "[project]\nname = 'chat'\n\n[tool.isolint]\n",
        "services/api/requirements.txt": "fastapi\n",
        "services/api/app/__init__.py": "",
        "services/api/app/ws.py": ON_DISK,
        "web/src/socket.ts": FRONTEND,
    }
    fillers = [f"aa_handler_{n}" for n in range(FILLERS_BEFORE)] + [f"zz_handler_{n}" for n in range(FILLERS_AFTER)]
    files.update({f"services/api/app/{name}.py": ON_DISK.replace("thread_update", name) for name in fillers})
    return write_tree(tmp_path / "chat", files)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_indexing_keeps_the_facts_of_an_open_documents_unsaved_text(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    # a document isolint has no rules for is re-published only when indexing ends (every open
    # document is checked again then): the end of indexing, seen from the client
    notes_uri = session.open(workspace / "NOTES.txt", text="notes\n", language_id="plaintext")
    await session.diagnostics(notes_uri)
    py_uri = session.open(workspace / "services/api/app/ws.py", text=UNSAVED)
    await session.diagnostics(py_uri)
    ts_uri = session.open(workspace / "web/src/socket.ts", language_id="typescript")
    checks = 0
    while len(session.recorded.published[notes_uri]) < 2:  # edit the frontend until indexing ends
        assert checks < 5000, "indexing did not end"
        if checks:
            text = session.texts[ts_uri]
            session.replace_all(ts_uri, text[:-1] if text.endswith("\n\n") else text + "\n")
        diagnostics = await session.diagnostics(ts_uri)
        assert [d.message for d in diagnostics] == [], f"check {checks} of the frontend"
        checks += 1
    session.replace_all(ts_uri, session.texts[ts_uri] + "\n")
    assert await session.diagnostics(ts_uri) == []
