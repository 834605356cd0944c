from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language, Severity
from isolint.core.modules import ImportMap
from isolint.core.rule import TEST_ZONES, Indexer, Rule
from isolint.core.test_tiers import identifier_bytes
from isolint.rules.common.names import dotted_name, last_name
from isolint.rules.common.scope import statements_breadth_first, walk_nodes
from isolint.rules.test_isolation.knowledge import fixture_decorator, fixtures_in, is_test_function, parameters_of

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

#: the fact kind: per ``conftest.py``, the getters whose cache its autouse fixtures clear
CACHE_RESETS = "cache_resets"
#: the fact kind: per production module, its cached getters — module-level functions without
#: parameters under ``functools.lru_cache``/``cache``, each returning one process-wide object
CACHED_GETTERS = "cached_getters"
#: admission of the cached-getter indexer: a ``@lru_cache``/``@cache`` decorator
CACHE_DECORATOR = lazy_compile(rb"@\s*(?:functools\s*\.\s*)?(?:lru_cache|cache)\b")
#: the name of an application's settings object or module: ``settings``, ``app_settings``,
#: ``config``, ``CONFIG``, ``conf`` (a class such as ``AppConfig`` is not an instance)
SETTINGS_NAME = lazy_compile(r"(^|_)(settings|config|conf|cfg)(_|$)", re.IGNORECASE)
#: admission: a settings-like name, and an assignment to an attribute (``x.y = …``,
#: ``x.y += …``, ``x.y: int = …``)
SETTINGS_WORD = lazy_compile(rb"(?i:settings|conf|cfg)")
#: ``x.y = …``, ``x.y += …``, ``x.y: int = …``
ATTRIBUTE_ASSIGNMENT = lazy_compile(rb"[A-Za-z0-9_)\]]\.[A-Za-z_][A-Za-z0-9_]*\s*(?::[^\n=]*)?(?:[-+*/%&|^@]|//|>>|<<|\*\*)?=(?!=)")
#: ``module._client = None``: a module's lazily built object dropped, to be built again on next use
MODULE_CACHE_RESET = lazy_compile(rb"[a-z][A-Za-z0-9_]*\s*\.\s*_[A-Za-z0-9_]+\s*=\s*None\b")
#: what rebuilds a module's globals: ``importlib.reload(module)``
RELOADERS = frozenset({"reload"})
#: how a rebuild key (``_rebuilt``) is spelled for a reloaded module and a dropped module object
RELOAD, RESET = "reload ", "reset "
#: a module path of test support (``backend.tests.common.config``): its objects belong to the
#: suite, which may share them between its tests on purpose
TEST_SUPPORT_PART = lazy_compile(r"^(tests?|testing|conftest|test_.*|.*_tests?)$")
SETUP_METHODS = frozenset({"setUp", "asyncSetUp", "setup_method", "setup", "setUpClass", "setup_class"})
TEARDOWN_METHODS = frozenset({"tearDown", "asyncTearDown", "teardown_method", "teardown", "tearDownClass",
                              "teardown_class"})
#: what registers a callback run after the test whatever its outcome
FINALIZERS = frozenset({"addfinalizer", "addCleanup", "addClassCleanup", "callback", "push"})
#: fixtures that undo their own changes when the test ends: a patch through them is a patch made
#: under the test, which a cache rebuilt during it outlives
PATCHING_FIXTURES = ("monkeypatch", "mocker")
#: a whole-environment patch and the patches of ``unittest.mock``
PATCH_CALLS = ("patch", "patch.object", "patch.dict", "patch.multiple")


