"""Walking the code of one scope: a function's own statements and expressions, without
descending into nested functions, lambdas or classes (their code runs at another time)."""

from __future__ import annotations

import ast
from collections import deque
from typing import Iterable, Iterator

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, same order, without its two generators per node
    (the walks below run on every keystroke in the language server)."""
    children = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    children.append(item)
    return children


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` (breadth first, same order), faster."""
    pending = deque((node,))
    while pending:
        node = pending.popleft()
        pending.extend(child_nodes(node))
        yield node


#: what holds statements: statements themselves, ``except`` and ``case`` clauses
BLOCK_NODES = (ast.stmt, ast.excepthandler, ast.match_case)


def statement_children(node: ast.AST) -> list[ast.AST]:
    """The statements (and clauses holding statements) directly under ``node``, in
    ``ast.iter_child_nodes`` order; expressions never hold statements."""
    found = []
    for name in node._fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, BLOCK_NODES):
                    found.append(item)
    return found


def statements_breadth_first(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk(node)`` restricted to statements and clauses, in the same order (every
    ancestor of a statement is a statement or clause, so the levels are the same) — for
    callers that look for statements only (assignments, definitions) and not at expressions."""
    pending = deque((node,))
    while pending:
        node = pending.popleft()
        pending.extend(statement_children(node))
        yield node


def own_statements(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """``walk_own_scope(nodes)`` restricted to statements and clauses, in the same order."""
    pending = [node for node in nodes if isinstance(node, BLOCK_NODES)]
    while pending:
        node = pending.pop()
        if isinstance(node, NESTED_SCOPES):
            continue
        yield node
        pending.extend(statement_children(node))


def walk_own_scope(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under ``nodes`` that belongs to their scope (nested scopes skipped whole)."""
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, NESTED_SCOPES):
            continue
        yield node
        pending.extend(child_nodes(node))


def own_returns(function: ast.AST) -> Iterator[ast.Return]:
    return (node for node in walk_own_scope(getattr(function, "body", ())) if isinstance(node, ast.Return))


def is_generator(function: ast.AST) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in walk_own_scope(getattr(function, "body", ())))


def has_return(statements: Iterable[ast.AST]) -> bool:
    return any(isinstance(node, ast.Return) for node in walk_own_scope(statements))
