"""The frontend's half of the WebSocket message catalogue, read from one tree-sitter tree.

Evidence: string-literal unions, ``enum``s and ``as const`` objects/arrays named after message
types; interfaces and object types with a ``type: '…'`` discriminator (with their fields);
objects with a ``type`` handed to a send call (``ws.send(JSON.stringify({...}))``,
``sendMessage({...})``, ``socket.emit('…')``); ``case '…'`` in a switch on a message's
``.type`` (and the payload fields each case reads); ``msg.type === '…'``; accept-lists
(``[...].includes(msg.type)``); handler maps and ``.on('…', handler)`` registrations (and an
``EventSource``'s ``addEventListener('…', handler)`` for named Server-Sent Events).
Sends through the file's own wrappers (``sendMessage(type, payload) { ws.send(JSON.stringify({
type, payload })) }``) count at each call with a literal first argument, and across files
through the catalogue like the Python side's wrappers (see ``catalogue``).

As on the Python side, only files that show WebSocket traffic yield *strong* entries.
"""

from __future__ import annotations

import re
import threading
from contextvars import ContextVar
from typing import Any, Iterator

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language
from isolint.core.rule import Indexer
from isolint.rules.contract.catalogue import (
    DECLARE,
    HANDLE,
    SEND,
    SHARED,
    TYPESCRIPT_FACTS,
    configured_side,
    in_source_order,
    indexes_file,
    side_of,
    with_details,
)
from isolint.rules.contract.channels import typescript_channels, typescript_uses_socket
from isolint.rules.contract.export import GENERATED_MARKER
from isolint.rules.contract.naming import (
    CHANNEL_EVENT_RE,
    GENERIC_SEND_CALLS,
    MESSAGE_CONTAINER_RE,
    WS_RECEIVER_RE,
    MESSAGE_MODEL_RE,
    RESERVED_EVENTS,
    WS_NAME_RE,
    is_state_name,
    is_wire_name,
    is_ws_context,
)

DISCRIMINATORS = frozenset({"type", "messageType", "message_type", "msgType", "msg_type", "eventType", "event_type"})
#: keys some channels switch on instead (``{ kind: 'take-control' }``): a sent value under one is
#: weak knowledge, enough to tell the backend its handler is used
SECONDARY_DISCRIMINATORS = frozenset({"kind"})
#: keys a receiver may switch on instead of ``type``; one is a discriminator only in a file whose
#: receiver switches on it (``switch (data.kind)`` with two ``case`` labels or more)
LEARNABLE_KEYS = frozenset({"kind", "action", "op", "command", "cmd"})
#: the discriminator keys of the file being read, and the local names bound to a read of one
#: (``const k = data.kind``): ``DISCRIMINATORS`` and nothing until a file learns more
_FILE_KEYS: ContextVar[frozenset[str]] = ContextVar("ts_discriminator_keys", default=DISCRIMINATORS)
_FILE_TYPE_VARIABLES: ContextVar[frozenset[str]] = ContextVar("ts_type_variables", default=frozenset())
SEND_CALLS = frozenset({"send", "sendMessage", "sendJson", "sendJSON", "sendEvent", "sendWsMessage", "sendWebSocketMessage",
                        "emit", "sendRaw", "safeSend", "sendToServer", "wsSend", "socketSend", "postMessage"})
REGISTRARS = frozenset({"on", "once", "subscribe", "registerHandler", "addHandler", "addMessageHandler", "onMessage",
                        "registerMessageHandler", "addListener", "setHandler", "onMessageType"})
#: lifecycle and DOM event names: registering for them says nothing about message types
LIFECYCLE_EVENTS = RESERVED_EVENTS | frozenset({
    "click", "change", "input", "submit", "keydown", "keyup", "load", "unload", "resize", "scroll", "focus", "blur",
    "visibilitychange", "online", "offline", "storage",
})
DOM_EVENT_VARIABLES = frozenset({"event", "e", "evt", "ev"})
MESSAGE_VARIABLE_RE = lazy_compile(
    r"msg|message|data|event|payload|frame|packet|incoming|parsed|raw|body|json|envelope|^m$|^e$|^evt$|ws|update",
    re.IGNORECASE,
)
NOT_MESSAGE_VARIABLES = frozenset({"action", "state", "node", "props", "element", "el", "field", "column", "input"})
TYPE_VARIABLE_RE = lazy_compile(r"^(msg|message|event|ws|frame|packet)_?[tT]ype$|^m?[tT]ype$")
HANDLER_TABLE_RE = lazy_compile(r"handler|dispatch|router|routes|callbacks|listeners", re.IGNORECASE)
FUNCTIONISH = frozenset({"arrow_function", "function_expression", "function", "identifier", "member_expression",
                         "call_expression"})
STRING_TYPES = frozenset({"string", "template_string"})


class TypeScriptMessageIndexer(Indexer):
    """Frontend (or shared-contract) message types a TS/TSX file declares, sends or handles."""

    name = TYPESCRIPT_FACTS
    languages = frozenset({Language.TYPESCRIPT})
    tokens = (b"type", b"enum", b"case", b"Type", b"handler", b"Handler", b"emit", b"on(", b"addEventListener")

    def admits(self, source, project) -> bool:
        return typescript_file_may_hold_messages(source)

    def extract(self, source, tree) -> dict[str, Any] | None:
        if not typescript_file_may_hold_messages(source):
            return None
        side = side_of(source.rel_path, Language.TYPESCRIPT, source.settings)
        collector = _Collector(source, is_ws_context(source.raw, source.rel_path))
        try:
            collector.collect(tree)
        finally:
            collector.forget_learned_keys()
        channels = typescript_channels(source.raw)
        if not (collector.entries or collector.enums or collector.wrappers or channels or collector.switched_keys):
            return None
        facts = {"side": side, "ws": collector.ws, "entries": in_source_order(collector.entries), "enums": collector.enums,
                 "models": {}, "aliases": []}
        if collector.wrappers:
            facts["wrappers"] = sorted([name, via, strong] for name, (via, strong) in collector.wrappers.items())
        if channels:
            facts["channels"] = channels
        if collector.switched_keys:
            # the keys a receiver dispatches on: a backend family tagged on one is its messages
            facts["switched"] = sorted(collector.switched_keys)
        if typescript_uses_socket(source.raw):
            facts["socket"] = True
        if configured_side(source):
            facts["configured"] = True
        return facts


