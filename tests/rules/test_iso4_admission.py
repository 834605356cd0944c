"""ISO4xx admission: the byte-level prefilter that decides, before any parse, whether a Python
file can give the message catalogue anything (and so whether the ISO4xx rules, which report only
at the file's own entries, can report there). Every file admitted here is one the indexer really
extracts facts from (each shape in its unusual spellings), and every file turned away is one
where the indexer, run on the parsed file without the prefilter, finds nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile
from isolint.rules.contract import python_indexer
from isolint.rules.contract.naming import RESERVED_EVENTS
from isolint.rules.contract.python_indexer import PythonMessageIndexer
from isolint.rules.contract.unhandled_message_type import UnhandledMessageType

ROOT = Path("/p")
INDEXER = PythonMessageIndexer()


def _source(text: str, rel_path: str = "services/api/app/module.py", **settings) -> SourceFile:
    return SourceFile.from_text(ROOT / rel_path, text, Settings(root=ROOT, **settings), Language.PYTHON)


def _admitted(source: SourceFile) -> bool:
    return INDEXER.admits(source, None)


def _facts(source: SourceFile):
    return INDEXER.extract(source, ast.parse(source.text))


EXTRACTED = {
    "a typed message put on a queue": (
        "class Outbox:\n    def ready(self):\n        self.out_queue.put_nowait({'type': 'ready'})\n"
    ),
    "a typed message published to a broker": (
        "import json\n\nasync def close(redis_client, sid):\n    await redis_client.publish(\n"
        "        'session_msg', json.dumps({'message_type': 'close_session', 'sid': sid}))\n"
    ),
    "a class tagged with a kind enum's member": (
        "from dataclasses import dataclass\n\n@dataclass\nclass CmdOutput(Observation):\n"
        "    observation: str = ObservationType.RUN\n"
    ),
    "a kind tag through pydantic's Field over lines": (
        "class Condensing(BaseModel):\n    kind: schema.StreamKind = pydantic.Field(\n"
        "        schema.StreamKind.CONDENSING, description='the frame'\n    )\n"
    ),
    "a kind tag as Field's default keyword": (
        "class Condensing(BaseModel):\n    kind: str = Field(description='x', default=EventKind.DONE)\n"
    ),
    "enum over lines with a comment": (
        "import enum\n\nclass Kind(  # note: the values are wire names\n    str,\n    enum.Enum,\n):\n"
        "    THREAD_UPDATED = 'thread_updated'\n"
    ),
    "StrEnum with auto()": "from enum import StrEnum, auto\n\nclass Color(StrEnum):\n    RED = auto()\n",
    "non-ASCII enum name": "from enum import Enum\n\nclass Ereignisätze(Enum):\n    A = 'a'\n",
    "model with a Literal discriminator": (
        "import typing\nfrom pydantic import BaseModel\n\nclass Ping(BaseModel):\n"
        "    type: typing.Literal['ping']\n    payload: dict\n"
    ),
    "model on one line, parenthesized target": (
        "from typing import Literal\nclass Ping(BaseModel): (message_type) : Literal['ping']\n"
    ),
    "model with a default type": "class ThreadUpdatedMessage(BaseModel):\n    type: str = 'thread_updated'\n",
    "Literal alias over lines": "import typing\n\nServerEventKinds = typing.Literal[\n    'a',\n    'b',\n]\n",
    "annotated Literal alias": "from typing import Literal, TypeAlias\n\nMsgType: TypeAlias = Literal['a', 'b']\n",
    "mapping table": "EVENT_NAME_MAP = {\n    'agent_done': 'agentDone',\n    'thread_new': 'threadNew',\n}\n",
    "annotated mapping, map word first": "map_frontend: dict[str, str] = {'a_b': 'aB', 'c_d': 'cD'}\n",
    "handler table": "def on_ping(m): ...\n\nHANDLERS = {'ping': on_ping}\n",
    "handler table on an attribute": (
        "class Router:\n    def __init__(self):\n        self._dispatch_table = {\n            'ping': self.ping}\n"
    ),
    "handler registration in a method": (
        "class Hub:\n    def add(self, fn):\n        (self.handlers)['ping'] = fn\n"
    ),
    "decorator over lines": (
        "import socketio\nsio = socketio.AsyncServer()\n\n@sio.on(\n    'chat_message'\n)\n"
        "async def chat(sid, data):\n    pass\n"
    ),
    "parenthesized decorator callee": "@(app.on)('chat_started')\ndef ping(data):\n    pass\n",
    "decorator with a non-ASCII enum owner": "@bus.on(Événements.PING)\ndef ping(data):\n    pass\n",
    "registrar with an enum member": "bus.subscribe(MessageType.PING, handle_ping)\n",
    "registrar with a comment before the type": "register(  # the ping\n    'chat_started', handle_ping)\n",
    "send through another file's wrapper": "def run(context):\n    context.emitter.emit('set_modes', {})\n",
    "wrapper-style send_ call": "def run(self):\n    self.send_callback(\n        'v2_playbook_on_start')\n",
    "…_send call": "def run(self):\n    self._safe_send(u'ping')\n",
    "wrapper of emit": "class Session:\n    def clear(self, event):\n        return self.emit(event, {})\n",
    "Socket.IO call": "async def ask(sio, sid):\n    await sio.call('get_state', {}, to=sid)\n",
    "send of a dict over lines": (
        "async def push(websocket, p):\n    await websocket.send_json({\n        'type': 'thread_updated',\n"
        "        'payload': p})\n"
    ),
    "send of a local message with msg_type": (
        "async def push(ws):\n    message = {\"msg_type\": 'x'}\n    await ws.send_text(json.dumps(message))\n"
    ),
    "send of a model with a type keyword": "async def push(ws):\n    await ws.send_json(Ping(type = 'ping').model_dump())\n",
    "send of a message model": "async def push(manager, t):\n    await manager.broadcast(ThreadUpdatedMessage(thread=t))\n",
    "returned dict in WebSocket code": (
        "from fastapi import WebSocket\n\ndef build_message(p):\n    return (\n        {'type': 'ping', 'p': p})\n"
    ),
    "subscript dispatch": "def on(msg):\n    if msg['type'] == 'ping':\n        pass\n",
    "get dispatch over lines": "def on(data):\n    if data.get(\n        r'type') == 'ping':\n        pass\n",
    "attribute dispatch, parenthesized owner": "def on(e):\n    if (e).type == 'ping':\n        pass\n",
    "match on a mapping pattern": "def on(m):\n    match m:\n        case {'type': 'ping'}:\n            pass\n",
    "type variable lower-cased": "def on(mtype):\n    if mtype.lower() == 'ping':\n        pass\n",
    "type variable bound to another name": "def on(type_):\n    kind = type_\n    if kind == 'ping':\n        pass\n",
    "type variable compared from the right in str()": "def on(Type):\n    if 'ping' == str(Type):\n        pass\n",
    "type variable with a default": "def on(msg_type):\n    if (msg_type or '') == 'ping':\n        pass\n",
    "identity with an enum member": "def on(msg_type):\n    if MessageKind.PING is msg_type:\n        pass\n",
    "type variable in a tuple test": "def on(event_type):\n    if event_type in ('a', 'b'):\n        pass\n",
    "match on a wrapped type variable": "def on(mtype):\n    match MessageType(mtype):\n        case MessageType.PING:\n            pass\n",
    "bound by a walrus": "def on(type):\n    if (kind := type):\n        if kind == 'ping':\n            pass\n",
    "a publisher imported under an alias, called over lines": (
        "from app.events.service import publish as publish_event\n\nasync def paid(i):\n"
        "    await publish_event(\n        'invoice.paid', {})\n"
    ),
    "a publisher called with a module constant": (
        "from app.events import publish\n\nPAID = 'invoice.paid'\n\nasync def paid(i):\n    await publish(PAID, {})\n"
    ),
    "a publisher defined": "async def publish(key, payload):\n    enqueue(Event(key=key, payload=payload))\n",
    "a message model built over lines": "def fail(ws, e):\n    ws.send(schemas.ErrorResponse\n        (error=str(e)))\n",
    "a message model rebuilt from a row": "def load(row):\n    return schemas.WorkRequest . parse_obj(row)\n",
    "a match on a role discriminator": (
        "def on(worker_request):\n    match worker_request.request_type:\n        case 'work':\n            pass\n"
        "        case 'ping':\n            pass\n"
    ),
    "a pydantic union's role discriminator": (
        "from typing import Literal\n\nclass PingRequest(Base):\n    request_type: Literal['ping'] = 'ping'\n\n"
        "WorkerRequest = Annotated[Union[PingRequest], Field(discriminator='request_type')]\n"
    ),
}


@pytest.mark.parametrize("name", EXTRACTED)
def test_a_file_the_indexer_extracts_from_is_admitted(name):
    source = _source(EXTRACTED[name])
    assert _facts(source), "the example must really give the catalogue something"
    assert _admitted(source)


TURNED_AWAY = {
    "a broker publish of an untyped payload": (
        "import json\n\nasync def close(redis_client, sid):\n    await redis_client.publish('sessions', json.dumps({'sid': sid}))\n"
    ),
    "a kind enum's member compared, not a class field's default": (
        "def is_json(response):\n    return response.content_type == ContentType.JSON\n"
    ),
    "a model module": (
        "from django.db import models\n\nclass Post(models.Model):\n    title = models.CharField(max_length=10)\n\n"
        "    def __str__(self):\n        return self.title\n"
    ),
    "types as values and in comments": (
        "from typing import Any, Type\n\ndef make(x: Type[Any], kind=type) -> type:\n"
        "    cls = type(x)  # type: ignore\n    if isinstance(x, type):\n        return make(kind=type, x=cls)\n"
        "    return cls\n"
    ),
    "a docstring about message types": (
        'def f(x):\n    """Return the message type of the event; the type is checked, type or None."""\n'
        "    return x\n"
    ),
    "logging handlers": "import logging\n\nhandler = logging.StreamHandler()\nlogger.addHandler(handler)\n",
    "a JSON schema dict": "SCHEMA = {'type': 'object', 'properties': {}}\n\ndef check(x):\n    return validate(x, SCHEMA)\n",
    "regular expressions": "import re\n\ndef f(s):\n    return re.match(r'type', s)\n",
    "a column type keyword": "col = Column('name', type_=String)\nother = Column(type=Integer)\n",
    "classes built whose names end in no message word, or start one": (
        "def f(rows):\n    return [JSONResponse(r) for r in rows] + [Updater(), EventLoop(), Request.scope]\n"
    ),
}


@pytest.mark.parametrize("name", TURNED_AWAY)
def test_a_file_without_any_shape_is_turned_away(name):
    source = _source(TURNED_AWAY[name])
    assert _facts(source) is None
    assert not _admitted(source)


@pytest.mark.parametrize("method", sorted(python_indexer.SEND_METHODS))
def test_every_send_method_is_admitted_with_a_typed_dict(method):
    source = _source(f"async def f(ws):\n    await ws.{method}({{'type': 'ping'}})\n")
    assert _facts(source)
    assert _admitted(source)


@pytest.mark.parametrize("callee", sorted(python_indexer.HANDLER_DECORATORS))
def test_every_handler_decorator_is_admitted(callee):
    source = _source(f"@bus.{callee}('ping_event')\ndef f(data):\n    pass\n")
    assert _facts(source)
    assert _admitted(source)


@pytest.mark.parametrize("callee", sorted(python_indexer.HANDLER_REGISTRARS))
def test_every_handler_registrar_is_admitted(callee):
    source = _source(f"bus.{callee}(Kinds.PING, on_ping)\n")
    assert _facts(source)
    assert _admitted(source)


@pytest.mark.parametrize("key", python_indexer.DISCRIMINATOR_KEYS)
def test_every_discriminator_key_is_admitted_in_a_dispatch(key):
    source = _source(f"def f(payload):\n    if payload[\"{key}\"] == 'ping':\n        pass\n")
    assert _facts(source)
    assert _admitted(source)


@pytest.mark.parametrize("name", ["type", "type_", "mtype", "msgtype", "message_type", "EventType", "frame_type",
                                  "PAYLOAD_TYPE"])
def test_every_type_variable_is_admitted_when_compared(name):
    source = _source(f"def f({name}):\n    if {name} == 'ping':\n        pass\n")
    assert _facts(source)
    assert _admitted(source)


def test_a_test_file_is_turned_away_unless_a_contract_names_it():
    text = "def on(msg):\n    if msg['type'] == 'ping':\n        pass\n"
    assert not INDEXER.admits(_source(text, "tests/test_ws.py"), None)
    named = _source(text, "tests/contract/messages.py", message_contract={"shared": "tests/contract/*.py"})
    assert INDEXER.admits(named, None)


def test_a_configured_backend_leaves_out_other_python_files():
    text = "def on(msg):\n    if msg['type'] == 'ping':\n        pass\n"
    outside = _source(text, "tools/ws.py", message_contract={"backend": "services/api/**"})
    assert not INDEXER.admits(outside, None)
    assert INDEXER.admits(_source(text, "services/api/ws.py", message_contract={"backend": "services/api/**"}), None)


def test_a_file_the_contract_names_is_admitted_whatever_its_bytes():
    source = _source("X = 1\n", "shared/contract.py", message_contract={"shared": "shared/contract.py"})
    assert INDEXER.admits(source, None)


def test_the_rules_need_a_project_and_follow_the_indexer_on_python():
    text = "def on(msg):\n    if msg['type'] == 'ping':\n        pass\n"
    project = ProjectIndex(Settings(root=ROOT))
    assert not UnhandledMessageType.admits(_source(text), None)
    assert UnhandledMessageType.admits(_source(text), project)
    assert not UnhandledMessageType.admits(_source(TURNED_AWAY["a model module"]), project)
    typescript = SourceFile.from_text(ROOT / "frontend/src/ws.ts", "if (msg.type === 'a') {}\n", Settings(root=ROOT),
                                      Language.TYPESCRIPT)
    assert UnhandledMessageType.admits(typescript, project)


def test_reserved_events_do_not_matter_to_admission():
    """A reserved event yields nothing, but admission may keep the file (it is a superset)."""
    event = min(RESERVED_EVENTS)
    source = _source(f"@sio.on('{event}')\ndef f(sid):\n    pass\n")
    assert _admitted(source)


def test_the_verdict_is_computed_once_per_text(monkeypatch):
    """The indexer and the four rules ask for every file; the scan runs once per text."""
    calls = []
    real = python_indexer.may_hold_messages
    monkeypatch.setattr(python_indexer, "may_hold_messages", lambda raw, rel: calls.append(rel) or real(raw, rel))
    project = ProjectIndex(Settings(root=ROOT))
    source = _source("def on(msg):\n    if msg['type'] == 'ping':\n        pass\n")
    assert INDEXER.admits(source, project) and UnhandledMessageType.admits(source, project)
    assert len(calls) == 1
    assert UnhandledMessageType.admits(source, project) and len(calls) == 1
    edited = _source(TURNED_AWAY["a model module"])  # another text: its own scan
    assert not INDEXER.admits(edited, project)
    assert len(calls) == 2


def _typescript(text: str, rel_path: str = "frontend/src/ws/client.ts", **settings) -> SourceFile:
    return SourceFile.from_text(ROOT / rel_path, text, Settings(root=ROOT, **settings), Language.TYPESCRIPT)


def test_typescript_files_extract_would_skip_are_turned_away_before_the_parse():
    from isolint.rules.contract.export import GENERATED_MARKER
    from isolint.rules.contract.typescript_indexer import TypeScriptMessageIndexer

    indexer, project = TypeScriptMessageIndexer(), ProjectIndex(Settings(root=ROOT))
    handled = "switch (message.type) {\n  case 'thread_created': break;\n}\n"
    assert indexer.admits(_typescript(handled), project)
    assert UnhandledMessageType.admits(_typescript(handled), project)
    test_file = _typescript(handled, "frontend/src/ws/client.test.ts")
    exported = _typescript(f"// {GENERATED_MARKER} --to typescript\nexport type T = 'a';\n")
    minified = _typescript("var a=" + "1+" * 30_000 + "1;\n")
    for source in (test_file, exported, minified):
        assert not indexer.admits(source, project)
        assert not UnhandledMessageType.admits(source, project)
    shared = _typescript(f"// {GENERATED_MARKER}\nexport type T = 'a';\n", "shared/contract.ts",
                         message_contract={"shared": "shared/contract.ts"})
    assert indexer.admits(shared, project)
