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
- ``stream:/chat/send-message``: an HTTP endpoint that streams messages (its handler returns a
  ``StreamingResponse`` or an ``EventSourceResponse``: newline-delimited JSON or Server-Sent
  Events), keyed by its route path with the router's ``prefix``, paired with the frontend files
  that read a stream (``new EventSource(…)``, ``fetchEventSource(…)``, a ``fetch`` body's
  ``getReader()``) and spell a path ending with it, or that call a stream helper with it
  (``client.postStreaming("/chat/send-message", …)``). Such a channel carries messages one
  way, from the backend to the frontend: a backend that dispatches on a ``type`` there reads
  something else (the request, a model's output), and the frontend sends none;
- ``socket.io``: a Socket.IO server (``socketio.AsyncServer``, ``@sio.on``) or client (``io(…)``
  from ``socket.io-client``);
- ``url:status.example.com``: a frontend file that opens a socket or a stream to an absolute URL
  with no path this repository could serve: another host's channel, paired with nothing;
- ``ws:?``: a frontend file that uses a WebSocket whose URL it does not spell out;
- ``ws:served``: a backend file that uses a server-side socket handed to it (``websocket``
  parameters, ``send_json``) with no route in sight.

A file with no route or Socket.IO of its own takes those of the files that import it from
their own package (the module a route hands its socket to) — a file that yields messages (a
generator a streaming endpoint returns) those of any route file importing it — or else of the
files beside it in its folder; only a file
with none of those is on one of the two unnamed channels, and only if it uses a socket at all.
An enum the channel's sends and handlers refer to is on their channel (``catalogue``).
``pairs`` says whether a backend channel and a frontend channel are one channel: a file on no
channel, or on one the other side does not use, anchors no finding.
"""

from __future__ import annotations

import posixpath
import re

from isolint.core.lazy_regex import lazy_compile
from isolint.rules.common.text_search import Alternatives

SOCKET_IO = "socket.io"
UNKNOWN_URL = "ws:?"
HANDED_IN = "ws:served"
ROUTE_PREFIX = "route:"
STREAM_PREFIX = "stream:"
FOREIGN_PREFIX = "url:"

#: ``@router.websocket("/x")``, ``app.websocket_route("/x")``, ``add_websocket_route("/x", …)``,
#: ``WebSocketRoute("/x", …)``
_PYTHON_ROUTE_RE = lazy_compile(
    rb"(?:\.websocket|websocket_route|WebSocketRoute)\s*\(\s*(?:path\s*=\s*)?[rRuUfF]?[\"']([^\"'\n]*)[\"']")
#: a response that streams to the client (newline-delimited JSON or Server-Sent Events), built
#: (also through a subclass named after it, ``_AgentStreamingResponse(…)``, not at the subclass's
#: own ``class`` line) or declared as a handler's return type
_PYTHON_STREAM_RE = lazy_compile(rb"(?<!class )\b\w*(?:StreamingResponse|EventSourceResponse)\s*\(|->\s*(?:[\w.]+\.)?(?:StreamingResponse|EventSourceResponse)\b")
#: the start of a function definition (a stream response belongs to the nearest one above it)
_PYTHON_DEF_RE = lazy_compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]", re.MULTILINE)
#: ``@router.post("/chat/send-message")`` (any HTTP method, ``api_route``, ``route``)
_PYTHON_HTTP_ROUTE_RE = lazy_compile(
    rb"@\s*[\w.]+\.(?:get|post|put|patch|api_route|route)\s*\(\s*(?:path\s*=\s*)?[rRuU]?[\"']([^\"'\n]*)[\"']")
#: ``APIRouter(prefix="/stream")`` / ``Blueprint(…, url_prefix="/api")``
_PYTHON_ROUTER_PREFIX_RE = lazy_compile(rb"\b(?:url_)?prefix\s*=\s*[rRuU]?[\"'](/[^\"'\n]*)[\"']")
#: a Socket.IO server, a handler of one, or the library imported
_PYTHON_SOCKETIO = Alternatives(
    (b"socketio", rb"\bsocketio\.(?:Async)?Server\s*\("),
    (b"sio.", rb"@\s*\w*sio\.(?:on|event)\b"),
    (b"socketio", rb"\bimport\s+socketio\b"),
)
#: ``new WebSocket(`` / ``new ReconnectingWebSocket(`` / ``useWebSocket(``
_TS_OPENS_WEBSOCKET_RE = lazy_compile(rb"\bnew\s+\w*WebSocket\s*\(|\buseWebSocket\s*\(")
_TS_SOCKETIO_RE = lazy_compile(rb"[\"']socket\.io-client[\"']")
#: an absolute URL literal's host: ``'https://status.example.com/feed'``, ```wss://${host}/x```
_TS_ABSOLUTE_URL_RE = lazy_compile(rb"[\"'`](?:https?|wss?)://([\w.\-]+)")
#: a call of a stream helper (``postStreaming``, ``useSSE``, ``streamChat``) whose first argument
#: is a path literal
_TS_STREAM_CALL_RE = lazy_compile(
    rb"\b\w*(?:[Ss]tream|SSE|Sse|EventSource)\w*\s*(?:<[^<>()]*>)?\s*\(\s*[\"'`](/[^\"'`\s]*)[\"'`]")
#: a frontend file that reads an HTTP stream: an ``EventSource`` (or a library's), the body of a
#: ``fetch`` response read chunk by chunk, or a Server-Sent Events helper it calls
#: (``createSSEListener(url)``, ``useSSE(url)``)
_TS_READS_STREAM_RE = lazy_compile(
    rb"\bnew\s+\w*EventSource\w*\s*\(|\bfetchEventSource\s*\(|\.getReader\s*\(|\b\w*(?:SSE|Sse)\w*\s*\(")
#: a URL path inside a string or template literal: ``/seg/${x}/seg`` (at least two characters)
_TS_PATH_RE = lazy_compile(rb"(?<![\w.:/])/(?:[A-Za-z_][\w\-]*|\$\{[^}\n]*\})(?:/(?:[\w\-.]+|\$\{[^}\n]*\}|\{\w+\}))*")
_PARAMETER_RE = lazy_compile(r"^(?:\$\{.*\}|\{.*\}|:\w+|<.*>)$")
#: a file that uses a socket at all (lower-cased text for Python)
_PYTHON_SOCKET_WORDS = (b"websocket", b"send_json", b"receive_json", b"send_text", b"receive_text")
_TS_SOCKET_RE = lazy_compile(rb"WebSocket|socket\.io|EventSource|\.getReader\s*\(")


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
        if _PYTHON_SOCKETIO.occurs(raw):
            channels.add(SOCKET_IO)
    if b"Response" in raw:
        channels.update(STREAM_PREFIX + route for route in streaming_routes(raw))
    return sorted(channels)


def streaming_routes(raw: bytes) -> list[str]:
    """The route paths of the endpoints whose handler returns a streaming response: for each
    ``StreamingResponse(``/``EventSourceResponse(`` (or a ``-> EventSourceResponse`` return
    type), the route decorators of the function it is in, with the router's prefix. A stream
    built in a helper without a route decorator names no endpoint."""
    if b"StreamingResponse" not in raw and b"EventSourceResponse" not in raw:
        return []  # every stream match names one (the regex, without a literal prefix, is slow)
    streams = [match.start() for match in _PYTHON_STREAM_RE.finditer(raw)]
    if not streams:
        return []
    definitions = [match.start() for match in _PYTHON_DEF_RE.finditer(raw)]
    routes_of: dict[int, list[str]] = {}
    for match in _PYTHON_HTTP_ROUTE_RE.finditer(raw):
        decorated = next((start for start in definitions if start > match.start()), None)
        if decorated is not None:
            routes_of.setdefault(decorated, []).append(match.group(1).decode("utf-8", "replace"))
    prefix_match = _PYTHON_ROUTER_PREFIX_RE.search(raw)
    prefix = prefix_match.group(1).decode("utf-8", "replace").rstrip("/") if prefix_match else ""
    routes = set()
    for start in streams:
        enclosing = max((d for d in definitions if d < start), default=None)
        for path in routes_of.get(enclosing, ()) if enclosing is not None else ():
            route = normalized_route(prefix + "/" + path.lstrip("/"))
            if route != "/":
                routes.add(route)
    return sorted(routes)


def typescript_channels(raw: bytes) -> list[str]:
    channels: set[str] = set()
    if b"socket.io" in raw and _TS_SOCKETIO_RE.search(raw):
        channels.add(SOCKET_IO)
    prefixes = []
    if b"WebSocket" in raw and _TS_OPENS_WEBSOCKET_RE.search(raw):
        prefixes.append(ROUTE_PREFIX)
    if (b"EventSource" in raw or b"getReader" in raw or b"SSE" in raw or b"Sse" in raw) \
            and _TS_READS_STREAM_RE.search(raw):
        prefixes.append(STREAM_PREFIX)
    if prefixes:
        paths = {normalized_route(match.group(0).decode("utf-8", "replace")) for match in _TS_PATH_RE.finditer(raw)}
        channels.update(prefix + path for prefix in prefixes for path in paths)
        if not paths:
            # ``new EventSource('https://status.example.com/feed')``: another host's channel,
            # which no endpoint of this repository pairs with
            channels.update(FOREIGN_PREFIX + match.group(1).decode("utf-8", "replace").lower()
                            for match in _TS_ABSOLUTE_URL_RE.finditer(raw))
        if not paths and ROUTE_PREFIX in prefixes and not any(c.startswith(FOREIGN_PREFIX) for c in channels):
            channels.add(UNKNOWN_URL)  # ``new WebSocket(url)``: its own socket, not its folder's
    if b"tream" in raw or b"SSE" in raw or b"Sse" in raw or b"EventSource" in raw:
        # ``client.postStreaming("/workflow/chat", …)``: a stream helper of another file called
        # with the endpoint's path
        channels.update(STREAM_PREFIX + normalized_route(match.group(1).decode("utf-8", "replace"))
                        for match in _TS_STREAM_CALL_RE.finditer(raw))
    return sorted(channels)


def python_uses_socket(raw: bytes) -> bool:
    lowered = raw.lower()
    return any(word in lowered for word in _PYTHON_SOCKET_WORDS)  # a plain ``in`` is many times a regex


def typescript_uses_socket(raw: bytes) -> bool:
    return _TS_SOCKET_RE.search(raw) is not None


def _route_segments(channel: str) -> list[str]:
    return channel.partition(":")[2].strip("/").split("/")


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
    if backend.startswith(STREAM_PREFIX):
        return frontend.startswith(STREAM_PREFIX) and routes_match(backend, frontend)
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


#: the extensions a TypeScript import specifier leaves out, and a folder's index module
_MODULE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mts", "/index.ts", "/index.tsx", "/index.js", "/index.jsx")
#: the path aliases of bundler configurations (``@/hooks/sse``, ``~/lib/x``, ``#/x``)
_ALIAS_PREFIX_RE = re.compile(r"^(?:@|~|#)/")


def resolve_module(specifier: str, importer: str, paths: list[str]) -> str | None:
    """The file among ``paths`` a TypeScript import of ``specifier`` in ``importer`` names: a
    relative specifier exactly; an aliased one (``@/hooks/sse``) by its path's tail, the file
    nearest the importer when several end so. None for a package (``react``) or no match."""
    if specifier.startswith("."):
        base = posixpath.normpath(posixpath.join(folder_of(importer), specifier))
        candidates = {base + suffix for suffix in _MODULE_SUFFIXES}
        return next((path for path in paths if path in candidates), None)
    tail = _ALIAS_PREFIX_RE.sub("", specifier)
    if tail == specifier:
        return None  # a package, or a workspace package's name
    endings = tuple("/" + tail + suffix for suffix in _MODULE_SUFFIXES)
    matches = [path for path in paths if ("/" + path).endswith(endings)]
    if not matches:
        return None
    folder = folder_of(importer) + "/"
    return max(matches, key=lambda path: (len(posixpath.commonprefix([path, folder])), path))


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
                    # a generator of streamed messages serves the endpoints that import it,
                    # wherever it lives
                    if not folder or path.startswith(folder + "/") or (
                            record.get("streams") and any(c.startswith(STREAM_PREFIX) for c in imported_by)):
                        channels |= imported_by
        if not channels:
            channels |= folders.get((record["side"], folder_of(path)), set())
        if not channels and record.get("socket"):
            channels.add(HANDED_IN if path.endswith(".py") else UNKNOWN_URL)
        resolved[path] = frozenset(channels)
    _follow_stream_generators(records, resolved)
    return resolved


def _follow_stream_generators(records: dict[str, dict], resolved: dict[str, frozenset[str]]) -> None:
    """A generator of streamed messages imported by another generator on a stream channel is on
    that channel too (the endpoint returns ``answer()``, which yields from ``search()``, …): a
    few rounds along the imports the generator files record."""
    for _ in range(3):
        importers: dict[str, set[str]] = {}
        for path, record in records.items():
            streams = {c for c in resolved[path] if c.startswith(STREAM_PREFIX)}
            if record.get("streams") and streams:
                for module in record.get("imports", ()):
                    importers.setdefault(module, set()).update(streams)
        grown = False
        for path, record in records.items():
            if not record.get("streams") or any(c.startswith(STREAM_PREFIX) for c in resolved[path]):
                continue
            found = {c for name in module_names(path) for c in importers.get(name, ())}
            if found:
                resolved[path] = frozenset(resolved[path] | found)
                grown = True
        if not grown:
            return


def paired_files(records: dict[str, dict], channels: dict[str, frozenset[str]],
                 backend: str, frontend: str) -> set[str]:
    """The files on a channel both sides use: a backend channel and a frontend channel that
    ``pairs`` accepts. A file the contract's globs name is always paired (the user said so).
    """
    live_backend, live_frontend = live_channels(records, channels, backend, frontend)
    paired = set()
    for path, record in records.items():
        live = live_backend if record["side"] == backend else live_frontend if record["side"] == frontend else None
        if record.get("configured") or live is None or channels[path] & live:
            paired.add(path)
    return paired


_UNNAMED = frozenset({UNKNOWN_URL, HANDED_IN})


def one_way(channels: frozenset[str]) -> bool:
    """Every channel of a file is an HTTP stream: messages only go from the backend to the
    frontend on it."""
    return bool(channels) and all(channel.startswith(STREAM_PREFIX) for channel in channels)


def shares_a_channel(backend_channels: frozenset[str], frontend_channels: frozenset[str],
                     claimed_routes: frozenset[str]) -> bool:
    """Whether a backend file and a frontend file can talk, given their live channels (those
    that pair with one of the other side's): one of them on none, or only on a socket whose URL
    is out of sight (knowledge of unknown place), or a pair of their channels is one channel."""
    if not backend_channels - _UNNAMED or not frontend_channels - _UNNAMED:
        return True
    return any(pairs(b, f, claimed_routes) for b in backend_channels for f in frontend_channels)


def live_channels(records: dict[str, dict], channels: dict[str, frozenset[str]], backend: str,
                  frontend: str) -> tuple[frozenset[str], frozenset[str]]:
    """The backend channels and the frontend channels that pair with one of the other side's."""
    backend_channels = {c for path, record in records.items() if record["side"] == backend for c in channels[path]}
    frontend_channels = {c for path, record in records.items() if record["side"] == frontend for c in channels[path]}
    claimed = claimed_routes(records, channels, backend, frontend)
    return (frozenset(b for b in backend_channels if any(pairs(b, f, claimed) for f in frontend_channels)),
            frozenset(f for f in frontend_channels if any(pairs(b, f, claimed) for b in backend_channels)))


def claimed_routes(records: dict[str, dict], channels: dict[str, frozenset[str]], backend: str,
                   frontend: str) -> frozenset[str]:
    """The backend WebSocket routes some spelled-out frontend URL reaches."""
    backend_channels = {c for path, record in records.items() if record["side"] == backend for c in channels[path]}
    frontend_channels = {c for path, record in records.items() if record["side"] == frontend for c in channels[path]}
    return frozenset(b for b in backend_channels if b.startswith(ROUTE_PREFIX) and any(
        f.startswith(ROUTE_PREFIX) and routes_match(b, f) for f in frontend_channels))
