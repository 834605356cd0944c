"""A visitor several rules share (marked ``@shared_visitor``) runs once per node, for the first
of those rules that has not crashed; every other visitor still runs once per rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from isolint.core.config import Settings
from isolint.core.rule import Rule, shared_visitor
from isolint.core.scratch import Key
from isolint.engine.python_runner import run_python_rules
from isolint.core.source import SourceFile

TEXT = "a = f(x)\nb = g(y)\n"
SEEN: Key[list] = Key("seen")
CALLS: Key[list] = Key("calls")


class _Feed(Rule):
    """Rules feeding one per-file list, like the ISO3xx rules feed their tracker."""

    code = "ISO990"
    name = "feed"
    message = "fed"
    calls: list = []
    fail_at: str | None = None

    @shared_visitor
    def _observe(self, node: ast.AST, ctx) -> None:
        if isinstance(node, ast.Name) and node.id == self.fail_at:
            raise RuntimeError("rule bug")
        ctx.scratch.setdefault(SEEN, list).append((type(self).code, getattr(node, "id", None)))

    visit_Name = _observe

    def visit_Call(self, node: ast.Call, ctx) -> None:  # not shared: once per rule
        ctx.scratch.setdefault(CALLS, list).append(type(self).code)

    def end_file(self, ctx) -> None:
        type(self).calls.append(({"seen": ctx.scratch.get(SEEN), "calls": ctx.scratch.get(CALLS)}, ctx))


class _FirstFeed(_Feed):
    code = "ISO991"


class _SecondFeed(_Feed):
    code = "ISO992"


def _run(*rules: Rule) -> tuple[dict, list[str]]:
    _Feed.calls = []
    source = SourceFile.from_text(Path("/p/app/m.py"), TEXT, Settings(root=Path("/p")))
    _, crashed = run_python_rules(source, ast.parse(TEXT), list(rules))
    return _Feed.calls[0][0], crashed


def test_a_shared_visitor_runs_once_per_node() -> None:
    state, crashed = _run(_FirstFeed(), _SecondFeed())
    assert state["seen"] == [("ISO991", "a"), ("ISO991", "f"), ("ISO991", "x"), ("ISO991", "b"),
                             ("ISO991", "g"), ("ISO991", "y")]
    assert state["calls"] == ["ISO991", "ISO992", "ISO991", "ISO992"]
    assert crashed == []


@pytest.mark.crashes
def test_after_a_crash_the_next_rule_feeds_the_shared_state() -> None:
    first = _FirstFeed()
    first.fail_at = "f"
    state, crashed = _run(first, _SecondFeed())
    assert crashed == ["ISO991"]
    assert state["seen"] == [("ISO991", "a"), ("ISO992", "x"), ("ISO992", "b"), ("ISO992", "g"), ("ISO992", "y")]
    assert state["calls"] == ["ISO991", "ISO992", "ISO992"]
