"""The backend's half of the WebSocket message catalogue, read from one Python ``ast``.

Evidence, strongest first: ``Enum``/``StrEnum`` classes and ``Literal`` aliases named after
message types; pydantic models / TypedDicts with a ``type: Literal["…"]`` discriminator;
``{"type": "…"}`` dicts (or ``Model(type=…)`` calls) handed to a send call (``send_json``,
``broadcast``, ``emit`` …), directly or through a local variable; handler registrations
(decorators, ``register_handler("…", fn)``, handler tables); ``if msg_type == "…"`` /
``in (…)`` / ``match`` dispatch on a received message's type, with the payload fields each
branch reads; mapping tables between backend and frontend spellings.

Only files that show WebSocket traffic produce *strong* entries (see ``catalogue``); elsewhere
the same shapes are kept as weak knowledge, because ``{"type": "text"}`` is everywhere in
real code and must never anchor a finding on its own.

What is *not* the contract, because real code is full of it (each measured on real projects):

- traffic with someone else's server: a file that only opens client connections
  (``websockets.connect``, aiohttp's ``ws_connect``, ``open_connection``) and serves none talks
  to a wallet node, an exchange or an LLM API, not to our frontend — its entries are weak; in a
  file that does both, sends on a socket bound from such a connect are skipped;
- the transport's own events (``@sio.on("connect")``, ``"disconnect"``: ``RESERVED_EVENTS``);
- ``.type`` read inside a handler registered for one specific event (``@sio.on("toast")``): the
  event is already dispatched, so ``data["type"] == "info"`` compares a payload field;
- a bare ``type`` variable bound from something that is no message (``kind = request.query…``);
- the string default of a ``type`` field whose annotation is a wider type alias, or of an
  abstract base class: ``type: MessageStepType = "assistant_message"`` is one value among many.

Sends through the project's own wrappers count: a function whose first parameter reaches a send
as the event name or the ``type`` (``def clear(self, event): return self.emit(event, {})``) is
a *wrapper*; a ``Literal[…]`` annotation of that parameter lists sent types, and calls with a
literal first argument are sends. Each wrapper is stored with the call it forwards to, and the
names it is published under (``session.emit = emit_fn``, ``Session(emit=emit_fn)``) as wrappers
forwarding to it; the catalogue resolves the chains across files, so ``context.emitter.emit("x")``
in a module that never mentions a socket is a strong send once ``emit`` reaches ``sio.emit``.
"""

from __future__ import annotations

import ast
import copy
import re
from contextvars import ContextVar
from typing import Any

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key, Lifetime, SubtreeMemo
from isolint.core.model import Language
from isolint.core.rule import Indexer
from isolint.core.tree_view import TreeView, tree_view
from isolint.core.zones import matches_any
from isolint.rules.common.names import last_name
from isolint.rules.common.scope import LEAF_NODE_TYPES, child_nodes_except, statements_breadth_first, walk, walk_nodes
from isolint.rules.common.text_search import Alternatives
from isolint.rules.contract.admission import may_hold_message_shapes, may_hold_messages
from isolint.rules.contract.channels import (
    ROUTE_PREFIX,
    STREAM_PREFIX,
    normalized_route,
    python_channels,
    python_uses_socket,
)
from isolint.rules.contract.catalogue import (
    CONTRACT_KEYS,
    configured_side,
    DECLARE,
    HANDLE,
    PYTHON_FACTS,
    SEND,
    contract_globs,
    in_source_order,
    indexes_file,
    side_of,
    with_details,
)
from isolint.rules.contract.naming import (
    CONSTRUCTED_MODEL_RE,
    ROLE_KEYS,
    CHANNEL_EVENT_RE,
    GENERIC_SEND_CALLS,
    MESSAGE_CONTAINER_RE,
    MESSAGE_MODEL_RE,
    RESERVED_EVENTS,
    STREAM_RECEIVER_RE,
    is_socket_receiver,
    is_state_name,
    WS_NAME_RE,
    WS_RECEIVER_RE,
    is_wire_name,
    is_ws_context,
)

DISCRIMINATOR_KEYS = ("type", "message_type", "msg_type", "event_type")
#: keys a receiver may switch on instead of ``type``; one is a discriminator only in a file whose
#: receiver dispatches on it (``match data.get("kind")`` with two literal cases or more)
LEARNABLE_KEYS = frozenset({"kind", "action", "op", "command", "cmd"})
#: the class methods that build an instance from data (``WorkRequest.parse_obj(row)``)
CONSTRUCTOR_METHODS = frozenset({"parse_obj", "parse_raw", "model_validate", "model_validate_json", "construct",
                                 "model_construct"})
#: the discriminator keys of the file being read: ``DISCRIMINATOR_KEYS`` plus the learned ones
_FILE_KEYS: ContextVar[tuple[str, ...]] = ContextVar("discriminator_keys", default=DISCRIMINATOR_KEYS)
SEND_METHODS = frozenset({
    "send_json", "send_text", "send", "send_message", "send_personal_message", "send_to_user", "send_to_thread",
    "send_to_client", "send_to_connection", "send_event", "send_update", "broadcast", "broadcast_json",
    "broadcast_message", "broadcast_to_thread", "broadcast_to_room", "broadcast_to_user", "emit", "emit_event",
    "push", "push_event", "notify", "send_ws", "ws_send", "safe_send", "send_safe",
})
SERIALIZERS = frozenset({"dumps", "model_dump", "dict", "json", "model_dump_json", "to_dict", "jsonable_encoder", "asdict"})
#: what turns received text into a message (``json.loads(await upstream.recv())``)
PARSERS = SERIALIZERS | {"loads", "parse_raw", "model_validate_json", "validate_json"}
HANDLER_DECORATORS = frozenset({"on", "on_event", "on_message", "handler", "handles", "message_handler", "register",
                                "subscribe", "event_handler", "ws_handler"})
HANDLER_REGISTRARS = frozenset({"register_handler", "add_handler", "register", "on", "subscribe",
                                "register_message_handler", "add_message_handler", "set_handler"})
MESSAGE_VARIABLE_RE = lazy_compile(
    r"msg|message|data|event|payload|frame|packet|incoming|parsed|raw|body|json|envelope|^m$|^e$|^evt$|ws",
    re.IGNORECASE,
)
TYPE_VARIABLE_RE = lazy_compile(r"^(msg|message|event|ws|frame|packet|payload)_?type$|^m?type_?$", re.IGNORECASE)
HANDLER_TABLE_RE = lazy_compile(r"handler|dispatch|router|routes|callbacks", re.IGNORECASE)
MAPPING_TABLE_RE = lazy_compile(r"(map|mapping|alias|aliases|translation|rename)", re.IGNORECASE)
MAPPING_SUBJECT_RE = lazy_compile(r"(message|msg|event|type|frontend|ws|websocket|socket)", re.IGNORECASE)
ENUM_BASES = frozenset({"Enum", "StrEnum", "str"})
#: a file that opens client connections to a socket server … (each alternative with a word
#: every match of it contains, tested: ``Alternatives``)
CLIENT_CONNECT = Alternatives(
    (b"websockets", rb"\bwebsockets(\.\w+)*\.connect\("),
    (b"websockets", rb"from websockets[\w.]* import [^\n]*\bconnect\b"),
    (b"ws_connect(", rb"\.ws_connect\("),
    (b"create_connection(", rb"\bcreate_connection\("),
    (b"WebSocketApp(", rb"\bWebSocketApp\("),
    (b"connect_ws(", rb"\ba?connect_ws\("),
    (b"socketio.", rb"\bsocketio\.(Async)?Client\("),
    (b"open_connection(", rb"\bopen_connection\("),
    (b"websocket_connect(", rb"\bwebsocket_connect\("),
)
#: … and one that serves sockets itself (a FastAPI/Starlette ``WebSocket``, an ``accept()``, a
#: Socket.IO server or handler, ``websockets.serve``, a Channels consumer)
SERVER_EVIDENCE_RE = lazy_compile(
    rb"[:\[(,|]\s*WebSocket\b|\bimport\b[^\n]*\bWebSocket\b|\.accept\(|\.websocket\(|\bwebsocket_route\b|\bWebSocket(Route|Endpoint)\b"
    rb"|\bsocketio\.(Async)?Server\(|@\w+\.(on|event)\b|\bserve\(|WebsocketConsumer\b"
)
CLIENT_CONNECT_CALLS = frozenset({"connect", "ws_connect", "websocket_connect", "create_connection", "connect_ws", "aconnect_ws",
                                  "open_connection", "WebSocketApp"})
