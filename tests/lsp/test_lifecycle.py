"""The protocol's life cycle and framing as a careless or broken client meets them: the real
server over stdio, driven by the hand-written JSON-RPC client (tests/lsp/blackbox), which
frames bytes itself and so can get the framing wrong on purpose.

Every wait is bounded and ends on an event the server produces (a response, its exit, a log
line), never on a fixed sleep.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.blackbox.jsonrpc import JsonRpcClient
from tests.lsp.blackbox.session import uri_of

SERVER = [sys.executable, "-m", "isolint", "server", "--log-level", "INFO"]
NOT_INITIALIZED, INVALID_REQUEST, INVALID_PARAMS = -32002, -32600, -32602
BUDGET = 30.0  # seconds: a bound for a hang on a loaded machine, not a speed target


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "services/api/app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.isolint]\n")
    (root / "services/api/Dockerfile").write_text("FROM python:3.11-slim\n")
    (root / "services/api/app/settings.py").write_text('CACHE_HOST = "localhost"\n')
    return root


@pytest.fixture
def server(root: Path, tmp_path: Path) -> Iterator[JsonRpcClient]:
    client = JsonRpcClient(SERVER, cwd=root, stderr_path=tmp_path / "server.log")
    yield client
    client.kill()


def initialize(client: JsonRpcClient, root: Path, process_id: int | None = None) -> dict:
    result = client.request("initialize", {
        "processId": process_id, "rootUri": uri_of(root),
        "workspaceFolders": [{"uri": uri_of(root), "name": root.name}], "capabilities": {}}, BUDGET)
    client.notify("initialized", {})
    return result


def error_of(client: JsonRpcClient, method: str, params: object = None) -> dict:
    response = client.wait(client.send_request(method, params), BUDGET)
    assert response.error is not None, f"{method} was served: {response.result!r}"
    return response.error


def debug_info(client: JsonRpcClient) -> str:
    return client.request("workspace/executeCommand", {"command": "isolint.showDebugInfo", "arguments": []}, BUDGET)


def exit_code(client: JsonRpcClient) -> int:
    return client.process.wait(BUDGET)


def assert_clean_log(client: JsonRpcClient) -> None:
    log = client.stderr_text()
    assert "Traceback" not in log, log[-4000:]
    assert not client.protocol_errors, client.protocol_errors


# -- before initialize ---------------------------------------------------------------------------
def test_requests_before_initialize_are_refused_and_notifications_dropped(server, root):
    assert error_of(server, "textDocument/hover", {
        "textDocument": {"uri": uri_of(root / "a.py")}, "position": {"line": 0, "character": 0}})["code"] == NOT_INITIALIZED
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri_of(root / "services/api/app/settings.py"), "languageId": "python", "version": 1,
        "text": 'CACHE_HOST = "localhost"\n'}})
    assert error_of(server, "workspace/executeCommand", {"command": "isolint.showDebugInfo"})["code"] == NOT_INITIALIZED
    result = initialize(server, root)
    assert "hoverProvider" in result["capabilities"]
    assert "open documents: 0" in debug_info(server), "a didOpen sent before initialize was served"
    assert not server.notifications_of("textDocument/publishDiagnostics")
    assert server.shutdown() == 0
    assert_clean_log(server)


def test_a_shutdown_before_initialize_is_refused_and_initialize_still_answered(server, root):
    assert error_of(server, "shutdown")["code"] == NOT_INITIALIZED
    assert initialize(server, root)["serverInfo"]["name"] == "isolint"
    assert "open documents: 0" in debug_info(server)
    assert server.shutdown() == 0
    assert_clean_log(server)


def test_exit_before_initialize_leaves_with_1(server):
    server.notify("exit")
    assert exit_code(server) == 1


def test_a_second_initialize_is_refused(server, root):
    initialize(server, root)
    assert error_of(server, "initialize", {"processId": None, "capabilities": {}})["code"] == INVALID_REQUEST
    assert server.shutdown() == 0


# -- invalid params ------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "params"), [
    ("textDocument/hover", {}),
    ("textDocument/hover", {"textDocument": 5, "position": {"line": 0, "character": 0}}),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///a.py"}, "range": "everything", "context": {}}),
    ("textDocument/diagnostic", None),
    ("workspace/executeCommand", {"arguments": []}),
    ("workspace/executeCommand", {"command": "isolint.noSuchCommand"}),
])
def test_a_request_with_invalid_params_is_answered_with_invalid_params(server, root, method, params):
    initialize(server, root)
    error = error_of(server, method, params)
    assert error["code"] == INVALID_PARAMS, error
    assert error["message"].strip(), error
    # the server goes on, and says nothing about it in a popup
    assert "isolint 0." in debug_info(server) or "isolint " in debug_info(server)
    assert not [n for n in server.notifications_of("window/showMessage") if "Error in server" in str(n.params)]
    assert server.shutdown() == 0
    assert_clean_log(server)


def test_a_notification_with_invalid_params_is_dropped(server, root):
    initialize(server, root)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
    server.notify("textDocument/didChange", None)
    assert "open documents: 0" in debug_info(server)
    assert server.shutdown() == 0
    assert_clean_log(server)


# -- shutdown and exit ---------------------------------------------------------------------------
def test_requests_after_shutdown_are_invalid_requests_and_exit_leaves_with_0(server, root):
    initialize(server, root)
    assert server.request("shutdown", None, BUDGET) is None
    assert error_of(server, "textDocument/hover", {
        "textDocument": {"uri": uri_of(root / "a.py")}, "position": {"line": 0, "character": 0}})["code"] == INVALID_REQUEST
    assert error_of(server, "shutdown")["code"] == INVALID_REQUEST
    server.notify("exit")
    assert exit_code(server) == 0
    assert_clean_log(server)


def test_exit_without_shutdown_leaves_with_1(server, root):
    initialize(server, root)
    server.notify("exit")
    assert exit_code(server) == 1


def test_a_closed_stdin_ends_the_server(server, root):
    initialize(server, root)
    server.close_input()
    assert exit_code(server) == 1  # no shutdown came first


def test_the_server_leaves_when_its_client_process_dies(server, root):
    client_process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        initialize(server, root, process_id=client_process.pid)
        assert "open documents: 0" in debug_info(server)  # alive while its client is
    finally:
        client_process.kill()
        client_process.wait(BUDGET)
    assert exit_code(server) == 1
    assert f"client process {client_process.pid} is gone" in server.stderr_text()


def test_shutdown_interrupts_the_indexing_of_a_large_workspace(root, tmp_path):
    """Indexing checks between two files whether the server is leaving: shutdown and exit
    sent while it runs end the process without waiting for the rest of the workspace."""
    module = "".join(f"def handler_{n}(event):\n    return event.get('key_{n}')\n\n" for n in range(40))
    for package in range(60):
        folder = root / f"services/api/app/pkg{package}"
        folder.mkdir()
        for name in range(50):
            (folder / f"mod{name}.py").write_text(module)
    client = JsonRpcClient(SERVER, cwd=root, stderr_path=tmp_path / "server.log")
    try:
        initialize(client, root)
        client.wait_for(lambda: "indexing started" in client.stderr_text(), BUDGET, "indexing to start")
        assert client.request("shutdown", None, BUDGET) is None
        client.notify("exit")
        assert exit_code(client) == 0
        log = client.stderr_text()
        # indexing never finished: stopped between two files, or left behind inside one
        assert "indexing done" not in log, log[-3000:]
        assert "indexing interrupted after" in log or "still running" in log, log[-3000:]
        assert "Traceback" not in log, log[-4000:]
    finally:
        client.kill()


def test_the_workspace_is_indexed_by_a_process_of_lower_priority_that_leaves_with_the_server(root, tmp_path):
    """Indexing parses every file of the workspace; in a process of its own, at a lower
    priority, it never holds the interpreter lock a keystroke's analysis needs, and it is
    gone as soon as the server is."""
    module = "".join(f"def handler_{n}(event):\n    return event.get('key_{n}')\n\n" for n in range(40))
    for package in range(30):
        folder = root / f"services/api/app/pkg{package}"
        folder.mkdir()
        for name in range(50):
            (folder / f"mod{name}.py").write_text(module)
    client = JsonRpcClient(SERVER, cwd=root, stderr_path=tmp_path / "server.log")
    try:
        initialize(client, root)
        found = client.wait_for(lambda: re.search(r"indexing in process (\d+)", client.stderr_text()), BUDGET,
                                "the indexing process")
        indexer = int(found.group(1))
        server_niceness = _niceness(client.process.pid)
        client.wait_for(lambda: _niceness(indexer) > server_niceness, BUDGET, "the indexing process to yield the CPU")
        assert client.request("shutdown", None, BUDGET) is None
        client.notify("exit")
        assert exit_code(client) == 0
        client.wait_for(lambda: not Path(f"/proc/{indexer}").exists(), BUDGET, "the indexing process to be gone")
        assert "Traceback" not in client.stderr_text()
    finally:
        client.kill()


def _niceness(pid: int) -> int:
    """The scheduling niceness of a process (``/proc/PID/stat``, field 19)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[16])


