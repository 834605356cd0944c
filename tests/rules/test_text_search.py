"""``Alternatives.occurs`` answers exactly what its joined regex's ``search`` answers."""

from __future__ import annotations

import pytest

from isolint.rules.common.text_search import Alternatives
from isolint.rules.contract.python_indexer import CLIENT_CONNECT

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
]


@pytest.mark.parametrize("text", TEXTS)
def test_occurs_agrees_with_the_joined_regex(text: bytes) -> None:
    assert CLIENT_CONNECT.occurs(text) == (CLIENT_CONNECT.regex.search(text) is not None)


def test_a_leading_boundary_is_checked_by_hand() -> None:
    found = Alternatives((b"serve(", rb"\bserve\("))
    assert found.occurs(b"x = 1\nserve(app)")
    assert not found.occurs(b"observe(x); preserve(y)")
    assert found.occurs(b"observe(x); serve(y)")