#: Socket.IO's emit-and-wait-for-the-acknowledgement, a send on a Socket.IO server object
ACK_CALLS = frozenset({"call"})
SOCKETIO_RECEIVER_RE = lazy_compile(r"^(sio|socketio|socket_?io|\w*_sio)$", re.IGNORECASE)
#: calls that may reach another file's wrapper: strong once the catalogue resolves the wrapper
WRAPPER_CALL_RE = lazy_compile(r"^(emit|send)(_|$)|_(emit|send)$")
#: a message broker's publish calls (Redis pub/sub and streams, list queues)
BROKER_PUBLISH_CALLS = frozenset({"publish", "xadd", "lpush", "rpush"})
#: … and the calls that put a message on a queue
QUEUE_PUT_CALLS = frozenset({"put", "put_nowait"})
RELAY_CALLS = BROKER_PUBLISH_CALLS | QUEUE_PUT_CALLS
#: ``put`` is also an HTTP method (``client.put(url, json=…)``): a queue only on a queue-like name
QUEUE_RECEIVER_RE = lazy_compile(r"queue|^q$|_q$|outbox|inbox|mailbox|buffer", re.IGNORECASE)
#: a module-level function whose name says it publishes something (``publish``, ``emit_event``,
#: ``broadcast_update``): a *publisher* when its first parameter becomes a field of the message it
#: builds (``Event(key=key, …)``, ``{"event": event, …}``), wherever it then goes (a queue, a
#: broker, a stream); another module's calls of it are sends on the publisher's channel
PUBLISHER_NAME_RE = lazy_compile(r"(^|_)(publish|emit|broadcast|notify|dispatch|push)(_|$)", re.IGNORECASE)
#: the enums whose members tag a class as one kind of a family (``ObservationType``, ``EventKind``)
KIND_ENUM_SUFFIXES = ("Type", "Kind")
MESSAGE_RETURNERS_RE = lazy_compile(r"message|event|payload|notification|frame|envelope", re.IGNORECASE)
#: … but a validator or parser of one (``_validate_wheel_event(msg)``) returns its input checked,
#: often as another protocol's payload (a DevTools ``Input`` command), not a message it sends
CHECKERS_RE = lazy_compile(r"^_*(validate|sanitize|normali[sz]e|clean|coerce|parse|check)(_|$)", re.IGNORECASE)


class PythonMessageIndexer(Indexer):
    """Backend (or shared-contract) message types a Python file declares, sends or handles."""

    name = PYTHON_FACTS
    languages = frozenset({Language.PYTHON})
    # every shape above needs one of these; most Python files have none and are never indexed
    tokens = (b'"type"', b"'type'", b"type=", b"type:", b"_type", b".type", b"Enum", b"Literal", b"handler",
              b"emit(", b"MAP", b"_map", b"publish", b"broadcast", b"notify", b"dispatch", b"push",
              b"websocket", b"WebSocketRoute", b"socketio", b"sio", b"yield", b"Response", b"Type.", b"Kind.",
              # a message model built (``admission.MODEL_CONSTRUCT_RES``)
              b"Request", b"Update", b"Event", b"Message", b"Frame", b"Packet", b"Payload", b"Notification", b"Chunk")

    def admits(self, source, project) -> bool:
        return python_file_may_hold_messages(source)

    def extract(self, source, tree: ast.Module) -> dict[str, Any] | None:
        if not indexes_file(source):
            return None
        side = side_of(source.rel_path, Language.PYTHON, source.settings)
        if side is None:
            return None
        if not configured_side(source) and not source.memo(_SHAPES_MEMO, _scan_may_hold_shapes):
            # only a message model built here (``admission.may_build_message_models``): nothing
            # for the collector to read
            constructs = constructed_models([node for node in walk_nodes(tree) if isinstance(node, ast.Call)])
            return {"side": side, "constructs": constructs} if constructs else None
        ws = is_ws_context(source.raw, source.rel_path) and not _client_only(source.raw)
        collector = _Collector(source, ws)
        channels = python_channels(source.raw)
        collector.relays_streams = any(channel.startswith(STREAM_PREFIX) for channel in channels)
        view = tree_view(source, tree)
        token = _FILE_KEYS.set(DISCRIMINATOR_KEYS + learned_discriminator_keys(view)
                               + declared_discriminator_keys(source.raw, tree))
        try:
            collector.collect(tree)
        finally:
            _FILE_KEYS.reset(token)
        wrappers = sorted([name, via, strong] for name, (via, strong) in collector.wrappers.items())
        constructs = constructed_models(collector.calls())
        client_channels = python_client_channels(source.raw) if not ws else []
        if not (collector.entries or collector.enums or collector.models or collector.aliases or wrappers
                or channels or collector.tags or collector.publishers or constructs or client_channels):
            return None
        facts = {"side": side, "ws": ws, "entries": in_source_order(collector.entries), "enums": collector.enums,
                 "models": collector.models, "aliases": collector.aliases}
        if collector.tags:
            facts["tags"] = collector.tags
        if constructs:
            facts["constructs"] = constructs
        if client_channels:
            facts["client_channels"] = client_channels
        if collector.publishers:
            facts["publishers"] = sorted([name, field] for name, field in collector.publishers.items())
        if wrappers:
            facts["wrappers"] = wrappers
        if channels:
            facts["channels"] = channels
            facts["imports"] = _imported_modules(tree_view(source, tree), source.rel_path)
        if ws and python_uses_socket(source.raw):
            facts["socket"] = True
        if any(entry.get("stream") for entry in collector.entries):
            facts["streams"] = True  # a generator a streaming endpoint may import (``channels``)
            facts.setdefault("imports", _imported_modules(tree_view(source, tree), source.rel_path))
        if configured_side(source):
            facts["configured"] = True
        return facts


