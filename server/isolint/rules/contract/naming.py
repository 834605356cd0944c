"""What a WebSocket message type looks like, and when two spellings are the same type drifted.

Shared by both catalogue indexers (Python and TypeScript) and the contract rules, so "is this a
message-type container?" and "is this a near miss?" have one answer everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

from isolint.core.lazy_regex import lazy_compile
from isolint.rules.common.text_search import Alternatives

#: a wire name: identifier-like, optionally dotted/namespaced (``thread_updated``, ``agent:done``)
WIRE_NAME_RE = lazy_compile(r"^[A-Za-z][A-Za-z0-9_.:/\-]{0,79}$")

#: containers (enums, unions, aliases) whose name says they list message types
_MESSAGEISH = r"(message|msg|event|frame|packet|notification|command|signal)"
_KINDISH = r"(types?|kinds?|names?)"
MESSAGE_CONTAINER_RE = lazy_compile(
    rf"{_MESSAGEISH}s?_?{_KINDISH}?$|^(ws|socket|websocket).*{_KINDISH}$", re.IGNORECASE
)
#: names that tie a container to the WebSocket transport itself: strong evidence on their own
WS_NAME_RE = lazy_compile(r"(^|[a-z_])(ws|websocket|socket|realtime|sse)(?=[A-Z_]|$)|websocket|socket", re.IGNORECASE)
#: model/interface names that describe one message (``ThreadUpdatedMessage``, ``WsEvent``)
MESSAGE_MODEL_RE = lazy_compile(rf"{_MESSAGEISH}|payload|^ws|websocket|socket", re.IGNORECASE)

#: text that shows a file talks over a WebSocket (or Socket.IO, or an HTTP stream: Server-Sent
#: Events, a streamed response body), lower-cased:
#: plain substrings first (fast), then the short names that need word boundaries
WS_CONTEXT_SUBSTRINGS = (b"websocket", b"web_socket", b"socket", b"send_json", b"send_text", b"receive_json",
                         b"receive_text", b"onmessage", b"eventsource", b"streamingresponse",
                         b"text/event-stream", b"getreader(")
WS_CONTEXT = Alternatives((b"ws", rb"\bws\b"), (b"sio", rb"\bsio\b"))
WS_PATH_RE = lazy_compile(r"(^|/)(ws|websockets?|sockets?|realtime|channels|socketio|live)(/|$|[._-])", re.IGNORECASE)

#: send calls whose name alone says nothing (``producer.send``, ``queue.push``): they count only
#: on a receiver that looks like a socket or connection (or ``self``/``this`` inside one)
GENERIC_SEND_CALLS = frozenset({"send", "push", "notify", "emit", "publish", "postMessage"})
WS_RECEIVER_RE = lazy_compile(
    r"ws|websocket|socket|sock|conn|connection|client|manager|channel|sio|hub|room|transport|peer|^self$|^this$"
    r"|^sse|^(event_?)?stream$",
    re.IGNORECASE,
)
#: a receiver that is an HTTP stream to the client (``stream.send(…)`` on an SSE stream object)
STREAM_RECEIVER_RE = lazy_compile(r"^sse|^(event_?)?stream$", re.IGNORECASE)

#: events the transport itself defines (Socket.IO's connection events, the WebSocket API's
#: ``open``/``message``/``close``, the generic ``message`` event of ``socket.send``): registering
#: for them or emitting them is connection plumbing, never a message type of the application's
#: contract — ``@sio.on("connect")`` is no type the frontend forgot to send
RESERVED_EVENTS = frozenset({
    "message", "open", "close", "error", "connect", "connection", "disconnect", "disconnecting", "connect_error",
    "reconnect", "reconnect_attempt", "reconnect_error", "reconnect_failed", "reconnecting", "ping", "pong",
    "newListener", "removeListener", "connect_failed", "connect_timeout",
})
#: ASGI's own event namespaces (``websocket.disconnect``, ``http.request``, ``lifespan.startup``):
#: the server framework produces and consumes them, no client of the repository does
TRANSPORT_NAMESPACE_RE = lazy_compile(r"^(websocket|http|lifespan)\.[a-z_.]+$")


def is_transport_event(name: str) -> bool:
    """An event the transport or the server framework defines, never a message type of the
    application's contract."""
    return name in RESERVED_EVENTS or TRANSPORT_NAMESPACE_RE.match(name) is not None


#: words of a receiver that is a socket or the server/client object around one
SOCKET_RECEIVER_WORDS = frozenset({"ws", "wss", "websocket", "socket", "sock", "sio", "socketio", "io", "conn",
                                   "connection", "client", "channel", "hub", "room", "transport", "peer", "self",
                                   "this", "server", "app", "router", "bus", "dispatcher", "emitter"})


def is_socket_receiver(name: str) -> bool:
    """``sio``, ``self.ws``, ``connection`` are; ``cdp_session``, ``event_stream``, ``page``,
    ``process.stdin`` (other protocols, in-process streams) are not."""
    return any(word in SOCKET_RECEIVER_WORDS for word in words(name))

