"""Attributes of shared objects replaced by plain assignment in test code.

``AgentWorkflowStep.fetch_next_step = Mock(…)`` or ``alerts.notify = fake_notify`` inside a test
changes a class, a module or an imported singleton for the rest of the session: unlike a
``patch`` or ``monkeypatch.setattr``, nothing remembers the original. ISO505 reports them with
the hand-made patchers (one finding per test, fixture or set-up method, its other replacements
related).

What counts:

* the owner is shared: a class or a module the file imports (not rebound in the function), or a
  class of a module reached through one (``redash.tasks.alerts.notify_subscriptions``), not an
  object of the suite's own support modules and not an application's settings object (ISO504's);
  an attribute of a fresh local object, of ``self``, of a fixture's value or of an imported
  instance (an application object a suite may install afresh) stays quiet;
* the value is a stand-in: a mock (``Mock()``, ``mocker.AsyncMock()``), a lambda, a function the
  file defines, something named as a fake (``FakeStore()``), or a name bound to one of those in
  the function — a plain value or a saved original is a setting or a restore, not a fake;
* nothing puts it back whatever the test's outcome: the same attribute assigned again in a
  ``finally``, after a fixture's ``yield``, in a teardown method, a registered clean-up, an
  autouse fixture of the module or class; or a ``patch``/``monkeypatch.setattr`` of the same
  attribute, whose undo restores the original the test replaced again.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, Iterator

from isolint.core.scratch import Key
from isolint.rules.common.names import dotted_name, last_name
from isolint.rules.common.scope import statements_breadth_first, walk_nodes
from isolint.rules.test_isolation.hand_made_patchers import FINALIZERS, TEARDOWN_METHODS
from isolint.rules.test_isolation.knowledge import (
    STAND_IN_NAME, WELL_KNOWN_MOCK_CLASSES, after_yield, fixture_decorator, fixtures_in, is_test_function, literal_text,
    mock_kind, parameters_of, patch_target,
)
from isolint.rules.test_isolation.shared_settings_left_changed import names_settings

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: methods the test runners call before each test or class (ISO505 checks them like tests)
SETUP_METHODS = frozenset({"setUp", "asyncSetUp", "setup_method", "setup", "setUpClass", "setup_class",
                           "setUpModule", "setup_module"})
#: attributes that configure a mock rather than replace a member (``f.return_value = …``)
MOCK_CONFIGURATION = frozenset({"return_value", "side_effect", "spec", "spec_set", "wraps", "call_count"})
#: mock classes whose instance is a stand-in (``Mock()``, ``mocker.AsyncMock()``)
STAND_IN_FACTORIES = frozenset({"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock",
                                "PropertyMock", "create_autospec"})
#: wrappers that keep a stand-in a stand-in (``LocalRuntime.url = property(fake_url)``)
DESCRIPTOR_WRAPPERS = frozenset({"property", "staticmethod", "classmethod"})
#: calls whose undo restores the original of the attribute they patch
PATCH_KINDS = ("patch", "patch.object", "setattr")
#: a module path of test support (``tests.helpers.fakes``): the suite's own objects
TEST_SUPPORT_PARTS = ("tests", "test", "testing", "conftest")


@dataclass(frozen=True)
class Replacement:
    """``Owner.attr = stand_in`` in one test, fixture or set-up method."""

    statement: ast.stmt
    #: ``AgentWorkflowStep.fetch_next_step``, as spelled
    target: str


@dataclass(frozen=True)
class LeakingFunction:
    """A test, fixture or set-up method replacing shared attributes it does not put back."""

    function: ast.FunctionDef | ast.AsyncFunctionDef
    replacements: list[Replacement]
    #: the assignments that put them back only when the test gets that far
    happy_path_restores: list[ast.stmt]


def leaking_functions(ctx: "PythonContext") -> Iterator[LeakingFunction]:
    """The file's tests, fixtures and set-up methods that replace a shared attribute by plain
    assignment and leave it replaced (see the module docstring)."""
    tree = ctx.tree
    if tree is None:
        return
    defined = _Lazy(lambda: {s.name for s in statements_breadth_first(tree)  # definitions are statements
                             if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))})
    module_resets = _autouse_assigned(tree.body) | _assigned_in_teardowns(tree.body)
    module_fixtures = fixtures_in(tree.body)
    for function, cls in _checked_functions(tree):
        resets = set(module_resets)
        fixtures = dict(module_fixtures)
        if cls is not None:
            resets |= _autouse_assigned(cls.body) | _assigned_in_teardowns(cls.body)
            fixtures.update(fixtures_in(cls.body))
        # what the test's patches replace: its own, its class's and those of the fixtures it asks for
        scopes = [function, *(fixtures[p] for p in parameters_of([function]) if p in fixtures)]
        decorators = list(cls.decorator_list) if cls is not None else []
        found = _leaks(function, resets, defined, _Lazy(partial(_patched_targets, scopes, decorators)), ctx)
        if found is not None:
            yield found


def _checked_functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    for statement in tree.body:
        if _is_checked(statement):
            yield statement, None
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if _is_checked(member):
                    yield member, statement


def _is_checked(node: ast.AST) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if is_test_function(node) or node.name in SETUP_METHODS:
        return True
    decorator = fixture_decorator(node)
    # an autouse fixture of a conftest applies to every test below it alike: a suite-wide stand-in
    return decorator is not None and not _is_autouse(decorator)


class _Lazy:
    """A set computed when first asked for: most tests, fixtures and set-up methods assign no
    attribute, and need neither the names the file defines (a walk of the whole module) nor
    what their patches replace (a walk of each fixture they ask for, again for every test)."""

    def __init__(self, compute: Callable[[], set[str]]) -> None:
        self._compute: Callable[[], set[str]] | None = compute
        self._value: set[str] = set()

    def __call__(self) -> set[str]:
        if self._compute is not None:
            self._value, self._compute = self._compute(), None
        return self._value


def _leaks(function: ast.FunctionDef | ast.AsyncFunctionDef, resets: set[str], defined: _Lazy,
           patched: _Lazy, ctx: "PythonContext") -> LeakingFunction | None:
    statements = list(_own_statements(function.body))
    assignments = [(s, t) for s in statements if isinstance(s, (ast.Assign, ast.AnnAssign))
                   for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Attribute)]
    if not assignments:
        return None
    local = _local_names(function)
    stand_ins = _stand_in_names(statements, ctx, parameters_of([function]))
    teardown = {id(s) for s in _own_statements(after_yield(function.body))}
    in_finally = {id(s) for s in statements if isinstance(s, ast.Try) for s in _own_statements(s.finalbody)}
    found: list[Replacement] = []
    happy: list[ast.stmt] = []
    for statement, target in assignments:
        if id(statement) in teardown or id(statement) in in_finally:
            continue
        spelled = dotted_name(target)
        if spelled is None or spelled in resets or target.attr in MOCK_CONFIGURATION:
            continue
        if not _is_stand_in(statement.value, stand_ins, defined(), ctx, parameters_of([function])):
            continue
        if not _shared_owner(target.value, local, ctx):
            continue
        if _put_back(spelled, function, statements, teardown, in_finally) or _last_two(spelled) in patched() \
                or _last_two(ctx.qualified_name(target) or spelled) in patched():
            continue
        restores = [s for s, t in assignments if s.lineno > statement.lineno and dotted_name(t) == spelled
                    and not _is_stand_in(s.value, stand_ins, defined(), ctx, parameters_of([function]))]
        happy += restores[:1]
        found.append(Replacement(statement, spelled))
    return LeakingFunction(function, found, happy) if found else None


# -- the value: a stand-in ---------------------------------------------------------------------

def _is_stand_in(value: ast.AST | None, stand_ins: set[str], defined: set[str], ctx: "PythonContext",
                 parameters: set[str]) -> bool:
    """A mock, a lambda, a function or class the file defines, something named as a fake, or a
    name bound to one of those in the function."""
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Name):
        return value.id in stand_ins or value.id in defined or STAND_IN_NAME.search(value.id) is not None
    if isinstance(value, ast.Call):
        if last_name(value.func) in DESCRIPTOR_WRAPPERS and len(value.args) == 1:
            return _is_stand_in(value.args[0], stand_ins, defined, ctx, parameters)
        kind = mock_kind(value, ctx.imports, parameters)
        if kind is not None and kind.rsplit(".", 1)[-1] in STAND_IN_FACTORIES:
            return True
        name = last_name(value.func) or ""
        return name in WELL_KNOWN_MOCK_CLASSES or STAND_IN_NAME.search(name) is not None
    return False


def _stand_in_names(statements: list[ast.stmt], ctx: "PythonContext", parameters: set[str]) -> set[str]:
    """Names the function binds to a stand-in (``fake = MagicMock()``, ``stub = lambda: 1``)."""
    names: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.Assign) and _is_stand_in(statement.value, names, set(), ctx, parameters):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
    return names


# -- the owner: a shared object ----------------------------------------------------------------

def _shared_owner(owner: ast.AST, local: set[str], ctx: "PythonContext") -> bool:
    """A class or a module the file imports (not rebound in the function), or a class of a
    module reached through one, that is not the suite's own support object nor an application's
    settings object (ISO504's). An imported instance is left alone: an application object or a
    service container is often a stand-in the suite installs afresh (a stub app per module)."""
    spelled = dotted_name(owner)
    if spelled is None:
        return False
    root, *rest = spelled.split(".")
    if root in local or root not in ctx.imports:
        return False
    qualified = ctx.imports[root]
    if qualified.split(".", 1)[0] in ("mock", "unittest", "pytest") \
            or any(part in TEST_SUPPORT_PARTS or part.startswith("test_") for part in qualified.split(".")[:-1]):
        return False
    chain = qualified.split(".") + rest
    if names_settings(chain):
        return False
    if _is_module(".".join(chain), ctx):
        return True
    # a class: imported itself (`from app.models import Alert`) or reached through its module
    return _names_a_class(chain[-1]) and (not rest or _is_module(".".join(chain[:-1]), ctx))


def _names_a_class(name: str) -> bool:
    """``AgentWorkflowStep``, ``Alert``: a class by Python's naming convention (not a constant
    such as ``CONFIG``)."""
    return name[:1].isupper() and not name.isupper()


def _is_module(qualified: str, ctx: "PythonContext") -> bool:
    """``qualified`` names a module: one an ``import`` statement of the file names
    (``import redash.tasks.alerts``, ``import os``), or a project module of exactly that name."""
    if qualified in _imported_modules(ctx):
        return True
    project = ctx.project
    if project is None:
        return False
    rel_path = project.resolve_module(qualified, ctx.source.rel_path)
    if rel_path is None:
        return False
    stem = rel_path.removesuffix("/__init__.py").removesuffix(".py")
    return stem == qualified.replace(".", "/") or stem.endswith("/" + qualified.replace(".", "/"))


_IMPORTED_MODULES: Key[frozenset[str]] = Key("iso5.imported-modules")


def _imported_modules(ctx: "PythonContext") -> frozenset[str]:
    """Every module an ``import`` statement of the file names, with its packages."""
    def scan() -> frozenset[str]:
        names = [alias.name for node in walk_nodes(ctx.tree) if isinstance(node, ast.Import) for alias in node.names]
        return frozenset(".".join(parts[:i]) for parts in (n.split(".") for n in names) for i in range(1, len(parts) + 1))

    return ctx.scratch.setdefault(_IMPORTED_MODULES, scan)


def _local_names(function: ast.AST) -> set[str]:
    """Parameters and names the function binds itself: a fixture's value, a fresh instance."""
    names = parameters_of([function])
    for node in walk_nodes(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            names.add(node.name)
    return names


# -- putting it back ---------------------------------------------------------------------------

def _put_back(spelled: str, function: ast.AST, statements: list[ast.stmt], teardown: set[int],
              in_finally: set[int]) -> bool:
    """The attribute assigned again (or ``setattr``) where that runs whatever the outcome: a
    ``finally``, after a fixture's ``yield``, or in a registered clean-up."""
    for statement in statements:
        if id(statement) in teardown or id(statement) in in_finally:
            if spelled in _assigned_attributes(statement):
                return True
        for node in walk_nodes(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FINALIZERS \
                    and _registers_restore(node, spelled, function):
                return True
    return False


def _registers_restore(call: ast.Call, spelled: str, function: ast.AST) -> bool:
    """``addCleanup(setattr, Owner, "attr", original)``, ``addfinalizer(restore)`` with
    ``restore`` a nested function putting the attribute back, or a lambda that does."""
    owner, _, attribute = spelled.rpartition(".")
    args = call.args
    if args and last_name(args[0]) == "setattr" and len(args) >= 3 and dotted_name(args[1]) == owner \
            and literal_text(args[2]) == attribute:
        return True
    for argument in args:
        if isinstance(argument, ast.Name):
            nested = next((n for n in walk_nodes(function) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                           and n.name == argument.id), None)
            if nested is not None and spelled in _assigned_attributes(nested):
                return True
        elif isinstance(argument, ast.Lambda) and spelled in _assigned_attributes(argument.body):
            return True
    return False


def _assigned_attributes(node: ast.AST) -> set[str]:
    """Attributes ``node`` assigns (``Owner.attr = …``) or sets (``setattr(Owner, "attr", …)``)."""
    found: set[str] = set()
    for inner in walk_nodes(node):
        if isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Store) and (name := dotted_name(inner)):
            found.add(name)
        elif isinstance(inner, ast.Call) and last_name(inner.func) == "setattr" and len(inner.args) >= 2 \
                and (owner := dotted_name(inner.args[0])) and (attribute := literal_text(inner.args[1])):
            found.add(f"{owner}.{attribute}")
    return found


def _autouse_assigned(body: list[ast.stmt]) -> set[str]:
    """Attributes an autouse fixture among ``body`` assigns (before or after its ``yield``:
    either way no test sees another's stand-in)."""
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorator = fixture_decorator(statement)
            if decorator is not None and _is_autouse(decorator):
                found |= _assigned_attributes(statement)
    return found


def _assigned_in_teardowns(body: list[ast.stmt]) -> set[str]:
    return {name for statement in body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
            and statement.name in TEARDOWN_METHODS for name in _assigned_attributes(statement)}


def _is_autouse(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and any(
        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True for k in decorator.keywords)


def _patched_targets(scopes: list[ast.AST], decorators: list[ast.expr]) -> set[str]:
    """``Owner.attr`` for each attribute a patch in ``scopes`` (their decorators, ``with``
    statements and calls, ``monkeypatch.setattr`` included) or among ``decorators`` replaces: its
    undo restores the original however the test reassigned it meanwhile."""
    found: set[str] = set()
    nodes = [*decorators, *(n for scope in scopes for n in [*getattr(scope, "decorator_list", []), *walk_nodes(scope)])]
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = last_name(node.func)
        if name not in ("patch", "object", "setattr") or (name == "setattr" and not isinstance(node.func, ast.Attribute)):
            continue  # the builtin `setattr(Owner, "attr", fake)` is a plain assignment
        kind = "setattr" if name == "setattr" else "patch.object" if name == "object" else "patch"
        target = patch_target(node, kind)
        if target is not None:
            found.add(_last_two(target))
    return found


def _last_two(dotted: str) -> str:
    """``Owner.attr`` for ``pkg.module.Owner.attr``: how a patch and an assignment of the same
    attribute are compared, whatever path each spells the owner by."""
    return ".".join(dotted.rsplit(".", 2)[-2:])


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` in source order, nested blocks included, nested functions and
    classes not (their code runs at another time)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for attr in ("body", "orelse", "finalbody"):
            inner = getattr(statement, attr, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _own_statements(inner)
        for handler in getattr(statement, "handlers", None) or []:
            yield from _own_statements(handler.body)
        for case in getattr(statement, "cases", None) or []:
            yield from _own_statements(case.body)
