"""Walking the code of one scope: a function's own statements and expressions, without
descending into nested functions, lambdas or classes (their code runs at another time)."""

from __future__ import annotations

import ast
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence

from isolint.core.tree_view import child_fields

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
#: the leaf nodes ``walk_nodes`` leaves out: load/store contexts and operators
CONTEXTS_AND_OPERATORS = frozenset(
    t for base in (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop) for t in base.__subclasses__())
#: nodes without a child a walk looks for: names, constants, load/store contexts, operators
#: (for ``child_nodes_except``)
LEAF_NODE_TYPES = frozenset({ast.Name, ast.Constant}) | CONTEXTS_AND_OPERATORS


#: node type -> ``child_fields(node type)``, looked up once per node by the walks below
_FIELDS: dict[type, tuple[str, ...]] = {}


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, same order, without its two generators per node
    and without asking the fields that never hold a node (the walks below run on every
    keystroke in the language server)."""
    children = []
    node_type = type(node)
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = _FIELDS[node_type] = child_fields(node_type)
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    children.append(item)
    return children


#: node type -> ``child_fields(node type, contexts=False)``
_FIELDS_WITHOUT_CONTEXTS: dict[type, tuple[str, ...]] = {}


def child_nodes_except(node: ast.AST, skipped: frozenset[type]) -> list[ast.AST]:
    """``child_nodes(node)`` without the nodes whose type is in ``skipped``, for walks that
    look at none of them (``skipped`` holds every context and operator type: their fields are
    not even read)."""
    children = []
    node_type = type(node)
    fields = _FIELDS_WITHOUT_CONTEXTS.get(node_type)
    if fields is None:
        fields = _FIELDS_WITHOUT_CONTEXTS[node_type] = child_fields(node_type, contexts=False)
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if type(item) not in skipped and isinstance(item, ast.AST):
                    children.append(item)
        elif value is not None and type(value) not in skipped and isinstance(value, ast.AST):
            children.append(value)
    return children


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` (breadth first, same order), faster."""
    pending = deque((node,))
    while pending:
        node = pending.popleft()
        pending.extend(child_nodes(node))
        yield node


def walk_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))`` without the contexts and operators (``Load``, ``Add``, …: leaves,
    a third of a tree's nodes), in the same order: for the walks that look for calls, names,
    assignments or statements, several times faster than ``ast.walk``."""
    found = [node]
    append = found.append
    skipped = CONTEXTS_AND_OPERATORS
    fields_of = _FIELDS_WITHOUT_CONTEXTS
    for node in found:  # breadth first: the list is the queue
        node_type = type(node)
        fields = fields_of.get(node_type)
        if fields is None:
            fields = fields_of[node_type] = child_fields(node_type, contexts=False)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in skipped:
                        append(item)
            elif isinstance(value, ast.AST) and type(value) not in skipped:
                append(value)
    return found


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


def defined_functions(nodes: Iterable[ast.AST]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions a block defines itself — in its nested blocks (``if``, ``try``, ``with``…)
    too, not inside another function or a class: the definitions whose names the block's own
    code calls."""
    pending = [node for node in nodes if isinstance(node, BLOCK_NODES)]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif not isinstance(node, ast.ClassDef):
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


def generator_test(text: str, line_offsets: Sequence[int]) -> Callable[[ast.AST], bool]:
    """``is_generator`` for the functions of the file with this text (``line_offsets``: where
    each of its lines starts), memoised per function. A ``yield`` is spelled out on the lines
    of the function it makes a generator, so a function whose lines do not hold the word is
    answered from the text, without walking its body."""
    answers: dict[ast.AST, bool] = {}

    def test(function: ast.AST) -> bool:
        answer = answers.get(function)
        if answer is None:
            first, end = getattr(function, "lineno", None), getattr(function, "end_lineno", None)
            if first is None or end is None or first > len(line_offsets):
                answer = is_generator(function)
            else:
                stop = line_offsets[end] if end < len(line_offsets) else len(text)
                answer = text.find("yield", line_offsets[first - 1], stop) >= 0 and is_generator(function)
            answers[function] = answer
        return answer

    return test


def has_return(statements: Iterable[ast.AST]) -> bool:
    return any(isinstance(node, ast.Return) for node in walk_own_scope(statements))
