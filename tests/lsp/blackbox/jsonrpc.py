"""A minimal JSON-RPC 2.0 client over a child process's stdio, written by hand.

Deliberately independent of pygls and pytest-lsp (which share the server's framing and
serialisation code, so a bug in one would hide in the other): headers are parsed and written
here, every message is a plain ``dict``, and responses are matched to requests by id on a
reader thread. It sends what some real clients send and pygls' own client does not (a
``Content-Type`` header, ``ensure_ascii`` bodies with ``\\uXXXX`` escapes, lone surrogates where
JSON allows them) and answers the server's requests the way a plain editor would.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: JSON-RPC error code the LSP specification gives a request the client cancelled
REQUEST_CANCELLED = -32800
CONTENT_MODIFIED = -32801


class ServerDied(AssertionError):
    """The server process exited (or closed its output) while the session was running."""


class NoAnswer(AssertionError):
    """A request got no response within the timeout: the server hangs."""


@dataclass
class Response:
    id: Any
    result: Any = None
    error: dict[str, Any] | None = None
    received: float = 0.0


@dataclass
class Notification:
    method: str
    params: Any
    received: float


@dataclass
class _PendingRequest:
    method: str
    sent: float
    done: threading.Event = field(default_factory=threading.Event)
    response: Response | None = None


def encode_message(message: dict[str, Any], ascii_only: bool = True, content_type: bool = True) -> bytes:
    """One framed message. ``ascii_only`` escapes every non-ASCII character (and can then
    carry lone surrogates, which UTF-8 cannot)."""
    body = json.dumps(message, ensure_ascii=ascii_only, separators=(",", ":")).encode("utf-8")
    header = f"Content-Length: {len(body)}\r\n"
    if content_type:
        header += "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
    return header.encode("ascii") + b"\r\n" + body


def read_message(stream) -> dict[str, Any] | None:
    """The next message from ``stream``; None at end of file. Header names are
    case-insensitive; unknown headers are ignored, as the base protocol says."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        if not line:
            if length is None:
                continue  # stray blank line between messages
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body.decode("utf-8"))


ServerRequestHandler = Callable[[str, Any], Any]


