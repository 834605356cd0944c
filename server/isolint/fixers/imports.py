"""Adding an import a fix needs, as a plain insertion edit placed where the file's own import
block puts it: in the section it belongs to (standard library or not), in that section's order."""

from __future__ import annotations

import ast
import sys
from functools import lru_cache

from isolint.core.model import Edit, Position, Range


@lru_cache(maxsize=64)
def bound_names(statement: str) -> tuple[tuple[str, str], ...]:
    """``from app.env import get_env`` → (("get_env", "app.env.get_env"),); ``import os`` →
    (("os", "os"),). Cached: every env-lookup fix of a file asks about the same statement."""
    names: dict[str, str] = {}
    for node in _parsed(statement).body:
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


def _module_of(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Import):
        return statement.names[0].name
    return ("." * statement.level) + (statement.module or "")  # type: ignore[attr-defined]


def _section(statement: ast.stmt) -> int:
    """isort's sections, coarsely: 0 ``__future__``, 1 the standard library, 2 everything else."""
    module = _module_of(statement)
    if module == "__future__":
        return 0
    return 1 if module.split(".")[0] in sys.stdlib_module_names else 2


def _by_kind(statement: ast.stmt) -> tuple:
    """isort's default order in a section: ``import x`` lines, then ``from x import y``."""
    return (isinstance(statement, ast.ImportFrom), _module_of(statement).lower())


def _by_module(statement: ast.stmt) -> tuple:
    """``force_sort_within_sections``: by module whatever the statement's kind."""
    return (_module_of(statement).lower(),)


def _import_block(tree: ast.Module) -> tuple[int, list[ast.stmt]]:
    """The line after the module docstring, and the run of top-level imports that follows it."""
    body = tree.body
    index, after_docstring = 0, 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        after_docstring = body[0].end_lineno or body[0].lineno
        index = 1
    block = []
    while index < len(body) and isinstance(body[index], (ast.Import, ast.ImportFrom)):
        block.append(body[index])
        index += 1
    return after_docstring, block


@lru_cache(maxsize=64)
def _parsed(statement: str) -> ast.Module:
    """The parsed import statement, once per statement (every fix of a file, built as its
    findings are reported, adds the same one); named for itself, it is no file's parse."""
    return ast.parse(statement, f"<import statement {statement}>")


def _statement_node(statement: str) -> ast.stmt:
    return _parsed(statement).body[0]


def insertion_point(tree: ast.Module, statement: str, header_lines: int = 0) -> tuple[int, bool]:
    """(0-based line, whether a blank line must follow) where ``statement`` goes: in the file's
    import block, in its section (standard library or not) at the place the section's own
    order puts it — ``import x`` before ``from x`` or by module alone, whichever the section
    follows — else after the section's last import, or, for a first standard-library import,
    before the first non-``__future__`` import (followed by a blank line unless the block runs
    its sections together). Never above the ``header_lines`` (a shebang or coding
    cookie stops working anywhere but first); after the docstring when there is no block."""
    after_docstring, block = _import_block(tree)
    new = _statement_node(statement)
    if not block:
        return max(header_lines, after_docstring), False
    section = _section(new)
    peers = [s for s in block if _section(s) == section]
    if peers:
        for order in (_by_kind, _by_module):
            keys = [order(s) for s in peers]
            if keys == sorted(keys):
                later = next((s for s in peers if order(s) > order(new)), None)
                if later is not None:
                    return max(header_lines, later.lineno - 1), False
                break
        return max(header_lines, peers[-1].end_lineno or peers[-1].lineno), False
    if section == 1:
        first = next((s for s in block if _section(s) > 1), None)
        if first is not None:
            # isort keeps sections apart with a blank line, unless the file runs two together
            together = any(_section(a) != _section(b) and b.lineno - (a.end_lineno or a.lineno) == 1
                           for a, b in zip(block, block[1:]))
            return max(header_lines, first.lineno - 1), not together
    last = block[-1]
    return max(header_lines, last.end_lineno or last.lineno), False


def import_edit(statement: str | None, imports: dict[str, str], tree: ast.Module | None,
                line_ending: str = "\n", header_lines: int = 0) -> Edit | None:
    """The edit adding ``statement`` unless the module already binds its names."""
    if not statement or tree is None or is_imported(statement, imports):
        return None
    line, blank_after = insertion_point(tree, statement.strip(), header_lines)
    position = Position(line, 0)
    return Edit(Range(position, position), statement.strip() + line_ending + (line_ending if blank_after else ""))
