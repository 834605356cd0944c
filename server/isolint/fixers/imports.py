"""Adding an import a fix needs, as a plain insertion edit placed like isort would: after the
module docstring, ``from __future__`` imports and the first block of top-level imports."""

from __future__ import annotations

import ast
from functools import lru_cache

from isolint.core.model import Edit, Position, Range


@lru_cache(maxsize=64)
def bound_names(statement: str) -> tuple[tuple[str, str], ...]:
    """``from app.env import get_env`` → (("get_env", "app.env.get_env"),); ``import os`` →
    (("os", "os"),). Cached: every env-lookup fix of a file asks about the same statement."""
    names: dict[str, str] = {}
    for node in ast.parse(statement).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return tuple(names.items())


def is_imported(statement: str, imports: dict[str, str]) -> bool:
    """Whether every name ``statement`` binds is already bound the same way in the module."""
    return all(imports.get(local) == target for local, target in bound_names(statement))


def insertion_line(tree: ast.Module, header_lines: int = 0) -> int:
    """0-based line where a new top-level import goes (never above the ``header_lines``: a
    shebang or coding cookie stops working anywhere but first)."""
    line = header_lines
    body = tree.body
    index = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        line = max(line, body[0].end_lineno or body[0].lineno)
        index = 1
    while index < len(body) and isinstance(body[index], (ast.Import, ast.ImportFrom)):
        line = max(line, body[index].end_lineno or body[index].lineno)
        index += 1
    return line


def import_edit(statement: str | None, imports: dict[str, str], tree: ast.Module | None,
                line_ending: str = "\n", header_lines: int = 0) -> Edit | None:
    """The edit adding ``statement`` unless the module already binds its names."""
    if not statement or tree is None or is_imported(statement, imports):
        return None
    line = insertion_line(tree, header_lines)
    position = Position(line, 0)
    return Edit(Range(position, position), statement.strip() + line_ending)
