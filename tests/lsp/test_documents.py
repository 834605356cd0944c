"""An open document's lines and line offsets, kept up to date through incremental changes by
re-splitting only the lines around each change, equal those of its whole text split afresh —
whatever the line breaks (``\\r\\n``, ``\\r``, ``\\n``, meeting or parted by a change)."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types

from isolint.lsp.convert import PositionCodec
from isolint.lsp.documents import Document

PIECES = ["a", "bc", " ", "é", "🎉", "\n", "\r", "\r\n", "\n\n", "x\r", "\ny", ""]


def _random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(size))


def _client_position(document: Document, rng: random.Random, codec: PositionCodec) -> types.Position:
    line = rng.randrange(len(document.lines) + 1)  # one past the end happens too
    text = document.lines[min(line, len(document.lines) - 1)]
    return types.Position(line=line, character=rng.randrange(codec.units(text) + 3))


@pytest.mark.parametrize("seed", range(40))
def test_incremental_lines_equal_a_fresh_split(seed: int) -> None:
    rng = random.Random(seed)
    codec = PositionCodec("utf-16")
    document = Document("file:///w/a.py", _random_text(rng, rng.randrange(0, 60)), 1, "python")
    document.lines  # the lists exist before the first change, as after an open and a publish
    for _ in range(60):
        kept_lines, kept_offsets = document.lines, list(document.line_offsets)
        before = list(kept_lines)
        start, end = _client_position(document, rng, codec), _client_position(document, rng, codec)
        document.apply(types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=end), text=_random_text(rng, rng.randrange(0, 4))), codec)
        fresh = Document(document.uri, document.text, None, "python")
        assert document.lines == fresh.lines
        assert document.line_offsets == fresh.line_offsets
        assert kept_lines == before, "a list handed out earlier never changes"
        assert len(kept_offsets) == len(before)


def test_a_whole_text_change_replaces_everything() -> None:
    codec = PositionCodec("utf-16")
    document = Document("file:///w/a.py", "one\r\ntwo\n", 1, "python")
    document.lines
    document.apply(types.TextDocumentContentChangeWholeDocument(text="x\ry"), codec)
    assert document.lines == ["x", "y"] and document.line_offsets == [0, 2]
