"""Python newer than the interpreter isolint runs on is analysed, not reported unparseable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from isolint.api import lint_source
from isolint.core.config import Settings
from isolint.engine.newer_syntax import downlevel, looks_like_template

PRODUCTION = "/r/services/api/app/settings.py"
URL_LINE = 'API_URL = os.getenv("API_URL", "http://localhost:8000")\n'

NEWER = {
    "type parameters": "def first[T](items: list[T]) -> T:\n    return items[0]\n\n"
                       "class Box[T: (int, str)]:\n    pass\n",
    "type parameters over lines": "async def fetch[\n    T,\n    U: int = 3,\n](a: T) -> U:\n    return a\n",
    "type alias": "type Handler[T] = Callable[[T], None]\n",
    "f-string reusing its quote": 'table = {"a": 1}\nlabel = f"{table["a"]}"\n',
    "f-string spanning lines inside a field": 'value = 3\nlabel = f"-{\n    value}"\n',
    "f-string with both quotes inside": 'label = f"{\'a\'}{"b"}"\n',
    "except without parentheses": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
}


@pytest.mark.parametrize("body", NEWER.values(), ids=list(NEWER))
def test_findings_of_a_file_in_newer_syntax_land_on_their_lines(body: str) -> None:
    text = "import os\n" + body + URL_LINE
    result = lint_source(text, PRODUCTION, Settings(root=Path("/r")))
    codes = {(finding.code, finding.range.start.line) for finding in result.findings}
    assert not any(code == "ISO001" for code, _ in codes)
    url_line = text.count("\n") - 1
    assert ("ISO101", url_line) in codes or ("ISO102", url_line) in codes


@pytest.mark.parametrize("body", NEWER.values(), ids=list(NEWER))
def test_the_rewrite_keeps_every_line_and_parses(body: str) -> None:
    rewritten = downlevel(body)
    assert rewritten is not None and rewritten.count("\n") == body.count("\n")
    ast.parse(rewritten)


def test_an_fstring_reusing_its_quote_keeps_its_fields() -> None:
    rewritten = downlevel('base = {"h": "localhost"}\nurl = f"http://{base["h"]}:8000"\n')
    assert rewritten is not None and "f'http://{base[\"h\"]}:8000'" in rewritten


def test_a_real_syntax_error_is_still_reported() -> None:
    result = lint_source("import os\ndef broken(:\n" + URL_LINE, PRODUCTION, Settings(root=Path("/r")))
    assert [finding.code for finding in result.findings] == ["ISO001"]
    assert downlevel("def broken(:\n") is None


def test_a_template_named_like_python_is_not_reported() -> None:
    template = "{% if imports %}\nimport os\n{% endif %}\n" + URL_LINE
    assert looks_like_template(template)
    assert lint_source(template, PRODUCTION, Settings(root=Path("/r"))).findings == []


def test_a_syntax_error_with_a_brace_inside_code_is_no_template() -> None:
    assert not looks_like_template("x = {1: 2}\ndef broken(:\n")
