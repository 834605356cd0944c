"""One scratch store per file, with typed keys: how rules and indexers share work on a file.

Several rules and an indexer often ask the same question of one file — before the parse (a
byte scan deciding admission) or during the walk (what a literal is used for, the ISO3xx model
of the file). Each question has one module-level :class:`Key`, whose type parameter says what
the answer is and whose :class:`Lifetime` says how long it holds:

* ``Lifetime.TEXT`` — as long as the file's text: content verdicts (``SourceFile.memo``);
* ``Lifetime.CHECK`` — one check: per-node memos of one walk, a model shared by an indexer and
  the rules of the same parse. The engine forgets them when the check ends (they may refer to
  the tree, which reference counting can then free at once).

A key is its own identity: two keys with the same name are different slots. A question asked
with a parameter (the configured markers) passes it as ``argument``.

A question about one subtree alone (the calls a coroutine does not await, the nodes of one
function's own scope) is a :class:`SubtreeMemo`: its answer is kept as long as the subtree's
root node lives, across checks. In the language server a keystroke re-parses only the
definition it is in and every other statement is the previous tree's own node
(``engine/incremental_parse``), so such answers are computed again for the edited definition
only.
"""

from __future__ import annotations

import ast
import enum
import weakref
from typing import Any, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")
N = TypeVar("N", bound=ast.AST)


class Lifetime(enum.Enum):
    CHECK = "check"
    TEXT = "text"


class Key(Generic[T]):
    __slots__ = ("name", "lifetime")

    def __init__(self, name: str, lifetime: Lifetime = Lifetime.CHECK) -> None:
        self.name = name
        self.lifetime = lifetime

    def __repr__(self) -> str:
        return f"Key({self.name!r}, {self.lifetime.value})"


class Scratch:
    """The store of one file (``SourceFile.scratch``)."""

    __slots__ = ("_check", "_text")

    def __init__(self) -> None:
        self._check: dict[tuple[Key[Any], Hashable], Any] = {}
        self._text: dict[tuple[Key[Any], Hashable], Any] = {}

    def entries(self, key: Key[Any]) -> dict[tuple[Key[Any], Hashable], Any]:
        return self._text if key.lifetime is Lifetime.TEXT else self._check

    def get(self, key: Key[T], argument: Hashable = None) -> T | None:
        return self.entries(key).get((key, argument))

    def put(self, key: Key[T], value: T, argument: Hashable = None) -> T:
        self.entries(key)[(key, argument)] = value
        return value

    def setdefault(self, key: Key[T], factory: Callable[[], T], argument: Hashable = None) -> T:
        """The value under ``key``, made by ``factory()`` the first time it is asked for."""
        entries = self.entries(key)
        try:
            return entries[(key, argument)]
        except KeyError:
            value = entries[(key, argument)] = factory()
            return value

    def end_check(self) -> None:
        """Forget what held for one check only."""
        self._check.clear()

    def clear(self) -> None:
        """Forget everything: the file will not be analysed again in this process."""
        self._check.clear()
        self._text.clear()


class SubtreeMemo(Generic[N, T]):
    """``compute(node)``, computed once per node object and kept while the node lives.

    Sound because a tree is never modified once parsed (nothing in the engine, the rules or the
    fixers assigns to a node) and ``compute`` reads nothing but the subtree (its positions
    included): the same node object always has the same answer, in whichever file, check or
    thread it is asked. The answer must not refer to the node itself, only to nodes below it
    (it would keep the node alive), and callers must not modify it."""

    __slots__ = ("_compute", "_answers")

    def __init__(self, compute: Callable[[N], T]) -> None:
        self._compute = compute
        self._answers: weakref.WeakKeyDictionary[N, T] = weakref.WeakKeyDictionary()

    def __call__(self, node: N) -> T:
        try:
            return self._answers[node]
        except KeyError:
            answer = self._answers[node] = self._compute(node)
            return answer