def typescript_file_may_hold_messages(source) -> bool:
    """The checks ``extract`` starts with, decided before the parse (the frontend's prefilter,
    shared by the ISO4xx rules): production code or a file a contract glob names, on a side of
    the contract, neither minified nor an exported copy of the backend's types (that copy is no
    evidence of frontend handling)."""
    if not indexes_file(source) or _is_minified(source):
        return False
    side = side_of(source.rel_path, Language.TYPESCRIPT, source.settings)
    return side is not None and (side == SHARED or GENERATED_MARKER.encode() not in source.raw)


#: ``import { useUserSSE, x as y } from '@/hooks/sse'`` and ``import useEvents from './events'``
_IMPORT_RE = lazy_compile(
    r"^[ \t]*import[ \t]+(?:type[ \t]+)?(?:(\w+)[ \t]*,?[ \t]*)?(?:\{([^}]*)\})?[ \t\n]*from[ \t]*['\"]([^'\"\n]+)['\"]",
    re.MULTILINE)


def _imported_names(raw: bytes) -> dict[str, str]:
    if b"import" not in raw:
        return {}
    names: dict[str, str] = {}
    for match in _IMPORT_RE.finditer(raw.decode("utf-8", "replace")):
        default, listed, module = match.groups()
        if default:
            names[default] = module
        for item in (listed or "").split(","):
            local = item.strip().split(" as ")[-1].strip()
            if local.isidentifier():
                names[local] = module
    return names


def _text(node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def _alternatives(node) -> list:
    """``cond ? 'a' : 'b'`` → both branches (nested ones too); anything else → itself."""
    node = _unwrap(node)
    if node is not None and node.type == "ternary_expression":
        branches = [node.child_by_field_name("consequence"), node.child_by_field_name("alternative")]
        return [value for branch in branches if branch is not None for value in _alternatives(branch)]
    return [node] if node is not None else []


def _unwrap(node):
    """``(x)``, ``x as const``, ``x satisfies T``, ``x!`` → ``x``."""
    while node is not None and node.type in ("parenthesized_expression", "as_expression", "satisfies_expression",
                                             "non_null_expression", "type_assertion"):
        node = node.named_children[0] if node.named_children else None
    return node


def _string_value(node) -> str | None:
    node = _unwrap(node)
    if node is None:
        return None
    if node.type == "literal_type" and node.named_children:
        node = node.named_children[0]
    if node.type not in STRING_TYPES:
        return None
    if any(child.type in ("template_substitution", "escape_sequence") for child in node.named_children):
        return None
    value = _text(node)[1:-1]
    return value if is_wire_name(value) else None


def _enum_ref(node) -> str | None:
    node = _unwrap(node)
    if node is not None and node.type == "literal_type" and node.named_children:
        node = node.named_children[0]
    if node is None or node.type not in ("member_expression", "nested_type_identifier"):
        return None
    parts = _text(node).replace("?.", ".").split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-1][:1].isalpha():
        return f"{parts[-2]}.{parts[-1]}"
    return None


def _key_name(node) -> str | None:
    if node is None:
        return None
    if node.type in ("property_identifier", "identifier", "shorthand_property_identifier"):
        return _text(node)
    if node.type == "string":
        return _text(node)[1:-1]
    return None


def _walk(node) -> Iterator:
    cursor = node.walk()
    while True:
        yield cursor.node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


