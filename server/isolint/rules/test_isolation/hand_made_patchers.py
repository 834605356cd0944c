"""Hand-made ``MonkeyPatch`` objects: pytest's patcher made by the test code itself instead of
requested as the ``monkeypatch`` fixture, so that nothing undoes its changes but its own
``undo()``.

One answer, shared by ISO502 (the environment changes made through one) and ISO505 (its other
patches), to two questions: which hand-made patcher a call such as ``mp.setenv(…)`` or
``self.monkeypatch.setattr(…)`` goes through, and whether that patcher is undone where that runs
whatever the test's outcome. A patcher is owned by the scope that makes it:

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
from isolint.rules.test_isolation.knowledge import after_yield, fixture_decorator, parameters_of

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: pytest's ``MonkeyPatch`` class, under the names it is imported by
MONKEYPATCH_CLASSES = frozenset({"pytest.MonkeyPatch", "_pytest.monkeypatch.MonkeyPatch"})
#: what undoes a patcher's changes (``__exit__`` for ``MonkeyPatch.context().__enter__()``)
UNDO_METHODS = frozenset({"undo", "__exit__"})
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
    #: the module, class or function that makes it
    owner: ast.AST
    #: an ``undo()`` exists but not where it runs whatever the outcome (after the assertions)
    undone_on_happy_path: bool

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

    def never_undone(self, call: ast.Call, ctx: "PythonContext") -> HandMadePatcher | None:
        """The hand-made patcher ``call`` (``mp.setenv(…)``, ``self.mp.setattr(…)``) goes
        through, when nothing undoes it on every path; None otherwise (the fixture, another
        object, a patcher undone in a teardown)."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        patcher = self._resolved(receiver, ctx)
        spelling = dotted_name(receiver) if receiver is not None else None
        return replace(patcher, spelling=spelling) if patcher is not None and spelling else patcher

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
                name = _made_name(statement, ctx)
                if name is not None:
                    undone = any(_undoes(node, (name,)) for node in ast.walk(module))
                    found[name] = None if undone else HandMadePatcher(name, module, False)
        return found

    def _function_patchers(self, function: ast.AST, ctx: "PythonContext") -> dict[str, HandMadePatcher | None]:
        found = self._scopes.get(id(function))
        if found is None:
            found = self._scopes[id(function)] = {}
            for statement in _own_statements(function):
                name = _made_name(statement, ctx)
                if name is not None:
                    found[name] = _judged(name, function, (name,), [function])
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
                return None if _undone_in(cls, spellings, [cls]) == "everywhere" else patcher
        return None

    def _class_patchers(self, cls: ast.ClassDef, ctx: "PythonContext") -> dict[str, HandMadePatcher | None]:
        found = self._scopes.get(id(cls))
        if found is None:
            found = self._scopes[id(cls)] = {}
            made = {name for statement in cls.body if (name := _made_name(statement, ctx)) is not None}
            made |= {attribute for method in cls.body if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                     for statement in _own_statements(method)
                     if (attribute := _made_attribute(statement, ctx)) is not None}
            for attribute in made:
                found[attribute] = _judged(f"self.{attribute}", cls, _class_spellings(attribute, cls), [cls])
        return found


def _judged(spelling: str, owner: ast.AST, names: tuple[str, ...], places: list[ast.AST]) -> HandMadePatcher | None:
    verdict = _undone_in(owner, names, places)
    if verdict == "everywhere":
        return None
    return HandMadePatcher(spelling, owner, verdict == "happy path")


def _undone_in(owner: ast.AST, names: tuple[str, ...], places: list[ast.AST]) -> str | None:
    """Where ``places`` undo the patcher named ``names``: "everywhere" (a teardown method, a
    ``finally``, a registered clean-up, after a fixture's ``yield``, or handed back to the
    caller), "happy path" (an ``undo()`` elsewhere) or None."""
    anywhere = False
    for place in places:
        for node in ast.walk(place):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not owner:
                if node.name in TEARDOWN_METHODS and any(_undoes(n, names) for n in ast.walk(node)):
                    return "everywhere"
                if fixture_decorator(node) is not None and any(_undoes(n, names) for s in after_yield(node.body)
                                                              for n in ast.walk(s)):
                    return "everywhere"
            elif isinstance(node, (ast.Return, ast.Yield)) and _spelled(node.value, names):
                return "everywhere"
            elif isinstance(node, ast.Try) and any(_undoes(n, names) for s in node.finalbody for n in ast.walk(s)):
                return "everywhere"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in FINALIZERS and any(_undoes(n, names) for a in node.args for n in ast.walk(a)):
                return "everywhere"
            elif _undoes(node, names):
                anywhere = True
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _undoes(n, names) for s in after_yield(owner.body) for n in ast.walk(s)):
        return "everywhere"
    return "happy path" if anywhere else None


def _undoes(node: ast.AST, names: tuple[str, ...]) -> bool:
    """``mp.undo`` (called or handed over), ``self.mp.__exit__``."""
    return isinstance(node, ast.Attribute) and node.attr in UNDO_METHODS and _spelled(node.value, names)


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


def _made_name(statement: ast.AST, ctx: "PythonContext") -> str | None:
    """``mp = MonkeyPatch()`` → ``mp``."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
            and makes_monkeypatch(statement.value, ctx):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) \
            and makes_monkeypatch(statement.value, ctx):
        return statement.target.id
    return None


def _made_attribute(statement: ast.AST, ctx: "PythonContext") -> str | None:
    """``self.mp = MonkeyPatch()`` (or ``cls.mp``) → ``mp``."""
    target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
        else statement.target if isinstance(statement, ast.AnnAssign) else None
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
            and target.value.id in INSTANCE_NAMES and makes_monkeypatch(statement.value, ctx):
        return target.attr
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
