"""Removing one argument from a call: the default handed to a project's own accessor
(``config("X", default="…")`` → ``config("X")``) goes, the accessor stays."""

from __future__ import annotations

import ast
from typing import Callable

from isolint.core.model import Edit, Range


def argument_removal(call: ast.Call, value: ast.expr, range_of: Callable[[ast.AST], Range]) -> Edit | None:
    """The edit deleting ``value`` (a positional argument, or the keyword whose value it is) and
    the comma before it: ``config("X", default="localhost", cast=str)`` → ``config("X", cast=str)``.
    None when ``value`` is the call's first argument (nothing sensible is left) or not an argument."""
    items: list[ast.AST] = [*call.args, *call.keywords]
    items.sort(key=lambda item: (item.lineno, item.col_offset))  # type: ignore[attr-defined]
    target = next((k for k in call.keywords if k.value is value), value)
    index = next((i for i, item in enumerate(items) if item is target), None)
    if not index:
        return None
    return Edit(Range(range_of(items[index - 1]).end, range_of(target).end), "")
