"""Dotted names read off Python expressions: the one spelling rules and fixers both compare by."""

from __future__ import annotations

import ast


def dotted_name(node: ast.AST, *, through_calls: bool = False) -> str | None:
    """``a.b.c`` for a chain of attributes on a plain name; None when any link is an index or a
    call — with ``through_calls``, a call without arguments is a link too (``get_env().x``),
    spelled ``get_env().x``: how a fixer names an accessor it will write back."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value, through_calls=through_calls)
        return f"{base}.{node.attr}" if base else None
    if through_calls and isinstance(node, ast.Call) and not node.args and not node.keywords:
        base = dotted_name(node.func, through_calls=True)
        return f"{base}()" if base else None
    return None