class _Collector:
    def __init__(self, source, ws: bool) -> None:
        self.source = source
        self.ws = ws
        self.entries: list[dict[str, Any]] = []
        self.enums: dict[str, dict[str, str]] = {}
        self.bindings: dict[str, list] = {}
        #: ``const k = data.kind``: local names bound to a property read (what a switch may read)
        self.key_reads: dict[str, list] = {}
        #: the keys of a message variable a ``switch`` with two cases or more dispatches on
        self.switched_keys: set[str] = set()
        #: functions that hand their first parameter, the whole message, to a send: name -> send callee
        self.forwarders: dict[str, str] = {}
        #: functions that send their first parameter as the type: name -> (send callee, strong)
        self.wrappers: dict[str, tuple[str, bool]] = {}
        #: names imported from other modules: local name -> module specifier (``'@/hooks/sse'``),
        #: read when a registration first needs them
        self._imports: dict[str, str] | None = None
        self._seen: set[tuple] = set()

    def range_of(self, node) -> list[int]:
        (sl, sc), (el, ec) = node.start_point, node.end_point
        return [sl, self.source.column_from_byte(sl, sc), el, self.source.column_from_byte(el, ec)]

    def add(self, role: str, node, *, strong: bool, via: str, fields=None, reads=None, enum: str | None = None,
            container: str | None = None, wrapper: str | None = None, through: str | None = None) -> None:
        node = _unwrap(node)
        if node is None:
            return
        name, ref = _string_value(node), _enum_ref(node)
        if name is None and ref is None:
            return
        key = (role, node.start_byte)
        if key in self._seen:
            return
        self._seen.add(key)
        entry: dict[str, Any] = {"role": role, "range": self.range_of(node), "strong": strong, "via": via}
        if name is not None:
            entry["name"] = name
            string = node.named_children[0] if node.type == "literal_type" and node.named_children else node
            entry["range"] = self.range_of(string)
            entry["literal"] = string.start_point[0] == string.end_point[0]
        else:
            entry["ref"] = ref
        if through is not None and not strong:
            entry["through"] = through  # strong once the catalogue finds that module on a channel
        self.entries.append(with_details(entry, fields=None if fields is None else sorted(set(fields)), reads=reads,
                                         enum=enum, container=container, wrapper=wrapper))

    # -- walk ----------------------------------------------------------------------------------
    def collect(self, tree) -> None:
        """Visit only the nodes a query selects (matched in C): a Python walk over every node
        of a large file costs several times its parse."""
        captures = _query_cursor(tree.language).captures(tree.root_node)
        declarators = captures.get("variable_declarator", [])
        for node in declarators:
            name, value = node.child_by_field_name("name"), _unwrap(node.child_by_field_name("value"))
            if name is not None and value is not None and name.type == "identifier":
                self.bindings.setdefault(_text(name), []).append(value)
        for node in captures.get("key_read_declarator", ()):
            self.key_reads.setdefault(_text(node.child_by_field_name("name")), []).append(node.child_by_field_name("value"))
        self.learn_keys(captures.get("switch_statement", ()))
        self.find_wrappers(captures.get("call_expression", ()))
        for kind in _CAPTURE_ORDER:
            handler = getattr(self, f"on_{kind}")
            for node in sorted(captures.get(kind, ()), key=lambda n: n.start_byte):
                handler(node)

    def learn_keys(self, switches) -> None:
        """Add to the file's discriminator keys the ``LEARNABLE_KEYS`` a receiver switches on
        (``switch (data.kind)``, or ``const k = data.kind; switch (k)``) with two ``case`` labels
        or more, and note the local names bound to a read of any discriminator key."""
        for switch in switches:
            body = switch.child_by_field_name("body")
            cases = [c for c in (body.named_children if body is not None else ()) if c.type == "switch_case"]
            if len(cases) >= 2:
                self.switched_keys.update(self.keys_read(switch.child_by_field_name("value")))
        keys = DISCRIMINATORS | (self.switched_keys & LEARNABLE_KEYS)
        type_variables = frozenset(name for name in {*self.bindings, *self.key_reads}
                                   if any(key in keys for key in self.keys_read_by_name(name)))
        self._learned_tokens = (_FILE_KEYS.set(keys), _FILE_TYPE_VARIABLES.set(type_variables))

    def keys_read(self, node, depth: int = 0) -> set[str]:
        """The keys of a message variable ``node`` reads, directly or through the local names it
        is bound to (``const k = data.kind; const kind = k as Kind``)."""
        node = _unwrap(node)
        if node is not None and node.type == "identifier":
            return self.keys_read_by_name(_text(node), depth)
        key = _message_key_read(node)
        return {key} if key else set()

    def keys_read_by_name(self, name: str, depth: int = 0) -> set[str]:
        if depth > 3:
            return set()
        values = [*self.bindings.get(name, ()), *self.key_reads.get(name, ())]
        return {key for value in values for key in self.keys_read(value, depth + 1)}

    def forget_learned_keys(self) -> None:
        tokens = getattr(self, "_learned_tokens", None)
        if tokens is not None:
            _FILE_TYPE_VARIABLES.reset(tokens[1])
            _FILE_KEYS.reset(tokens[0])

    def emitter_module(self, function) -> str | None:
        """``events.on('invoice.paid', …)`` where ``const events = useUserSSE()`` (or ``const
        [events, listen] = createListener(url)``) and that function is imported: the module it
        comes from, whose channel the registration is on when the catalogue finds that module
        reading a stream or a socket (an SSE hook re-emitting each message by its key)."""
        receiver = _unwrap(function.child_by_field_name("object")) if function.type == "member_expression" else None
        if receiver is None or receiver.type != "identifier":
            return None
        if self._imports is None:
            self._imports = _imported_names(self.source.raw)
        declaration = _declaration_of(receiver, _text(receiver))
        if declaration is None or declaration.type != "variable_declarator":
            return None
        value = _unwrap(declaration.child_by_field_name("value"))
        if value is not None and value.type == "await_expression" and value.named_children:
            value = _unwrap(value.named_children[0])
        if value is None or value.type != "call_expression":
            return None
        callee = value.child_by_field_name("function")
        return self._imports.get(_text(callee)) if callee is not None and callee.type == "identifier" else None

    # -- wrappers ------------------------------------------------------------------------------
    def find_wrappers(self, calls) -> None:
        """Functions whose first parameter is the event name or the ``type`` of a socket send
        they make; an inline union annotation of that parameter lists sent types."""
        for call in calls:
            function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
            callee = _callee(function)
            if callee not in SEND_CALLS or arguments is None or not _plausible_sender(function, callee):
                continue
            owner = _enclosing_function(call)
            parameter = _first_parameter(owner) if owner is not None else None
            name = _function_name(owner) if owner is not None else None
            if parameter is None or name is None or name in self.wrappers:
                continue
            parameter_name = _text(parameter)
            args = [a for a in arguments.named_children if a.type != "comment"]
            first = _unwrap(args[0]) if args else None
            emitted = callee == "emit" and first is not None and first.type == "identifier" \
                and _text(first) == parameter_name
            if any(self.forwards(arg, parameter_name) for arg in args):
                self.forwarders[name] = callee  # `const sendCommand = (command) => ws.send(JSON.stringify(command))`
            if emitted or any(self.sends_as_type(arg, parameter_name) for arg in args):
                self.wrappers[name] = (callee, self.ws)
                annotation = parameter.parent.child_by_field_name("type") if parameter.parent is not None else None
                literal = annotation.named_children[0] if annotation is not None and annotation.named_children else None
                members = _union_members(literal)
                if members and all(_string_value(m) for m in members):
                    for member in members:
                        self.add(SEND, member, strong=self.ws, via=f"`{name}(…)` parameter, sent as the type",
                                 wrapper=name)

    @staticmethod
    def forwards(node, parameter: str) -> bool:
        """Whether a send's argument ``node`` is ``parameter`` itself or ``JSON.stringify(parameter)``."""
        node = _unwrap(node)
        if node is not None and node.type == "call_expression" and _callee(node.child_by_field_name("function")) == "stringify":
            arguments = node.child_by_field_name("arguments")
            node = _unwrap(arguments.named_children[0]) if arguments is not None and arguments.named_children else None
        return node is not None and node.type == "identifier" and _text(node) == parameter

    def on_object_call(self, node) -> None:
        """``sendCommand({ kind: 'take-control' })``, or ``respond(response)`` with ``response``
        bound to such an object: a send when the callee forwards its first parameter to a socket
        send in this file."""
        callee = _callee(node.child_by_field_name("function"))
        arguments = node.child_by_field_name("arguments")
        if callee in self.forwarders and arguments is not None and arguments.named_children:
            self.sent_value(arguments.named_children[0], via=f"`{callee}(…)`, which sends its argument")

    def sends_as_type(self, node, parameter: str, depth: int = 0) -> bool:
        """Whether ``node`` (an argument of a send) is an object whose ``type`` is ``parameter``,
        seen through ``JSON.stringify(…)`` and local bindings."""
        node = _unwrap(node)
        if node is None or depth > 3:
            return False
        if node.type == "object":
            for member in node.named_children:
                if member.type == "pair" and _key_name(member.child_by_field_name("key")) in DISCRIMINATORS:
                    value = _unwrap(member.child_by_field_name("value"))
                    return value is not None and value.type == "identifier" and _text(value) == parameter
                if member.type == "shorthand_property_identifier" and _text(member) in DISCRIMINATORS:
                    return _text(member) == parameter
            return False
        if node.type == "identifier":
            return any(self.sends_as_type(bound, parameter, depth + 1) for bound in self.bindings.get(_text(node), ()))
        if node.type == "call_expression":
            arguments = node.child_by_field_name("arguments")
            children = arguments.named_children if arguments is not None else ()
            return any(self.sends_as_type(argument, parameter, depth + 1) for argument in children)
        return False

    def on_wrapper_call(self, node) -> None:
        """``this.sendMessage('join_room', …)``: a send when ``sendMessage`` is a wrapper of
        this file; ``chat.sendMessage('join_room')`` elsewhere: tagged for the catalogue."""
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        callee = _callee(function)
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if not callee or not args or _string_value(args[0]) in RESERVED_EVENTS:
            return
        if callee in self.wrappers:
            self.add(SEND, args[0], strong=self.ws, via=f"`{callee}(…)`, which sends its first argument",
                     wrapper=callee)
        elif WRAPPER_CALL_RE.search(callee) and not (callee in SEND_CALLS and _plausible_sender(function, callee)) \
                and (callee == "emit" or callee not in GENERIC_SEND_CALLS):
            self.add(SEND, args[0], strong=False, via=f"`{callee}(…)`, which sends its first argument", wrapper=callee)

    # -- declarations --------------------------------------------------------------------------
    def container_strength(self, name: str) -> bool | None:
        """None when ``name`` is no message-type container; True when it is named after the
        socket (strong on its own); False when only its name says "message types" (weak until
        the merged catalogue sees its members sent or handled)."""
        if is_state_name(name):
            return None
        if WS_NAME_RE.search(name) and (MESSAGE_CONTAINER_RE.search(name) or MESSAGE_MODEL_RE.search(name)):
            return True
        if MESSAGE_CONTAINER_RE.search(name):
            return False
        return None

    def container_of(self, name: str, strength: bool | None) -> str | None:
        return name if strength is False and self.ws else None

    def on_enum_declaration(self, node) -> None:
        name_node, body = node.child_by_field_name("name"), node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        enum = _text(name_node)
        members: dict[str, str] = {}
        values = []
        for member in body.named_children:
            if member.type != "enum_assignment":
                continue
            key, value = member.child_by_field_name("name"), member.child_by_field_name("value")
            text = _string_value(value)
            if key is not None and text is not None:
                members[_key_name(key) or _text(key)] = text
                values.append(value)
        self.declare_enum(enum, members, values)

    def declare_enum(self, enum: str, members: dict[str, str], values: list) -> None:
        if not members:
            return
        self.enums[enum] = members
        strength = self.container_strength(enum)
        for value in values:  # not a message enum by name: promoted if sends/handles use it
            self.add(DECLARE, value, strong=bool(strength), via=f"enum `{enum}`", enum=enum,
                     container=self.container_of(enum, strength))

    def on_type_alias_declaration(self, node) -> None:
        name_node, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name_node is None or value is None:
            return
        alias = _text(name_node)
        strength = self.container_strength(alias)
        if strength is None:
            return
        members = _union_members(value)
        if members and all(_string_value(m) or _enum_ref(m) for m in members):
            for member in members:
                self.add(DECLARE, member, strong=strength, via=f"union `{alias}`",
                         container=self.container_of(alias, strength))

    def on_variable_declarator(self, node) -> None:
        name_node, value = node.child_by_field_name("name"), _unwrap(node.child_by_field_name("value"))
        if name_node is None or value is None or name_node.type != "identifier":
            return
        name = _text(name_node)
        if value.type == "object":
            if HANDLER_TABLE_RE.search(name) or _dispatch_table(name, value, self.source.raw):
                self.handler_map(name, value)
            elif self.container_strength(name) is not None or name.isupper():
                members, values = {}, []
                for pair in value.named_children:
                    if pair.type == "pair" and (text := _string_value(pair.child_by_field_name("value"))):
                        members[_key_name(pair.child_by_field_name("key")) or ""] = text
                        values.append(pair.child_by_field_name("value"))
                if len(members) == len(value.named_children) and self.container_strength(name) is not None:
                    self.declare_enum(name, members, values)
                elif members and len(members) == len(value.named_children):
                    self.enums[name] = members  # an `as const` lookup object: resolves refs only
        elif value.type == "array" and self.container_strength(name) is not None:
            items = value.named_children
            if items and all(_string_value(item) for item in items):
                for item in items:
                    strength = self.container_strength(name)
                    self.add(DECLARE, item, strong=bool(strength), via=f"list `{name}`",
                             container=self.container_of(name, strength))

    def on_public_field_definition(self, node) -> None:
        name, value = node.child_by_field_name("name"), _unwrap(node.child_by_field_name("value"))
        if name is not None and value is not None and value.type == "object" and HANDLER_TABLE_RE.search(_text(name)):
            self.handler_map(_text(name), value)

    def on_property_signature(self, node) -> None:
        """``interface ThreadUpdatedMessage { type: 'thread_updated'; payload: … }``."""
        key = node.child_by_field_name("name")
        if key is None or _key_name(key) not in DISCRIMINATORS:
            return
        annotation = node.child_by_field_name("type")
        literal = annotation.named_children[0] if annotation is not None and annotation.named_children else None
        if literal is None:
            return
        members = _union_members(literal)
        if not members or not all(_string_value(m) or _enum_ref(m) for m in members):
            return
        container = node.parent
        owner = _owner_name(container)
        if owner is None:
            return
        strong = (self.ws and MESSAGE_MODEL_RE.search(owner) is not None) or WS_NAME_RE.search(owner) is not None
        fields = None
        if container is not None and not _extends(container):
            fields = [_key_name(sig.child_by_field_name("name")) or "" for sig in container.named_children
                      if sig.type == "property_signature" and sig != node]
        for member in members:
            self.add(DECLARE, member, strong=strong, via=f"type `{owner}`", fields=fields)

    # -- sends ---------------------------------------------------------------------------------
    def on_call_expression(self, node) -> None:
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return
        callee = _callee(function)
        args = [a for a in arguments.named_children if a.type != "comment"]
        if callee in SEND_CALLS and _plausible_sender(function, callee):
            if callee == "emit" and args and (_string_value(args[0]) or _enum_ref(args[0])):
                self.add(SEND, args[0], strong=self.ws, via="`emit(…)`")
                return
            for argument in args:
                self.sent_value(argument, via=f"`{callee}(…)`")
        elif (callee in REGISTRARS or (callee == "addEventListener" and _is_event_source(function))) \
                and len(args) >= 2 and _unwrap(args[1]) is not None and _unwrap(args[1]).type in FUNCTIONISH:
            event = _constant_string(args[0])
            if _string_value(event) in LIFECYCLE_EVENTS or _is_navigation_bus(function):
                return
            through = self.emitter_module(function)
            self.add(HANDLE, event, strong=self.ws, via=f"`{callee}(…)` registration", through=through)
        elif callee in ("includes", "has") and args and _received_type_subject(args[0]) is not None:
            self.accept_list(function)

    def sent_value(self, node, via: str, depth: int = 0) -> None:
        node = _unwrap(node)
        if node is None or depth > 4:
            return
        if node.type == "object":
            self.sent_object(node, via)
        elif node.type == "identifier":
            for bound in self.bindings.get(_text(node), ()):
                self.sent_value(bound, via, depth + 1)
        elif node.type == "call_expression":  # JSON.stringify({...}), createMessage({...})
            arguments = node.child_by_field_name("arguments")
            for argument in (arguments.named_children if arguments is not None else ()):
                self.sent_value(argument, via, depth + 1)
        elif node.type == "await_expression" and node.named_children:
            self.sent_value(node.named_children[0], via, depth + 1)

    def sent_object(self, node, via: str) -> None:
        discriminator = secondary = None
        fields: list[str] | None = []
        for member in node.named_children:
            if member.type == "pair":
                key = _key_name(member.child_by_field_name("key"))
                if key in _FILE_KEYS.get() and discriminator is None:
                    discriminator = member.child_by_field_name("value")
                elif key in SECONDARY_DISCRIMINATORS and secondary is None:
                    secondary = member.child_by_field_name("value")
                elif key is None:
                    fields = None
                elif fields is not None:
                    fields.append(key)
            elif member.type == "shorthand_property_identifier":
                key = _text(member)
                # ``const kind = on ? 'take-control' : 'cede-control'; send({ kind })``
                bound = [value for value in self.bindings.get(key, ()) if value.type == "ternary_expression"]
                if key in _FILE_KEYS.get() and discriminator is None and bound:
                    discriminator = bound[0]
                elif key in SECONDARY_DISCRIMINATORS and secondary is None and bound:
                    secondary = bound[0]
                elif fields is not None and key not in _FILE_KEYS.get():
                    fields.append(key)
            elif member.type == "spread_element":
                fields = None
            elif member.type not in ("comment",):
                fields = None
        if discriminator is not None:
            for value in _alternatives(discriminator):
                self.add(SEND, value, strong=self.ws, via=via, fields=fields)
        elif secondary is not None:
            # ``ws.send(JSON.stringify({ kind: 'take-control' }))``: a channel whose receiver
            # switches on ``kind``; known to the other side, never an anchor of its own
            for value in _alternatives(secondary):
                self.add(SEND, value, strong=False, via=via, fields=fields)

    # -- handles -------------------------------------------------------------------------------
    def on_switch_statement(self, node) -> None:
        subject = node.child_by_field_name("value")
        base = _received_type_subject(subject)
        if base is None or _is_value_lookup(subject, [c for case in _children(node.child_by_field_name("body"))
                                                      if case.type == "switch_case"
                                                      for c in case.named_children
                                                      if c != case.child_by_field_name("value")]):
            return
        body = node.child_by_field_name("body")
        pending: list = []
        for case in (body.named_children if body is not None else ()):
            if case.type != "switch_case":
                pending = []
                continue
            value = case.child_by_field_name("value")
            if value is not None and not _is_dom_event(base, value):
                pending.append(value)
            statements = [c for c in case.named_children if c != value and c.type != "comment"]
            if not statements:
                continue  # `case 'a': case 'b': …` share the next body
            reads = self.reads(statements, base)
            for label in pending:
                self.add(HANDLE, label, strong=self.ws, via="`case` in a switch on the message type", reads=reads)
            pending = []

    def on_binary_expression(self, node) -> None:
        operator = node.child_by_field_name("operator")
        if operator is None or _text(operator) not in ("===", "=="):
            return
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        for subject, value in ((left, right), (right, left)):
            base = _received_type_subject(subject)
            if base is not None and (_string_value(value) or _enum_ref(value)) and not _is_dom_event(base, value) \
                    and not _is_value_lookup(subject, _guarded_statements(node)):
                self.add(HANDLE, value, strong=self.ws, via="comparison with the message type",
                         reads=self.reads(_guarded_statements(node), base))
                return

    def accept_list(self, function) -> None:
        """``['a', 'b'].includes(msg.type)`` or ``ACCEPTED.includes(msg.type)``."""
        target = _unwrap(function.child_by_field_name("object")) if function.type == "member_expression" else None
        if target is not None and target.type == "identifier":
            target = next((b for b in self.bindings.get(_text(target), ()) if b.type in ("array", "new_expression")), None)
        if target is not None and target.type == "new_expression":  # new Set([...])
            arguments = target.child_by_field_name("arguments")
            target = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        target = _unwrap(target)
        if target is None or target.type != "array":
            return
        items = target.named_children
        if items and all(_string_value(item) or _enum_ref(item) for item in items):
            for item in items:
                self.add(HANDLE, item, strong=self.ws, via="accept-list of message types")

    def handler_map(self, name: str, node) -> None:
        for pair in node.named_children:
            if pair.type == "method_definition":
                key = pair.child_by_field_name("name")
            elif pair.type == "pair" and _unwrap(pair.child_by_field_name("value")) is not None \
                    and _unwrap(pair.child_by_field_name("value")).type in FUNCTIONISH:
                key = pair.child_by_field_name("key")
            else:
                continue
            if key is None:
                continue
            if key.type == "computed_property_name" and key.named_children:
                self.add(HANDLE, key.named_children[0], strong=self.ws, via=f"handler map `{name}`")
            elif key.type == "string":
                self.add(HANDLE, key, strong=self.ws, via=f"handler map `{name}`")
            elif key.type == "property_identifier" and "_" in _text(key) and _text(key).islower():
                self.add_identifier_key(key, name)

    def add_identifier_key(self, key, table: str) -> None:
        """``{ thread_updated: onThreadUpdated }``: an unquoted snake_case key is the wire name
        (camelCase keys are usually method names, so only snake_case counts)."""
        text = _text(key)
        if not is_wire_name(text) or ("handle", key.start_byte) in self._seen:
            return
        self._seen.add(("handle", key.start_byte))
        self.entries.append({"role": HANDLE, "name": text, "range": self.range_of(key), "strong": self.ws,
                             "via": f"handler map `{table}`", "literal": False})

    def reads(self, statements, base: str) -> list[list[Any]]:
        """Fields of ``base`` the statements read: ``msg.payload``, ``msg['payload']``,
        ``const { payload } = msg``."""
        if not base:
            return []
        reads: list[list[Any]] = []
        seen: set[str] = set()

        def record(field: str, node) -> None:
            if field and field not in seen and field not in DISCRIMINATORS:
                seen.add(field)
                reads.append([field, self.range_of(node)])

        for statement in statements:
            for node in _walk(statement):
                if node.type == "member_expression":
                    obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
                    if obj is not None and prop is not None and obj.type == "identifier" and _text(obj) == base:
                        parent = node.parent
                        if parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == node:
                            continue  # msg.toString()
                        record(_text(prop), prop)
                elif node.type == "subscript_expression":
                    obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
                    if obj is not None and obj.type == "identifier" and _text(obj) == base and index is not None \
                            and index.type == "string":
                        record(_text(index)[1:-1], index)
                elif node.type == "variable_declarator":
                    pattern, value = node.child_by_field_name("name"), _unwrap(node.child_by_field_name("value"))
                    if pattern is not None and pattern.type == "object_pattern" and value is not None \
                            and value.type == "identifier" and _text(value) == base:
                        for item in pattern.named_children:
                            key = item if item.type == "shorthand_property_identifier_pattern" else \
                                item.child_by_field_name("key") if item.type == "pair_pattern" else None
                            if key is not None:
                                record(_text(key), key)
        return reads


