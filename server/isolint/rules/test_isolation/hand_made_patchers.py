"""Hand-made patchers: pytest's ``MonkeyPatch`` made by the test code itself instead of
requested as the ``monkeypatch`` fixture, and ``unittest.mock``'s patchers started by hand
(``patcher = patch(…)``, ``patcher.start()``) instead of used as a decorator or ``with``: nothing
undoes their changes but their own ``undo()`` or ``stop()`` (or ``patch.stopall()``).

One answer, shared by ISO502 (the environment changes made through a ``MonkeyPatch``) and ISO505
(every other patch), to two questions: which hand-made patcher a call such as ``mp.setenv(…)``,
``self.monkeypatch.setattr(…)`` or ``self.patcher.start()`` goes through, and whether that
patcher is undone where that runs whatever the test's outcome. A patcher is owned by the scope
that makes it:

* a module (``mp = MonkeyPatch()`` at the top level): undone by an ``undo()`` anywhere in the
  module (a session fixture's teardown, ``pytest_unconfigure``);
* a class (``monkeypatch = MonkeyPatch()`` in its body) or its instances (``self.mp =
  MonkeyPatch()`` in a method), reached as ``self.X``/``cls.X`` from the class or a subclass in
  the same module: undone in a teardown method, a ``finally``, a registered clean-up
  (``self.addCleanup(self.mp.undo)``) or after a fixture's ``yield``;
* a function: undone in a ``finally``, a registered clean-up or after a fixture's ``yield`` —
  or handed back to its caller (returned or yielded), who owns the undo.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from isolint.core.scratch import Key
from isolint.rules.common.names import dotted_name
from isolint.rules.test_isolation.knowledge import after_yield, fixture_decorator, normalise, parameters_of

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: pytest's ``MonkeyPatch`` class, under the names it is imported by
MONKEYPATCH_CLASSES = frozenset({"pytest.MonkeyPatch", "_pytest.monkeypatch.MonkeyPatch"})
#: the two kinds of hand-made patcher
MONKEYPATCH, MOCK_PATCHER = "MonkeyPatch", "patch"
#: ``unittest.mock``'s patchers (after ``knowledge.normalise``)
MOCK_PATCHERS = frozenset({"mock.patch", "mock.patch.object", "mock.patch.dict", "mock.patch.multiple"})
#: per kind, what undoes a patcher's changes (``__exit__`` for a context entered by hand)
UNDO_METHODS = {MONKEYPATCH: frozenset({"undo", "__exit__"}), MOCK_PATCHER: frozenset({"stop", "__exit__"})}
#: what undoes every started ``unittest.mock`` patcher at once
STOP_ALL = "stopall"
#: calls registering a callback run after the test (or class, or fixture) whatever its outcome
FINALIZERS = frozenset({"addfinalizer", "addCleanup", "addClassCleanup", "addAsyncCleanup", "callback", "push"})
#: methods the test runners call after each test or class, whatever its outcome
TEARDOWN_METHODS = frozenset({"tearDown", "asyncTearDown", "tearDownClass", "tearDownModule", "teardown_method",
                              "teardown_class", "teardown_module", "teardown"})
#: the names a method reaches its class's attributes by
INSTANCE_NAMES = frozenset({"self", "cls"})


@dataclass(frozen=True)
class HandMadePatcher:
    """One hand-made patcher nothing undoes on every path."""

    #: how the code names it where it is used: ``mp``, ``self.monkeypatch``
    spelling: str
    #: ``MONKEYPATCH`` or ``MOCK_PATCHER``
    kind: str
    #: the module, class or function that makes it
    owner: ast.AST
    #: an ``undo()`` exists but not where it runs whatever the outcome (after the assertions)
    undone_on_happy_path: bool
    #: the call that makes it (``patch("app.jobs.send")``), for what a mock patcher replaces
    made: ast.AST | None = None

    @property
    def identity(self) -> tuple[int, str]:
        """Which object it is: the owner and the name the owner binds it to."""
        return id(self.owner), self.spelling.rsplit(".", 1)[-1]


#: per check, per file: the tracker the ISO5 rules share
_TRACKER: Key["HandMadePatchers"] = Key("iso5.hand-made-patchers")


def hand_made_patchers(ctx: "PythonContext") -> "HandMadePatchers":
    """The file's tracker (one per check, shared by the rules that ask)."""
    return ctx.scratch.setdefault(_TRACKER, HandMadePatchers)


