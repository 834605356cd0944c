"""Which message channel a file is on, so the catalogue pairs senders and receivers per channel.

A repository has several channels that carry "message types": the application's own WebSocket
endpoints, Socket.IO, but also the browser's DevTools protocol, a browser extension's runtime
messages, a provider's stream events, the kernel protocol of a notebook, ASGI's own events. Only
the first kind is a contract between this repository's backend and frontend, and only where
both ends can be seen. So each file gets the channel keys it shows from its own text:

- ``route:/stream/messages/*``: an endpoint the backend declares
  (``@router.websocket("/stream/messages/{id}")``, ``WebSocketRoute("/ws")``) or a URL path a
  frontend file that opens a WebSocket builds (```${base}/stream/messages/${id}?…```), path
  parameters of either spelling folded to ``*``;
- ``socket.io``: a Socket.IO server (``socketio.AsyncServer``, ``@sio.on``) or client (``io(…)``
  from ``socket.io-client``);
- ``ws:?``: a frontend file that uses a WebSocket whose URL it does not spell out;
- ``ws:served``: a backend file that uses a server-side socket handed to it (``websocket``
  parameters, ``send_json``) with no route in sight.

A file with no route or Socket.IO of its own takes those of the files that import it from
their own package (the module a route hands its socket to) or else of the files beside it in
its folder; only a file
with none of those is on one of the two unnamed channels, and only if it uses a socket at all.
An enum the channel's sends and handlers refer to is on their channel (``catalogue``).
``pairs`` says whether a backend channel and a frontend channel are one channel: a file on no
channel, or on one the other side does not use, anchors no finding.
"""

from __future__ import annotations

import posixpath
import re

SOCKET_IO = "socket.io"
UNKNOWN_URL = "ws:?"
HANDED_IN = "ws:served"
ROUTE_PREFIX = "route:"

#: ``@router.websocket("/x")``, ``app.websocket_route("/x")``, ``add_websocket_route("/x", …)``,
#: ``WebSocketRoute("/x", …)``
_PYTHON_ROUTE_RE = re.compile(
    rb"(?:\.websocket|websocket_route|WebSocketRoute)\s*\(\s*(?:path\s*=\s*)?[rRuUfF]?[\"']([^\"'\n]*)[\"']")
_PYTHON_SOCKETIO_RE = re.compile(rb"\bsocketio\.(?:Async)?Server\s*\(|@\s*\w*sio\.(?:on|event)\b|\bimport\s+socketio\b")
#: ``new WebSocket(`` / ``new ReconnectingWebSocket(`` / ``useWebSocket(``
_TS_OPENS_WEBSOCKET_RE = re.compile(rb"\bnew\s+\w*WebSocket\s*\(|\buseWebSocket\s*\(")
_TS_SOCKETIO_RE = re.compile(rb"[\"']socket\.io-client[\"']")
#: a URL path inside a string or template literal: ``/seg/${x}/seg`` (at least two characters)
_TS_PATH_RE = re.compile(rb"(?<![\w.:/])/(?:[A-Za-z_][\w\-]*|\$\{[^}\n]*\})(?:/(?:[\w\-.]+|\$\{[^}\n]*\}|\{\w+\}))*")
_PARAMETER_RE = re.compile(r"^(?:\$\{.*\}|\{.*\}|:\w+|<.*>)$")
#: a file that uses a socket at all (lower-cased text for Python)
_PYTHON_SOCKET_RE = re.compile(rb"websocket|send_json|receive_json|send_text|receive_text")
_TS_SOCKET_RE = re.compile(rb"WebSocket|socket\.io")


