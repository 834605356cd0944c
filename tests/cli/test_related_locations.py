"""Related locations: the other lines of one problem travel with its finding through every
output (text, JSON, SARIF), the cache and the fingerprint stays the same without them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.core.fingerprint import fingerprint_file
from isolint.core.model import Finding, Language
from tests.cli.conftest import run_cli, write_tree

TEST_FILE = "services/api/tests/integration/test_orders.py"
FILES = {
    "pyproject.toml": "[tool.isolint]\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/__init__.py": "",
    TEST_FILE: """
        from unittest.mock import AsyncMock, MagicMock


        def test_orders():
            client = MagicMock()
            client.chat.create = MagicMock()
            client.models.list = AsyncMock()
            assert client
    """,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "shop", FILES)
    monkeypatch.chdir(root)
    return root


def test_text_shows_each_related_location_on_an_indented_line(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", ".", "--select", "ISO501", "--no-cache")
    lines = out.splitlines()
    head = lines.index(next(line for line in lines if line.startswith(f"{TEST_FILE}:5:14: ISO501")))
    assert lines[head + 1] == f"    related {TEST_FILE}:6:26: `MagicMock` on the same fake `client`"
    assert lines[head + 2] == f"    related {TEST_FILE}:7:26: `AsyncMock` on the same fake `client`"
    assert "Found 1 finding." in out


def test_json_lists_related_locations(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", ".", "--select", "ISO501", "--no-cache", "--format", "json")
    (finding,) = json.loads(out)
    assert finding["location"] == {"row": 5, "column": 14}
    assert finding["related_locations"] == [
        {"path": TEST_FILE, "message": "`MagicMock` on the same fake `client`",
         "location": {"row": 6, "column": 26}, "end_location": {"row": 6, "column": 37}},
        {"path": TEST_FILE, "message": "`AsyncMock` on the same fake `client`",
         "location": {"row": 7, "column": 26}, "end_location": {"row": 7, "column": 37}},
    ]


def test_sarif_result_has_related_locations(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", ".", "--select", "ISO501", "--no-cache", "--format", "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [6, 7]
    assert related[0]["physicalLocation"]["artifactLocation"] == {"uri": TEST_FILE, "uriBaseId": "%SRCROOT%"}
    assert related[1]["message"]["text"] == "`AsyncMock` on the same fake `client`"


def test_the_cache_keeps_related_locations(project: Path) -> None:
    first = lint_paths([project], cache=True)
    second = lint_paths([project], cache=True)
    assert second.cached_files == first.checked_files > 0
    (finding,) = [f for f in second.findings if f.code == "ISO501"]
    assert [location.range.start.line for location in finding.related] == [5, 6]
    assert [f.to_json() for f in second.findings] == [f.to_json() for f in first.findings]


def test_fingerprint_does_not_depend_on_related_locations(project: Path) -> None:
    (finding,) = [f for f in lint_paths([project]).findings if f.code == "ISO501"]
    assert finding.related
    lines = (project / TEST_FILE).read_text().splitlines()
    alone = dataclasses.replace(finding, related=())
    assert fingerprint_file([finding], lines, Language.PYTHON) == fingerprint_file([alone], lines, Language.PYTHON)
    assert Finding.from_json(finding.to_json()) == finding
