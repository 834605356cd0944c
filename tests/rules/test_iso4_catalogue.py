"""What the message catalogue indexers read from Python and TypeScript, and what they ignore."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.core.config import Settings
from isolint.engine.python_runner import parse_python
from isolint.core.source import SourceFile
from isolint.engine.typescript_runner import parse_typescript
from isolint.rules.contract.naming import closest_peer_name, near_miss, words
from isolint.rules.contract.python_indexer import PythonMessageIndexer
from isolint.rules.contract.typescript_indexer import TypeScriptMessageIndexer

ROOT = Path("/isolint-catalogue-root")


def python_entries(text: str, path: str = "services/api/app/ws/handlers.py") -> dict:
    source = SourceFile.from_text(ROOT / path, text, Settings(root=ROOT))
    return PythonMessageIndexer().extract(source, parse_python(source)) or {}


def ts_entries(text: str, path: str = "frontend/src/socket.ts") -> dict:
    source = SourceFile.from_text(ROOT / path, text, Settings(root=ROOT))
    return TypeScriptMessageIndexer().extract(source, parse_typescript(source)) or {}


def summary(facts: dict) -> set[tuple[str, str, bool]]:
    return {(e["role"], e.get("name") or e.get("ref") or e.get("model"), e["strong"]) for e in facts.get("entries", ())}


def test_python_enum_literal_alias_and_model_declare_types() -> None:
    facts = python_entries(
        "from enum import Enum, StrEnum, auto\nfrom typing import Literal\nfrom pydantic import BaseModel\n"
        "class MessageType(str, Enum):\n    THREAD_UPDATE = 'thread_update'\n    _ignored = 'x'\n"
        "class WsEvent(StrEnum):\n    RUN_DONE = auto()\n"
        "ClientMessageType = Literal['start_run', 'stop_run']\n"
        "class ThreadUpdatedMessage(BaseModel):\n    type: Literal['thread_updated'] = 'thread_updated'\n    payload: dict\n"
        "class TextBlock(BaseModel):\n    type: Literal['text']\n    text: str\n"
    )
    # a discriminated content block is no message: kept as weak knowledge only
    assert ("declare", "text", False) in summary(facts)
    # named after the socket: strong on its own; named after messages only: weak until the
    # merged catalogue sees a third of the members sent or handled (see the promotion test)
    assert summary(facts) >= {("declare", "run_done", True), ("declare", "thread_updated", True),
                              ("declare", "thread_update", False), ("declare", "start_run", False)}
    assert {e["container"] for e in facts["entries"] if e.get("container")} == {"MessageType", "ClientMessageType"}
    assert facts["enums"]["MessageType"] == {"THREAD_UPDATE": "thread_update"}
    assert facts["models"]["ThreadUpdatedMessage"] == {"name": "thread_updated", "fields": ["payload"]}
    model_entry = next(e for e in facts["entries"] if e.get("name") == "thread_updated")
    assert model_entry["fields"] == ["payload"]


def test_python_sends_through_variables_serializers_and_models() -> None:
    facts = python_entries(
        "import json\n"
        "async def a(websocket):\n    message = {'type': 'one', 'data': 1}\n    message['extra'] = 2\n"
        "    await websocket.send_json(message)\n"
        "async def b(ws):\n    await ws.send_text(json.dumps({'type': MessageType.TWO, **rest}))\n"
        "async def c(manager):\n    await manager.broadcast(Envelope(type='three', payload={}).model_dump())\n"
        "async def d(websocket):\n    await websocket.send_json(ThreadMessage(thread_id=1).model_dump())\n"
    )
    sends = {(e.get("name") or e.get("ref") or e.get("model")): e.get("fields") for e in facts["entries"]
             if e["role"] == "send"}
    assert sends == {"one": ["data", "extra"], "MessageType.TWO": None, "three": ["payload"], "ThreadMessage": None}


def test_python_dispatch_records_handled_types_and_the_fields_each_branch_reads() -> None:
    facts = python_entries(
        "async def on_message(websocket, message):\n"
        "    msg_type = message.get('type')\n"
        "    if msg_type == 'start_run':\n        await start(message['payload']['prompt'])\n"
        "    elif msg_type in ('pause', MessageType.RESUME):\n        pass\n"
        "    match message:\n        case {'type': 'ping'}:\n            pass\n"
        "    match message['type']:\n        case 'typed' | 'typing':\n            go(message.get('data'))\n"
    )
    handles = {(e.get("name") or e.get("ref")): [r[0] for r in e.get("reads", ())] for e in facts["entries"]
               if e["role"] == "handle"}
    assert handles == {"start_run": ["payload"], "pause": [], "MessageType.RESUME": [], "ping": [],
                       "typed": ["data"], "typing": ["data"]}


def test_python_registrations_and_mapping_tables() -> None:
    facts = python_entries(
        "HANDLERS = {'join': on_join, MessageType.LEAVE: on_leave}\n"
        "FRONTEND_EVENT_MAP = {'agent_completed': 'agentCompleted', 'agent_started': 'agentStarted'}\n"
        "@sio.on('chat')\nasync def chat(sid, data):\n    pass\n"
        "router.register_handler('typing', on_typing)\n"
    )
    assert {("handle", n) for _, n, _ in summary(facts)} >= {("handle", "join"), ("handle", "MessageType.LEAVE"),
                                                            ("handle", "chat"), ("handle", "typing")}
    assert facts["aliases"] == [["agent_completed", "agentCompleted"], ["agent_started", "agentStarted"]]


@pytest.mark.parametrize("text", [
    # a job queue, not a socket: `producer` is no socket-like receiver
    "def enqueue(producer):\n    producer.send({'type': 'export_csv'})\n",
    # tree-walking code compares node types
    "def kind(node):\n    return 1 if node.type == 'function_definition' else 0\n",
    # content blocks carry a type too; returned by a function that is no message builder
    "def block(text):\n    return {'type': 'markdown', 'text': text}\n",
    # a validator of a received event returns it checked, as a DevTools command's parameters
    "def _validate_wheel_event(msg):\n    return {'type': 'mouseWheel', 'deltaY': int(msg['deltaY'])}\n",
])
def test_python_look_alikes_produce_no_strong_entries(text: str) -> None:
    assert not [e for e in python_entries(text).get("entries", ()) if e["strong"]]


def test_python_message_builder_returns_a_sent_message() -> None:
    """A function of WebSocket code named after a message returns one to send."""
    facts = python_entries("def run_failed_event(detail):\n    return {'type': 'run_failed', 'detail': detail}\n")
    assert ("send", "run_failed", True) in summary(facts)


def test_python_entries_outside_websocket_code_are_weak_and_tests_are_skipped() -> None:
    plain = python_entries("class EventType(str, Enum):\n    CREATED = 'created'\n", "services/api/app/audit.py")
    assert summary(plain) == {("declare", "created", False)}
    assert python_entries("async def t(websocket):\n    await websocket.send_json({'type': 'x'})\n",
                          "services/api/tests/test_ws.py") == {}


def test_typescript_declarations() -> None:
    facts = ts_entries(
        "export enum WsMessageType { ThreadCreated = 'thread_created', Count = 3 }\n"
        "export type ServerMessageType =\n  | 'thread_updated' // drift\n  | 'agentCompleted';\n"
        "export const MESSAGE_TYPES = ['ping', 'pong'] as const;\n"
        "export const EventNames = { JOIN: 'join_room', LEAVE: 'leave_room' } as const;\n"
        "interface AuthMessage { type: 'auth'; token: string }\n"
        "interface ErrorMessage extends Base { type: 'error'; detail: string }\n"
    )
    assert {n for r, n, s in summary(facts) if r == "declare" and s} == {"thread_created", "auth", "error"}
    containers = {e["name"]: e.get("container") for e in facts["entries"] if not e["strong"]}
    assert containers == {"thread_updated": "ServerMessageType", "agentCompleted": "ServerMessageType",
                          "ping": "MESSAGE_TYPES", "pong": "MESSAGE_TYPES", "join_room": "EventNames",
                          "leave_room": "EventNames"}
    fields = {e["name"]: e.get("fields") for e in facts["entries"] if e.get("name") in ("auth", "error")}
    assert fields == {"auth": ["token"], "error": None}
    assert facts["enums"]["WsMessageType"] == {"ThreadCreated": "thread_created"}


def test_typescript_sends_handles_and_reads() -> None:
    facts = ts_entries(
        "const ACCEPTED = ['a_one', 'a_two'];\n"
        "const handlers = { user_joined: onJoin, [WsMessageType.Left]: onLeft, 'typing': () => {} };\n"
        "export function listen(ws: WebSocket) {\n"
        "  ws.onmessage = (event) => {\n"
        "    const msg = JSON.parse(event.data);\n"
        "    if (!ACCEPTED.includes(msg.type)) return;\n"
        "    switch (msg.type) {\n"
        "      case 'x_one':\n      case 'x_two': {\n        const { payload, meta: m } = msg;\n        use(msg.data, msg['extra']);\n        break;\n      }\n"
        "      case WsMessageType.Done: msg.toString(); break;\n"
        "    }\n"
        "    if (ready && msg.type === 'y_one') use(msg.body);\n"
        "    if (event.type === 'message' || msg.type === 'z_one') use(msg.body);\n"
        "  };\n"
        "  socket.on('chat_message', (m) => m);\n  socket.on('connect', () => {});\n"
        "  ws.send(JSON.stringify({ type: 'hello', token, ...extra }));\n"
        "  const out = { type: 'bye', reason: 'done' };\n  ws.send(JSON.stringify(out));\n"
        "}\n"
    )
    handles = {(e.get("name") or e.get("ref")): [r[0] for r in e.get("reads", ())] for e in facts["entries"]
               if e["role"] == "handle"}
    assert handles == {"a_one": [], "a_two": [], "user_joined": [], "WsMessageType.Left": [], "typing": [],
                       "x_one": ["payload", "meta", "data", "extra"], "x_two": ["payload", "meta", "data", "extra"],
                       "WsMessageType.Done": [], "y_one": ["body"], "z_one": [], "chat_message": []}
    sends = {e["name"]: e.get("fields") for e in facts["entries"] if e["role"] == "send"}
    assert sends == {"hello": None, "bye": ["reason"]}


@pytest.mark.parametrize("text", [
    # Redux actions never cross the socket
    "export function reducer(s, action) { switch (action.type) { case 'todos/added': return s; } }\n",
    # DOM events
    "el.addEventListener('click', (event) => { if (event.type === 'click') go(); });\n",
    # a queue's push and a worker's postMessage are no socket sends
    "queue.push({ type: 'job' }); worker.postMessage({ type: 'compute' });\n",
    # a union of UI states, not message types
    "type Filter = 'all' | 'mine';\n",
])
def test_typescript_look_alikes_stay_out_of_the_catalogue(text: str) -> None:
    websocket_file = "// talks to the WebSocket\n" + text
    assert not [e for e in ts_entries(websocket_file).get("entries", ()) if e["strong"]]


def test_exported_contract_copy_is_not_frontend_evidence() -> None:
    from isolint.rules.contract.export import GENERATED_MARKER

    text = f"// {GENERATED_MARKER}\nexport type ServerMessageType = 'a_b' | 'c_d';\n"
    assert ts_entries(text, "frontend/src/ws/contract.ts") == {}


@pytest.mark.parametrize(("a", "b", "reason"), [
    ("agentCompleted", "agent_completed", "same words, another case"),
    ("thread_update", "thread_updated", "same words, another tense or number"),
    ("user_join", "user_joined", "same words, another tense or number"),
    ("messsage_received", "message_received", "a small spelling difference"),
    ("move_cursr", "move_cursor", "a small spelling difference"),
    ("get_user", "set_user", None),
    ("ping", "pong", None),
    ("agent_started", "agent_stopped", None),
    ("v1_event", "v2_event", None),
    ("thread_created", "thread_updated", None),
])
def test_near_miss(a: str, b: str, reason: str | None) -> None:
    assert near_miss(a, b) == reason
    assert near_miss(b, a) == reason


def test_closest_peer_name_refuses_ties_and_prefers_stricter_reasons() -> None:
    assert words("WSMessageType") == ("ws", "message", "type")
    assert closest_peer_name("thread_update", ["thread_updated", "threadUpdate"]) == ("threadUpdate",
                                                                                       "same words, another case")
    assert closest_peer_name("run_done", ["runDone", "run-done"]) is None


def test_message_named_containers_count_once_their_members_are_used() -> None:
    """``enum MessageType { USER = 'user', … }`` in a WebSocket file holds chat roles, not
    message types: with none of its members sent or handled it never anchors a finding."""
    from isolint.rules.contract.catalogue import FRONTEND, PYTHON_FACTS, TYPESCRIPT_FACTS, build_catalogue

    frontend = ts_entries(
        "export enum MessageType { USER = 'user', ASSISTANT = 'assistant', SYSTEM = 'system' }\n"
        "export type ServerMessageType = 'job_done' | 'job_failed' | 'job_queued';\n"
        "export function listen(ws: WebSocket) {\n  ws.onmessage = (e) => {\n    const msg = JSON.parse(e.data);\n"
        "    if (msg.type === 'job_done') done();\n  };\n}\n")
    backend = python_entries("async def push(websocket):\n    await websocket.send_json({'type': 'job_done'})\n")
    catalogue = build_catalogue({TYPESCRIPT_FACTS: {"frontend/src/socket.ts": frontend},
                                 PYTHON_FACTS: {"services/api/app/ws/handlers.py": backend}})
    strong = {name for name, items in catalogue.sides[FRONTEND].by_name.items() if any(i.strong for i in items)}
    assert strong == {"job_done", "job_failed", "job_queued"}  # a third used: the union counts
    assert {(m.kind, m.name) for m in catalogue.mismatches} == {("unknown", "job_failed"), ("unknown", "job_queued")}


# -- precision on real code (QA triage of chainlit and lnbits): each look-alike class ------------

def strong_names(facts: dict, role: str) -> set[str]:
    return {e.get("name") or e.get("ref") for e in facts.get("entries", ()) if e["strong"] and e["role"] == role}


def test_python_client_of_another_server_is_not_the_contract() -> None:
    """lnbits' wallets talk to a Lightning node's WebSocket and REST API (`websockets.connect`,
    `r.json()`): that protocol is the node's, not the frontend's."""
    client_only = python_entries(
        "import json\nfrom websockets import connect\n"
        "async def stream(url, client):\n"
        "    data = (await client.post('/pay')).json()\n"
        "    if data['type'] == 'payment-failed':\n        return\n"
        "    async with connect(url) as ws:\n"
        "        await ws.send(json.dumps({'type': 'subscribe'}))\n"
        "        message = json.loads(await ws.recv())\n"
        "        if message['type'] == 'payment-received':\n            pass\n",
        "services/api/app/wallets/node.py")
    assert client_only["ws"] is False
    assert not strong_names(client_only, "send") | strong_names(client_only, "handle")


def test_python_proxy_keeps_its_own_socket_and_skips_the_upstream_one() -> None:
    facts = python_entries(
        "import json\nimport websockets\nfrom fastapi import WebSocket\n"
        "async def voice(websocket: WebSocket):\n"
        "    async with websockets.connect(URL) as upstream:\n"
        "        await upstream.send(json.dumps({'type': 'session.update'}))\n"
        "        async for raw in upstream:\n"
        "            event = json.loads(raw)\n"
        "            if event['type'] == 'response.done':\n"
        "                await websocket.send_json({'type': 'audio_end'})\n"
        "    message = await websocket.receive_json()\n"
        "    if message['type'] == 'mute':\n        pass\n")
    assert strong_names(facts, "send") == {"audio_end"}
    assert strong_names(facts, "handle") == {"mute"}


def test_python_reserved_events_and_payloads_of_one_event_are_no_message_types() -> None:
    facts = python_entries(
        "@sio.on('connect')\nasync def connect(sid, environ):\n    pass\n"
        "@sio.on('disconnect')\nasync def disconnect(sid):\n    pass\n"
        "@sio.on('feedback')\nasync def feedback(sid, payload):\n"
        "    if payload['type'] == 'thumbs_up':\n        pass\n"
        "@sio.on('client_event')\nasync def channel(sid, data):\n"
        "    match data['type']:\n        case 'join':\n            pass\n"
        "async def hello(sid):\n    await sio.emit('connect', {})\n    await sio.emit('welcome', {}, to=sid)\n")
    assert strong_names(facts, "handle") == {"feedback", "client_event", "join"}
    assert strong_names(facts, "send") == {"welcome"}


@pytest.mark.parametrize(("body", "handled"), [
    ("    type = request.path_params['type']\n    if type == 'tx':\n        pass\n", set()),
    ("    msg_type = message['type'].lower()\n    if msg_type == 'ping':\n        pass\n", {"ping"}),
    ("    msg_type = json.loads(raw)['type']\n    if msg_type == 'ping':\n        pass\n", {"ping"}),
    ("    msg_type = MessageType(message.get('type') or '')\n    if msg_type == 'ping':\n        pass\n", {"ping"}),
])
def test_python_type_variable_counts_only_when_it_may_be_a_message_type(body: str, handled: set[str]) -> None:
    facts = python_entries(f"async def on_message(websocket, request, message, raw):\n{body}")
    assert strong_names(facts, "handle") == handled


def test_python_type_defaults_of_abstract_bases_and_wider_aliases_are_no_discriminators() -> None:
    facts = python_entries(
        "class MessageBase(ABC):\n    type: MessageStepType = 'assistant_message'\n"
        "class StepMessage(BaseModel):\n    type: MessageStepType = 'user_message'\n"
        "class ThreadUpdatedMessage(BaseModel):\n    type: str = 'thread_updated'\n    payload: dict\n"
        "class RunDoneMessage(BaseModel):\n    type: WsEvent = WsEvent.RUN_DONE\n")
    assert strong_names(facts, "declare") == {"thread_updated", "WsEvent.RUN_DONE"}


def test_python_wrappers_send_their_first_argument_in_the_file() -> None:
    facts = python_entries(
        "class Emitter:\n"
        "    def clear(self, event: Literal['clear_ask', 'clear_call_fn']):\n        return self.emit(event, {})\n"
        "    def notify(self, kind, body):\n        return self.websocket.send_json({'type': kind, 'body': body})\n"
        "    def toast(self, kind):\n        return self.notify(kind, {})\n"
        "    async def ask(self):\n        await self.clear('clear_ask')\n        await self.toast('toast_shown')\n"
        "def emit_fn(event, data):\n    return sio.emit(event, data)\n"
        "session = Session(emit=emit_fn)\n")
    assert strong_names(facts, "send") == {"clear_ask", "clear_call_fn", "toast_shown"}
    assert facts["wrappers"] == [["clear", "emit", True], ["emit", "emit_fn", False], ["emit_fn", "emit", True],
                                 ["notify", "send_json", True], ["toast", "notify", False]]


def test_wrappers_resolve_across_files_through_the_catalogue() -> None:
    """chainlit: `context.emitter.emit("chat_settings", …)` in a module that never mentions a
    socket reaches `sio.emit` through `session.emit = emit_fn`; the emitter module's own
    `self.emit("task_start")` and `self.clear("clear_ask")` do too."""
    from isolint.rules.contract.catalogue import BACKEND, PYTHON_FACTS, TYPESCRIPT_FACTS, build_catalogue

    socket = python_entries("def setup(sid, session):\n    def emit_fn(event, data):\n"
                            "        return sio.emit(event, data, to=sid)\n    session.emit = emit_fn\n",
                            "services/api/app/socket.py")
    emitter = python_entries("class ChatEmitter:\n    def clear(self, event):\n        return self.emit(event, {})\n"
                             "    def task_start(self):\n        return self.emit('task_start', {})\n"
                             "    async def ask(self):\n        await self.clear('clear_ask')\n",
                             "services/api/app/emitter.py")
    settings = python_entries("async def send(context, inputs):\n"
                              "    await context.emitter.emit('chat_settings', inputs)\n"
                              "    await producer.send('orders', inputs)\n",
                              "services/api/app/chat_settings.py")
    frontend = ts_entries("socket.on('task_start', () => go());\n")
    assert not strong_names(emitter, "send") and not strong_names(settings, "send")
    catalogue = build_catalogue({PYTHON_FACTS: {"services/api/app/socket.py": socket,
                                                "services/api/app/emitter.py": emitter,
                                                "services/api/app/chat_settings.py": settings},
                                 TYPESCRIPT_FACTS: {"frontend/src/socket.ts": frontend}})
    backend = catalogue.sides[BACKEND]
    strong = {name for name, items in backend.by_name.items() if any(i.strong for i in items)}
    assert strong == {"task_start", "clear_ask", "chat_settings"}


@pytest.mark.parametrize("text", [
    # elements of a list in an array callback
    "socket.on('element', (element) => {\n  const lists = elements.filter((e) => e.type === 'tasklist');\n});\n",
    # the payload of one dispatched event: `type` is the toast's severity
    "socket.on('toast', (data: { type: string }) => {\n  switch (data.type) { case 'info': notify(); }\n});\n",
    # route parameters of a page that also follows a live socket
    ("export function load(route, live: WebSocket) {\n  const { type, id } = route.params;\n"
     "  if (type === 'tx') fetchTx(id);\n}\n"),
    # a lookup from a kind to an icon or a text: every branch only returns a value
    ("const icon = (type: ArtifactType, chart?: string) => {\n  switch (type) {\n"
     "    case 'table': return 'T';\n    case 'chart':\n      if (chart === 'pie') { return 'P'; }\n      return 'C';\n"
     "    default: return '';\n  }\n};\n"
     "const describe = (type: string) => {\n  if (type === 'bot_token') {\n    return 'bot';\n"
     "  } else if (type === 'user_token') {\n    return 'user';\n  }\n};\n"),
    # a client-side router's own navigation events
    "router.events.on('routeChangeComplete', handleRouteChange);\nthis.router.events.on('routeChangeStart', () => go());\n",
])
def test_typescript_type_comparisons_on_things_that_are_no_received_message(text: str) -> None:
    assert not strong_names(ts_entries("// talks to the WebSocket\n" + text), "handle") - {"element", "toast"}


def test_typescript_channel_events_and_parsed_messages_still_dispatch() -> None:
    facts = ts_entries(
        "socket.on('ws_message', (msg) => {\n  switch (msg.type) { case 'run_done': done(); }\n});\n"
        "ws.onmessage = (event) => {\n  const { type, payload } = JSON.parse(event.data);\n"
        "  if (type === 'thread_updated') update(payload);\n};\n"
        "export function handle(type: string) {\n  if (type === 'job_failed') fail();\n}\n"
        "export function route(type: string) {\n  switch (type) {\n    case 'job_done': return done();\n"
        "    case 'job_queued': return { ...state, queued: true };\n  }\n}\n"
        "socketEvents.on('run_paused', (data) => pause(data));\n")
    assert strong_names(facts, "handle") == {"ws_message", "run_done", "thread_updated", "job_failed", "job_done", "job_queued",
                                             "run_paused"}


def test_typescript_wrappers_send_their_first_argument() -> None:
    facts = ts_entries(
        "export class ChatSocket {\n  private ws: WebSocket;\n"
        "  sendMessage(type: 'join_room' | 'leave_room', payload: unknown) {\n"
        "    this.ws.send(JSON.stringify({ type, payload }));\n  }\n"
        "  join(room: string) { this.sendMessage('join_room', { room }); }\n}\n"
        "export const emitEvent = (event: string, data: unknown) => socket.emit(event, data);\n"
        "emitEvent('cursor_moved', {});\n"
        "function relay(kind: string) { const msg = { type: kind }; socket.send(JSON.stringify(msg)); }\n"
        "relay('typing');\n"
        "function log(level: string) { console.info(level); }\nlog('debug');\n"
        "chat.sendChat('hello_there', {});\n")
    assert strong_names(facts, "send") == {"join_room", "leave_room", "cursor_moved", "typing"}
    assert facts["wrappers"] == [["emitEvent", "emit", True], ["relay", "send", True], ["sendMessage", "send", True]]
    tagged = {e["name"]: e.get("wrapper") for e in facts["entries"] if not e["strong"]}
    assert tagged == {"hello_there": "sendChat"}  # strong if another file defines `sendChat`


def test_python_receiver_teaches_its_discriminator_key() -> None:
    """`match data.get("kind")` with several cases makes `kind` the file's discriminator: the
    cases are handles and `{"kind": …}` dicts handed to a send are sends."""
    facts = python_entries(
        "async def on_message(websocket, data):\n"
        "    kind = data.get('kind')\n"
        "    match kind:\n"
        "        case 'go-back':\n            pass\n"
        "        case 'reload':\n            await websocket.send_json({'kind': 'reloaded'})\n"
    )
    assert {("handle", "go-back", True), ("handle", "reload", True), ("send", "reloaded", True)} <= summary(facts)


def test_python_one_literal_comparison_teaches_no_key() -> None:
    """Look-alike: `if data["kind"] == "x"` is a condition, not a dispatch on a discriminator."""
    facts = python_entries(
        "async def on_message(websocket, data):\n"
        "    if data['kind'] == 'go-back':\n        pass\n"
        "    await websocket.send_json({'kind': 'reloaded'})\n"
    )
    assert not {name for _, name, _ in summary(facts)} & {"go-back", "reloaded"}


def test_typescript_switch_on_a_bound_key_read_and_a_message_forwarder() -> None:
    """`const k = data.kind; switch (k)` teaches `kind`; `sendCommand({ kind: … })` is a send
    when `sendCommand` hands its parameter to `socket.send(JSON.stringify(…))`."""
    facts = ts_entries(
        "const ws = new WebSocket(url);\n"
        "const sendCommand = (command: Command) => { ws.send(JSON.stringify(command)); };\n"
        "sendCommand({ kind: 'take-control' });\n"
        "ws.onmessage = (event) => {\n"
        "  const data = JSON.parse(event.data);\n"
        "  const k = data.kind;\n"
        "  switch (k) {\n    case 'copied-text': break;\n    case 'screenshot': break;\n  }\n"
        "};\n"
    )
    assert {("send", "take-control", True), ("handle", "copied-text", True),
            ("handle", "screenshot", True)} <= summary(facts)


def test_typescript_message_bound_to_a_local_then_forwarded_is_sent() -> None:
    """`const response: Reply = { kind: … }; respond(response)` with `respond` forwarding its
    parameter to the socket is a send; the same object handed to a function that forwards
    nothing (`log(response)`) is not."""
    facts = ts_entries(
        "const ws = new WebSocket(url);\n"
        "const respond = (message: MessageOut) => { ws.send(JSON.stringify(message)); };\n"
        "const log = (message: MessageOut) => { console.info(message); };\n"
        "ws.onmessage = (event) => {\n"
        "  const data = JSON.parse(event.data);\n"
        "  switch (data.kind) {\n    case 'ask-for-clipboard': {\n"
        "      const response: Reply = { kind: 'clipboard-response', text: '' };\n"
        "      respond(response);\n      break;\n    }\n"
        "    case 'screenshot': {\n      const note = { kind: 'screenshot-seen' };\n      log(note);\n      break;\n    }\n"
        "  }\n};\n"
    )
    assert ("send", "clipboard-response", True) in summary(facts)
    assert not any(role == "send" and name == "screenshot-seen" for role, name, _ in summary(facts))


def test_typescript_kind_without_a_switch_on_it_stays_weak() -> None:
    """Look-alike: `{ kind: 'separator' }` in a file whose receiver never switches on `kind`."""
    facts = ts_entries(
        "const ws = new WebSocket(url);\n"
        "ws.send(JSON.stringify({ kind: 'take-control' }));\n"
        "const items = [{ kind: 'separator' }];\n"
    )
    assert ("send", "take-control", True) not in summary(facts)
    assert not any(name == "separator" for _, name, _ in summary(facts))


_MESSAGE_FIXTURES = sorted(
    path for path in (Path(__file__).parent.parent / "fixtures" / "projects").rglob("*")
    if path.suffix in (".py", ".ts", ".tsx") and ("iso4" in path.as_posix() or "contract" in path.as_posix())
)


@pytest.mark.parametrize("path", _MESSAGE_FIXTURES, ids=lambda path: path.name)
def test_entries_are_in_source_order(path: Path) -> None:
    # an indexer meets some mentions through sets of names; facts in that order would follow
    # the hash seed from run to run, and the cache's fact digests with it
    text = path.read_text(encoding="utf-8")
    facts = (python_entries(text) if path.suffix == ".py" else ts_entries(text, "frontend/src/x" + path.suffix))
    ranges = [entry["range"] for entry in facts.get("entries", ())]
    assert ranges == sorted(ranges)


def test_python_publisher_and_its_calls_under_an_alias() -> None:
    """`publish(key, …)` builds `Event(key=key, …)`: a publisher filling `key`; another module's
    `publish_event("invoice.paid", …)` (imported under an alias), with a module constant too, is
    a weak send naming that publisher; a helper named otherwise, or a local variable, is not."""
    service = python_entries("from pydantic import BaseModel\n\n\nclass Event(BaseModel):\n    key: str\n\n\n"
                             "async def publish(key, payload, user_id=None):\n"
                             "    enqueue_job('events.publish', Event(key=key, payload=payload).model_dump_json())\n",
                             "services/api/app/events/service.py")
    assert service["publishers"] == [["publish", "key"]]
    caller = python_entries("from app.events.service import publish as publish_event\nfrom app.util import load\n\n"
                            "REMINDER = 'invoice.reminder'\n\n\nasync def paid(invoice, key):\n"
                            "    await publish_event('invoice.paid', {})\n    await publish_event(REMINDER, {})\n"
                            "    await publish_event(key, {})\n    load('config.yaml')\n",
                            "services/api/app/billing/service.py")
    sends = {(e["name"], e["through"], e["strong"]) for e in caller["entries"]}
    assert sends == {("invoice.paid", "app.events.service.publish", False),
                     ("invoice.reminder", "app.events.service.publish", False)}


def test_typescript_registration_on_an_emitter_an_imported_hook_returns() -> None:
    facts = ts_entries("import { useUserSSE } from '@/hooks/sse';\nconst PAID = 'invoice.paid';\n"
                       "export function View() {\n  const events = useUserSSE();\n"
                       "  events.on(PAID, refetch);\n  events.on('error', refetch);\n"
                       "  emitter.on('local.thing', refetch);\n}\n", "web/src/billing/View.tsx")
    entries = {(e["name"], e.get("through"), e["range"][0]) for e in facts["entries"]}
    # the constant's line carries the name; `emitter` is bound to nothing imported
    assert entries == {("invoice.paid", "@/hooks/sse", 1), ("local.thing", None, 6)}


def test_typescript_dispatch_table_looked_up_by_a_received_key() -> None:
    table = "const ACTIONS = {\n  'org.updated': onOrgUpdated,\n} as const;\n"
    looked_up = ts_entries(table + "source.onmessage = (m) => { const d = JSON.parse(m.data); ACTIONS[d.key]?.(d); };\n")
    assert summary(looked_up) == {("handle", "org.updated", True)}  # `onmessage`: a socket file
    # never indexed by anything: a table of callbacks, not a dispatch
    assert not ts_entries(table + "export default ACTIONS;\n").get("entries")


@pytest.mark.parametrize(("specifier", "importer", "expected"), [
    ("@/hooks/sse", "web/src/components/A.tsx", "web/src/hooks/sse/index.ts"),
    ("../hooks/sse", "web/src/components/A.tsx", "web/src/hooks/sse/index.ts"),
    ("./sse", "web/src/hooks/B.ts", "web/src/hooks/sse/index.ts"),
    ("~/utils/sse", "admin/src/A.tsx", "admin/src/utils/sse.ts"),
    ("event-source-plus", "web/src/components/A.tsx", None),
    ("@/hooks/missing", "web/src/components/A.tsx", None),
])
def test_module_specifiers_resolve_to_the_nearest_file(specifier: str, importer: str, expected: str | None) -> None:
    from isolint.rules.contract.channels import resolve_module

    paths = ["web/src/hooks/sse/index.ts", "web/src/utils/sse.ts", "admin/src/utils/sse.ts"]
    assert resolve_module(specifier, importer, paths) == expected


def test_typescript_lookup_table_of_components_is_no_dispatch_table() -> None:
    icons = ts_entries("const ICONS = {\n  'github': GithubIcon,\n  'gitlab': GitlabIcon,\n};\n"
                       "socket.onmessage = (m) => render(ICONS[m.provider]);\n")
    assert not icons.get("entries")