class HandMadePatchers:
    """The hand-made patchers of one file, each scope looked at once, when first asked."""

    def __init__(self) -> None:
        #: per scope (module, class or function): name → the patcher nothing undoes on every path
        #: (None when it is undone)
        self._scopes: dict[int, dict[str, HandMadePatcher | None]] = {}

    def never_undone(self, call: ast.Call, ctx: "PythonContext", kind: str) -> HandMadePatcher | None:
        """The hand-made patcher of ``kind`` that ``call`` (``mp.setenv(…)``,
        ``self.mp.setattr(…)``, ``self.patcher.start()``) goes through, when nothing undoes it on
        every path; None otherwise (the fixture, another object, a patcher undone in a
        teardown)."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if kind == MOCK_PATCHER and isinstance(receiver, ast.Call):
            return self._started_inline(receiver, ctx)
        patcher = self._resolved(receiver, ctx)
        if patcher is None or patcher.kind != kind:
            return None
        spelling = dotted_name(receiver) if receiver is not None else None
        return replace(patcher, spelling=spelling) if spelling else patcher

    def _started_inline(self, made: ast.Call, ctx: "PythonContext") -> HandMadePatcher | None:
        """``patch("x").start()``: only ``patch.stopall()`` can stop it — in the class's
        teardown or clean-up, the function's ``finally``, clean-up or fixture teardown, or
        anywhere in the module at its top level."""
        if _made_kind(made, ctx) != MOCK_PATCHER:
            return None
        owner: ast.AST | None = ctx.classes[-1] if ctx.classes else ctx.current_function or ctx.tree
        if owner is None:
            return None
        spelling = f"{dotted_name(made.func) or 'patch'}(…)"
        if isinstance(owner, ast.Module):
            stopped = any(_undoes(node, (), MOCK_PATCHER) for node in ast.walk(owner))
            return None if stopped else HandMadePatcher(spelling, MOCK_PATCHER, owner, False, made)
        return _judged(spelling, MOCK_PATCHER, owner, (), [owner], made)

    def _resolved(self, receiver: ast.AST | None, ctx: "PythonContext") -> HandMadePatcher | None:
        if isinstance(receiver, ast.Name):
            function = ctx.current_function
            if function is not None:
                own = self._function_patchers(function, ctx)
                if receiver.id in own:
                    return own[receiver.id]
                if receiver.id in parameters_of(ctx.functions) or _binds(function, receiver.id):
                    return None  # the fixture, or another local object of that name
            if ctx.tree is None:
                return None
            return self._module_patchers(ctx.tree, ctx).get(receiver.id)
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and ctx.classes:
            if receiver.value.id not in INSTANCE_NAMES and receiver.value.id != ctx.classes[-1].name:
                return None
            return self._class_patcher(ctx.classes[-1], receiver.attr, ctx)
        return None

    # -- scopes --------------------------------------------------------------------------------
    def _module_patchers(self, module: ast.Module, ctx: "PythonContext") -> dict[str, HandMadePatcher | None]:
        found = self._scopes.get(id(module))
        if found is None:
            found = self._scopes[id(module)] = {}
            for statement in module.body:
                made = _made_name(statement, ctx)
                if made is not None:
                    name, kind = made
                    undone = any(_undoes(node, (name,), kind) for node in ast.walk(module))
                    found[name] = None if undone else HandMadePatcher(name, kind, module, False, statement.value)
        return found

    def _function_patchers(self, function: ast.AST, ctx: "PythonContext") -> dict[str, HandMadePatcher | None]:
        found = self._scopes.get(id(function))
        if found is None:
            found = self._scopes[id(function)] = {}
            for statement in _own_statements(function):
                made = _made_name(statement, ctx)
                if made is not None:
                    name, kind = made
                    found[name] = _judged(name, kind, function, (name,), [function], statement.value)
        return found

    def _class_patcher(self, cls: ast.ClassDef, attribute: str, ctx: "PythonContext") -> HandMadePatcher | None:
        """``self.X``/``cls.X`` in ``cls``: a patcher ``cls`` makes (in its body or a method), or
        one a base class of the same module makes; undone anywhere in either."""
        for owner in _class_and_bases(cls, ctx.tree):
            patchers = self._class_patchers(owner, ctx)
            if attribute in patchers:
                patcher = patchers[attribute]
                if patcher is None or owner is cls:
                    return patcher
                spellings = _class_spellings(attribute, cls)
                return None if _undone_in(cls, spellings, [cls], patcher.kind) == "everywhere" else patcher
        return None

    def _class_patchers(self, cls: ast.ClassDef, ctx: "PythonContext") -> dict[str, HandMadePatcher | None]:
        found = self._scopes.get(id(cls))
        if found is None:
            found = self._scopes[id(cls)] = {}
            made: dict[str, tuple[str, ast.AST]] = {}
            for statement in cls.body:
                if (found_made := _made_name(statement, ctx)) is not None:
                    made[found_made[0]] = (found_made[1], statement.value)
            for method in cls.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for statement in _own_statements(method):
                        if (found_made := _made_attribute(statement, ctx)) is not None:
                            made.setdefault(found_made[0], (found_made[1], statement.value))
            for attribute, (kind, value) in made.items():
                found[attribute] = _judged(f"self.{attribute}", kind, cls, _class_spellings(attribute, cls), [cls], value)
        return found


def _judged(spelling: str, kind: str, owner: ast.AST, names: tuple[str, ...], places: list[ast.AST],
            made: ast.AST | None) -> HandMadePatcher | None:
    verdict = _undone_in(owner, names, places, kind)
    if verdict == "everywhere":
        return None
    return HandMadePatcher(spelling, kind, owner, verdict == "happy path", made)


def _undone_in(owner: ast.AST, names: tuple[str, ...], places: list[ast.AST], kind: str) -> str | None:
    """Where ``places`` undo the patcher named ``names``: "everywhere" (a teardown method, a
    ``finally``, a registered clean-up, after a fixture's ``yield``, or handed back to the
    caller), "happy path" (an ``undo()`` elsewhere) or None."""
    anywhere = False
    for place in places:
        for node in ast.walk(place):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not owner:
                if node.name in TEARDOWN_METHODS and any(_undoes(n, names, kind) for n in ast.walk(node)):
                    return "everywhere"
                if fixture_decorator(node) is not None and any(_undoes(n, names, kind) for s in after_yield(node.body)
                                                              for n in ast.walk(s)):
                    return "everywhere"
            elif isinstance(node, (ast.Return, ast.Yield)) and _spelled(node.value, names):
                return "everywhere"
            elif isinstance(node, ast.Try) and any(_undoes(n, names, kind) for s in node.finalbody for n in ast.walk(s)):
                return "everywhere"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in FINALIZERS and any(_undoes(n, names, kind) for a in node.args for n in ast.walk(a)):
                return "everywhere"
            elif _undoes(node, names, kind):
                anywhere = True
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _undoes(n, names, kind) for s in after_yield(owner.body) for n in ast.walk(s)):
        return "everywhere"
    return "happy path" if anywhere else None


def _undoes(node: ast.AST, names: tuple[str, ...], kind: str) -> bool:
    """``mp.undo`` (called or handed over), ``self.mp.__exit__``, ``patcher.stop``,
    ``patch.stopall``."""
    if not isinstance(node, ast.Attribute):
        return False
    if kind == MOCK_PATCHER and node.attr == STOP_ALL:
        return True
    return node.attr in UNDO_METHODS[kind] and _spelled(node.value, names)


def _spelled(node: ast.AST | None, names: tuple[str, ...]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in names
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
        and f"{node.value.id}.{node.attr}" in names


def _class_spellings(attribute: str, cls: ast.ClassDef) -> tuple[str, ...]:
    return tuple(f"{owner}.{attribute}" for owner in (*INSTANCE_NAMES, cls.name))


def _class_and_bases(cls: ast.ClassDef, module: ast.Module | None) -> list[ast.ClassDef]:
    """``cls``, then the classes of the same module it derives from (nearest first)."""
    classes = {s.name: s for s in module.body if isinstance(s, ast.ClassDef)} if module is not None else {}
    chain, pending = [], [cls]
    while pending:
        current = pending.pop(0)
        if current in chain:
            continue
        chain.append(current)
        pending.extend(classes[b.id] for b in current.bases if isinstance(b, ast.Name) and b.id in classes)
    return chain


def makes_monkeypatch(value: ast.AST | None, ctx: "PythonContext") -> bool:
    """``MonkeyPatch()``, ``MonkeyPatch.context().__enter__()``."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "__enter__":
        value = value.func.value
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "context"):
            return False
        return ctx.qualified_name(value.func.value) in MONKEYPATCH_CLASSES
    return isinstance(value, ast.Call) and ctx.qualified_name(value.func) in MONKEYPATCH_CLASSES