_CAPTURE_ORDER = ("enum_declaration", "type_alias_declaration", "variable_declarator", "public_field_definition",
                  "property_signature", "call_expression", "wrapper_call", "object_call", "switch_statement",
                  "binary_expression")
#: calls that may reach a wrapper (``sendMessage('x')``, ``emitEvent('x')``, ``emitter.emit('x')``)
WRAPPER_CALL_RE = lazy_compile(r"^(send|emit)([A-Z_]|$)")


def _alternation(names) -> str:
    return "^(" + "|".join(sorted(re.escape(name) for name in names)) + ")$"


_QUERY_SOURCE = f"""
(enum_declaration) @enum_declaration
(type_alias_declaration) @type_alias_declaration
(variable_declarator value: [(object) (array) (as_expression) (satisfies_expression) (new_expression) (ternary_expression)]) @variable_declarator
(variable_declarator name: (identifier) value: [(member_expression) (subscript_expression)]) @key_read_declarator
(public_field_definition value: (_)) @public_field_definition
(property_signature name: (property_identifier) @key (#match? @key "{_alternation(DISCRIMINATORS)}")) @property_signature
(call_expression
  function: [(identifier) @callee (member_expression property: (property_identifier) @callee)]
  (#match? @callee "{_alternation(SEND_CALLS | REGISTRARS | {"includes", "has", "addEventListener"})}")) @call_expression
(call_expression
  function: [(identifier) @wcallee (member_expression property: (property_identifier) @wcallee)]
  arguments: (arguments . (string))) @wrapper_call
(call_expression function: [(identifier) (member_expression)] arguments: (arguments . (object))) @object_call
(call_expression function: (identifier) arguments: (arguments . (identifier) .)) @object_call
(switch_statement) @switch_statement
(binary_expression operator: ["===" "=="]) @binary_expression
"""
_query_cursors: dict[int, Any] = {}
_query_lock = threading.Lock()