def normalized_route(path: str) -> str:
    """``/stream/messages/{id}`` and ``/stream/messages/${runId}`` → ``/stream/messages/*``."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    segments = [("*" if _PARAMETER_RE.match(segment) else segment) for segment in path.strip("/").split("/") if segment]
    return "/" + "/".join(segments)


def python_channels(raw: bytes) -> list[str]:
    channels: set[str] = set()
    if b"ebsocket" in raw or b"WebSocketRoute" in raw:
        channels.update(ROUTE_PREFIX + normalized_route(match.group(1).decode("utf-8", "replace"))
                        for match in _PYTHON_ROUTE_RE.finditer(raw))
    if b"socketio" in raw or b"sio" in raw:
        if _PYTHON_SOCKETIO_RE.search(raw):
            channels.add(SOCKET_IO)
    return sorted(channels)


def typescript_channels(raw: bytes) -> list[str]:
    channels: set[str] = set()
    if b"socket.io" in raw and _TS_SOCKETIO_RE.search(raw):
        channels.add(SOCKET_IO)
    if b"WebSocket" in raw and _TS_OPENS_WEBSOCKET_RE.search(raw):
        channels.update(ROUTE_PREFIX + normalized_route(match.group(0).decode("utf-8", "replace"))
                        for match in _TS_PATH_RE.finditer(raw))
    return sorted(channels)


def python_uses_socket(raw: bytes) -> bool:
    return _PYTHON_SOCKET_RE.search(raw.lower()) is not None


def typescript_uses_socket(raw: bytes) -> bool:
    return _TS_SOCKET_RE.search(raw) is not None


def _route_segments(channel: str) -> list[str]:
    return channel[len(ROUTE_PREFIX):].strip("/").split("/")


def routes_match(backend: str, frontend: str) -> bool:
    """One endpoint: the frontend's path ends with the backend's (a mount prefix such as
    ``/api/v1`` may precede it), parameters matching any segment."""
    declared, built = _route_segments(backend), _route_segments(frontend)
    if not declared or declared == [""] or len(built) < len(declared):
        return False
    tail = built[len(built) - len(declared):]
    return all(a == b or a == "*" or b == "*" for a, b in zip(declared, tail)) \
        and any(a == b and a != "*" for a, b in zip(declared, tail))


def pairs(backend: str, frontend: str, claimed_routes: frozenset[str]) -> bool:
    """Whether a backend channel and a frontend channel are one channel. A frontend WebSocket
    whose URL is not spelled out pairs with any endpoint no spelled-out URL claims, and with a
    backend socket handed in from a route out of sight."""
    if backend == SOCKET_IO or frontend == SOCKET_IO:
        return backend == frontend
    if backend == HANDED_IN:
        return frontend == UNKNOWN_URL
    if not backend.startswith(ROUTE_PREFIX):
        return False
    if frontend == UNKNOWN_URL:
        return backend not in claimed_routes
    return frontend.startswith(ROUTE_PREFIX) and routes_match(backend, frontend)


def folder_of(path: str) -> str:
    return posixpath.dirname(path)


def module_names(path: str) -> list[str]:
    """The dotted names a Python file can be imported under, longest first
    (``services/api/app/ws.py`` → ``services.api.app.ws``, ``api.app.ws``, ``app.ws``, ``ws``)."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = stem.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[index:]) for index in range(len(parts))]


def file_channels(records: dict[str, dict]) -> dict[str, frozenset[str]]:
    """Each file's channels: its own; else those of the channel files that import it from their
    own package (Python: the module a route hands its socket to, not the schemas and helpers it
    also imports); else those of the channel files in its folder, on its side."""
    own = {path: frozenset(record.get("channels", ())) for path, record in records.items()}
    importers: dict[str, list[tuple[str, frozenset[str]]]] = {}
    folders: dict[tuple[str, str], set[str]] = {}
    for path, record in records.items():
        if not own[path]:
            continue
        folders.setdefault((record["side"], folder_of(path)), set()).update(own[path])
        for module in record.get("imports", ()):
            importers.setdefault(module, []).append((folder_of(path), own[path]))
    resolved: dict[str, frozenset[str]] = {}
    for path, record in records.items():
        channels = set(own[path])
        if not channels and path.endswith(".py"):
            for name in module_names(path):
                for folder, imported_by in importers.get(name, ()):
                    if not folder or path.startswith(folder + "/"):
                        channels |= imported_by
        if not channels:
            channels |= folders.get((record["side"], folder_of(path)), set())
        if not channels and record.get("socket"):
            channels.add(HANDED_IN if path.endswith(".py") else UNKNOWN_URL)
        resolved[path] = frozenset(channels)
    return resolved


def paired_files(records: dict[str, dict], channels: dict[str, frozenset[str]],
                 backend: str, frontend: str) -> set[str]:
    """The files on a channel both sides use: a backend channel and a frontend channel that
    ``pairs`` accepts. A file the contract's globs name is always paired (the user said so).
    """
    backend_channels = {c for path, record in records.items() if record["side"] == backend for c in channels[path]}
    frontend_channels = {c for path, record in records.items() if record["side"] == frontend for c in channels[path]}
    claimed = frozenset(b for b in backend_channels if b.startswith(ROUTE_PREFIX) and any(
        f.startswith(ROUTE_PREFIX) and routes_match(b, f) for f in frontend_channels))
    live_backend = {b for b in backend_channels if any(pairs(b, f, claimed) for f in frontend_channels)}
    live_frontend = {f for f in frontend_channels if any(pairs(b, f, claimed) for b in backend_channels)}
    paired = set()
    for path, record in records.items():
        live = live_backend if record["side"] == backend else live_frontend if record["side"] == frontend else None
        if record.get("configured") or live is None or channels[path] & live:
            paired.add(path)
    return paired