#: an event name that is a generic channel for many message types (``socket.on('ws_message', …)``,
#: ``@sio.on("server_event")``): a ``type`` inside its payload dispatches; inside the handler of
#: one specific event (``'toast'``, ``"feedback"``) the event is dispatched already and ``type``
#: is a payload field
CHANNEL_EVENT_RE = lazy_compile(
    r"^((ws|socket|server|client|app|chat|realtime)[_:.\-]?)?(message|msg|event|update|data|payload|frame|packet"
    r"|notification|command)s?$", re.IGNORECASE)

#: containers named after a state or a status (``V0_WebSocketStatus``, ``ReadyState``,
#: ``SessionStatus``, ``FailureReason``): connection states, lifecycle stages and reasons are values
#: a message may carry, never the message types of a channel
STATE_NAME_RE = lazy_compile(r"(status|state|phase|stage|mode|reason|result|outcome)(es|s)?$", re.IGNORECASE)


def is_state_name(name: str) -> bool:
    return STATE_NAME_RE.search(name) is not None


#: read by any transport around a message; never evidence of a payload mismatch
ENVELOPE_FIELDS = frozenset({
    "type", "id", "message_id", "messageId", "timestamp", "ts", "time", "sent_at", "correlation_id",
    "correlationId", "version", "seq", "sequence", "sender", "source",
})

_WORD_RE = lazy_compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|$)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def is_wire_name(value: str) -> bool:
    return WIRE_NAME_RE.match(value) is not None


def is_ws_context(raw: bytes, rel_path: str) -> bool:
    """True when the file itself shows WebSocket traffic (by text or by its folder/name)."""
    lowered = raw.lower()
    return (any(token in lowered for token in WS_CONTEXT_SUBSTRINGS) or WS_CONTEXT.occurs(lowered)
            or WS_PATH_RE.search(rel_path) is not None)


def words(name: str) -> tuple[str, ...]:
    """``agentCompleted`` / ``agent_completed`` / ``AGENT-COMPLETED`` → ("agent", "completed")."""
    return tuple(word.lower() for part in re.split(r"[_\-.:/\s]+", name) for word in _WORD_RE.findall(part))


def _stem(word: str) -> str:
    """Crude tense/number folding, applied identically to both spellings: ``updated``,
    ``updates``, ``updating`` and ``update`` all become ``updat``."""
    for suffix in ("ing", "ied", "ies", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ied", "ies") else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # stopped → stopp → stop
    return word.rstrip("e") if len(word) > 3 else word


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=65536)
def near_miss(a: str, b: str) -> str | None:
    """Why ``a`` and ``b`` look like one message type spelled two ways, or None.

    Three kinds, strictest first: the same words in another case or separator style; the same
    words in another tense or number; a one-letter slip (two for long names) that is not just a
    different number (``v1``/``v2`` are different types)."""
    if a == b:
        return None
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return None
    if wa == wb:
        return "same words, another case"
    if len(wa) == len(wb) and [_stem(w) for w in wa] == [_stem(w) for w in wb]:
        return "same words, another tense or number"
    ja, jb = "_".join(wa), "_".join(wb)
    if re.sub(r"\d+", "#", ja) == re.sub(r"\d+", "#", jb):
        return None
    shortest = min(len(ja), len(jb))
    limit = 2 if shortest >= 12 else 1 if shortest >= 6 else 0
    if limit and ja[0] == jb[0] and _distance(ja, jb, limit) <= limit:
        return "a small spelling difference"
    return None


REASON_RANK = {"same words, another case": 0, "same words, another tense or number": 1, "a small spelling difference": 2}


def closest_peer_name(name: str, candidates) -> tuple[str, str] | None:
    """The single best near-miss of ``name`` among ``candidates`` as (candidate, reason); None
    when there is none or when two candidates tie (an ambiguous rename is no quick fix)."""
    best: list[tuple[int, str, str]] = []
    for candidate in candidates:
        reason = near_miss(name, candidate)
        if reason is not None:
            best.append((REASON_RANK[reason], candidate, reason))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1], best[0][2]


#: discriminators named after the role of the message they tag (``request_type`` on requests,
#: ``response_type`` on responses): learnable like ``LEARNABLE_KEYS``, read on a variable whose
#: name holds the role (``worker_request.request_type``) or a message-like one
ROLE_KEYS = frozenset({"request_type", "response_type", "reply_type", "command_type"})
#: the classes whose construction the catalogue needs to see: a message model's name (its last
#: word says what it is). A model named otherwise is never judged unconstructed (``constructs``)
CONSTRUCTED_MODEL_RE = lazy_compile(
    r"^[A-Z]\w*[a-z0-9](?:Request|Response|Update|Event|Message|Frame|Packet|Payload|Notification|Chunk)$")
