"""Python newer than the interpreter isolint runs on is analysed, not reported unparseable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from isolint.api import lint_source
from isolint.core.config import Settings
from isolint.engine.newer_syntax import downlevel, looks_like_template, may_hold_newer_syntax, rewrite_newer_syntax

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
#: the same constructs in rarer spellings: the scan that decides whether libcst runs must see them
NEWER_SPELLINGS = {
    "type parameters after a line continuation": "class Box \\\n    [T]:\n    pass\n",
    "a type alias after a semicolon": "x = 1; type Pair = tuple[int, int]\n",
    "a type alias in a one-line class": "class Holder: type Item = int\n",
    "an except star without parentheses": "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\n",
    "an f-string with a comment in a field": 'label = f"{\n    1  # one\n}"\n',
    "an f-string with a backslash in a field": "label = f'{\"\\n\".join(rows)}'\n",
    "format specs nested three deep": 'label = f"{value:{width:{fill}}}"\n',
    "a triple-quoted f-string reusing its quotes": 'label = f"""{"""inner"""}"""\n',
    "a raw f-string reusing its quote": 'label = Rf"{table["a"]}"\n',
}
#: code every interpreter reads, in spellings close to the newer ones: no libcst for these
OLDER = {
    "f-strings with fields and escapes": 'a = f"{x!r:>10} {{literal}} \\n {y:>{w}}" + F\'{d["k"]}\'\n',
    "a triple-quoted f-string over lines": 'b = f"""\n{x}\n"""\n',
    "a parenthesised except tuple": "try:\n    pass\nexcept (ValueError, TypeError) as exc:\n    pass\n",
    "subscripts after def and class names": "items[0] = definition[1]\nclassified = klass[2]\n",
    "prose about types in a docstring": 'def f():\n    """Read the value and\n    type verbatim. Then type it, except when, say, asked."""\n',
    "the type builtin": "kind = type(value)\nif type(a) == type(b): pass\n",
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


@pytest.mark.parametrize("body", [*NEWER.values(), *NEWER_SPELLINGS.values()], ids=[*NEWER, *NEWER_SPELLINGS])
def test_the_scan_before_libcst_sees_every_newer_construct(body: str) -> None:
    assert rewrite_newer_syntax(body) is not None, "libcst rewrites it"
    assert may_hold_newer_syntax(body)
    assert downlevel(body) is not None


@pytest.mark.parametrize("body", OLDER.values(), ids=list(OLDER))
def test_code_in_older_syntax_is_not_handed_to_libcst(body: str) -> None:
    ast.parse(body)
    assert not may_hold_newer_syntax(body)


@pytest.mark.parametrize("body", [*NEWER.values(), *NEWER_SPELLINGS.values(), *OLDER.values()])
def test_a_half_typed_line_in_any_syntax_gets_the_rewrite_libcst_would_make(body: str) -> None:
    """What a user typing produces (``os.``): whatever the scan says, ``downlevel`` answers as
    libcst alone does."""
    for broken in (body + "endpoint = os.\n", "endpoint = os.\n" + body, body.replace("\n", "\n(", 1)):
        assert downlevel(broken) == rewrite_newer_syntax(broken)