def _made_kind(value: ast.AST | None, ctx: "PythonContext") -> str | None:
    """``MONKEYPATCH`` for ``MonkeyPatch()``, ``MOCK_PATCHER`` for ``patch(…)``,
    ``patch.object(…)``…; None for anything else."""
    if makes_monkeypatch(value, ctx):
        return MONKEYPATCH
    if isinstance(value, ast.Call) and normalise(ctx.qualified_name(value.func)) in MOCK_PATCHERS:
        return MOCK_PATCHER
    return None


def _assigned(statement: ast.AST) -> tuple[ast.AST, ast.AST | None] | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return statement.targets[0], statement.value
    if isinstance(statement, ast.AnnAssign):
        return statement.target, statement.value
    return None


def _made_name(statement: ast.AST, ctx: "PythonContext") -> tuple[str, str] | None:
    """``mp = MonkeyPatch()`` → (``mp``, its kind)."""
    assigned = _assigned(statement)
    if assigned is not None and isinstance(assigned[0], ast.Name) and (kind := _made_kind(assigned[1], ctx)):
        return assigned[0].id, kind
    return None


def _made_attribute(statement: ast.AST, ctx: "PythonContext") -> tuple[str, str] | None:
    """``self.mp = MonkeyPatch()`` (or ``cls.mp``) → (``mp``, its kind)."""
    assigned = _assigned(statement)
    if assigned is None:
        return None
    target, value = assigned
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
            and target.value.id in INSTANCE_NAMES and (kind := _made_kind(value, ctx)):
        return target.attr, kind
    return None


def _binds(function: ast.AST, name: str) -> bool:
    """``function`` assigns ``name`` itself (then it is not the module's object)."""
    return any(isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
               for statement in _own_statements(function) for node in ast.walk(statement))


def _own_statements(function: ast.AST):
    """The statements of a function, nested blocks included, without those of nested
    functions and classes (their code runs at another time)."""
    pending = list(getattr(function, "body", []))
    while pending:
        statement = pending.pop(0)
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            pending.extend(getattr(statement, field, None) or [])
