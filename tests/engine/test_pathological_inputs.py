"""Inputs real repositories hold that once crashed or stalled a check: brackets nested beyond
CPython's limit next to newer syntax (libcst's native parser died of SIGSEGV on them), and
collections of thousands of hosts whose every element re-read the whole collection."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from isolint.api import lint_source
from isolint.rules.config_isolation import hardcoded_local_host
from isolint.rules.config_isolation.usage import element_index

PRODUCTION = "/r/services/api/app/settings.py"


def test_brackets_nested_beyond_every_parser_are_a_parse_error_not_a_dead_process(tmp_path: Path) -> None:
    # `type` makes the file look like newer syntax, so the parse falls back to libcst
    app = tmp_path / "services" / "api" / "app"
    app.mkdir(parents=True)
    (tmp_path / "services" / "api" / "Dockerfile").write_text("FROM python:3.12\n")
    (app / "nested.py").write_text('import os\ntype Alias = int\nHOST = os.getenv("DB_HOST", "localhost")\n'
                                   "x = " + "(" * 2000 + "1" + ")" * 2000 + "\n")
    done = subprocess.run([sys.executable, "-m", "isolint", "check", str(tmp_path), "--no-cache", "-j", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "ISO001" in done.stdout and "too many nested parentheses" in done.stdout


def test_a_host_list_is_read_once_not_once_per_element(monkeypatch) -> None:
    reads: list[int] = []
    original = hardcoded_local_host.is_loopback_alias_list

    def counting(texts):
        reads.append(len(texts))
        return original(texts)

    monkeypatch.setattr(hardcoded_local_host, "is_loopback_alias_list", counting)
    hosts = ", ".join(['"localhost"', '"127.0.0.1"'] * 500)
    result = lint_source(f"LOCAL_ALIASES = [{hosts}]\n", PRODUCTION)
    assert reads == [1000]
    assert not [f for f in result.findings if f.code == "ISO101"]  # aliases of the loopback only


def test_element_index_finds_each_element_and_nothing_else() -> None:
    tree = ast.parse("x = [1, (2,\n 3), *rest, f(4), 5]\ny = 6\n")
    elements = tree.body[0].value.elts
    assert [element_index(elements, element) for element in elements] == list(range(len(elements)))
    assert element_index(elements, tree.body[1].value) is None
    assert element_index(elements, elements[1].elts[0]) is None  # inside an element: not one of them
