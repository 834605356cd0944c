"""The language server's parse of an edited text is the tree ``ast.parse`` makes of it, positions
included, whether or not it re-used the previous text's tree (``engine/incremental_parse.py``)."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from isolint.core.config import Settings
from isolint.core.source import SourceFile
from isolint.engine.incremental_parse import EditedParse
from isolint.engine.python_runner import parse_python
from isolint.engine.runners import ParseFailure

SERVER = Path(__file__).resolve().parents[2] / "server" / "isolint"
PATH = Path("/r/services/api/app/module.py")

MODULE = '''\
"""A module."""

import os


@decorated(
    option=True,
)
class Store:
    """Keeps things."""

    limit = 3

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def size(self) -> int:
        return len(self.url)

    class Inner:
        def method(self):
            return 1

    async def fetch(self, key):
        value = await self.client.get(key)
        return value


def helper(x):
    if x:
        return x + 1
    return 0
'''


def source(text: str) -> SourceFile:
    return SourceFile.from_text(PATH, text, Settings(root=Path("/r")))


def dumped(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def parsed_after(parser: EditedParse, text: str) -> ast.Module | None:
    try:
        return parser.parse(source(text))
    except ParseFailure:
        return None


def expected(text: str) -> ast.Module | None:
    try:
        return parse_python(source(text))
    except ParseFailure:
        return None


def check_same(parser: EditedParse, text: str) -> bool:
    """Parses ``text`` with ``parser``, asserts the tree is the whole text's, returns whether
    the previous tree was re-used."""
    before = parser.reused
    got, wanted = parsed_after(parser, text), expected(text)
    assert (got is None) == (wanted is None)
    if got is not None:
        assert dumped(got) == dumped(wanted)
    return parser.reused > before


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.mark.parametrize(("old", "new"), [
    ("return len(self.url)", "return len(self.url) + 1"),  # inside a decorated method
    ("value = await self.client.get(key)", "value = await self.client.get(key, 'x')"),  # the class's last method
    ("return value", "return valu"),  # the class's last line: the class ends where the method ends
    ("return 1", "return 12"),  # a class inside a class
    ("limit = 3", "limit = 4"),  # a class-level statement: the class is re-parsed
    ("if x:\n        return x + 1", "if x:\n        return x - 1"),  # a module-level function
    ("option=True", "option=False"),  # a decorator of a module-level class
])
def test_an_edit_inside_one_definition_reuses_the_tree_and_gives_the_same_tree(old, new):
    parser = EditedParse()
    parser.parse(source(MODULE))
    assert check_same(parser, edited(MODULE, old, new))


@pytest.mark.parametrize(("old", "new"), [
    ("import os", "import sys"),  # outside every definition
    ("    def __init__", "     def __init__"),  # a definition's own indentation
    ("        return value", "    return value"),  # the last statement moved out of the method
    ("        return value", "        return value \\"),  # a continuation into the lines after the class
    ("return len(self.url)", 'return """len(self.url)'),  # an unterminated string
    ("return 1", "return 1\n"),  # one more line
    ("return 1", "\treturn 1"),  # a tab
    ("return 1", "return 1\r"),  # a carriage return
])
def test_an_edit_the_splice_does_not_cover_parses_the_whole_text(old, new):
    parser = EditedParse()
    parser.parse(source(MODULE))
    assert not check_same(parser, edited(MODULE, old, new))


def test_a_text_that_does_not_parse_keeps_the_last_tree_for_the_next_edit():
    parser = EditedParse()
    parser.parse(source(MODULE))
    broken = edited(MODULE, "return len(self.url)", "return len(self.url")
    with pytest.raises(ParseFailure):
        parser.parse(source(broken))
    assert check_same(parser, edited(MODULE, "return len(self.url)", "return len(self.url, 2)"))


def test_a_future_import_changing_the_grammar_is_never_spliced():
    text = "from __future__ import barry_as_FLUFL\n\n\ndef f(a, b):\n    return a != b\n"
    parser = EditedParse()
    parser.parse(source(text))
    assert not check_same(parser, text.replace("return a != b", "return b != a"))


def test_typing_and_deleting_at_random_in_real_modules_gives_the_whole_texts_tree():
    """Every module of isolint's own ``lsp`` package: random insertions and
    deletions (characters, indentation, whole lines, brackets, quotes), each compared with a
    parse of the whole text."""
    rng = random.Random(13)
    reused = edits = 0
    for module in sorted((SERVER / "lsp").glob("*.py")):
        base = module.read_text(encoding="utf-8")
        if len(base) < 200:
            continue
        parser = EditedParse()
        parser.parse(source(base))
        text = base
        for _ in range(30):
            text = _random_edit(rng, base if rng.random() < 0.5 else text)
            before = parser.reused
            check_same(parser, text)
            reused += parser.reused - before
            edits += 1
    assert edits > 300 and reused > edits // 10


def test_typing_into_a_method_reuses_the_tree_on_every_keystroke_but_the_new_line():
    base = (SERVER / "lsp" / "server.py").read_text(encoding="utf-8")
    anchor = "        sync_config_errors(self)\n"
    at = base.index(anchor) + len(anchor)
    parser = EditedParse()
    parser.parse(source(base))
    typed = "http://localhost:8000/api"  # into a string literal: every text parses
    texts = [base[:at] + '        endpoint = ""\n' + base[at:]]
    texts += [base[:at] + f'        endpoint = "{typed[:count]}"\n' + base[at:] for count in range(1, len(typed) + 1)]
    reused = [check_same(parser, text) for text in texts]
    assert reused == [False] + [True] * len(typed)  # the new line is parsed with the whole text


def _random_edit(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text))
    line_start = text.rfind("\n", 0, at) + 1
    kind = rng.randrange(6)
    if kind == 0:
        return text[:at] + rng.choice("abc()[]{}:\"'#\\ \n=.,@") + text[at:]
    if kind == 1:
        return text[:at] + text[at + 1:]
    if kind == 2:
        return text[:line_start] + text[line_start:].replace("    ", "", 1)
    if kind == 3:
        return text[:line_start] + "    " + text[line_start:]
    if kind == 4:
        end = text.find("\n", at)
        return text[:line_start] + text[end:] if end >= 0 else text
    return text[:at] + text[at + rng.randrange(1, 40):]


def test_a_previous_tree_the_splice_cannot_read_costs_a_whole_parse_not_the_analysis():
    """A kept tree without end positions (as no parse makes one) raises inside the splice."""
    tree = ast.parse(MODULE)
    for node in ast.walk(tree):
        if hasattr(node, "end_lineno"):
            del node.end_lineno
    parser = EditedParse()
    parser._last = (MODULE, MODULE.split("\n"), tree)
    assert not check_same(parser, edited(MODULE, "return 1", "return 12"))
