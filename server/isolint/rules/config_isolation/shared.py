"""Decisions more than one ISO1xx Python rule takes, so they take them the same way."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from isolint.core.scratch import Key
from isolint.core.model import Edit, Fix
from isolint.fixers.env_lookup import env_lookup_fix, preferred_quote
from isolint.rules.config_isolation.env_lookups import env_lookup, or_fallback
from isolint.rules.config_isolation.usage import literal_text
from isolint.rules.config_isolation.values import DevValue, classify_dev_value

if TYPE_CHECKING:
    from isolint.core.context import PythonContext


def literal_value(node: ast.AST | None) -> object:
    """The Python value of a str/int/bool literal or the text of an f-string; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bool)):
        return node.value
    return literal_text(node) if node is not None else None


def env_default_dev_value(node: ast.AST, ctx: PythonContext) -> DevValue | None:
    """When ``node`` is the default of an environment lookup and that default is a development
    value, ISO102 reports it — the other rules stay quiet about the same literal."""
    parent = ctx.parent
    if isinstance(parent, ast.keyword):
        parent = ctx.ancestor(2)
    lookup = None
    if isinstance(parent, ast.Call):
        lookup = env_lookup(parent, ctx)
        if lookup is None or lookup.default is not node:
            return None
    elif isinstance(parent, ast.BoolOp):
        fallback = or_fallback(parent, ctx)
        if fallback is None or fallback[1] is not node:
            return None
        lookup = fallback[0]
    else:
        return None
    dev = classify_dev_value(lookup.name, literal_value(node))
    return dev if dev else None


#: the quote the module writes its strings with
PREFERRED_QUOTE: Key[str] = Key("iso1.preferred-quote")

def env_lookup_fix_for(node: ast.AST, name: str, ctx: PythonContext, title: str | None = None) -> Fix:
    """Unsafe fix replacing ``node`` with the configured environment accessor for ``name``,
    quoted the way the module quotes its strings."""
    quote = ctx.source.memo(PREFERRED_QUOTE, lambda source: preferred_quote(source.text))
    return env_lookup_fix(replace=ctx.range(node), name=name, settings=ctx.settings, imports=ctx.imports,
                          tree=ctx.tree, line_ending=ctx.source.line_ending, title=title, quote=quote,
                          header_lines=ctx.source.header_lines)


def replace_with_env_lookup(node: ast.AST, name: str, ctx: PythonContext, *, wrap: str = "") -> Fix:
    """:func:`env_lookup_fix_for`, optionally converting (``wrap="int"`` for ports)."""
    fix = env_lookup_fix_for(node, name, ctx)
    if not wrap:
        return fix
    target = ctx.range(node)
    edits = tuple(Edit(e.range, f"{wrap}({e.new_text})") if e.range == target else e for e in fix.edits)
    expression = next(e.new_text for e in edits if e.range == target)
    return Fix(f"Read `{name}` from the environment: `{expression}`", fix.applicability, edits)