def _query_cursor(language):
    """One compiled query per grammar (typescript, tsx); a fresh cursor per use (cursors hold
    match state and are not shared across the LSP's worker threads)."""
    import tree_sitter

    key = id(language)
    with _query_lock:
        query = _query_cursors.get(key)
        if query is None:
            query = _query_cursors[key] = (language, tree_sitter.Query(language, _QUERY_SOURCE))
    return tree_sitter.QueryCursor(query[1])


MINIFIED_LINE_LENGTH = 2000


def _is_minified(source) -> bool:
    """Bundled or minified output (one huge line) is generated code, never a hand-written
    contract — and converting columns on megabyte lines would dominate the run."""
    return len(source.raw) > 50_000 and max(map(len, source.lines)) > MINIFIED_LINE_LENGTH


def _callee(function) -> str | None:
    function = _unwrap(function)
    if function is None:
        return None
    if function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return _text(prop) if prop is not None else None
    if function.type == "identifier":
        return _text(function)
    return None


def _call_receiver(function) -> str | None:
    """The object a method is called on, as written (``this.socket`` of ``this.socket?.send``,
    optional chaining dropped); ``""`` for a member expression without one, ``None`` for a call of
    a plain function."""
    function = _unwrap(function)
    if function is None or function.type != "member_expression":
        return None
    receiver = function.child_by_field_name("object")
    return _text(receiver).replace("?", "") if receiver is not None else ""


