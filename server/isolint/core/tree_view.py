"""A module's statements grouped by type, built in one pass and shared by every reader of the tree.

The engine walks each Python tree once for the rules' visitors (``engine/python_runner.py``),
but indexers run before that walk and some need a whole-module answer first (which keys does
an ``if``/``match`` chain dispatch on, what does the module import). Each of them walking the
tree again made a check cost several traversals. Instead they ask :func:`nodes_of_type`: the
first question of a check builds the grouping, every later one is a dictionary lookup.

Only statements and the clauses holding them (``except``, ``case``) are grouped: every
ancestor of a statement is one, so the pass never descends into an expression (most of a
tree's nodes), and a statement's nodes come in ``ast.walk`` order (breadth first) all the same.

The grouping lives in the file's scratch for one check (``Lifetime.CHECK``), so it is dropped
with the tree.
"""

from __future__ import annotations

import ast
from collections import deque
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from isolint.core.scratch import Key

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

N = TypeVar("N", bound=ast.AST)

#: what holds statements: statements themselves, ``except`` and ``case`` clauses
BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


class TreeView:
    """``{statement type: [nodes]}`` of one tree, each list in ``ast.walk`` order."""

    __slots__ = ("tree", "_by_type")

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        by_type: dict[type, list[ast.AST]] = {}
        pending = deque((tree,))
        popleft, append = pending.popleft, pending.append
        while pending:
            node = popleft()
            node_type = type(node)
            found = by_type.get(node_type)
            if found is None:
                by_type[node_type] = [node]
            else:
                found.append(node)
            for name in node_type._fields:  # statements are only ever in lists
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, BLOCKS):
                            append(item)
        self._by_type = by_type

    def nodes(self, node_type: type[N]) -> list[N]:
        """Every node of exactly ``node_type`` (a statement or clause type), in ``ast.walk`` order."""
        if not issubclass(node_type, BLOCKS):
            raise TypeError(f"the tree view groups statements and clauses, not {node_type.__name__}")
        return self._by_type.get(node_type, [])  # type: ignore[return-value]


#: fields that hold identifiers, numbers or literal values, never a node (Python 3.10–3.13)
_SCALAR_FIELDS = frozenset({"id", "attr", "arg", "module", "level", "kind", "conversion", "is_async", "simple",
                            "type_comment", "tag", "rest", "kwd_attrs"})
_SCALAR_FIELDS_OF = {ast.Constant: {"value"}, ast.MatchSingleton: {"value"}, ast.Global: {"names"},
                     ast.Nonlocal: {"names"}}


@lru_cache(maxsize=None)
def child_fields(node_type: type, contexts: bool = True) -> tuple[str, ...]:
    """The fields of ``node_type`` that can hold child nodes, in ``_fields`` order (so in
    ``ast.iter_child_nodes`` order): identifiers and literal values never do. Without
    ``contexts``, also not the load/store contexts and operators (``ctx``, ``op``, ``ops``).

    Every walk of the engine and the rules reads children through this table: asking each of
    a node's ``_fields`` with ``getattr`` and testing what came back was most of a walk's cost."""
    names = []
    for name in node_type._fields:
        if name in _SCALAR_FIELDS or name in _SCALAR_FIELDS_OF.get(node_type, ()):
            continue
        if name == "name" and node_type.__name__ != "TypeAlias":  # an identifier, except 3.12's TypeAlias
            continue
        if not contexts and name in ("ctx", "op", "ops"):
            continue
        names.append(name)
    return tuple(names)


_VIEW: Key[TreeView] = Key("tree-view")


def tree_view(source: "SourceFile", tree: ast.AST) -> TreeView:
    """The shared view of ``tree`` (the parse of ``source`` in the current check)."""
    view = source.scratch.get(_VIEW, id(tree))
    if view is None or view.tree is not tree:
        view = source.scratch.put(_VIEW, TreeView(tree), id(tree))
    return view


def nodes_of_type(source: "SourceFile", tree: ast.AST, node_type: type[N]) -> list[N]:
    """``[n for n in ast.walk(tree) if type(n) is node_type]`` for a statement or clause type,
    from the view shared in this check."""
    return tree_view(source, tree).nodes(node_type)