# -- framing ---------------------------------------------------------------------------------------
def _frame(length: bytes):
    return lambda body: b"Content-Length: " + length + b"\r\n\r\n" + body


@pytest.mark.parametrize("length", [
    b"99999999999999999999", b"-5", b"twelve", b"", b"1e3",
])
def test_an_unusable_content_length_is_survived(server, root, length):
    """The message is read up to the next header, or taken as it is once the client pauses."""
    initialize(server, root)
    request_id = server.send_request_framed("workspace/executeCommand",
                                            {"command": "isolint.showDebugInfo", "arguments": []}, _frame(length))
    response = server.wait(request_id, BUDGET)
    assert response.error is None and "isolint" in response.result
    assert "isolint" in debug_info(server)
    assert server.shutdown() == 0
    assert_clean_log(server)


@pytest.mark.parametrize("delta", [-7, -1, 1, 25])
def test_a_wrong_content_length_does_not_desynchronise_the_stream(server, root, delta):
    """Too short: the rest of the body comes before the next header; too long: the next
    header comes inside the declared body. Either way both messages are answered."""
    initialize(server, root)
    params = {"command": "isolint.showDebugInfo", "arguments": []}
    wrong = server.send_request_framed("workspace/executeCommand", params,
                                       lambda body: b"Content-Length: %d\r\n\r\n" % (len(body) + delta) + body)
    right = server.send_request("workspace/executeCommand", params)
    for request_id in (wrong, right):
        response = server.wait(request_id, BUDGET)
        assert response.error is None and "isolint" in response.result, response
    assert server.shutdown() == 0
    assert_clean_log(server)


def test_bytes_that_are_not_json_get_a_parse_error_and_the_stream_goes_on(server, root):
    initialize(server, root)
    server.write_raw(b"Content-Length: 9\r\n\r\n{not json")
    server.write_raw(b"garbage between messages\r\n\r\n")
    assert "isolint" in debug_info(server)
    # the parse error's response has a null id (JSON-RPC): no request of this client matches it
    server.wait_for(lambda: any("-32700" in error for error in server.protocol_errors), BUDGET, "the parse error")
    assert server.shutdown() == 0
    log = server.stderr_text()
    assert "Traceback" not in log, log[-4000:]
    assert "not valid JSON" in log
    assert all("unknown request" in error and "-32700" in error for error in server.protocol_errors)


def test_os_kill_probe_is_harmless_to_a_live_process():
    """The client watch probes with signal 0 (Unix): the probed process must live on."""
    from isolint.lsp.lifecycle import client_alive

    assert client_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        assert client_alive(child.pid)
        assert child.poll() is None
    finally:
        child.kill()
        child.wait(BUDGET)
    assert not client_alive(child.pid)