def _plausible_sender(function, callee: str) -> bool:
    """``ws.send``, ``this.socket.send``, ``this.send``: yes; ``queue.push``, ``worker.postMessage``: no."""
    receiver = _call_receiver(function)
    if callee not in GENERIC_SEND_CALLS or receiver is None:
        return True
    name = receiver.split(".")[-1]
    return bool(name) and WS_RECEIVER_RE.search(name) is not None


#: the receiver of ``source.addEventListener('document_indexed', …)``: an ``EventSource``'s
#: named Server-Sent Events (a DOM element's listeners are not messages)
EVENT_SOURCE_RECEIVER_RE = lazy_compile(r"source|sse|stream|^es$|^events?$", re.IGNORECASE)


def _is_event_source(function) -> bool:
    receiver = _call_receiver(function)
    return receiver is not None and EVENT_SOURCE_RECEIVER_RE.search(receiver.split(".")[-1]) is not None


def _union_members(node) -> list:
    if node is None:
        return []
    if node.type == "union_type":
        return [m for child in node.named_children if child.type != "comment" for m in _union_members(child)]
    if node.type == "parenthesized_type" and node.named_children:
        return _union_members(node.named_children[0])
    return [node]


def _owner_name(container) -> str | None:
    """The name of the interface / type alias an object type belongs to."""
    node = container
    for _ in range(6):
        if node is None:
            return None
        if node.type in ("interface_declaration", "type_alias_declaration", "class_declaration"):
            name = node.child_by_field_name("name")
            return _text(name) if name is not None else None
        node = node.parent
    return None


