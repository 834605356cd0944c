"""The pushed diagnostic (plain JSON, the per-keystroke path) and the lsprotocol one (pull,
code actions) are the same object on the wire, under each encoding."""

from __future__ import annotations

import pytest
from pygls.protocol import default_converter

from isolint.api import lint_source
from isolint.lsp.convert import PositionCodec, diagnostic_json, split_lines, to_diagnostic

TEXT = 'TITLE = "é🎉中文"; CACHE_HOST = "localhost"\nimport os\nURL = os.getenv("U", "redis://localhost:6379")\n\n'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_pushed_json_equals_the_serialised_diagnostic(tmp_path, encoding: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    path = tmp_path / "services/api/app/settings.py"
    findings = lint_source(TEXT, path).findings
    assert len(findings) >= 2
    lines, codec, converter = split_lines(TEXT), PositionCodec(encoding), default_converter()
    for finding in findings:
        wire = converter.unstructure(to_diagnostic(finding, lines, codec, "file:///x.py", 3))
        assert diagnostic_json(finding, lines, codec, "file:///x.py", 3) == wire
    first = diagnostic_json(findings[0], lines, codec, "file:///x.py", 3)
    assert first["range"]["start"]["character"] == {"utf-8": 37, "utf-16": 30, "utf-32": 29}[encoding]


MOCKED = ("from unittest.mock import MagicMock\n\n\ndef test_orders():\n"
          "    client = MagicMock()\n    client.create = MagicMock()  # é🎉\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_related_locations_become_related_information(tmp_path, encoding: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    path = tmp_path / "services/api/tests/integration/test_orders.py"
    (finding,) = [f for f in lint_source(MOCKED, path).findings if f.code == "ISO501"]
    lines, codec, converter = split_lines(MOCKED), PositionCodec(encoding), default_converter()
    pushed = diagnostic_json(finding, lines, codec, "file:///t.py", 1)
    assert pushed == converter.unstructure(to_diagnostic(finding, lines, codec, "file:///t.py", 1))
    (related,) = pushed["relatedInformation"]
    assert related["location"] == {"uri": "file:///t.py", "range": {"start": {"line": 5, "character": 20},
                                                                    "end": {"line": 5, "character": 31}}}
    assert related["message"] == "`MagicMock` on the same fake `client`"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_columns_alternating_between_ascii_and_wider_lines(encoding: str) -> None:
    """The codec remembers whether the last line was ASCII: alternating lines must not share
    the answer (a minified bundle's line, then an edited line with emoji)."""
    codec = PositionCodec(encoding)
    ascii_line, wide_line = "x" * 40, "é🎉" * 20
    width = {"utf-8": 6, "utf-16": 3, "utf-32": 2}[encoding]
    for _ in range(2):
        assert codec.to_client_column(ascii_line, 10) == 10
        assert codec.to_client_column(wide_line, 4) == 2 * width
        assert codec.from_client_column(ascii_line, 12) == 12
        assert codec.from_client_column(wide_line, 2 * width) == 4