def learned_discriminator_keys(view: TreeView) -> tuple[str, ...]:
    """The ``LEARNABLE_KEYS`` a receiver in the tree dispatches on: the subject of a ``match``
    with two literal cases or more, or of an ``if``/``elif`` chain comparing it with two literals
    or more, reads that key of a message variable (``data.get("kind")``, ``message.kind``, or a
    local bound to one). One case is a condition, not a dispatch."""
    bound: dict[str, str] = {}
    for node in view.nodes(ast.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            key = _message_key_read(node.value)
            if key is not None:
                bound[node.targets[0].id] = key
    learned: set[str] = set()
    for node in view.nodes(ast.Match):
        key = _message_key_read(node.subject) or (bound.get(node.subject.id) if isinstance(node.subject, ast.Name) else None)
        if key is not None and sum(len(_match_values(case.pattern)) for case in node.cases) >= 2:
            learned.add(key)
    chained: set[int] = set()
    for node in view.nodes(ast.If):  # walk order: the head of an ``elif`` chain comes first
        if id(node) in chained:
            continue
        counts: dict[str, int] = {}
        branch: ast.AST | None = node
        while isinstance(branch, ast.If):
            chained.add(id(branch))
            for subject, values in _comparisons(branch.test):
                key = _message_key_read(subject) or (bound.get(subject.id) if isinstance(subject, ast.Name) else None)
                if key is not None:
                    counts[key] = counts.get(key, 0) + len(values)
            branch = branch.orelse[0] if len(branch.orelse) == 1 else None
        learned.update(key for key, count in counts.items() if count >= 2)
    return tuple(sorted(learned))


def _message_key_read(node: ast.AST) -> str | None:
    """The learnable key ``node`` reads of a message variable: ``data["kind"]``,
    ``data.get("kind")``, ``message.kind`` (also through ``str(…)``/``Kind(…)``)."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
            and ((_callee_name(node) or "")[:1].isupper() or _callee_name(node) == "str"):
        return _message_key_read(node.args[0])
    owner, key = None, None
    if isinstance(node, ast.Subscript):
        owner, key = node.value, _key_of(node.slice)
    elif isinstance(node, ast.Call) and _callee_name(node) == "get" and isinstance(node.func, ast.Attribute) and node.args:
        owner, key = node.func.value, _key_of(node.args[0])
    elif isinstance(node, ast.Attribute):
        owner, key = node.value, node.attr
    if (key not in LEARNABLE_KEYS and key not in ROLE_KEYS) or owner is None:
        return None
    return key if _message_owner(owner, key) else None


def _message_owner(owner: ast.AST, key: str) -> bool:
    """Whether ``owner`` names a received message: a message-like name, or for a role key a
    name holding the role (``worker_request`` for ``request_type``)."""
    owner_name = last_name(owner)
    if owner_name is None:
        return False
    return MESSAGE_VARIABLE_RE.search(owner_name) is not None \
        or (key in ROLE_KEYS and key[: -len("_type")] in owner_name.lower())


def declared_discriminator_keys(raw: bytes, tree: ast.Module) -> tuple[str, ...]:
    """The role keys a pydantic union declares its discriminator (``Field(discriminator=
    "request_type")``): the models of the file are tagged on them."""
    if b"discriminator" not in raw:
        return ()
    keys = {keyword.value.value for node in walk_nodes(tree) if isinstance(node, ast.Call) for keyword in node.keywords
            if keyword.arg == "discriminator" and isinstance(keyword.value, ast.Constant)
            and keyword.value.value in ROLE_KEYS}
    return tuple(sorted(keys))


def constructed_models(calls: list[ast.Call]) -> list[str]:
    """The message models (``CONSTRUCTED_MODEL_RE``) the file builds in its functions and at
    import: ``ErrorResponse(…)``, ``inference.WorkRequest.parse_obj(row)``. The catalogue takes
    a model no production file builds, nor any send constructs, for a declaration of a kind
    nobody sends."""
    names = set()
    for call in calls:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in CONSTRUCTOR_METHODS:
            func = func.value
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name is not None and CONSTRUCTED_MODEL_RE.match(name):
            names.add(name)
    return sorted(names)


def python_client_channels(raw: bytes) -> list[str]:
    """The WebSocket routes a file that connects as a client names in the URL of its connect
    call (``websocket.create_connection(f"{url}/workers/work")``): when this repository serves
    such a route, the file is the other end of its own channel, not a client of someone else's."""
    if not CLIENT_CONNECT.occurs(raw):
        return []
    return sorted({ROUTE_PREFIX + normalized_route(match.group(1).decode("utf-8", "replace"))
                   for match in _CLIENT_URL_RE.finditer(raw)})


#: a connect call's URL literal with a path: ``create_connection(f"{base}/workers/work"``
_CLIENT_URL_RE = lazy_compile(
    rb"(?:connect|ws_connect|websocket_connect|create_connection|connect_ws|WebSocketApp)\s*\(\s*[rRuUfF]*[\"'][^\"'\n]*?"
    rb"(/[A-Za-z_][\w\-]*(?:/(?:[\w\-.]+|\{[^}\n]*\}))*)[\"'?]")


def python_file_may_hold_messages(source) -> bool:
    """Whether ``extract`` can find anything in ``source``, from its zone, the contract's globs
    and its bytes (``admission``): the Python side's prefilter, shared by the ISO4xx rules (they
    report only at entries of the file's own facts). A file a contract glob names is always read.
    The scan's verdict is kept in the text's memo for the four rules and the indexer."""
    if not indexes_file(source) or side_of(source.rel_path, Language.PYTHON, source.settings) is None:
        return False
    if source.settings.message_contract and any(matches_any(source.rel_path, contract_globs(source.settings, key))
                                        for key in CONTRACT_KEYS):
        return True
    return source.memo(_ADMISSION_MEMO, _scan_may_hold_messages)


_ADMISSION_MEMO: Key[bool] = Key("iso4.may-hold-messages", Lifetime.TEXT)


def _scan_may_hold_messages(source) -> bool:
    return may_hold_messages(source.raw, source.rel_path)


_SHAPES_MEMO: Key[bool] = Key("iso4.may-hold-message-shapes", Lifetime.TEXT)


def _scan_may_hold_shapes(source) -> bool:
    return may_hold_message_shapes(source.raw, source.rel_path)


def _imported_modules(view: TreeView, rel_path: str) -> list[str]:
    """The modules a file imports (``from .x import y`` resolved against the file's package, and
    each ``from m import name`` also as ``m.name``, which may be a submodule): the handlers a
    route file hands its socket to live there."""
    package = rel_path.rsplit("/", 1)[0].split("/") if "/" in rel_path else []
    modules: set[str] = set()
    for node in view.nodes(ast.Import):
        modules.update(alias.name for alias in node.names)
    for node in view.nodes(ast.ImportFrom):
        module = _absolute_module(node, package)
        if module:
            modules.add(module)
        modules.update(f"{module}.{alias.name}".strip(".") for alias in node.names if alias.name != "*")
    return sorted(modules)


def _absolute_module(node: ast.ImportFrom, package: list[str]) -> str:
    """The module ``from … import`` names, a relative one resolved against the file's package."""
    if not node.level:
        return node.module or ""
    base = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
    return ".".join(base + ([node.module] if node.module else []))


def _published_field(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The message field a publisher's first parameter fills: ``Event(key=key, …)`` or
    ``{"event": event, …}`` built in its body; None when the parameter fills none."""
    parameter = _first_parameter(function)
    if parameter is None:
        return None
    for node in walk(function):
        if isinstance(node, ast.Call) and (_callee_name(node) or "")[:1].isupper():
            for keyword in node.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Name) and keyword.value.id == parameter.arg:
                    return keyword.arg
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if _key_of(key) and isinstance(value, ast.Name) and value.id == parameter.arg:
                    return _key_of(key)
    return None


def _client_only(raw: bytes) -> bool:
    """The file connects to a socket server and serves none: its messages are another
    service's protocol (Blink's GraphQL subscriptions, an Electrum node's JSON-RPC)."""
    return CLIENT_CONNECT.occurs(raw) and SERVER_EVIDENCE_RE.search(raw) is None


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_wire_name(node.value):
        return node.value
    return None


def _enum_ref(node: ast.AST | None) -> str | None:
    """``MessageType.THREAD_UPDATE`` (optionally ``.value``, optionally module-qualified)."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute)):
        owner = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
        if owner[:1].isupper() and (node.attr.isupper() or node.attr[:1].isupper()):
            return f"{owner}.{node.attr}"
    return None


def _receiver_name(node: ast.AST) -> str:
    """The object a method is called on: ``self.event_stream`` → ``event_stream``, ``sio`` →
    ``sio``, ``get_client()`` → ``get_client``."""
    while isinstance(node, (ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _callee_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None



class _Collector:
    def __init__(self, source, ws: bool) -> None:
        self.source = source
        self.ws = ws
        self.entries: list[dict[str, Any]] = []
        self.enums: dict[str, dict[str, str]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.aliases: list[list[str]] = []
        #: classes that declare which kind of thing they are with an enum member
        #: (``observation: str = ObservationType.RUN``): [class, field, "Enum.MEMBER"]
        self.tags: list[list[str]] = []
        #: functions (and the names they are published under) that send their first argument:
        #: name -> (the callee it forwards to, whether that call is a strong send itself)
        self.wrappers: dict[str, tuple[str, bool]] = {}
        #: module-level publishers of this file: function -> the message field its first parameter fills
        self.publishers: dict[str, str] = {}
        #: names imported from another module (``from pkg.events import publish as emit_event``):
        #: local name -> "pkg.events.publish"
        self.imported: dict[str, str] = {}
        #: module-level string constants (``UPDATED_EVENT = "appeal_case.updated"``)
        self.constants: dict[str, ast.Constant] = {}
        self._seen: set[tuple] = set()
        self._streaming = False
        #: the file declares a streaming endpoint (``field_compare``)
        self.relays_streams = False
        #: inside a publish to the backend's own broker ("broker") or a put on a queue ("queue"):
        #: what is sent there is knowledge only
        self._relay: str | None = None
        self._scopes: list[_FunctionScope] = []

    def calls(self) -> list[ast.Call]:
        """Every call of the module and its functions (``collect`` first)."""
        return [call for scope in self._scopes for call in scope.calls]

    # -- entries -------------------------------------------------------------------------------
    def range_of(self, node: ast.AST) -> list[int]:
        start = self.source.position_from_ast(node.lineno, node.col_offset)
        end = self.source.position_from_ast(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)
        return [start.line, start.column, end.line, end.column]

    def is_plain_literal(self, node: ast.AST) -> bool:
        """A one-line ``"…"``/``'…'`` literal a rename can rewrite between its quotes."""
        if not isinstance(node, ast.Constant) or node.lineno != node.end_lineno:
            return False
        text = self.source.line(node.lineno - 1)
        start = self.source.column_from_byte(node.lineno - 1, node.col_offset)
        end = self.source.column_from_byte(node.lineno - 1, node.end_col_offset or node.col_offset)
        literal = text[start:end]
        return len(literal) >= 2 and literal[0] in "'\"" and literal[-1] == literal[0] and literal[1:-1] == node.value

    def add(self, role: str, node: ast.AST, *, strong: bool, via: str, fields=None, reads=None,
            enum: str | None = None, model: str | None = None, name: str | None = None,
            container: str | None = None, wrapper: str | None = None, message_model: str | None = None,
            through: str | None = None, field: str | None = None, alias: str | None = None,
            discriminator: str | None = None) -> None:
        ref = None
        if name is None:
            name, ref = _string(node), _enum_ref(node)
        if name is None and ref is None and model is None:
            return
        key = (role, name, ref, model, node.lineno, node.col_offset)
        if key in self._seen:
            return
        self._seen.add(key)
        if self._relay is not None:
            strong, via = False, f"{via}, to a {'message broker' if self._relay == 'broker' else 'queue'}"
        entry: dict[str, Any] = {"role": role, "range": self.range_of(node), "strong": strong, "via": via}
        if self._relay == "broker":
            entry["broker"] = True
        if name is not None:
            entry["name"] = name
            entry["literal"] = self.is_plain_literal(node)
        elif ref is not None:
            entry["ref"] = ref
        else:
            entry["model"] = model
        if message_model is not None:
            entry["message_model"] = message_model  # promoted like an enum when sends construct it
        if self._streaming:
            entry["stream"] = True
        if through is not None:
            entry["through"] = through  # strong once the catalogue finds that publisher on a channel
        if field is not None:
            entry["field"] = field  # a read-back of a publisher's field (see ``field_compare``)
        if alias is not None:
            entry["alias"] = alias  # the ``Literal`` alias declaring it (``catalogue._idle_declaration``)
        if discriminator in ROLE_KEYS:
            entry["key"] = discriminator  # requests and responses may share a name: ``catalogue._unproduced``
        self.entries.append(with_details(entry, fields=None if fields is None else sorted(fields), reads=reads,
                                         enum=enum, container=container, wrapper=wrapper))

    # -- walk ----------------------------------------------------------------------------------
    def collect(self, tree: ast.Module) -> None:
        self.module_names(tree)
        for statement in tree.body:
            self.module_statement(statement)
        functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, _FunctionScope]] = []
        for node in statements_breadth_first(tree):  # ``ast.walk``'s order, statements only
            if isinstance(node, ast.ClassDef):
                self.class_def(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node, _function_scope(node)))
        module = _FunctionScope(tree)
        self._scopes = [module, *(scope for _, scope in functions)]
        self.find_wrappers(functions, module)  # before any call is read: a call may precede the def
        self.scope(module, "module")  # registrations and sends at import time
        for node, scope in functions:
            self.function(node, scope)

    def module_names(self, tree: ast.Module) -> None:
        """The names the module imports from others, its string constants and its publishers."""
        package = self.source.rel_path.rsplit("/", 1)[0].split("/") if "/" in self.source.rel_path else []
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom):
                module = _absolute_module(statement, package)
                for alias in statement.names:
                    if module and alias.name != "*":
                        self.imported[alias.asname or alias.name] = f"{module}.{alias.name}"
            elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0], ast.Name) and _string(statement.value):
                self.constants[statement.targets[0].id] = statement.value  # type: ignore[assignment]
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and PUBLISHER_NAME_RE.search(statement.name):
                field = _published_field(statement)
                if field is not None:
                    self.publishers[statement.name] = field

    def module_statement(self, node: ast.stmt) -> None:
        targets, value = _assignment(node)
        if value is None:
            return
        for target in targets:
            target_name = last_name(target)
            if target_name is None:
                continue
            if MESSAGE_CONTAINER_RE.search(target_name) and _is_literal_subscript(value):
                strong = WS_NAME_RE.search(target_name) is not None
                for item in _literal_items(value):
                    self.add(DECLARE, item, strong=strong, via=f"Literal alias `{target_name}`",
                             container=target_name if self.ws else None, alias=target_name)
            if isinstance(value, ast.Dict):
                self.mapping_table(target_name, value)
                self.handler_table(target_name, value)

    def class_def(self, node: ast.ClassDef) -> None:
        bases = {last_name(base) for base in node.bases}
        if bases & ENUM_BASES and (bases & {"Enum", "StrEnum"}):
            self.enum_class(node, "StrEnum" in bases)
            return
        self.kind_tags(node)
        self.message_model(node)

    def kind_tags(self, node: ast.ClassDef) -> None:
        """``class CmdOutputObservation(Observation): observation: str = ObservationType.RUN``: a
        class field whose default is a member of a ``…Type``/``…Kind`` enum tags the class as one
        kind of a family. Kept as a fact: the catalogue decides whether the family is a channel's
        messages (its enum mirrored by the frontend, several classes tagging one field)."""
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name) \
                    or statement.target.id.startswith("_") or statement.value is None:
                continue
            value = statement.value
            if isinstance(value, ast.Call) and _callee_name(value) == "Field":  # pydantic's Field(E.X, …)
                value = value.args[0] if value.args else next(
                    (kw.value for kw in value.keywords if kw.arg == "default"), None)
            reference = _enum_ref(value)
            if reference is not None and reference.split(".")[0].endswith(KIND_ENUM_SUFFIXES):
                self.tags.append([node.name, statement.target.id, reference])

    def enum_class(self, node: ast.ClassDef, str_enum: bool) -> None:
        members: dict[str, str] = {}
        value_nodes: list[tuple[str, ast.AST]] = []
        for statement in node.body:
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                continue
            target = statement.targets[0]
            if not isinstance(target, ast.Name) or target.id.startswith("_"):
                continue
            value = _string(statement.value)
            if value is None and str_enum and isinstance(statement.value, ast.Call) and _callee_name(statement.value) == "auto":
                value = target.id.lower()  # StrEnum's auto() is the lower-cased member name
            if value is not None:
                members[target.id] = value
                value_nodes.append((target.id, statement.value))
        if not members:
            return
        self.enums[node.name] = members
        # not a message enum by name: still declared (weakly), and promoted to a message enum
        # when the catalogue is merged if sends or handles anywhere refer to its members
        named = not is_state_name(node.name) and (MESSAGE_CONTAINER_RE.search(node.name) or WS_NAME_RE.search(node.name))
        strong = bool(named) and WS_NAME_RE.search(node.name) is not None
        for member, value_node in value_nodes:
            self.add(DECLARE, value_node, strong=strong, via=f"enum `{node.name}`", enum=node.name,
                     name=members[member], container=node.name if named and self.ws else None)

    def message_model(self, node: ast.ClassDef) -> None:
        """``class ThreadUpdated(BaseModel): type: Literal["thread_updated"] = …; payload: …``."""
        fields: list[str] = []
        discriminators: list[ast.AST] = []
        key = None
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                field_name = statement.target.id
                literal = _literal_items(statement.annotation) if _is_literal_subscript(statement.annotation) else []
                if field_name in LEARNABLE_KEYS and len(literal) == 1 and statement.value is not None:
                    # ``kind: Literal[MessageKind.ERROR] = MessageKind.ERROR``: one fixed value,
                    # the default too, is a discriminator whichever file learns the key
                    discriminators.extend(literal)
                elif field_name in _FILE_KEYS.get():
                    items = literal
                    if not items and statement.value is not None and MESSAGE_MODEL_RE.search(node.name) \
                            and _default_is_the_type(node, statement):
                        items = [statement.value] if (_string(statement.value) or _enum_ref(statement.value)) else []
                    discriminators.extend(items)
                    key = key or (field_name if items else None)
                else:
                    fields.append(field_name)
        if not discriminators:
            return
        known_bases = {"BaseModel", "TypedDict", "object", "Struct", "Schema"}
        # fields inherited from an unknown base are invisible: the payload shape stays unknown
        has_spread_base = any(last_name(base) not in known_bases for base in node.bases)
        strong = self.ws or WS_NAME_RE.search(node.name) is not None
        model_fields = None if has_spread_base else fields
        for item in discriminators:
            self.add(DECLARE, item, strong=strong and MESSAGE_MODEL_RE.search(node.name) is not None,
                     via=f"model `{node.name}`", fields=model_fields, message_model=node.name,
                     discriminator=key)
        first = discriminators[0]
        if len(discriminators) == 1 and _string(first):
            self.models[node.name] = {"name": _string(first), "fields": model_fields}
        elif len(discriminators) == 1 and _enum_ref(first):
            # ``kind: Literal[MessageKind.ERROR] = MessageKind.ERROR``: the catalogue resolves the
            # member through the enum, as it does for a send of ``MessageKind.ERROR``
            self.models[node.name] = {"ref": _enum_ref(first), "fields": model_fields}
        if node.name in self.models and key in ROLE_KEYS:
            self.models[node.name]["key"] = key

    def mapping_table(self, target_name: str, value: ast.Dict) -> None:
        if not (MAPPING_TABLE_RE.search(target_name) and MAPPING_SUBJECT_RE.search(target_name)):
            return
        pairs = [(_string(k), _string(v)) for k, v in zip(value.keys, value.values)]
        if len(pairs) < 2 or any(k is None or v is None for k, v in pairs):
            return
        self.aliases.extend([k, v] for k, v in pairs if k != v)

    def handler_table(self, target_name: str, value: ast.Dict) -> None:
        if not HANDLER_TABLE_RE.search(target_name):
            return
        for key, handler in zip(value.keys, value.values):
            if key is not None and isinstance(handler, (ast.Name, ast.Attribute, ast.Lambda)):
                self.add(HANDLE, key, strong=self.ws, via=f"handler table `{target_name}`")

    # -- wrappers --------------------------------------------------------------------------------
    def find_wrappers(self, functions: list[tuple[ast.AST, "_FunctionScope"]], module: "_FunctionScope") -> None:
        """Functions whose first parameter reaches a send as the event name or the ``type``
        (directly or through another wrapper of this file), and the attribute or keyword names
        they are published under (``session.emit = emit_fn``, ``Session(emit=emit_fn)``)."""
        pending = [(node, scope, parameter) for node, scope in functions
                   if (parameter := _first_parameter(node)) is not None]
        for _ in range(3):  # a wrapper of a wrapper of a send
            found = [(node, parameter, target) for node, scope, parameter in pending
                     if node.name not in self.wrappers and (target := self.forwards(scope, parameter.arg))]
            if not found:
                break
            for node, parameter, target in found:
                self.wrappers[node.name] = target
                for item in _literal_items(parameter.annotation) if parameter.annotation is not None else ():
                    self.add(SEND, item, strong=self.ws, via=f"`{node.name}(…)` parameter, sent as the type",
                             wrapper=node.name)
        if not self.wrappers:
            return
        for scope in [module, *(scope for _, scope in functions)]:
            for inner in scope.nodes:
                published = isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Name) \
                    and inner.value.id in self.wrappers
                if published:
                    self.wrappers.update((t.attr, (inner.value.id, False)) for t in inner.targets
                                         if isinstance(t, ast.Attribute) and t.attr not in self.wrappers)
                elif isinstance(inner, ast.Call):
                    self.wrappers.update((kw.arg, (kw.value.id, False)) for kw in inner.keywords
                                         if kw.arg and kw.arg not in self.wrappers and isinstance(kw.value, ast.Name)
                                         and kw.value.id in self.wrappers)

    def forwards(self, scope: "_FunctionScope", parameter: str) -> tuple[str, bool] | None:
        """The call through which ``parameter`` is sent as the type, and whether that call is a
        strong send itself (a socket send in WebSocket code); None when it is not sent."""
        for inner in scope.calls:
            callee = _callee_name(inner)
            first = inner.args[0] if inner.args else None
            forwarded = isinstance(first, ast.Name) and first.id == parameter
            if callee in self.wrappers and forwarded:
                return callee, False  # strong when that wrapper is (resolved by the catalogue)
            if not self.is_socket_send(inner, callee, scope):
                continue
            if forwarded and callee in ("emit", "emit_event", *ACK_CALLS):
                return callee, self.ws
            for argument in [*inner.args, *(kw.value for kw in inner.keywords)]:
                for value in _sent_messages(argument, scope):
                    discriminator = _discriminator(value)
                    if isinstance(discriminator, ast.Name) and discriminator.id == parameter:
                        return callee, self.ws
        return None

    def is_socket_send(self, node: ast.Call, callee: str | None, scope: "_FunctionScope") -> bool:
        if callee in ACK_CALLS:
            receiver = last_name(node.func.value) if isinstance(node.func, ast.Attribute) else None
            return receiver is not None and SOCKETIO_RECEIVER_RE.match(receiver) is not None
        return callee in SEND_METHODS and _plausible_sender(node, callee) and not scope.is_client_socket(node)

    # -- functions: sends, dispatch, registrations -----------------------------------------------
    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: "_FunctionScope") -> None:
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr == "event" \
                    and SOCKETIO_RECEIVER_RE.match(_receiver_name(decorator.value)) \
                    and node.name not in RESERVED_EVENTS:
                # ``@sio.event async def user_action(sid, data)``: the function's name is the event
                self.add(HANDLE, decorator, strong=self.ws, via="`@sio.event` handler", name=node.name)
            if isinstance(decorator, ast.Call) and _callee_name(decorator) in HANDLER_DECORATORS and decorator.args:
                event = decorator.args[0]
                if _string(event) in RESERVED_EVENTS:
                    continue
                self.add(HANDLE, event, strong=self.ws, via=f"@{_callee_name(decorator)} handler")
                if (_string(event) or _enum_ref(event)) and not CHANNEL_EVENT_RE.match(_string(event) or ""):
                    # the event is dispatched already: a `type` in its payload is a payload field
                    scope.payload_parameters.update(a.arg for a in (*node.args.posonlyargs, *node.args.args))
        self.scope(scope, node.name)

    def scope(self, scope: "_FunctionScope", function_name: str) -> None:
        for inner in scope.nodes:
            if isinstance(inner, ast.Call):
                self.call(inner, scope)
            elif isinstance(inner, ast.If):
                self.dispatch_if(inner, scope)
            elif isinstance(inner, ast.Match):
                self.dispatch_match(inner, scope)
            elif isinstance(inner, ast.Yield) and inner.value is not None:
                self.yielded(inner.value, scope)
            elif isinstance(inner, ast.Return) and isinstance(inner.value, ast.Dict) and self.ws \
                    and MESSAGE_RETURNERS_RE.search(function_name) and not CHECKERS_RE.match(function_name):
                self.sent_message(inner.value, scope, via=f"returned by `{function_name}`")
            elif isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Dict):
                for target in inner.targets:
                    if isinstance(target, ast.Subscript) and HANDLER_TABLE_RE.search(last_name(target.value) or ""):
                        self.add(HANDLE, target.slice, strong=self.ws, via="handler registration")
                    elif isinstance(target, ast.Attribute):
                        self.handler_table(target.attr, inner.value)
            elif isinstance(inner, ast.Assign):
                for target in inner.targets:
                    if isinstance(target, ast.Subscript) and HANDLER_TABLE_RE.search(last_name(target.value) or "") \
                            and isinstance(inner.value, (ast.Name, ast.Attribute, ast.Lambda)):
                        self.add(HANDLE, target.slice, strong=self.ws, via="handler registration")

    def call(self, node: ast.Call, scope: "_FunctionScope") -> None:
        callee = _callee_name(node)
        first = node.args[0] if node.args else None
        named_first = first is not None and (_string(first) or _enum_ref(first))
        if self.is_socket_send(node, callee, scope):
            if callee in ("emit", "emit_event", *ACK_CALLS) and named_first:
                if _string(first) not in RESERVED_EVENTS:  # Socket.IO event name
                    # outside WebSocket code `self.emit("x")` is strong once `emit` is a wrapper
                    self.add(SEND, first, strong=self.ws, via=f"`{callee}(…)`", wrapper=None if self.ws else callee)
                return
            receiver = last_name(node.func.value) if isinstance(node.func, ast.Attribute) else None
            # ``stream.send(Update(…))``: an SSE stream object, as good as a yield to a stream
            streaming = receiver is not None and STREAM_RECEIVER_RE.search(receiver) is not None
            self._streaming = streaming
            try:
                for argument in [*node.args, *(kw.value for kw in node.keywords)]:
                    self.sent_value(argument, scope, via=f"`{callee}(…)`", models_by_shape=streaming)
            finally:
                self._streaming = False
        elif callee in RELAY_CALLS and isinstance(node.func, ast.Attribute) \
                and (callee != "put" or QUEUE_RECEIVER_RE.search(last_name(node.func.value) or "")):
            # ``redis.publish("session_msg", json.dumps({"message_type": "close_session", …}))``:
            # a message to the backend's own broker (its other nodes, its workers), never to the
            # frontend — knowledge that this side produces the type, which it may also handle;
            # ``out_queue.put_nowait({"kind": "copied-text"})``: a message some writer may drain
            # to a socket later — knowledge that the type is produced, where nobody can tell
            self._relay = "broker" if callee in BROKER_PUBLISH_CALLS else "queue"
            try:
                for argument in [*node.args, *(kw.value for kw in node.keywords)]:
                    self.sent_value(argument, scope, via=f"`{callee}(…)`")
            finally:
                self._relay = None
        elif callee in self.wrappers and named_first:
            self.add(SEND, first, strong=self.ws, via=f"`{callee}(…)`, which sends its first argument", wrapper=callee)
        elif callee in HANDLER_REGISTRARS and len(node.args) >= 2 \
                and isinstance(node.args[1], (ast.Name, ast.Attribute, ast.Lambda)) \
                and (not isinstance(node.func, ast.Attribute) or is_socket_receiver(_receiver_name(node.func.value))):
            if _string(first) not in RESERVED_EVENTS:
                self.add(HANDLE, first, strong=self.ws, via=f"`{callee}(…)` registration")
        elif named_first and callee and WRAPPER_CALL_RE.search(callee) and not scope.is_client_socket(node) \
                and (callee == "emit" or callee not in GENERIC_SEND_CALLS):  # `producer.send("orders")`: a queue
            # `context.emitter.emit("chat_settings", …)`: a send if another file defines `emit`
            # as a wrapper (``session.emit = emit_fn``); weak knowledge otherwise
            self.add(SEND, first, strong=False, via=f"`{callee}(…)`, which sends its first argument",
                     wrapper=callee)
        elif isinstance(node.func, ast.Name) and callee in self.imported and first is not None \
                and PUBLISHER_NAME_RE.search(self.imported[callee].rsplit(".", 1)[1]):
            # ``eventstream_publish("benefit.revoked", …)``, imported from the module that defines
            # the publisher under another name: a send once the catalogue finds it there
            constant = self.constants.get(first.id) if isinstance(first, ast.Name) else None
            target = constant if constant is not None else first
            if _string(target) or _enum_ref(target):
                self.add(SEND, target, strong=False, via=f"`{callee}(…)`, a publisher of another module",
                         through=self.imported[callee])

    def yielded(self, node: ast.AST, scope: "_FunctionScope") -> None:
        """``yield {"type": "delta", …}``, ``yield f"data: {json.dumps(packet)}\\n\\n"``,
        ``yield MessageDelta(…).model_dump_json() + "\\n"``: a generator feeding a streaming
        response sends what it yields. Marked as a stream send: strong where the catalogue finds
        the file on a channel both sides use (a generator module the endpoint imports)."""
        self._streaming = True
        try:
            self.sent_value(node, scope, via="yielded to a stream", models_by_shape=True)
        finally:
            self._streaming = False

    def sent_value(self, node: ast.AST, scope: "_FunctionScope", via: str, models_by_shape: bool = False) -> None:
        """Record what a send call sends (see ``_sent_messages``)."""
        for message in _sent_messages(node, scope):
            if isinstance(message, ast.Dict):
                event = _sse_event(message) if models_by_shape else None
                if event is not None:
                    self.add(SEND, event, strong=self.ws, via=via)
                else:
                    self.sent_message(message, scope, via)
                continue
            callee = _callee_name(message)
            discriminator = _discriminator(message)
            if models_by_shape and discriminator is None and _sse_event(message) is not None:
                self.add(SEND, _sse_event(message), strong=self.ws, via=via)
            elif models_by_shape and discriminator is None and callee and not callee[:1].isupper() \
                    and any(isinstance(argument, ast.Dict) for argument in message.args):
                # ``yield _sse_event({"type": "plan.update", …})``: a helper that frames the
                # message it is handed (the kind is sent; its fields may come from other builders)
                for argument in message.args:
                    if isinstance(argument, ast.Dict):
                        self.sent_message(argument, scope, via, fields_known=False)
            elif discriminator is not None:
                spread = any(kw.arg is None for kw in message.keywords)
                fields = None if spread else [kw.arg for kw in message.keywords if kw.arg not in _FILE_KEYS.get()]
                self.add(SEND, discriminator, strong=self.ws, via=via, fields=fields)
            elif callee and callee[:1].isupper() and (models_by_shape or MESSAGE_MODEL_RE.search(callee)):
                # a yielded constructor is a message only if its class declares a discriminator
                # (the catalogue resolves the model or drops the entry)
                self.add(SEND, message, strong=self.ws, via=via, model=callee)
                if models_by_shape:
                    # an envelope: ``Packet(ind=0, obj=MessageStart(…))`` streams the model inside
                    for inner in [*message.args, *(kw.value for kw in message.keywords)]:
                        inner_callee = _callee_name(inner) if isinstance(inner, ast.Call) else None
                        if inner_callee and inner_callee[:1].isupper():
                            self.add(SEND, inner, strong=self.ws, via=via, model=inner_callee)

    def sent_message(self, node: ast.Dict, scope: "_FunctionScope", via: str, fields_known: bool = True) -> None:
        discriminator, discriminator_key = None, None
        fields: list[str] | None = [] if fields_known else None
        for key, value in zip(node.keys, node.values):
            if key is None:
                fields = None  # **spread: the keys are not all visible
                continue
            key_name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            if (key_name in _FILE_KEYS.get() or key_name in ROLE_KEYS) and discriminator is None:
                discriminator, discriminator_key = value, key_name
            elif key_name is None:
                fields = None
            elif fields is not None:
                fields.append(key_name)
        if discriminator is not None:
            for extra in scope.extra_keys(node):
                if fields is not None and extra not in fields:
                    fields.append(extra)
            # a role key the file never dispatches on: knowledge that the kind is sent (the
            # catalogue's ``_unproduced``), not a message of a contract the file is seen on
            learned = discriminator_key in _FILE_KEYS.get()
            self.add(SEND, discriminator, strong=self.ws and learned, via=via, fields=fields,
                     discriminator=discriminator_key)

    def dispatch_if(self, node: ast.If, scope: "_FunctionScope") -> None:
        for subject, values in _comparisons(node.test):
            base = _type_subject_base(subject, scope)
            if base is None and self.relays_streams:
                self.field_compare(subject, values)
            if base is None or base in scope.payload_parameters or (base and scope.received_from_client(base)):
                continue
            reads = _reads(node.body, base, self) if base else []
            key = _discriminator_read(subject)[1]
            for value in values:
                self.add(HANDLE, value, strong=self.ws, via="`if` dispatch on the message type", reads=reads,
                         discriminator=key)

    def field_compare(self, subject: ast.AST, values: list[ast.AST]) -> None:
        """``event.get("key") == "webhook.created"`` in a streaming endpoint's file: the backend
        reads back a message field that is no discriminator here. Kept for the catalogue, which
        keeps it only where a publisher fills that field: the endpoint consumes (transforms,
        filters) what it publishes itself, for a client outside the repository."""
        owner, key = None, None
        if isinstance(subject, ast.Subscript):
            owner, key = subject.value, _key_of(subject.slice)
        elif isinstance(subject, ast.Call) and _callee_name(subject) == "get" and isinstance(subject.func, ast.Attribute) \
                and subject.args:
            owner, key = subject.func.value, _key_of(subject.args[0])
        owner_name = last_name(owner) if owner is not None else None
        if key is None or not key.isidentifier() or owner_name is None or not MESSAGE_VARIABLE_RE.search(owner_name):
            return
        for value in values:
            if _string(value):
                self.add(HANDLE, value, strong=False, via=f"`{key}` read back by a stream endpoint", field=key)

    def dispatch_match(self, node: ast.Match, scope: "_FunctionScope") -> None:
        base = _type_subject_base(node.subject, scope)
        subject = base or last_name(node.subject) or ""
        if subject in scope.payload_parameters or (subject and scope.received_from_client(subject)):
            return
        for case in node.cases:
            values: list[ast.AST] = []
            if base is not None:
                values = _match_values(case.pattern)
                case_base = base
            elif isinstance(node.subject, ast.Name):
                values = _mapping_pattern_types(case.pattern)
                case_base = node.subject.id
            else:
                continue
            reads = _reads(case.body, case_base, self) if case_base else []
            key = _discriminator_read(node.subject)[1]
            for value in values:
                self.add(HANDLE, value, strong=self.ws, via="`match` dispatch on the message type", reads=reads,
                         discriminator=key)


def _sent_messages(node: ast.AST, scope: "_FunctionScope", depth: int = 0):
    """What a send call sends: dict literals and constructor calls, seen through
    ``json.dumps(…)``, ``Model(…).model_dump()``, ``await`` and local variables."""
    if depth > 4:
        return
    if isinstance(node, ast.Dict):
        yield node
    elif isinstance(node, ast.Name):
        for bound in scope.bindings.get(node.id, ()):
            yield from _sent_messages(bound, scope, depth + 1)
    elif isinstance(node, ast.Await):
        yield from _sent_messages(node.value, scope, depth + 1)
    elif isinstance(node, ast.JoinedStr):  # f"data: {json.dumps(message)}\n\n"
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _sent_messages(part.value, scope, depth + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # json.dumps(message) + "\n"
        yield from _sent_messages(node.left, scope, depth + 1)
        yield from _sent_messages(node.right, scope, depth + 1)
    elif isinstance(node, ast.Call):
        callee = _callee_name(node)
        if callee in SERIALIZERS:
            inner = node.func.value if isinstance(node.func, ast.Attribute) and callee != "dumps" else None
            for argument in ([inner] if inner is not None else []) + list(node.args):
                yield from _sent_messages(argument, scope, depth + 1)
        else:
            yield node


def _sse_event(message: ast.AST) -> ast.AST | None:
    """The event name of a Server-Sent Event: ``ServerSentEvent(event="delta", data=…)`` or
    ``{"event": "delta", "data": …}`` (sse-starlette's dict form), when no ``type`` names it."""
    if isinstance(message, ast.Call) and _callee_name(message) == "ServerSentEvent":
        return next((kw.value for kw in message.keywords if kw.arg == "event"), None)
    if isinstance(message, ast.Dict):
        keys = {_key_of(key): value for key, value in zip(message.keys, message.values) if key is not None}
        if "data" in keys and "event" in keys and not any(key in keys for key in _FILE_KEYS.get()):
            return keys["event"]
    return None


def _discriminator(message: ast.AST) -> ast.AST | None:
    """The ``type`` of ``{"type": …}`` or of ``Model(type=…)``."""
    if isinstance(message, ast.Dict):
        return next((value for key, value in zip(message.keys, message.values)
                     if key is not None and _key_of(key) in _FILE_KEYS.get()), None)
    if isinstance(message, ast.Call):
        return next((kw.value for kw in message.keywords if kw.arg in _FILE_KEYS.get()), None)
    return None


def _first_parameter(node: ast.AST) -> ast.arg | None:
    """The first parameter after ``self``/``cls``: where a wrapper takes the event name."""
    arguments = [*node.args.posonlyargs, *node.args.args]
    if arguments and arguments[0].arg in ("self", "cls"):
        arguments = arguments[1:]
    return arguments[0] if arguments else None


def _default_is_the_type(model: ast.ClassDef, field: ast.AnnAssign) -> bool:
    """Whether a ``type`` field's default names the one message the class describes:
    ``type: str = "thread_updated"`` or ``type: WsEvent = WsEvent.THREAD_UPDATED`` — but not a
    string default under a wider alias (``type: MessageStepType = "assistant_message"``: one
    step kind among many) nor the default of an abstract base its subclasses override."""
    if model.name.endswith("Base") or any(last_name(base) in ("ABC", "Generic", "Protocol") for base in model.bases):
        return False
    annotation = last_name(field.annotation)
    if annotation == "str":
        return True
    reference = _enum_ref(field.value)
    return reference is not None and reference.split(".")[0] == annotation


def _plausible_sender(node: ast.Call, callee: str) -> bool:
    if callee not in GENERIC_SEND_CALLS or not isinstance(node.func, ast.Attribute):
        return True
    receiver = last_name(node.func.value)
    return receiver is not None and WS_RECEIVER_RE.search(receiver) is not None


_NESTED_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: the node kinds ``_Collector.scope`` and ``find_wrappers`` read from ``_FunctionScope.nodes``
_SCANNED = frozenset({ast.Call, ast.If, ast.Match, ast.Return, ast.Assign, ast.Yield})
_LOOPS_AND_WITH_ITEMS = frozenset({ast.withitem, ast.For, ast.AsyncFor})
_ASSIGNMENTS = frozenset({ast.Assign, ast.AnnAssign, ast.NamedExpr})


class _FunctionScope:
    """One function's nodes (without nested functions), with the local bindings a send or a
    type comparison may go through (``message = {…}``, ``msg_type = data.get("type")``)."""

    def __init__(self, function: ast.AST) -> None:
        self.nodes: list[ast.AST] = []
        self.calls: list[ast.Call] = []
        self.bindings: dict[str, list[ast.AST]] = {}
        #: parameters of a handler registered for one event: their `type` is a payload field
        self.payload_parameters: set[str] = set()
        #: names bound to a client connection (``async with websockets.connect(…) as ws``)
        self._client_sockets: set[str] = set()
        self._loop_sources: dict[str, list[ast.AST]] = {}
        self._subscript_keys: dict[str, list[str]] = {}
        # Every node of the function is looked at on every keystroke of a file that mentions a
        # type, so: leaves that hold nothing (names, constants, contexts) are never pushed, and
        # only the node kinds the collector reads are kept in ``nodes``.
        stack = child_nodes_except(function, LEAF_NODE_TYPES)
        while stack:
            node = stack.pop()
            node_type = type(node)
            if node_type in _NESTED_DEFINITIONS:
                continue
            if node_type in _SCANNED:
                self.nodes.append(node)
            if node_type is ast.Call:
                self.calls.append(node)
            elif node_type in _LOOPS_AND_WITH_ITEMS:
                self._note_client_socket(node)
            elif node_type in _ASSIGNMENTS:
                targets, value = _assignment(node)
                for target in targets:
                    if isinstance(target, ast.Name) and value is not None:
                        self.bindings.setdefault(target.id, []).append(value)
                    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                        key = target.slice
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            self._subscript_keys.setdefault(target.value.id, []).append(key.value)
            stack.extend(child_nodes_except(node, LEAF_NODE_TYPES))
        self.nodes.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        self._dict_owner: dict[int, str] = {
            id(value): name for name, values in self.bindings.items() for value in values if isinstance(value, ast.Dict)
        }
        self._client_sockets.update(name for name, values in self.bindings.items()
                                    if any(_is_client_connect(value) for value in values))

    def _note_client_socket(self, node: ast.AST) -> None:
        """``async with connect(url) as ws`` / ``async for ws in websockets.connect(url)``."""
        target, value = (node.optional_vars, node.context_expr) if isinstance(node, ast.withitem) \
            else (node.target, node.iter)
        if isinstance(target, ast.Name) and _is_client_connect(value):
            self._client_sockets.add(target.id)
        elif isinstance(target, ast.Name) and not isinstance(node, ast.withitem):
            self._loop_sources.setdefault(target.id, []).append(value)

    def received_from_client(self, name: str, depth: int = 0) -> bool:
        """Whether the message ``name`` came from a socket this function opened as a client:
        ``json.loads(await upstream.recv())``, ``async for event in upstream``."""
        if depth > 3:
            return False
        sources = [*self.bindings.get(name, ()), *self._loop_sources.get(name, ())]
        for value in sources:
            while isinstance(value, ast.Await) or (isinstance(value, ast.Call) and value.args
                                                   and _callee_name(value) in PARSERS):
                value = value.value if isinstance(value, ast.Await) else value.args[0]
            if isinstance(value, ast.Name) and (value.id in self._client_sockets
                                                or self.received_from_client(value.id, depth + 1)):
                return True
            if isinstance(value, ast.Call) and self.is_client_socket(value):
                return True
        return False

    def is_client_socket(self, call: ast.Call) -> bool:
        """Whether ``call`` is a method of a socket this function opened as a client."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        return isinstance(receiver, ast.Name) and receiver.id in self._client_sockets

    def extra_keys(self, node: ast.Dict) -> list[str]:
        """Keys added later with ``message["payload"] = …`` to a dict bound to a local name."""
        owner = self._dict_owner.get(id(node))
        return self._subscript_keys.get(owner, []) if owner else []


#: each function's scope as its node alone decides it, kept while the node lives: only the edited
#: definition's functions are walked again on a keystroke
_FUNCTION_SCOPES: SubtreeMemo[ast.AST, _FunctionScope] = SubtreeMemo(_FunctionScope)


def _function_scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> _FunctionScope:
    """The scope of ``function`` for one extraction: the walk of its nodes is shared, the
    parameters the collector finds to be payloads are this extraction's own."""
    scope = copy.copy(_FUNCTION_SCOPES(function))
    scope.payload_parameters = set()
    return scope


def _is_client_connect(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Await):
        node = node.value
    return isinstance(node, ast.Call) and _callee_name(node) in CLIENT_CONNECT_CALLS


def _assignment(node: ast.AST) -> tuple[list[ast.AST], ast.AST | None]:
    if isinstance(node, ast.Assign):
        return list(node.targets), node.value
    if isinstance(node, ast.AnnAssign):
        return [node.target], node.value
    if isinstance(node, ast.NamedExpr):
        return [node.target], node.value
    return [], None


def _is_literal_subscript(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Subscript) and last_name(node.value) == "Literal"


def _literal_items(node: ast.AST) -> list[ast.AST]:
    """The members of ``Literal["a", "b"]`` (or of ``Union[Literal[…], Literal[…]]``/``|``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _literal_items(node.left) + _literal_items(node.right)
    if not isinstance(node, ast.Subscript):
        return []
    inner = node.slice
    elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
    if last_name(node.value) == "Literal":
        return [e for e in elements if _string(e) or _enum_ref(e)]
    if last_name(node.value) == "Union":
        return [item for e in elements for item in _literal_items(e)]
    return []


def _comparisons(test: ast.AST) -> list[tuple[ast.AST, list[ast.AST]]]:
    """``x == "a"``, ``"a" == x``, ``x in ("a", "b")`` (also inside ``and``/``or``)."""
    if isinstance(test, ast.BoolOp):
        return [pair for value in test.values for pair in _comparisons(value)]
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return []
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, (ast.Eq, ast.Is)):
        if _string(right) or _enum_ref(right):
            return [(left, [right])]
        if _string(left) or _enum_ref(left):
            return [(right, [left])]
    if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        values = [e for e in right.elts if _string(e) or _enum_ref(e)]
        if values and len(values) == len(right.elts):
            return [(left, values)]
    return []


def _type_subject_base(subject: ast.AST, scope: _FunctionScope, depth: int = 0) -> str | None:
    """The message variable whose type ``subject`` reads (``message`` for ``message["type"]``,
    ``message.get("type")``, ``message.type`` or a local ``msg_type`` bound to one of those);
    "" when ``subject`` is a type variable of unknown origin; None when it is no message type."""
    owner, key = _discriminator_read(subject)
    if owner is not None:
        if not _message_owner(owner, key or ""):
            return None  # `node.type == "function"` is not a received message
        return owner.id if isinstance(owner, ast.Name) else ""
    if isinstance(subject, ast.Attribute) and subject.attr == "value":
        return _type_subject_base(subject.value, scope, depth)
    if isinstance(subject, ast.Call) and len(subject.args) == 1 and not subject.keywords and depth < 3 \
            and ((_callee_name(subject) or "")[:1].isupper() or _callee_name(subject) == "str"):
        return _type_subject_base(subject.args[0], scope, depth + 1)  # MessageType(message["type"])
    if isinstance(subject, ast.Call) and isinstance(subject.func, ast.Attribute) and not subject.args \
            and subject.func.attr in ("lower", "upper", "strip", "casefold") and depth < 3:
        return _type_subject_base(subject.func.value, scope, depth + 1)  # message["type"].lower()
    if isinstance(subject, ast.BoolOp) and depth < 3:  # data.get("type") or ""
        return next((b for v in subject.values if (b := _type_subject_base(v, scope, depth + 1)) is not None), None)
    if isinstance(subject, ast.Name) and depth < 3:
        bindings = scope.bindings.get(subject.id, ())
        for bound in bindings:
            base = _type_subject_base(bound, scope, depth + 1)
            if base is not None:
                return base
        if TYPE_VARIABLE_RE.match(subject.id) and not any(_reads_type_of_non_message(b) for b in bindings):
            return ""  # a parameter, an outer name or an opaque call: trusted by its name
    return None


def _discriminator_read(subject: ast.AST) -> tuple[ast.AST | None, str | None]:
    """The owner and the key of a discriminator read: ``msg["type"]``, ``msg.get("type")``,
    ``msg.type`` (with a key of the file's ``_FILE_KEYS``); (None, None) otherwise."""
    if isinstance(subject, ast.Subscript) and _key_of(subject.slice) in _FILE_KEYS.get():
        return subject.value, _key_of(subject.slice)
    if isinstance(subject, ast.Call) and _callee_name(subject) == "get" and isinstance(subject.func, ast.Attribute) \
            and subject.args and _key_of(subject.args[0]) in _FILE_KEYS.get():
        return subject.func.value, _key_of(subject.args[0])
    if isinstance(subject, ast.Attribute) and subject.attr in _FILE_KEYS.get():
        return subject.value, subject.attr
    return None, None


def _reads_type_of_non_message(node: ast.AST) -> bool:
    """``request.path_params["type"]``, ``node.type``: a type, but of something no message."""
    owner = None
    if isinstance(node, ast.Subscript) and _key_of(node.slice) in _FILE_KEYS.get():
        owner = node.value
    elif isinstance(node, ast.Call) and _callee_name(node) == "get" and isinstance(node.func, ast.Attribute) \
            and node.args and _key_of(node.args[0]) in _FILE_KEYS.get():
        owner = node.func.value
    elif isinstance(node, ast.Attribute) and node.attr in _FILE_KEYS.get():
        owner = node.value
    owner_name = last_name(owner) if owner is not None else None  # json.loads(raw)["type"]: opaque
    return owner_name is not None and MESSAGE_VARIABLE_RE.search(owner_name) is None


def _key_of(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _match_values(pattern: ast.pattern) -> list[ast.AST]:
    if isinstance(pattern, ast.MatchValue):
        return [pattern.value] if _string(pattern.value) or _enum_ref(pattern.value) else []
    if isinstance(pattern, ast.MatchOr):
        return [value for p in pattern.patterns for value in _match_values(p)]
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _match_values(pattern.pattern)
    return []


def _mapping_pattern_types(pattern: ast.pattern) -> list[ast.AST]:
    """``case {"type": "thread_update", **rest}:``."""
    if isinstance(pattern, ast.MatchOr):
        return [value for p in pattern.patterns for value in _mapping_pattern_types(p)]
    if isinstance(pattern, ast.MatchMapping):
        for key, sub in zip(pattern.keys, pattern.patterns):
            if _key_of(key) in _FILE_KEYS.get():
                return _match_values(sub)
    return []


_METHOD_NAMES = frozenset({"get", "items", "keys", "values", "copy", "pop", "update", "dict", "model_dump", "json",
                           "model_dump_json", "setdefault"})


def _attribute_range(node: ast.Attribute, collector: _Collector) -> list[int]:
    """The range of ``payload`` in ``message.payload``."""
    end = collector.source.position_from_ast(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)
    return [end.line, end.column - len(node.attr), end.line, end.column]


def _reads(body: list[ast.stmt], base: str, collector: _Collector) -> list[list[Any]]:
    """Fields of ``base`` the branch reads: ``base["payload"]``, ``base.get("payload")``."""
    reads: list[list[Any]] = []
    seen: set[str] = set()
    for statement in body:
        for node in walk(statement):
            key_node = None
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == base \
                    and isinstance(node.ctx, ast.Load) and node.attr not in _FILE_KEYS.get() and node.attr not in seen \
                    and not node.attr.startswith("_") and node.attr not in _METHOD_NAMES:
                seen.add(node.attr)
                reads.append([node.attr, _attribute_range(node, collector)])
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == base:
                key_node = node.slice
            elif isinstance(node, ast.Call) and _callee_name(node) == "get" and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == base and node.args:
                key_node = node.args[0]
            key = _key_of(key_node) if key_node is not None else None
            if key and key not in _FILE_KEYS.get() and key not in seen and isinstance(node, (ast.Subscript, ast.Call)) \
                    and not isinstance(getattr(node, "ctx", ast.Load()), ast.Store):
                seen.add(key)
                reads.append([key, collector.range_of(key_node)])
    return reads