def _extends(container) -> bool:
    """Whether the object type's fields come partly from elsewhere (``extends``, ``&``)."""
    parent = container.parent
    if parent is not None and parent.type == "interface_declaration":
        return any(child.type == "extends_type_clause" for child in parent.named_children)
    return parent is not None and parent.type == "intersection_type"


def _type_subject(node) -> str | None:
    """The message variable whose type ``node`` reads: "msg" for ``msg.type`` /
    ``msg['type']``, "" for a bare ``messageType`` variable, None for anything else."""
    node = _unwrap(node)
    if node is None:
        return None
    if node.type in ("member_expression", "subscript_expression"):
        obj = node.child_by_field_name("object")
        key = node.child_by_field_name("property") if node.type == "member_expression" else node.child_by_field_name("index")
        key_text = _key_name(key) if key is not None else None
        if obj is None or key_text not in _FILE_KEYS.get():
            return None
        owner = _text(obj).split(".")[-1].replace("?", "")
        if owner in NOT_MESSAGE_VARIABLES or not MESSAGE_VARIABLE_RE.search(owner):
            return None
        return owner if obj.type == "identifier" else ""
    if node.type == "identifier" and (TYPE_VARIABLE_RE.match(_text(node)) or _text(node) in _FILE_TYPE_VARIABLES.get()):
        return ""
    return None


def _message_key_read(node) -> str | None:
    """The key ``node`` reads of a message variable: ``data.kind``, ``msg['kind']``."""
    node = _unwrap(node)
    if node is None or node.type not in ("member_expression", "subscript_expression"):
        return None
    obj = node.child_by_field_name("object")
    key = node.child_by_field_name("property") if node.type == "member_expression" else node.child_by_field_name("index")
    if obj is None or key is None:
        return None
    owner = _text(obj).split(".")[-1].replace("?", "")
    if owner in NOT_MESSAGE_VARIABLES or not MESSAGE_VARIABLE_RE.search(owner):
        return None
    return _key_name(key)


FUNCTION_NODES = frozenset({"arrow_function", "function_expression", "function_declaration", "function",
                            "method_definition", "generator_function", "generator_function_declaration"})
#: array methods whose callback receives an element of a collection, never a received message
ELEMENT_CALLBACKS = frozenset({"filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "map",
                               "flatMap", "forEach", "reduce", "reduceRight", "sort"})
SCOPE_NODES = frozenset({"statement_block", "program", "switch_case", "class_body"})


def _enclosing_function(node):
    current = node.parent
    while current is not None and current.type not in FUNCTION_NODES:
        current = current.parent
    return current


def _first_parameter(function):
    """The identifier of a function's first parameter (TypeScript's ``this`` parameter skipped)."""
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        single = function.child_by_field_name("parameter")
        return single if single is not None and single.type == "identifier" else None
    for parameter in parameters.named_children:
        pattern = parameter.child_by_field_name("pattern") if parameter.type in (
            "required_parameter", "optional_parameter") else parameter
        if pattern is not None and pattern.type == "identifier" and _text(pattern) != "this":
            return pattern
        if pattern is None or pattern.type != "this":
            return None
    return None


def _function_name(function) -> str | None:
    """``function send(…)``, ``send(…) {}`` in a class/object, ``const send = (…) => …``,
    ``send = (…) => …`` as a class field."""
    name = function.child_by_field_name("name")
    if name is not None:
        return _text(name)
    parent = function.parent
    if parent is not None and parent.type in ("variable_declarator", "public_field_definition", "pair"):
        key = parent.child_by_field_name("name") or parent.child_by_field_name("key")
        return _key_name(key) if key is not None else None
    return None


def _received_type_subject(node) -> str | None:
    """``_type_subject``, but only for a message this code *receives* to dispatch on. Not: an
    element in an array callback (``elements.filter((e) => e.type === 'tasklist')``), the
    payload of a handler registered for one event (``socket.on('toast', (data) => …data.type…)``:
    the event is dispatched already, ``data.type`` is a payload field), nor a ``type`` variable
    bound from something that is no message (``const { type, id } = route.params``)."""
    base = _type_subject(node)
    if base is None:
        return None
    node = _unwrap(node)
    name = base or (_text(node) if node.type == "identifier" else "")
    if not name:
        return base
    declaration = _declaration_of(node, name)
    if declaration is None:
        return base
    if declaration.type in FUNCTION_NODES:
        return None if _is_element_or_payload_callback(declaration) else base
    return base if _binds_a_message(declaration, name) else None


def _declaration_of(node, name: str):
    """The nearest enclosing function with a parameter ``name`` or variable declarator binding
    ``name`` in a block around ``node`` (plain or destructured); None when not found."""
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_NODES:
            parameters = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
            if parameters is not None and name in _bound_names(parameters):
                return current
        elif current.type in SCOPE_NODES:
            for statement in current.named_children:
                if statement.type in ("lexical_declaration", "variable_declaration"):
                    for declarator in statement.named_children:
                        if declarator.type == "variable_declarator" and name in _bound_names(
                                declarator.child_by_field_name("name")):
                            return declarator
        current = current.parent
    return None


def _bound_names(pattern) -> set[str]:
    """Identifiers a parameter list or a binding pattern introduces (not types, not defaults)."""
    names: set[str] = set()
    stack = [pattern] if pattern is not None else []
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            names.add(_text(node))
        elif node.type == "pair_pattern":
            value = node.child_by_field_name("value")
            stack.extend([value] if value is not None else [])
        elif node.type in ("assignment_pattern", "object_assignment_pattern"):
            left = node.child_by_field_name("left")
            stack.extend([left] if left is not None else [])
        elif node.type in ("required_parameter", "optional_parameter"):
            inner = node.child_by_field_name("pattern")
            stack.extend([inner] if inner is not None else [])
        elif node.type not in ("type_annotation", "accessibility_modifier"):
            stack.extend(node.named_children)
    return names


