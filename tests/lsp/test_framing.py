"""The framer on its own: bytes in every chunking, messages out, whatever the headers say.
(tests/lsp/test_lifecycle.py sends the same mistakes to the real server.)"""

from __future__ import annotations

import json

import pytest
from isolint.lsp.framing import Framer, Unreadable

FIRST = {"jsonrpc": "2.0", "id": 1, "method": "first"}
SECOND = {"jsonrpc": "2.0", "id": 2, "method": "second", "params": {"text": "a\r\nContent-Length: 3\r\n"}}
THIRD = {"jsonrpc": "2.0", "id": 3, "method": "third"}


def frame(message: dict, length: int | bytes | None = None, content_type: bool = False) -> bytes:
    body = json.dumps(message).encode()
    declared = str(len(body) if length is None else length).encode() if not isinstance(length, bytes) else length
    header = b"Content-Length: " + declared + b"\r\n"
    if content_type:
        header = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + header
    return header + b"\r\n" + body


def read(data: bytes, chunk: int, pause_at_end: bool = False) -> tuple[list, list[str]]:
    framer = Framer()
    messages: list = []
    for start in range(0, len(data), chunk):
        framer.feed(data[start:start + chunk])
        messages += framer.pop()
    if pause_at_end:
        messages += framer.idle()
    return messages, framer.problems


CHUNKS = [1, 7, 64, 1 << 16]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_well_framed_messages_pass_untouched(chunk):
    messages, problems = read(frame(FIRST) + frame(SECOND, content_type=True) + frame(THIRD), chunk)
    assert messages == [FIRST, SECOND, THIRD]
    assert problems == []


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("delta", [-20, -1, 1, 30])
def test_a_wrong_length_costs_no_message(chunk, delta):
    body_length = len(json.dumps(FIRST).encode())
    messages, problems = read(frame(FIRST, body_length + delta) + frame(SECOND) + frame(THIRD), chunk)
    assert messages == [FIRST, SECOND, THIRD]
    assert len(problems) == 1 and "Content-Length" in problems[0]


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("length", [b"99999999999999999999", b"-5", b"twelve", b"", b"1e3", b"0x10"])
def test_an_unusable_length_reads_up_to_the_next_header(chunk, length):
    messages, problems = read(frame(FIRST, length) + frame(SECOND), chunk)
    assert messages == [FIRST, SECOND]
    assert "unusable Content-Length" in problems[0]


@pytest.mark.parametrize("length", [b"99999999999999999999", b"abc", b"500"])
def test_a_pause_completes_a_message_whose_length_promised_more(length):
    assert read(frame(FIRST, length), 5)[0] == []
    assert read(frame(FIRST, length), 5, pause_at_end=True)[0] == [FIRST]


def test_a_pause_completes_a_message_whose_length_was_too_short():
    body_length = len(json.dumps(FIRST).encode())
    assert read(frame(FIRST, body_length - 4), 3, pause_at_end=True)[0] == [FIRST]


def test_a_pause_inside_a_well_framed_message_takes_nothing():
    data = frame(FIRST)
    framer = Framer()
    framer.feed(data[:-3])
    assert framer.pop() == [] and framer.idle() == []
    framer.feed(data[-3:])
    assert framer.pop() == [FIRST]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_what_is_not_json_is_reported_once_and_the_stream_goes_on(chunk):
    data = b"Content-Length: 9\r\n\r\n{not json" + b"noise between messages\r\n\r\n" + frame(SECOND)
    messages, _ = read(data, chunk)
    assert [m for m in messages if not isinstance(m, Unreadable)] == [SECOND]
    assert len([m for m in messages if isinstance(m, Unreadable)]) == 1


def test_noise_without_any_header_is_skipped():
    messages, problems = read(b"hello\r\n\r\n" + frame(FIRST), 4)
    assert messages == [FIRST]
    assert problems and "skipped" in problems[0]


def test_a_message_without_headers_is_read_when_the_client_pauses():
    assert read(json.dumps(FIRST).encode(), 8, pause_at_end=True)[0] == [FIRST]


def test_a_large_body_arriving_in_pieces_is_searched_once():
    """A 4 MB body (no raw CR LF, as compact JSON never has one) in 64 KiB reads."""
    big = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"text": "x = 1\n" * 700_000}}
    messages, problems = read(frame(big) + frame(FIRST), 1 << 16)
    assert messages == [big, FIRST] and problems == []