@dataclass
class _Function:
    """What one test function or fixture does, statement by statement."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    #: statements up to the fixture's ``yield`` (the whole body of a test): they run under the
    #: test's patches
    setup: list[ast.stmt] = field(default_factory=list)
    #: statements after the ``yield``: pytest runs them whatever the outcome
    teardown: list[ast.stmt] = field(default_factory=list)
    #: ids of the statements inside a ``finally`` block
    in_finally: set[int] = field(default_factory=set)
    #: what runs around it whatever its outcome: the teardowns of the fixtures of the same file
    #: it requests, and the autouse fixtures of its module and class
    around: list[ast.stmt] = field(default_factory=list)


class SharedSettingsLeftChanged(Rule):
    """A test leaving a process-wide cached or shared settings object changed for later tests.

    ## What it does
    Flags a test or fixture that rebuilds a cached getter (`get_settings.cache_clear()` and a
    call under patched variables or attributes), reloads a module (`importlib.reload`) or drops a
    module's lazily built object (`queue._client = None`) under its patches, or assigns an attribute of a shared settings
    object (what a cached getter returns, an application's `settings` imported from its module),
    and does not put it back where that runs whatever the outcome: a `finally`, a fixture's
    teardown, a finalizer, `tearDown` or an autouse fixture. One finding per test; the other
    lines of the same test are related locations.

    ## Why is this bad?
    `monkeypatch` undoes the variables when the test ends, but the settings object the cache
    built from them stays: every later test runs with this test's configuration, so tests pass
    or fail depending on their order — the audit's "tests leaking state into each other". A
    reset written after the assertions only runs when they pass.

    ## Example
    ```python
    # tests/test_login.py
    from app.config import get_settings

    def test_login_with_directory(monkeypatch, client):
        monkeypatch.setenv("LDAP_ENABLED", "true")
        get_settings.cache_clear()
        assert client.post("/login", data=CREDENTIALS).status_code == 200
        get_settings.cache_clear()
    ```

    ## Use instead
    ```python
    # tests/test_login.py
    import pytest

    from app.config import get_settings

    @pytest.fixture(autouse=True)
    def fresh_settings():
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_login_with_directory(monkeypatch, client):
        monkeypatch.setenv("LDAP_ENABLED", "true")
        assert client.post("/login", data=CREDENTIALS).status_code == 200
    ```

    ## Known look-alikes
    - `cache_clear()` as the restore: after a fixture's `yield`, in a `finally`, registered with
      `addfinalizer`/`addCleanup`, in `tearDown`, or in an autouse fixture of the module, of its
      class or of a `conftest.py` above it.
    - `monkeypatch.setattr(settings, "X", value)`; an attribute put back in a `finally` or a
      teardown; the restore itself (`settings.X = saved`).
    - A local object of the same name (`settings = mocker.patch(…)`, a parameter), and objects of
      the suite's own support modules (`tests/common/config.py`), which an ordered suite shares
      on purpose.
    """

    code = "ISO504"
    name = "shared-settings-left-changed"
    message = "Test {how} and leaves it for later tests{reset}"
    severity = Severity.WARNING
    zones = TEST_ZONES
    tokens = (b"cache_clear", b"reload", b"None", b"settings", b"Settings", b"SETTINGS", b"conf", b"Conf", b"CONF",
              b"cfg", b"Cfg", b"CFG")
    uses_facts = (CACHE_RESETS, CACHED_GETTERS)

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # a cache rebuilt, or a settings-like name and an assignment to an attribute somewhere
        raw = identifier_bytes(source)
        return b"cache_clear" in raw or b"reload" in raw or MODULE_CACHE_RESET.search(raw) is not None \
            or (SETTINGS_WORD.search(raw) is not None and ATTRIBUTE_ASSIGNMENT.search(raw) is not None)

    def end_file(self, ctx: "PythonContext") -> None:
        tree = ctx.tree
        if tree is None:
            return
        module_resets = _autouse_resets(tree.body) | conftest_resets(ctx)
        # once per file: each test asks for it
        cleared_in_module = _cleared_in(tree.body) if b"cache_clear" in identifier_bytes(ctx.source) else set()
        module_fixtures = fixtures_in(tree.body)
        for function, cls in _test_functions(tree):
            resets = set(module_resets)
            fixtures = module_fixtures
            if cls is not None:
                resets |= _class_resets(cls)
                fixtures = {**module_fixtures, **fixtures_in(cls.body)}
            split = _split(function)
            split.around = [statement for name in parameters_of([function]) if name in fixtures
                            and fixtures[name] is not function for statement in _split(fixtures[name]).teardown]
            split.around += [statement for body in (tree.body, cls.body if cls is not None else [])
                             for fixture in body if isinstance(fixture, (ast.FunctionDef, ast.AsyncFunctionDef))
                             and fixture is not function and _is_autouse(fixture) for statement in fixture.body]
            self._check(split, resets, cleared_in_module, ctx)

    # -- one function ------------------------------------------------------------------------
    def _check(self, function: _Function, resets: set[str], cleared_in_module: set[str],
               ctx: "PythonContext") -> None:
        rebuilds = self._rebuilds(function, resets, ctx)
        changes = self._changes(function, resets, cleared_in_module, ctx)
        problems = rebuilds + changes
        if not problems:
            return
        first, *others = sorted(problems, key=lambda p: (p[0].lineno, p[0].col_offset))
        node, how, _ = first
        happy = _happy_path_resets(function, {k for _, _, k in problems}, node.lineno)
        related = [(n, f"also here: {h}") for n, h, _ in others]
        related += [(stmt, "the reset runs only when every statement before it passed") for stmt in happy]
        reset = " (its reset runs only when the test passes)" if happy else ""
        ctx.report(self, node, how=how, reset=reset, related=related)

    def _rebuilds(self, function: _Function, resets: set[str], ctx: "PythonContext") -> list[tuple[ast.AST, str, str]]:
        """``getter.cache_clear()``, ``importlib.reload(module)`` or ``module._client = None``
        with more of the test after it (a fixture's ``yield`` included), under patches, and not
        done again where that runs whatever the outcome: what is built next is built from the
        patched state, and outlives the patches."""
        setup = list(_statements(function.setup))
        imported = _imported_names(function.node, ctx)
        cleared = [getter if getter is None or not getter.startswith(RESET)
                   or getter[len(RESET):].split(".", 1)[0] in imported else None
                   for getter in map(_cleared_cache, setup)]
        # most tests clear no cache: the walk for patches is left for those that do
        if all(getter is None for getter in cleared) or not _patches(function):
            return []
        found = []
        for index, (statement, getter) in enumerate(zip(setup, cleared)):
            if getter is None or getter in resets or _cleared_on_every_path(function, getter):
                continue
            if getter.startswith(RESET) and not _rebuilt_through(getter[len(RESET):].split(".", 1)[0], setup[index + 1:]):
                continue  # dropped for a fresh start: nothing of the test builds it again
            if any(_cleared_cache(s) is None and id(s) not in function.in_finally for s in setup[index + 1:]):
                found.append((statement, _rebuild_how(getter), getter))
        return found

    def _changes(self, function: _Function, resets: set[str], cleared_in_module: set[str],
                 ctx: "PythonContext") -> list[tuple[ast.AST, str, str]]:
        """``settings.X = value`` on a shared settings object, not put back on every path."""
        assignments = [(statement, target) for statement in _statements(function.setup)
                       if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                       and id(statement) not in function.in_finally
                       for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
                       if isinstance(target, ast.Attribute)]
        if not assignments:  # most tests assign no attribute: skip the walks that find shared objects
            return []
        shared = _shared_objects(function.node, cleared_in_module, ctx)
        if not shared:
            return []
        found = []
        for statement, target in assignments:
            owner = dotted_name(target.value)
            if owner not in shared:
                continue
            getter = shared[owner]
            if getter is not None and (getter in resets or _cleared_on_every_path(function, getter)):
                continue
            if _restores_saved(statement, target, function) or _put_back_on_every_path(target, function) \
                    or _restored_right_away(statement, function):
                continue
            found.append((statement, f"changes `{dotted_name(target)}` on the shared settings object",
                          getter or ast.dump(target)))
        return found



# -- which functions ---------------------------------------------------------------------------

def _test_functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    """Tests and fixtures of the module and of its classes (setUp counts as a fixture)."""
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if is_test_function(statement) or fixture_decorator(statement) is not None:
                yield statement, None
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        is_test_function(member) or fixture_decorator(member) is not None
                        or member.name in SETUP_METHODS):
                    yield member, statement


def _split(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Function:
    body = node.body
    split = next((i for i, s in enumerate(body) if _is_yield(s)), None)
    # a ``try`` is a statement: the walk need not enter expressions
    in_finally = {id(s) for inner in statements_breadth_first(node) if isinstance(inner, ast.Try)
                  for s in _statements(inner.finalbody)}
    if split is None:
        return _Function(node, list(body), [], in_finally)
    return _Function(node, list(body[:split + 1]), list(body[split + 1:]), in_finally)


def _is_yield(statement: ast.stmt) -> bool:
    value = getattr(statement, "value", None)
    return isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) and isinstance(value, (ast.Yield, ast.YieldFrom))


def _statements(block: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``block`` in source order, nested blocks included, nested functions
    and classes not."""
    for statement in block:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for attr in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(statement, attr, None)
            if isinstance(inner, list):
                yield from _statements([s for s in inner if isinstance(s, ast.stmt)] if attr != "handlers"
                                       else [s for h in inner for s in h.body])
        for case in getattr(statement, "cases", []) or []:
            yield from _statements(case.body)


# -- caches ------------------------------------------------------------------------------------

def _rebuild_how(key: str) -> str:
    if key.startswith(RELOAD):
        return f"reloads `{key[len(RELOAD):]}` under its patches"
    if key.startswith(RESET):
        return f"drops the module's `{key[len(RESET):]}` under its patches (the next use builds it from them)"
    return f"rebuilds the cached `{key}()` under its patches"


def _rebuilt_through(module: str, statements: list[ast.stmt]) -> bool:
    """``statements`` get something from a function of ``module`` (``client =
    queue.get_client()``): what it dropped is built again there, from the test's patches. A call
    whose result is dropped (``session_manager.set_mode(False)``, ``module._clients.clear()``)
    sets state, it builds nothing the test uses."""
    own = [statement for statement in statements
           if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]  # run later, if ever
    discarded = {id(s.value) for statement in own for s in walk_nodes(statement) if isinstance(s, ast.Expr)}
    return any(isinstance(node, ast.Call) and id(node) not in discarded
               and (dotted_name(node.func) or "").rsplit(".", 1)[0] == module
               for statement in own for node in walk_nodes(statement))


def _imported_names(node: ast.AST, ctx: "PythonContext") -> set[str]:
    """Names bound by an import in ``node`` or at the module's top level."""
    names = set(ctx.imports)
    for inner in walk_nodes(node):
        if isinstance(inner, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".", 1)[0] for alias in inner.names)
    return names


def _cleared_cache(statement: ast.AST) -> str | None:
    """What ``statement`` makes the process build again: ``get_settings`` for
    ``get_settings.cache_clear()`` / ``config.get_settings.cache_clear()`` (a getter is named by
    its last name: a restore may spell its module differently), ``reload server_mod`` for
    ``importlib.reload(server_mod)``, ``reset queue._client`` for ``queue._client = None`` (a
    module's private object, dropped to be built again; whether ``queue`` is an imported module
    is the caller's to check)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.value, ast.Constant) and statement.value.value is None:
        target = statement.targets[0]
        if isinstance(target, ast.Attribute) and target.attr.startswith("_") and isinstance(target.value, ast.Name) \
                and target.value.id[:1].islower():
            return f"{RESET}{target.value.id}.{target.attr}"
        return None
    call = statement.value if isinstance(statement, ast.Expr) else statement
    if isinstance(call, ast.Call) and last_name(call.func) in RELOADERS and len(call.args) == 1 \
            and (module := dotted_name(call.args[0])) is not None:
        return f"{RELOAD}{module}"
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "cache_clear":
        getter = call.func.value
        if isinstance(getter, ast.Attribute):
            return getter.attr
        if isinstance(getter, ast.Name):
            return getter.id
    return None


def _cleared_in(statements: list[ast.stmt]) -> set[str]:
    return {g for s in statements for n in walk_nodes(s) if (g := _cleared_cache(n)) is not None}


def _autouse_resets(body: list[ast.stmt]) -> set[str]:
    """Getters whose cache an autouse fixture among ``body`` clears (before or after its
    ``yield``: either way no test sees another's cache)."""
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_autouse(statement):
            found |= _cleared_in(statement.body)
    return found


def _class_resets(cls: ast.ClassDef) -> set[str]:
    found = _autouse_resets(cls.body)
    for member in cls.body:
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in TEARDOWN_METHODS | SETUP_METHODS:
            found |= _cleared_in(member.body)
    return found


def _is_autouse(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    decorator = fixture_decorator(function)
    return isinstance(decorator, ast.Call) and any(
        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True for k in decorator.keywords)


def _undone_in(statements: list[ast.stmt], key: str) -> bool:
    """``statements`` undo the rebuild ``key``: clear the cache again; reload the module again
    or put its attributes back by hand (``module.settings = saved``, ``module.REGISTRY.clear()``,
    ``del sys.modules["pkg.module"]``); set the dropped object again."""
    if key in _cleared_in(statements):
        return True
    if key.startswith(RELOAD):
        module = key[len(RELOAD):]
        def puts_back(node: ast.AST) -> bool:
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                return (dotted_name(node) or "").startswith(module + ".")
            if isinstance(node, ast.Call):
                return (dotted_name(node.func) or "").startswith(module + ".")
            return isinstance(node, ast.Constant) and node.value == module

        return any(puts_back(node) for statement in statements for node in walk_nodes(statement))
    if key.startswith(RESET):
        attribute = key[len(RESET):]
        return any(isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and dotted_name(node) == attribute
                   for statement in statements for node in walk_nodes(statement))
    return False


def _cleared_on_every_path(function: _Function, getter: str) -> bool:
    """The test undoes the rebuild in a ``finally``, in its teardown, a requested fixture's or
    an autouse fixture's, or through a finalizer (``request.addfinalizer(get_settings.cache_clear)``)."""
    if _undone_in(function.teardown, getter) or _undone_in(function.around, getter):
        return True
    for node in walk_nodes(function.node):
        if isinstance(node, ast.Try) and _undone_in(node.finalbody, getter):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FINALIZERS:
            if getter.startswith(RELOAD) and len(node.args) >= 2 and last_name(node.args[0]) in RELOADERS \
                    and dotted_name(node.args[1]) == getter[len(RELOAD):]:
                return True  # `addCleanup(importlib.reload, module)`
            for argument in node.args:
                for inner in walk_nodes(argument):
                    if isinstance(inner, ast.Attribute) and inner.attr == "cache_clear" \
                            and last_name(inner.value) == getter:
                        return True
                    if _cleared_cache(inner) == getter:
                        return True
    return False


def _happy_path_resets(function: _Function, keys: set[str], after: int) -> list[ast.stmt]:
    """The test's own reset that a failing assertion skips: the ``cache_clear()`` calls of a
    rebuilt getter that end the body, after the change (line ``after``)."""
    trailing: list[ast.stmt] = []
    for statement in reversed(function.setup):
        if _cleared_cache(statement) is None or statement.lineno <= after:
            break
        trailing.append(statement)
    return [s for s in reversed(trailing) if _cleared_cache(s) in keys]


def _patches(function: _Function) -> bool:
    """The function patches something its patcher undoes when the test ends: a call on (or
    with) the ``monkeypatch``/``mocker`` fixture, a ``patch(...)`` decorator or ``with``, a
    ``MonkeyPatch`` of its own."""
    node = function.node
    parameters = parameters_of([node])
    fixtures = {p for p in parameters if p.endswith(PATCHING_FIXTURES)}
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (dotted_name(call) or "").endswith(PATCH_CALLS):
            return True
    for inner in walk_nodes(node):
        if not isinstance(inner, ast.Call):
            continue
        root = inner.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in fixtures:
            return True
        if any(isinstance(a, ast.Name) and a.id in fixtures for a in inner.args):
            return True  # handed to a helper that patches: ``setup_env(monkeypatch)``
        name = dotted_name(inner.func) or ""
        if name.endswith(PATCH_CALLS) or name.endswith("MonkeyPatch") or name.endswith("MonkeyPatch.context"):
            return True
    return False


# -- shared settings objects -------------------------------------------------------------------

def _shared_objects(node: ast.FunctionDef | ast.AsyncFunctionDef, cleared_in_module: set[str],
                    ctx: "PythonContext") -> dict[str, str | None]:
    """Names in ``node`` that hold a process-wide settings object → the cached getter that
    returned it (None for an imported object): ``settings = get_settings()`` where the file
    clears that getter's cache somewhere, or where a settings getter comes from a project module
    that caches it (``cached_getters``), and an application's settings
    object or module imported into the file (``from app.config import settings``,
    ``app.config``), not rebound in the function."""
    nodes = walk_nodes(node)
    local = parameters_of([node]) | {t.id for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign, ast.For,
                                                                          ast.With, ast.AsyncWith))
                                     for t in _bound_names(n)}
    shared: dict[str, str | None] = {}
    for inner in nodes:
        if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name) \
                and isinstance(inner.value, ast.Call) and not inner.value.args and not inner.value.keywords:
            getter = last_name(inner.value.func)
            if getter is not None and (getter in cleared_in_module or (SETTINGS_NAME.search(getter) is not None
                                                             and _cached_in_project(inner.value.func, ctx))):
                shared[inner.targets[0].id] = getter
    for inner in nodes:
        if not isinstance(inner, ast.Attribute) or not isinstance(inner.ctx, ast.Store):
            continue
        owner = dotted_name(inner.value)
        if owner is None or owner in shared:
            continue
        root = owner.split(".", 1)[0]
        if root in local or root not in ctx.imports:
            continue
        qualified = ctx.imports.get(root, root)
        chain = qualified.split(".") + owner.split(".")[1:]
        if not names_settings(chain):
            continue
        if any(TEST_SUPPORT_PART.match(part) for part in qualified.split(".")):
            continue
        shared[owner] = None
    return shared


