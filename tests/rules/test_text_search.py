"""``Alternatives.occurs`` answers exactly what its joined regex's ``search`` answers."""

from __future__ import annotations

import pytest

from isolint.rules.common.text_search import Alternatives
from isolint.rules.contract.admission import SSE_EVENT
from isolint.rules.contract.channels import _PYTHON_SOCKETIO
from isolint.rules.contract.naming import WS_CONTEXT
from isolint.rules.contract.python_indexer import CLIENT_CONNECT

SEARCHES = {"client-connect": CLIENT_CONNECT, "socketio": _PYTHON_SOCKETIO, "sse-event": SSE_EVENT, "ws-context": WS_CONTEXT}

TEXTS = [
    b"",
    b"import socketio\nclient = socketio.AsyncClient()\n",
    b"client = mysocketio.AsyncClient()\n",  # no boundary before the word
    b"x = _socketio.Client()\n",
    b"socketio.Client(",  # at the very start of the text
    b"aconnect_ws(url)",
    b"xaconnect_ws(url) and xconnect_ws(url)",
    b"xconnect_ws(url)\nconnect_ws(url)",  # a failed match before a good one
    b"from websockets.client import serve, connect\n",
    b"from websockets import serve\nconnect = 1\n",
    b"websockets.legacy.client.connect(url)",
    b"mywebsockets.connect(url)",
    b"session.ws_connect(url)",
    b"asyncio.open_connection(host)",
    b"sio = socketio.AsyncServer(async_mode='asgi')",
    b"@sio.on('connect')\nasync def connect(sid): ...",
    b"@ app_sio.event\nasync def x(): ...",
    b"session.version = decision",  # "sio" in other words
    b"import  socketio\n",
    b"import socketio_client\n",
    b"yield {'event': 'delta', 'data': x}",
    b'yield {"event" : "delta"}',
    b"yield ServerSentEvent(data=x)",
    b"events = ['event']",
    b"async def handler(ws): await ws.send(x)",
    b"rows = news.shows",  # "ws" inside words
    b"sio.emit('x')",
]


@pytest.mark.parametrize("name", sorted(SEARCHES))
@pytest.mark.parametrize("text", TEXTS)
def test_occurs_agrees_with_the_joined_regex(name: str, text: bytes) -> None:
    search = SEARCHES[name]
    assert search.occurs(text) == (search.regex.search(text) is not None)


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_every_match_of_an_alternative_holds_its_word(name: str) -> None:
    assert all(word in pattern.replace(b"\\", b"") for word, pattern in SEARCHES[name].alternatives)


def test_the_samples_hold_both_answers() -> None:
    for search in SEARCHES.values():
        answers = {search.occurs(text) for text in TEXTS}
        assert answers == {True, False}


def test_a_leading_boundary_is_checked_by_hand() -> None:
    found = Alternatives((b"serve(", rb"\bserve\("))
    assert found.occurs(b"x = 1\nserve(app)")
    assert not found.occurs(b"observe(x); preserve(y)")
    assert found.occurs(b"observe(x); serve(y)")


#: spellings around the ISO4xx publisher calls: at the start of the text, inside a longer name,
#: after a dot (a method: no match), non-ASCII names, calls over lines, a word twice in one name
PUBLISHER_TEXTS = [
    b"publish('invoice.paid', {})",
    b"await eventstream_publish(\n    'benefit.revoked', payload)",
    b"await publish(PAID, {})",
    b"await redis.publish('x', y)",  # a method
    b"x.eventstream_publish('a')",
    b"publisher = make_publisher()",
    b"\xc3\xa9v\xc3\xa9nement_publish('paid')",  # a non-ASCII name
    b"publish_publish('paid')",
    b"publish = 1\npublish",
    b"notify_all(Kind.PAID, x)",
    b"self.dispatch(Event.X)",
    b"dispatch(\n  # a comment\n  'x')",
    b"push(x)",
    b"def broadcast(m): ...\nbroadcast(m)",
    b"emit_later('x')",
    b"",
]


@pytest.mark.parametrize("text", PUBLISHER_TEXTS)
def test_an_identifier_search_agrees_with_the_regex(text: bytes) -> None:
    from isolint.rules.common.text_search import occurs_at_identifier
    from isolint.rules.contract.admission import PUBLISHER_RES, PUBLISHER_WORDS

    for word, pattern in zip(PUBLISHER_WORDS, PUBLISHER_RES):
        assert occurs_at_identifier(text, word, pattern) == (pattern.search(text) is not None), word


def test_the_publisher_samples_hold_both_answers() -> None:
    from isolint.rules.common.text_search import occurs_at_identifier
    from isolint.rules.contract.admission import PUBLISHER_RES, PUBLISHER_WORDS

    answers = {occurs_at_identifier(text, word, pattern)
               for text in PUBLISHER_TEXTS for word, pattern in zip(PUBLISHER_WORDS, PUBLISHER_RES)}
    assert answers == {True, False}
