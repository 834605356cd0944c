"""Fix descriptors for an unmanaged session: wrap it in ``with`` / ``async with``, or put its
cleanup in a ``finally``. The edits themselves are built lazily by
``isolint.fixers.wrap_in_with`` (libcst); here we only decide whether a fix exists, which
statements it covers and whether it is safe.

Safe means: on the path where nothing raises, the code does exactly what it did before — the
statements between the creation and the existing ``close()`` run inside the context manager
(or the ``try``), then the session is closed, as before. The only change is that the session is
now also closed when something raises. A fix that has to *add* a close (the code never closed
it), or whose block contains a ``return`` that used to skip the close, changes what happens
on the success path too: unsafe.
"""

from __future__ import annotations

import ast
from typing import Any

from isolint.core.context import PythonContext
from isolint.core.model import Applicability, Fix
from isolint.rules.common.scope import has_return
from isolint.rules.lifecycle.libraries import Kind
from isolint.rules.lifecycle.tracking import EXIT_METHODS, Binding, Scope, returns_a_cursor

WRAP_BUILDER = "wrap-in-with"
FINALLY_BUILDER = "close-in-finally"


def _index(block: list, statement: ast.AST | None) -> int:
    for index, candidate in enumerate(block):
        if candidate is statement:
            return index
    return -1


def _region(binding: Binding) -> tuple[int, int, bool] | None:
    """(first, last) indexes in the binding's block of the statements the fix moves, and
    whether the last one is the existing close (removed by the fix)."""
    block = binding.block
    if block is None or binding.except_closes \
            or any(getattr(close.func, "attr", "") in EXIT_METHODS for close in binding.closes):
        return None  # entered by hand (``__enter__``): a ``with`` would enter it twice
    start = _index(block, binding.statement)
    if start < 0:
        return None
    if len(binding.closes) == 1:
        end = _index(block, binding.close_statements[0])
        if end <= start or binding.last_use_line > block[end].end_lineno:
            return None
        return start + 1, end, True
    if binding.closes or not binding.last_use_line:
        return None
    if binding.resource is not None and binding.resource.kind in (Kind.ENGINE, Kind.POOL):
        # what the function builds on an engine (sessions, factories, a yielded fixture value)
        # lives until the block ends: the engine is disposed of after all of it
        return (start + 1, len(block) - 1, False) if start + 1 < len(block) else None
    if binding.resource is not None and binding.resource.hands_out_views:
        # its databases, collections and sessions work only while it is open: closed after all
        # of them, and not at all when one of them is handed back to the caller
        end = len(block) - 1
        return None if start >= end or returns_a_view(block[start + 1:], binding.name) else (start + 1, end, False)
    if binding.used_as_dbapi:
        # its cursors outlive the name's last use: the connection is closed after all of them,
        # and not at all when one is handed back to the caller
        end = len(block) - 1
        return None if start >= end or returns_a_cursor(block[start + 1:], binding.name) else (start + 1, end, False)
    for index in range(len(block) - 1, start, -1):
        if block[index].lineno <= binding.last_use_line:
            return (start + 1, index, False) if binding.last_use_line <= block[index].end_lineno else None
    return None


def returns_a_view(statements: list, name: str) -> bool:
    """A ``return`` among ``statements`` hands back an object reached from ``name``
    (``return client["shop"]``, ``db = client.db("app"); return db``) rather than a value
    computed from it (``return list(db.orders.find())``)."""
    derived = {name}
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign) and _reached_from(node.value, derived):
                derived.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Return) and node.value is not None and _reached_from(node.value, derived):
                return True
    return False


def _reached_from(expr: ast.AST, names: set) -> bool:
    """``expr`` is ``name``, or an attribute, item or method call of it (``name.db("app").aql``)."""
    while True:
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, (ast.Attribute, ast.Subscript)):
            expr = expr.value
        else:
            return isinstance(expr, ast.Name) and expr.id in names


def lifecycle_fix(binding: Binding, scope: Scope, ctx: PythonContext, prefer_with: bool = True) -> Fix | None:
    """The fix for ``binding``: a ``with`` when the resource is its own context manager
    (and ``prefer_with``), else a ``try``/``finally`` around its uses."""
    region = _region(binding)
    if region is None or binding.resource is not None and binding.resource.owned_by_class:
        return None  # the instance of a class that never releases its engine has nothing to call
    first, last, closes_at_end = region
    block = binding.block or []
    moved = block[first:last] if closes_at_end else block[first:last + 1]
    resource = binding.resource
    in_async = scope.is_async
    safe = closes_at_end and not has_return(moved)
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    params: dict[str, Any] = {
        "line": binding.statement.lineno - 1,  # type: ignore[union-attr]
        "name": binding.name,
        "close_line": block[last].lineno - 1 if closes_at_end else None,
        "last_line": block[last].lineno - 1,
    }
    keyword = resource.context_manager if resource is not None and prefer_with else None
    if keyword == "async with" and not in_async:
        keyword = None
    if keyword is not None:
        return Fix(f"Use `{keyword} … as {binding.name}:`", applicability, builder=WRAP_BUILDER,
                   params={**params, "keyword": keyword})
    if not moved:
        return None
    if closes_at_end:
        return Fix(f"Move `{binding.name}`'s cleanup into `finally`", applicability, builder=FINALLY_BUILDER,
                   params=params)
    cleanup = (resource.cleanup if resource is not None else "{name}.close()").format(name=binding.name)
    if cleanup.startswith("await ") and not in_async:
        return None
    verb = "Dispose of" if ".dispose()" in cleanup else "Close"
    return Fix(f"{verb} `{binding.name}` in `finally`", applicability, builder=FINALLY_BUILDER,
               params={**params, "cleanup": cleanup})