def names_settings(chain: list[str]) -> bool:
    """``app.config.settings`` or ``app.settings.X``: an object path whose owner or its module is
    named as an application's settings (what ISO504 takes as a shared settings object)."""
    return any(SETTINGS_NAME.search(part) for part in chain[-2:])


def _bound_names(node: ast.AST) -> Iterator[ast.Name]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.For)):
        targets = [node.target]
    else:
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    for target in targets:
        for inner in walk_nodes(target):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                yield inner


def _restores_saved(statement: ast.stmt, target: ast.Attribute, function: _Function) -> bool:
    """``settings.X = saved`` where ``saved = settings.X`` was read earlier: the restore."""
    value = getattr(statement, "value", None)
    if not isinstance(value, ast.Name):
        return False
    wanted = ast.dump(target.value), target.attr
    for inner in walk_nodes(function.node):
        if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id for t in inner.targets):
            read = inner.value
            if isinstance(read, ast.Attribute) and (ast.dump(read.value), read.attr) == wanted:
                return True
            if isinstance(read, ast.Call) and last_name(read.func) == "getattr" and len(read.args) >= 2 \
                    and ast.dump(read.args[0]) == wanted[0]:
                return True
    return False


#: a call that puts settings back: ``restore_settings(snapshot)``, ``reset_config()``
RESTORING_CALL = lazy_compile(r"restore|reset", re.IGNORECASE)


