"""Dotted module names of project files, shared by the engine and the rules."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import Iterator


def module_of_rel(rel: str) -> str:
    """``services/api/app/db.py`` → ``services.api.app.db`` (packages drop ``__init__``)."""
    path = PurePosixPath(rel)
    parts = list(path.with_suffix("").parts if path.suffix in (".py", ".pyi") else path.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p not in ("", ".", ".."))


def resolve_relative_module(current: str, module: str | None, level: int, is_package: bool = False) -> str:
    """Absolute module named by ``from <level dots><module> import ...`` inside ``current``."""
    if not level:
        return module or ""
    parts = current.split(".") if current else []
    keep = len(parts) - level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    if module:
        base.append(module)
    return ".".join(base)


def import_time_statements(body: "list[ast.stmt]") -> "Iterator[ast.stmt]":
    """Statements that run when a module is imported, in source order, looking into
    if/try/with blocks (not into functions or classes)."""
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With)) or type(statement).__name__ == "TryStar":
            nested: list[ast.stmt] = []
            for attr in ("body", "orelse", "finalbody"):
                nested.extend(getattr(statement, attr, ()))
            for handler in getattr(statement, "handlers", ()):
                nested.extend(handler.body)
            pending.extend(reversed(nested))


class ImportMap(dict):
    """Local name → qualified name, from a module's import statements (``getenv`` →
    ``os.getenv`` after ``from os import getenv``). Used by the Python runner's context and by
    indexers, which see a bare tree."""

    def __init__(self, current_module: str = "", is_package: bool = False) -> None:
        super().__init__()
        self.current_module = current_module
        self.is_package = is_package

    def record(self, node: "ast.Import | ast.ImportFrom") -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self[head] = head
            return
        module = resolve_relative_module(self.current_module, node.module, node.level, self.is_package)
        for alias in node.names:
            if alias.name != "*":
                self[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name

    def record_module_level(self, tree: "ast.Module") -> None:
        """Module-level imports, including those under if/try/with, in source order."""
        for statement in import_time_statements(tree.body):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.record(statement)

    def qualified_name(self, node: "ast.AST") -> str | None:
        if isinstance(node, ast.Name):
            return self.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified_name(node.value)
            return f"{base}.{node.attr}" if base else None
        return None