def _is_element_or_payload_callback(function) -> bool:
    arguments = function.parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return False
    callee = _callee(call.child_by_field_name("function"))
    if callee in ELEMENT_CALLBACKS:
        return True
    args = [a for a in arguments.named_children if a.type != "comment"]
    event = _string_value(args[0]) if args else None
    return callee in REGISTRARS and len(args) >= 2 and args[1] == function \
        and (event or _enum_ref(args[0])) is not None and event not in LIFECYCLE_EVENTS \
        and not CHANNEL_EVENT_RE.match(event or "")


def _binds_a_message(declarator, name: str) -> bool:
    """``const msg = JSON.parse(…)``, ``const type = msg.type``, ``const { type } = message``."""
    target, value = declarator.child_by_field_name("name"), _unwrap(declarator.child_by_field_name("value"))
    if value is None:
        return True  # `let msg;` assigned later: unknown, trusted by its name
    if target is not None and target.type == "identifier":
        if _type_subject(value) is not None:
            return True
    if value.type == "call_expression":
        return True  # JSON.parse(raw), decode(frame): what a receiver parses
    if value.type in ("identifier", "member_expression", "subscript_expression"):
        owner = _text(value).replace("?", "").split(".")[-1]
        return owner not in NOT_MESSAGE_VARIABLES and MESSAGE_VARIABLE_RE.search(owner) is not None
    return target is None or target.type == "identifier"


def _dispatch_table(name: str, value, raw: bytes) -> bool:
    """``const ACTIONS = { 'organization.updated': onOrganizationUpdated }`` looked up by a
    received key (``ACTIONS[key]``): a table of functions keyed by wire names, indexed in the
    file, is a handler map whatever its name."""
    pairs = [pair for pair in value.named_children if pair.type != "comment"]
    if not pairs or not all(pair.type == "pair" and pair.child_by_field_name("key") is not None
                            and pair.child_by_field_name("key").type == "string"
                            and _string_value(pair.child_by_field_name("key"))
                            and _is_callback(_unwrap(pair.child_by_field_name("value")))
                            for pair in pairs):
        return False
    return re.search(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"\s*\[\s*[A-Za-z_$]", raw) is not None


def _is_callback(node) -> bool:
    """A function written in place, or a function's lower-case name (``onOrganizationUpdated``,
    ``handlers.update``) — not a component or a class (``GithubIcon``), which a lookup table of
    icons or pages holds."""
    if node is None:
        return False
    if node.type in ("arrow_function", "function_expression", "function"):
        return True
    if node.type in ("identifier", "member_expression"):
        return _text(node).rsplit(".", 1)[-1][:1].islower()
    return False


def _constant_string(node):
    """``RECEIPT_EVENT`` in ``emitter.on(RECEIPT_EVENT, …)`` → the string literal a ``const`` binds
    it to in an enclosing scope (the finding then sits on the constant); anything else → itself."""
    node = _unwrap(node)
    if node is None or node.type != "identifier":
        return node
    declaration = _declaration_of(node, _text(node))
    if declaration is None or declaration.type != "variable_declarator" \
            or declaration.parent is None or not _text(declaration.parent).startswith("const"):
        return node
    value = _unwrap(declaration.child_by_field_name("value"))
    return value if value is not None and value.type in STRING_TYPES else node


#: the receiver of ``router.events.on('routeChangeComplete', …)``: a client-side router's own
#: navigation events, never messages of a channel
NAVIGATION_RECEIVER_RE = lazy_compile(r"(^|\.)(router|history|navigation)(\.events)?$", re.IGNORECASE)


def _is_navigation_bus(function) -> bool:
    receiver = _call_receiver(function)
    return bool(receiver) and NAVIGATION_RECEIVER_RE.search(receiver) is not None


def _children(node) -> list:
    return list(node.named_children) if node is not None else []


def _is_value_lookup(subject, statements) -> bool:
    """``const icon = (type: ArtifactType) => { switch (type) { case 'table': return <Table/>; … } }``:
    a bare ``type`` parameter of the enclosing function whose every branch only returns a value
    maps a kind to a label or an icon — a lookup, not the dispatch of a received message (which
    acts on it: calls, state updates)."""
    subject = _unwrap(subject)
    if subject is None or subject.type != "identifier" or not statements:
        return False
    declaration = _declaration_of(subject, _text(subject))
    if declaration is None or declaration.type not in FUNCTION_NODES:
        return False
    return all(_only_returns(statement) for statement in statements if statement.type != "comment")


def _only_returns(statement) -> bool:
    """Whether ``statement`` only returns values, none of them computed by a call (``return done()``
    acts on the message)."""
    if statement.type == "return_statement":
        return not _calls(statement)
    if statement.type == "statement_block":
        body = [c for c in statement.named_children if c.type != "comment"]
        return bool(body) and all(_only_returns(c) for c in body)
    if statement.type == "if_statement":
        consequence, alternative = statement.child_by_field_name("consequence"), statement.child_by_field_name("alternative")
        branches = [consequence] + ([c for c in alternative.named_children if c.type != "comment"]
                                    if alternative is not None else [])
        return consequence is not None and all(_only_returns(b) for b in branches)
    return False


def _calls(node) -> bool:
    """A call or an assignment in ``node`` outside the functions it defines (an ``onClick``)."""
    stack = list(node.named_children)
    while stack:
        current = stack.pop()
        if current.type in ("call_expression", "new_expression", "assignment_expression", "await_expression"):
            return True
        if current.type not in FUNCTION_NODES:
            stack.extend(current.named_children)
    return False


def _is_dom_event(base: str, value) -> bool:
    return base in DOM_EVENT_VARIABLES and _string_value(value) in LIFECYCLE_EVENTS


def _guarded_statements(comparison) -> list:
    """The statements an ``if (msg.type === 'x')`` guards (its consequence)."""
    node = comparison.parent
    while node is not None and node.type in ("parenthesized_expression", "binary_expression"):
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or _text(operator) != "&&":
                return []
        node = node.parent
    if node is not None and node.type == "if_statement":
        consequence = node.child_by_field_name("consequence")
        return [consequence] if consequence is not None else []
    return []