def _restored_right_away(statement: ast.stmt, function: _Function) -> bool:
    """The next statement after the change, other changes of attributes aside (nothing in
    between can fail), restores: a call named like a restore (``_restore_settings(saved)``) or
    a cache cleared."""
    for block in _blocks(function.node):
        if not any(s is statement for s in block):
            continue
        index = next(i for i, s in enumerate(block) if s is statement)
        for following in block[index + 1:]:
            if isinstance(following, ast.Assign) and all(isinstance(t, ast.Attribute) for t in following.targets):
                continue
            if _cleared_cache(following) is not None:
                return True
            call = following.value if isinstance(following, ast.Expr) else None
            return isinstance(call, ast.Call) and RESTORING_CALL.search(last_name(call.func) or "") is not None
    return False


def _blocks(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for inner in walk_nodes(node):
        for attr in ("body", "orelse", "finalbody"):
            block = getattr(inner, attr, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def _put_back_on_every_path(target: ast.Attribute, function: _Function) -> bool:
    """The same attribute assigned again in a ``finally`` or in the fixture's teardown."""
    wanted = dotted_name(target)
    blocks = list(function.teardown)
    blocks += [s for node in walk_nodes(function.node) if isinstance(node, ast.Try) for s in node.finalbody]
    return any(isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and dotted_name(node) == wanted
               for statement in blocks for node in walk_nodes(statement))


def _cached_in_project(func: ast.AST, ctx: "PythonContext") -> bool:
    """``get_settings`` imported from a project module that caches it (``cached_getters``)."""
    project = ctx.project
    qualified = ctx.qualified_name(func)
    if project is None or qualified is None or "." not in qualified:
        return False
    module, _, name = qualified.rpartition(".")
    rel_path = project.resolve_module(module, ctx.source.rel_path)
    return rel_path is not None and name in (project.facts(CACHED_GETTERS).get(rel_path) or ())


def conftest_resets(ctx: "PythonContext") -> set[str]:
    """Getters whose cache an autouse fixture of a ``conftest.py`` in this folder or above
    clears (the ``cache_resets`` facts)."""
    project = ctx.project
    if project is None:
        return set()
    facts = project.facts(CACHE_RESETS)
    if not facts:
        return set()
    folder = ctx.source.rel_path.rsplit("/", 1)[0] if "/" in ctx.source.rel_path else ""
    found: set[str] = set()
    for rel_path, getters in facts.items():
        directory = rel_path.rsplit("/", 1)[0] if "/" in rel_path else ""
        if not directory or folder == directory or folder.startswith(directory + "/"):
            found.update(getters)
    return found


class ConftestCacheResetIndexer(Indexer):
    """Per ``conftest.py``: the getters whose cache its autouse fixtures clear — every test
    below it starts from a fresh cache (ISO504 reads them)."""

    name = CACHE_RESETS
    languages = frozenset({Language.PYTHON})
    tokens = (b"cache_clear",)

    def admits(self, source: "SourceFile", project: Any) -> bool:
        return source.name == "conftest.py" and source.zone in TEST_ZONES

    def extract(self, source: "SourceFile", tree: ast.Module) -> list[str] | None:
        resets = _autouse_resets(tree.body)
        return sorted(resets) or None


class CachedGetterIndexer(Indexer):
    """Per production module: its cached getters (``@lru_cache def get_settings() -> Settings``),
    whose one object every caller shares — ISO504 knows a test's ``get_settings()`` by them."""

    name = CACHED_GETTERS
    languages = frozenset({Language.PYTHON})
    tokens = (b"cache",)

    def admits(self, source: "SourceFile", project: Any) -> bool:
        return source.zone not in TEST_ZONES and CACHE_DECORATOR.search(identifier_bytes(source)) is not None

    def extract(self, source: "SourceFile", tree: ast.Module) -> list[str] | None:
        imports = ImportMap(source.module, source.name == "__init__.py")
        imports.record_module_level(tree)
        getters = [statement.name for statement in tree.body
                   if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _takes_nothing(statement)
                   and any(_is_cache_decorator(d, imports) for d in statement.decorator_list)]
        return getters or None


def _takes_nothing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = function.args
    return not (args.posonlyargs or args.args or args.kwonlyargs or args.vararg or args.kwarg)


def _is_cache_decorator(decorator: ast.expr, imports: ImportMap) -> bool:
    """``@lru_cache``, ``@lru_cache()``, ``@lru_cache(maxsize=1)``, ``@functools.cache``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return imports.qualified_name(target) in ("functools.lru_cache", "functools.cache")
