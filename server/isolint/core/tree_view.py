"""A module's nodes grouped by type, built in one pass and shared by every reader of the tree.

The engine walks each Python tree once for the rules' visitors (``engine/python_runner.py``),
but indexers run before that walk and some rules need a whole-module answer before the walk
reaches the nodes that decide it (is this name read by any function? does the module call a
server anywhere?). Each of them walking the tree again made a check cost several traversals
(``ast.walk`` was the largest single item of a monorepo's cold profile). Instead they ask
:func:`nodes_of_type`: the first question of a check builds the grouping (one pass over the
tree), every later one is a dictionary lookup.

The grouping lives in the file's scratch for one check (``Lifetime.CHECK``), so it is dropped
with the tree; the lists are in ``ast.walk`` order (breadth first), so a reader that switches
from ``ast.walk`` sees the nodes it looked at in the same order.
"""

from __future__ import annotations

import ast
from collections import deque
from typing import TYPE_CHECKING, TypeVar

from isolint.core.scratch import Key

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

N = TypeVar("N", bound=ast.AST)

_NO_CHILDREN = frozenset(
    [ast.Name, ast.Constant,
     *(t for base in (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop) for t in base.__subclasses__())])


class TreeView:
    """``{node type: [nodes]}`` of one tree, each list in ``ast.walk`` order."""

    __slots__ = ("tree", "_by_type")

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        by_type: dict[type, list[ast.AST]] = {}
        pending = deque((tree,))
        popleft, extend = pending.popleft, pending.extend
        while pending:
            node = popleft()
            node_type = type(node)
            found = by_type.get(node_type)
            if found is None:
                by_type[node_type] = [node]
            else:
                found.append(node)
            if node_type in _NO_CHILDREN:
                continue
            for name in node_type._fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    pending.append(value)
        self._by_type = by_type

    def nodes(self, node_type: type[N]) -> list[N]:
        """Every node of exactly ``node_type`` (no subclasses), in ``ast.walk`` order."""
        return self._by_type.get(node_type, [])  # type: ignore[return-value]


_VIEW: Key[TreeView] = Key("tree-view")


def tree_view(source: "SourceFile", tree: ast.AST) -> TreeView:
    """The shared view of ``tree`` (the parse of ``source`` in the current check)."""
    view = source.scratch.get(_VIEW, id(tree))
    if view is None or view.tree is not tree:
        view = source.scratch.put(_VIEW, TreeView(tree), id(tree))
    return view


def nodes_of_type(source: "SourceFile", tree: ast.AST, node_type: type[N]) -> list[N]:
    """``[n for n in ast.walk(tree) if type(n) is node_type]``, from the view shared in this check."""
    return tree_view(source, tree).nodes(node_type)
