"""Walking the code of one scope: a function's own statements and expressions, without
descending into nested functions, lambdas or classes (their code runs at another time)."""

from __future__ import annotations

import ast
from typing import Iterable, Iterator

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def walk_own_scope(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under ``nodes`` that belongs to their scope (nested scopes skipped whole)."""
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, NESTED_SCOPES):
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def own_returns(function: ast.AST) -> Iterator[ast.Return]:
    return (node for node in walk_own_scope(getattr(function, "body", ())) if isinstance(node, ast.Return))


def is_generator(function: ast.AST) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_own_scope(getattr(function, "body", ())))


def has_return(statements: Iterable[ast.AST]) -> bool:
    return any(isinstance(node, ast.Return) for node in walk_own_scope(statements))
