"""The base protocol's framing (``Content-Length`` headers, then a JSON body), tolerant of
clients that get it wrong.

pygls' reader trusts every header: a ``Content-Length`` that is too small or too large splits
or swallows messages and the stream never recovers; an absurd one (``99999999999999999999``)
makes it wait for bytes that never come. Here a header block is found wherever it starts, and a
body ends at its declared length *unless* the bytes before that already hold the next message's
header: a raw CR LF cannot occur inside a JSON string and ``Content-Length:`` is not JSON, so a
header line inside a body proves the declared length wrong. A body whose length is unusable
(absurd, negative, not a number) ends at the next header, or when the client pauses and the
bytes received parse as JSON. What cannot be read is reported and skipped; the stream goes on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: larger bodies are refused (their header is treated as unusable): a 20 MB file opened in the
#: editor is about 20-120 MB of JSON, depending on how the client escapes it
MAX_BODY_BYTES = 256 * 1024 * 1024
#: a header block is at most this long; more bytes without a blank line are not headers
MAX_HEADER_BYTES = 8 * 1024
#: the end of a header line (the part before its CR LF), from its name on
HEADER_TAIL = re.compile(rb"content-(?:length|type)[ \t]*:[^\r\n]*\Z")
CONTENT_LENGTH = re.compile(rb"(?i)content-length[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r\n")


@dataclass(frozen=True)
class Unreadable:
    """Bytes that could not be read as a JSON message (answered with a parse error)."""

    reason: str


class Framer:
    """Bytes in (``feed``), messages out (``pop``): decoded JSON values, or ``Unreadable``.

    ``idle()`` is called when the client has sent nothing for a moment: a body still waiting
    for bytes that the client will not send is taken as it is, if it parses.
    """

    def __init__(self, max_body: int = MAX_BODY_BYTES) -> None:
        self.max_body = max_body
        self.buffer = bytearray()
        #: declared length of the body being read; -1 when unusable; None while reading headers
        self.length: int | None = None
        self.scanned = 0  # bytes of the current body already searched for a header line
        self.broken = b""  # a body that did not parse, in case the next bytes complete it
        self.problems: list[str] = []

    # -- input ---------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self.buffer += data

    def waiting(self) -> bool:
        """True when bytes are held that more input, or a pause, would turn into a message."""
        return bool(self.broken or len(self.buffer) > 16 or self.buffer.strip())

    def pop(self) -> list[Any]:
        messages: list[Any] = []
        while True:
            if self.length is None and not self._read_headers(messages):
                return messages
            if self.length is not None and not self._read_body(messages):
                return messages

    def idle(self) -> list[Any]:
        """The client paused: a body held so far is complete if it parses."""
        pending = self.broken + bytes(self.buffer)
        if not pending.strip():
            return []
        value = _parse(pending)
        if value is None:
            if self.length is None:  # not waiting for the rest of a body: give the broken one up
                settled: list[Any] = []
                self._settle_broken(settled)
                return settled
            return []
        self.buffer.clear()
        self.broken, self.length, self.scanned = b"", None, 0
        self.problems.append(f"a message of {len(pending)} bytes did not match its Content-Length; read it anyway")
        return [value]

    # -- headers -------------------------------------------------------------------------------
    def _read_headers(self, messages: list[Any]) -> bool:
        """Consume junk and one header block; False when more bytes are needed."""
        start = header_line_start(self.buffer, 0)
        if start is None:
            if len(self.buffer) > MAX_HEADER_BYTES:  # keep a tail: a header may be half-received
                self._junk(bytes(self.buffer[:-MAX_HEADER_BYTES]), messages)
                del self.buffer[:-MAX_HEADER_BYTES]
            return False
        end = self.buffer.find(b"\r\n\r\n", start)
        if end < 0:
            if len(self.buffer) - start > MAX_HEADER_BYTES:
                line_end = self.buffer.find(b"\r\n", start) + 2
                self._junk(bytes(self.buffer[:line_end]), messages)
                del self.buffer[:line_end]
                return True
            return False
        if start:
            self._junk(bytes(self.buffer[:start]), messages)
        block = bytes(self.buffer[start:end + 2])
        del self.buffer[:end + 4]
        self._settle_broken(messages)
        self.length, self.scanned = self._declared_length(block), 0
        return True

    def _declared_length(self, block: bytes) -> int:
        found = CONTENT_LENGTH.search(block)
        value = found.group(1) if found else b"(none)"
        if value.isdigit() and int(value) <= self.max_body:
            return int(value)
        shown = value[:40].decode("ascii", "replace")
        self.problems.append(f"unusable Content-Length {shown!r}: the body is read up to the next header")
        return -1

    def _junk(self, data: bytes, messages: list[Any]) -> None:
        """Bytes between messages: the rest of a body whose length was too short, or noise."""
        if self.broken:
            value = _parse(self.broken + data)
            if value is not None:
                self.broken = b""
                self.problems.append("a message was longer than its Content-Length; read it anyway")
                messages.append(value)
                return
            data = self.broken + data
            self.broken = b""
            self._unreadable(data, messages)
        elif data.strip():
            self.problems.append(f"skipped {len(data)} bytes that are not a message: {bytes(data[:60])!r}")

    def _settle_broken(self, messages: list[Any]) -> None:
        if self.broken:
            data, self.broken = self.broken, b""
            self._unreadable(data, messages)

    def _unreadable(self, data: bytes, messages: list[Any]) -> None:
        reason = f"a message of {len(data)} bytes is not valid JSON: {bytes(data[:60])!r}"
        self.problems.append(reason)
        messages.append(Unreadable(reason))

    # -- bodies --------------------------------------------------------------------------------
    def _read_body(self, messages: list[Any]) -> bool:
        """Consume one body; False when more bytes are needed."""
        assert self.length is not None
        limit = len(self.buffer) if self.length < 0 else min(self.length, len(self.buffer))
        next_header = self._header_line_before(limit)
        if next_header is not None:
            body = bytes(self.buffer[:next_header])
            del self.buffer[:next_header]
            declared, self.length, self.scanned = self.length, None, 0
            value = _parse(body)
            if value is None:
                self._unreadable(body, messages)
            else:
                if declared >= 0:
                    self.problems.append("a message was shorter than its Content-Length; read it anyway")
                messages.append(value)
            return True
        if self.length < 0:
            if len(self.buffer) > self.max_body:
                self._unreadable(bytes(self.buffer[:80]), messages)
                self.buffer.clear()
                self.length, self.scanned = None, 0
            return False
        if len(self.buffer) < self.length:
            return False
        body = bytes(self.buffer[:self.length])
        del self.buffer[:self.length]
        self.length, self.scanned = None, 0
        value, rest = _parse_prefix(body)
        if value is None:
            self.broken = body  # perhaps too short: the bytes before the next header complete it
            return True
        if rest.strip():  # too long: the declared body reached into the next message's header
            self.buffer[:0] = rest
            self.problems.append("a message was shorter than its Content-Length; read it anyway")
        messages.append(value)
        return True

    def _header_line_before(self, limit: int) -> int | None:
        """Where a header line starts inside the current body (before ``limit``), if one does.
        Bodies are searched once, as they arrive; compact JSON holds no raw CR LF at all."""
        start = max(self.scanned - 2, 0)  # a CR LF may straddle two reads
        self.scanned = len(self.buffer)
        found = header_line_start(self.buffer, start)
        return found if found is not None and found < limit else None


def header_line_start(buffer: bytearray, start: int) -> int | None:
    """Where the first header line ending after ``start`` begins, if one has arrived: the
    line's raw CR LF is looked for first, then the header's name just before it. A body can
    hold ``Content-Length:`` inside a string, but never a raw CR LF there, so the name found
    last before a CR LF is the real header even when it is glued to the end of a body."""
    crlf = buffer.find(b"\r\n", start)
    while crlf >= 0:
        window = max(crlf - MAX_HEADER_BYTES, 0)
        line_start = max(buffer.rfind(b"\n", window, crlf) + 1, window)
        line = bytes(buffer[line_start:crlf]).lower()
        name = max(line.rfind(b"content-length"), line.rfind(b"content-type"))
        if name >= 0 and HEADER_TAIL.match(line, name):
            return line_start + name
        crlf = buffer.find(b"\r\n", crlf + 2)
    return None


def _parse_prefix(body: bytes) -> tuple[Any | None, bytes]:
    """The JSON value ``body`` starts with, and the bytes after it."""
    try:
        text = body.decode("utf-8", "surrogatepass")
        value, end = json.JSONDecoder().raw_decode(text.lstrip())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, b""
    end += len(text) - len(text.lstrip())
    return value, text[end:].encode("utf-8", "surrogatepass")


def _parse(body: bytes) -> Any | None:
    """The JSON value of ``body``, or None when it is not one value (a parsed ``null`` is not
    a message either)."""
    try:
        return json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