class JsonRpcClient:
    """One server process. Notifications from the server are kept in arrival order; requests
    from the server are answered by ``on_server_request`` (method, params) -> result."""

    def __init__(self, command: list[str], cwd: Path, stderr_path: Path,
                 on_server_request: ServerRequestHandler | None = None, ascii_only: bool = True) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr)
        self.ascii_only = ascii_only
        self.on_server_request = on_server_request or (lambda method, params: None)
        self.notifications: list[Notification] = []
        self.server_requests: list[tuple[str, Any]] = []
        self.protocol_errors: list[str] = []
        self._pending: dict[Any, _PendingRequest] = {}
        self._lock = threading.Condition()
        self._write_lock = threading.Lock()
        self._next_id = 0
        self._eof = False
        self._reader = threading.Thread(target=self._read_forever, name="jsonrpc-reader", daemon=True)
        self._reader.start()

    # -- sending -------------------------------------------------------------------------------
    def _write(self, message: dict[str, Any]) -> float:
        data = encode_message(message, self.ascii_only)
        with self._write_lock:
            if self.process.poll() is not None:
                raise ServerDied(f"server exited with {self.process.returncode}; stderr:\n{self.stderr_tail()}")
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise ServerDied(f"writing to the server failed ({exc}); stderr:\n{self.stderr_tail()}") from exc
        return time.monotonic()

    def send_request_framed(self, method: str, params: Any, frame: Callable[[bytes], bytes]) -> Any:
        """A request whose framing ``frame(body)`` builds (a wrong or absurd Content-Length)."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            self._pending[request_id] = _PendingRequest(method, time.monotonic())
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        self.write_raw(frame(json.dumps(message).encode("utf-8")))
        return request_id

    def write_raw(self, data: bytes) -> None:
        """Bytes as they are: framing that a broken client could send."""
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def close_input(self) -> None:
        """Close the server's stdin, as a client that went away without a word."""
        with self._write_lock:
            self.process.stdin.close()

    def _write_quietly(self, message: dict[str, Any]) -> None:
        try:
            self._write(message)
        except ServerDied:
            pass

    def notify(self, method: str, params: Any = None) -> float:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        return self._write(message)

    def send_request(self, method: str, params: Any = None, request_id: Any = None) -> Any:
        """Send a request without waiting; returns its id (ints by default, strings allowed)."""
        with self._lock:
            if request_id is None:
                self._next_id += 1
                request_id = self._next_id
            pending = _PendingRequest(method, time.monotonic())
            self._pending[request_id] = pending
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        pending.sent = self._write(message)
        return request_id

    def cancel(self, request_id: Any) -> None:
        self.notify("$/cancelRequest", {"id": request_id})

    def wait(self, request_id: Any, timeout: float) -> Response:
        """The response to a request; raises NoAnswer when none arrives in time."""
        with self._lock:
            pending = self._pending[request_id]
        if not pending.done.wait(timeout):
            self._raise_if_dead()
            raise NoAnswer(f"no answer to {pending.method} (id {request_id}) within {timeout} s; "
                           f"stderr:\n{self.stderr_tail()}")
        assert pending.response is not None
        with self._lock:
            self._pending.pop(request_id, None)
        return pending.response

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """Send and wait; a JSON-RPC error raises AssertionError naming it."""
        response = self.wait(self.send_request(method, params), timeout)
        if response.error is not None:
            raise AssertionError(f"{method} failed: {response.error}")
        return response.result

    def unanswered(self) -> list[tuple[Any, str]]:
        with self._lock:
            return [(rid, p.method) for rid, p in self._pending.items() if not p.done.is_set()]

    # -- receiving -----------------------------------------------------------------------------
    def _read_forever(self) -> None:
        stream = self.process.stdout
        try:
            while True:
                try:
                    message = read_message(stream)
                except (ValueError, UnicodeDecodeError) as exc:
                    self.protocol_errors.append(f"unreadable message from the server: {exc!r}")
                    continue
                if message is None:
                    break
                self._dispatch(message, time.monotonic())
        finally:
            with self._lock:
                self._eof = True
                self._lock.notify_all()

    def _dispatch(self, message: dict[str, Any], received: float) -> None:
        if message.get("jsonrpc") != "2.0":
            self.protocol_errors.append(f"message without jsonrpc 2.0: {str(message)[:200]}")
        if "method" in message and "id" in message:
            method, params = message["method"], message.get("params")
            self.server_requests.append((method, params))
            try:
                reply = {"jsonrpc": "2.0", "id": message["id"], "result": self.on_server_request(method, params)}
            except Exception as exc:  # the client's own failure becomes the server's error response
                reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32603, "message": repr(exc)}}
            # Never write from the reader thread: while another thread's write waits for the
            # server to read, the server may be waiting for this thread to read (a deadlock).
            threading.Thread(target=self._write_quietly, args=(reply,), daemon=True).start()
            return
        if "method" in message:
            with self._lock:
                self.notifications.append(Notification(message["method"], message.get("params"), received))
                self._lock.notify_all()
            return
        with self._lock:
            pending = self._pending.get(message.get("id"))
            if pending is None:
                self.protocol_errors.append(f"response to an unknown request: {str(message)[:200]}")
                return
            if pending.done.is_set():
                self.protocol_errors.append(f"second response to request {message.get('id')}")
                return
            if ("result" in message) == ("error" in message):
                self.protocol_errors.append(f"response needs exactly one of result/error: {str(message)[:200]}")
            pending.response = Response(message.get("id"), message.get("result"), message.get("error"), received)
            pending.done.set()
            self._lock.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        """Block until ``predicate()`` (evaluated under the lock on every message) is truthy."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise NoAnswer(f"timed out after {timeout} s waiting for {what}; stderr:\n{self.stderr_tail()}")
                if self._eof:
                    raise ServerDied(f"server closed its output while waiting for {what}; stderr:\n"
                                     f"{self.stderr_tail()}")
                self._lock.wait(min(remaining, 0.5))

    def notifications_of(self, method: str) -> list[Notification]:
        with self._lock:
            return [n for n in self.notifications if n.method == method]

    # -- life cycle ----------------------------------------------------------------------------
    def _raise_if_dead(self) -> None:
        if self.process.poll() is not None:
            raise ServerDied(f"server exited with {self.process.returncode}; stderr:\n{self.stderr_tail()}")

    def alive(self) -> bool:
        return self.process.poll() is None and not self._eof

    def stderr_text(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stderr_tail(self, limit: int = 4000) -> str:
        return self.stderr_text()[-limit:]

    def shutdown(self, timeout: float = 15.0) -> int:
        """``shutdown`` then ``exit``; returns the exit code (kills a server that lingers)."""
        try:
            if self.alive():
                self.request("shutdown", None, timeout)
                self.notify("exit")
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout)
        finally:
            self._reader.join(timeout)
            self._stderr.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._stderr.close()
