from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Applicability, Edit, Fix, Fixability, Language, Position, Range, Severity
from isolint.core.rule import TEST_ZONES, Indexer, Rule
from isolint.core.test_tiers import BETWEEN_TOKENS, IDENTIFIER_END, identifier_bytes
from isolint.rules.test_isolation.hand_made_patchers import (
    MONKEYPATCH, TEARDOWN_METHODS, HandMadePatcher, hand_made_patchers,
)
from isolint.rules.test_isolation.knowledge import (
    after_yield, fixture_decorator, is_test_function, is_yield_statement, normalise, runs_in_own_process,
)

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

MUTATING_METHODS = frozenset({"update", "pop", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"})
ENV_FUNCTIONS = frozenset({"os.putenv", "os.unsetenv"})
#: functions that load a ``.env`` file into ``os.environ``
DOTENV_LOADERS = frozenset({"dotenv.load_dotenv", "dotenv.main.load_dotenv"})
#: what a hand-made ``MonkeyPatch`` does to the environment
MONKEYPATCH_ENV_METHODS = frozenset({"setenv", "delenv"})
#: the fact kind: test files that change the environment in-process (``monkeypatch.setenv``,
#: ``patch.dict(os.environ, …)``, writes to ``os.environ``)
ENVIRON_PATCHES = "environ_patches"
#: ``setenv``/``delenv`` of ``monkeypatch`` or of a ``MonkeyPatch``, ``patch.dict`` of the environment
ENVIRON_PATCH = lazy_compile(rb"\.(?:setenv|delenv)" + IDENTIFIER_END + rb"|patch\.dict" + BETWEEN_TOKENS
                           + rb"\(" + BETWEEN_TOKENS + rb"(?:os" + BETWEEN_TOKENS + rb"\." + BETWEEN_TOKENS
                           + rb")?environ" + IDENTIFIER_END + rb"|[\"']os\.environ[\"']")
SETUP_METHODS = frozenset({"setUp", "asyncSetUp", "setUpClass", "setUpModule", "setup_method", "setup_class",
                           "setup", "setUpTestData"})
#: mutating methods whose first argument is the variable's name
KEYED_METHODS = frozenset({"pop", "setdefault", "__setitem__", "__delitem__"})
#: ``os.environ`` (or ``environ`` from ``from os import environ``) followed by what every
#: reported change needs — ``[`` (item assignment, ``del``, ``+=``), ``=`` (rebinding) or a
#: mutating method — or renamed by an import (``environ as env``: then anything may follow the
#: new name). Reads (``.get``, ``in``, ``copy()``) match none of these.
ENVIRON_CHANGE = lazy_compile(
    rb"environ" + BETWEEN_TOKENS + rb"(?:\[|=(?!=)|\." + BETWEEN_TOKENS
    + rb"(?:" + b"|".join(sorted(m.encode() for m in MUTATING_METHODS)) + rb")" + IDENTIFIER_END
    + rb"|as" + IDENTIFIER_END + rb")"
)


class EnvironMutationInTest(Rule):
    """A test changing `os.environ` directly instead of through `monkeypatch` or `patch.dict`.

    ## What it does
    Flags a test, fixture or test module that changes `os.environ` directly — item assignment,
    `del`, `update`, `pop`, `setdefault`, `clear`, `os.putenv`/`os.unsetenv`, rebinding it,
    `load_dotenv()`, or `setenv`/`delenv` on a `MonkeyPatch()` it made itself and never undoes —
    instead of through pytest's `monkeypatch` fixture or `mock.patch.dict`. The changes a test
    module or `conftest.py` makes at import time are reported too, as one finding: they apply
    to the whole session and nothing undoes them.

    ## Why is this bad?
    `os.environ` is process-wide. A test that sets a variable and does not restore it leaks
    that value into every later test, so tests pass or fail depending on their order — the
    audit's "tests leaking state into each other". `monkeypatch` and `patch.dict` restore the
    environment when the test ends, even when it fails.

    ## Example
    ```python
    # tests/test_settings.py
    import os

    def test_reads_redis_host():
        os.environ["REDIS_HOST"] = "cache.internal"
        assert load_settings().redis_host == "cache.internal"
    ```

    ## Use instead
    ```python
    # tests/test_settings.py
    def test_reads_redis_host(monkeypatch):
        monkeypatch.setenv("REDIS_HOST", "cache.internal")
        assert load_settings().redis_host == "cache.internal"
    ```

    ## Fix safety
    Offered for `os.environ[KEY] = value`, `del os.environ[KEY]` and `os.environ.pop(KEY)`
    statements directly in a pytest test function or function-scoped fixture (not in
    `unittest.TestCase` methods, nested helpers, or functions whose parameters have defaults);
    it rewrites them to `monkeypatch.setenv` / `monkeypatch.delenv` and adds the `monkeypatch`
    parameter when missing. It is unsafe: the value is now restored after the test, so a later
    test that (wrongly) relied on the leak changes behaviour.

    ## Known look-alikes
    - `patch.dict(os.environ, …)`, `monkeypatch.setenv`, later changes of a key the test gave
      `monkeypatch`; reads; a `pytest_configure` hook.
    - Save-and-restore by hand: the restore itself (`os.environ[K] = saved`); a change undone in
      a `finally`, by `tearDown` or after a fixture's `yield` (a hand-made `MonkeyPatch()` too,
      kept on its class or on `self` and undone in `tearDown` or by `addCleanup`);
      a whole-environment snapshot put back by `tearDown` or an autouse fixture.
    - `load_dotenv()` of the suite's own env file (`tests/.env`) in a `conftest.py`, or in a
      support module of a suite whose tests never change the environment.
    - Launchers and scripts (`runtests.py`, `manage.py`, `wsgi.py`, `__main__` blocks, a module
      with a `__main__` guard and no test, a module with no test that the `testpaths` of its
      pytest configuration leave out, `tests/manual/`): their own process.
    """

    code = "ISO502"
    name = "environ-mutation-in-test"
    message = "Test changes `os.environ` directly ({how}); the change leaks into later tests"
    fix_title = "Use `monkeypatch`"
    fixable = Fixability.SOMETIMES
    severity = Severity.WARNING
    zones = TEST_ZONES
    tokens = (b"environ", b"putenv", b"unsetenv", b"load_dotenv", b"MonkeyPatch")
    uses_facts = (ENVIRON_PATCHES,)

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # most test files that name os.environ only read it; most that name MonkeyPatch annotate
        # the fixture with it
        raw = identifier_bytes(source)
        return b"putenv" in raw or b"unsetenv" in raw or b"load_dotenv" in raw or ENVIRON_CHANGE.search(raw) is not None \
            or (b"MonkeyPatch" in raw and (b"setenv" in raw or b"delenv" in raw))

    def _is_environ(self, node: ast.AST, ctx: "PythonContext") -> bool:
        return normalise(ctx.qualified_name(node)) == "os.environ"

    def visit_Assign(self, node: ast.Assign, ctx: "PythonContext") -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and self._is_environ(target.value, ctx):
                fix = self._fix(node, ctx, "setenv", target.slice, node.value)
                self._report(node, ctx, "item assignment", fix, target.slice)
            elif self._is_environ(target, ctx):
                self._report(node, ctx, "rebinding os.environ", None)
            elif isinstance(target, (ast.Tuple, ast.List)):
                # `prev, os.environ[K] = os.environ.get(K), "x"` (celery's t/unit/app/test_loaders.py)
                for element in _flatten(target):
                    if isinstance(element, ast.Subscript) and self._is_environ(element.value, ctx):
                        self._report(node, ctx, "item assignment", None, element.slice)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: "PythonContext") -> None:
        if isinstance(node.target, ast.Subscript) and self._is_environ(node.target.value, ctx):
            self._report(node, ctx, "augmented assignment", None)

    def visit_Delete(self, node: ast.Delete, ctx: "PythonContext") -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and self._is_environ(target.value, ctx):
                fix = self._fix(node, ctx, "delenv", target.slice, None) if len(node.targets) == 1 else None
                self._report(node, ctx, "del", fix, target.slice)

    def visit_Call(self, node: ast.Call, ctx: "PythonContext") -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in MONKEYPATCH_ENV_METHODS:
            self._note_hand_made_change(node, ctx)
            return
        if isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS and self._is_environ(func.value, ctx):
            fix = None
            if func.attr == "pop" and len(node.args) == 1 and isinstance(ctx.parent, ast.Expr) and not node.keywords:
                fix = self._fix(ctx.parent, ctx, "delenv", node.args[0], None)
            elif func.attr == "pop" and len(node.args) == 2 and isinstance(ctx.parent, ast.Expr):
                fix = self._fix(ctx.parent, ctx, "delenv-lenient", node.args[0], None)
            if self._restores_snapshot(node, ctx):
                return
            key = node.args[0] if node.args and func.attr in KEYED_METHODS else None
            self._report(node, ctx, f"os.environ.{func.attr}()", fix, key)
        elif (name := normalise(ctx.qualified_name(func))) in ENV_FUNCTIONS:
            self._report(node, ctx, f"{ctx.qualified_name(func)}()", None)
        elif name in DOTENV_LOADERS and not self._run_configuration(node, ctx) \
                and not _loads_the_suites_env_file(node, ctx):
            self._report(node, ctx, "load_dotenv() loads a .env file into it", None)

    def _run_configuration(self, node: ast.Call, ctx: "PythonContext") -> bool:
        """``load_dotenv()`` (without ``override=True``: it only fills variables the run left
        unset) in a suite's support module (not a ``conftest.py``) when none of the suite's test
        files changes the environment in-process — tests that drive running services over HTTP,
        reading their keys and URLs from it: the .env is the run's configuration, and no test
        depends on another's environment. A ``conftest.py`` is where a suite sets up the
        in-process code its tests import: what it loads at import time changes the environment
        of every test below it, like any other change it makes there. Without a project (one
        file checked alone) nothing tells, and the load is reported."""
        if ctx.source.name == "conftest.py" or any(
                k.arg == "override" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                for k in node.keywords):
            return False
        project = ctx.project
        if project is None:
            return False
        suite = project.services.service_of(ctx.source.rel_path)
        return not any(project.services.service_of(rel_path) == suite
                       for rel_path in project.facts(ENVIRON_PATCHES))

    def _restores_snapshot(self, node: ast.Call, ctx: "PythonContext") -> bool:
        """``os.environ.clear()`` directly followed by ``os.environ.update(saved)`` (or that
        ``update``): putting back a snapshot taken earlier is the restore, not the leak."""
        statement = ctx.parent
        if not isinstance(statement, ast.Expr) or len(ctx.parents) < 2:
            return False
        block = next((getattr(ctx.parents[-2], attr) for attr in ("body", "orelse", "finalbody")
                      if any(s is statement for s in getattr(ctx.parents[-2], attr, None) or [])), None)
        if block is None:
            return False
        index = next(i for i, s in enumerate(block) if s is statement)
        pair = block[index:index + 2] if node.func.attr == "clear" else block[max(index - 1, 0):index + 1]
        if len(pair) != 2:
            return False
        first, second = (s.value if isinstance(s, ast.Expr) else None for s in pair)
        return (self._environ_method(first, ctx) == "clear" and self._environ_method(second, ctx) == "update"
                and len(second.args) == 1 and isinstance(second.args[0], ast.Name))

    def _environ_method(self, call: ast.AST | None, ctx: "PythonContext") -> str | None:
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and self._is_environ(call.func.value, ctx):
            return call.func.attr
        return None

    def _report(self, node: ast.AST, ctx: "PythonContext", how: str, fix: Fix | None,
                key: ast.AST | None = None) -> None:
        if self._isolated(ctx) or runs_in_own_process(ctx) or self._whole_environ_restored(ctx):
            return
        if key is not None and (self._restored_in_finally(node, key, ctx) or self._restored_in_teardown(key, ctx)
                                or self._restored_after_yield(node, key, ctx) or self._puts_back_saved(node, key, ctx)
                                or self._undoes_own_change(node, key, ctx) or self._under_monkeypatch(key, ctx)):
            return
        if not ctx.functions:
            self._at_import.append((node, how))
            return
        ctx.report(self, node, fix=fix, how=how)

    def begin_file(self, ctx: "PythonContext") -> None:
        self._restoring_classes: dict[int, bool] = {}
        self._module_restores: bool | None = None
        #: changes through a hand-made patcher nothing undoes, per patcher, in order; whether the
        #: first runs at import time
        self._unrestored: dict[tuple[int, str], tuple[HandMadePatcher, list[ast.Call], bool]] = {}
        #: the module's changes at import time, in order, each with how it changes the environment
        self._at_import: list[tuple[ast.AST, str]] = []

    def end_file(self, ctx: "PythonContext") -> None:
        """One finding for the module's changes at import time (one set-up of the session's
        environment: its first change, the others related), and one per hand-made
        ``MonkeyPatch`` nothing undoes (its first change, the others related)."""
        if self._at_import:
            (first, how), *others = self._at_import
            ctx.report(self, first, how=how + " at import time",
                       related=[(node, f"also at import time: {other}") for node, other in others])
        for patcher, calls, at_import in self._unrestored.values():
            first, *others = calls
            how = f"`{patcher.spelling}.{first.func.attr}()` on a `MonkeyPatch()` made by hand and " + (
                "undone only when the test passes" if patcher.undone_on_happy_path else "never undone")
            if at_import:
                how += " at import time"
            ctx.report(self, first, how=how,
                       related=[(call, f"another change through `{patcher.spelling}`, also never undone")
                                for call in others])

    def _note_hand_made_change(self, node: ast.Call, ctx: "PythonContext") -> None:
        """``mp.setenv(...)`` through a ``MonkeyPatch()`` the test code made itself (in the
        function, the module, or on its class or instance) that nothing undoes on every path
        (``hand_made_patchers``)."""
        patcher = hand_made_patchers(ctx).never_undone(node, ctx, MONKEYPATCH)
        if patcher is None or self._isolated(ctx) or runs_in_own_process(ctx):
            return
        self._unrestored.setdefault(patcher.identity, (patcher, [], not ctx.functions))[1].append(node)

    def _isolated(self, ctx: "PythonContext") -> bool:
        if ctx.source.name == "conftest.py" and any(
            isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name.startswith("pytest_") for f in ctx.functions
        ):
            return True  # a pytest hook configures the session before any test runs
        for parent in ctx.parents:
            if isinstance(parent, (ast.With, ast.AsyncWith)) and any(
                self._patches_environ(item.context_expr, ctx) for item in parent.items
            ):
                return True
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                self._patches_environ(d, ctx) for d in parent.decorator_list
            ):
                return True
        return False

    def _restored_in_finally(self, node: ast.AST, key: ast.AST, ctx: "PythonContext") -> bool:
        """The code saves and restores the variable itself, as ``monkeypatch`` would: the change
        sits in a ``try`` (or right before one) whose ``finally`` sets or removes the same key
        again — or it *is* that restoring statement."""
        wanted = ast.dump(key)
        chain = [*ctx.parents, node]
        for depth in range(len(chain) - 1, 0, -1):
            child, parent = chain[depth], chain[depth - 1]
            if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
                if any(s is child for s in parent.finalbody):
                    # the restoring statement: the change is in the try or just before it
                    before = _siblings(chain[depth - 2], parent, after=False) if depth >= 2 else []
                    if self._mutates_key([*parent.body, *before], wanted, ctx):
                        return True
                elif self._mutates_key(parent.finalbody, wanted, ctx):
                    return True
            if isinstance(child, ast.stmt) and any(
                isinstance(s, ast.Try) and self._mutates_key(s.finalbody, wanted, ctx)
                for s in _siblings(parent, child, after=True)
            ):
                return True
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return False
        return False

    def _restored_in_teardown(self, key: ast.AST, ctx: "PythonContext") -> bool:
        """``setUp`` sets the key and the class's ``tearDown`` puts it back (or the reverse):
        the xUnit form of save-and-restore."""
        function = ctx.current_function
        if not ctx.classes or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        if function.name in SETUP_METHODS:
            partners = TEARDOWN_METHODS
        elif function.name in TEARDOWN_METHODS:
            partners = SETUP_METHODS
        else:
            return False
        wanted = ast.dump(key)
        return any(
            isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in partners
            and self._mutates_key(member.body, wanted, ctx)
            for member in ctx.classes[-1].body
        )

    def _restored_after_yield(self, node: ast.AST, key: ast.AST, ctx: "PythonContext") -> bool:
        """A yield fixture that saves the old value (``prev = os.environ.get(K)``), sets ``K``
        before its ``yield`` and puts the saved value back after it: pytest runs the teardown
        whatever the test's outcome. A teardown that only deletes the key, without having
        saved it, still loses the developer's own value and is reported."""
        function = ctx.current_function
        if len(ctx.functions) != 1 or fixture_decorator(function) is None:
            return False
        body = function.body
        chain = [*ctx.parents, node]
        top = next((chain[i + 1] for i, p in enumerate(chain[:-1]) if p is function), None)
        split = next((i for i, statement in enumerate(body) if is_yield_statement(statement)), None)
        if top is None or split is None:
            return False
        position = next((i for i, statement in enumerate(body) if statement is top), None)
        if position is None or position == split:
            return False
        wanted = ast.dump(key)
        before, after = body[:split], body[split + 1:]
        other = after if position < split else before
        return self._mutates_key(other, wanted, ctx) and self._saves_key(before, wanted, ctx)

    def _saves_key(self, statements: list, wanted: str, ctx: "PythonContext") -> bool:
        """``os.environ.get(K)`` / ``os.environ[K]`` read into a variable before the change."""
        for statement in statements:
            if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
                continue
            for node in ast.walk(statement.value):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                        and node.args and self._is_environ(node.func.value, ctx) and ast.dump(node.args[0]) == wanted:
                    return True
                if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                        and self._is_environ(node.value, ctx) and ast.dump(node.slice) == wanted:
                    return True
        return False

    def _puts_back_saved(self, node: ast.AST, key: ast.AST, ctx: "PythonContext") -> bool:
        """The restore itself: ``os.environ[K] = saved`` where ``saved`` holds K's earlier value
        (read in the same function, or kept on ``self``), and the removal in the branch of
        ``if saved is None:`` — a fixture's teardown, a ``finally``, a ``tearDown``."""
        wanted = ast.dump(key)
        saved = self._saved_names(wanted, ctx)
        if not saved:
            return False
        if isinstance(node, ast.Assign) and _name_of(node.value) in saved:
            return True
        return any(isinstance(parent, ast.If) and any(_name_of(n) in saved for n in ast.walk(parent.test))
                   for parent in ctx.parents)

    def _saved_names(self, wanted: str, ctx: "PythonContext") -> set[str]:
        """Names holding K's value before a change: ``prev = os.environ.get(K)`` in the
        enclosing function, ``self.prev = …`` anywhere in the enclosing class."""
        blocks = [f for f in ctx.functions[-1:]] + [c for c in ctx.classes[-1:]]
        names: set[str] = set()
        for block in blocks:
            for statement in ast.walk(block):
                if isinstance(statement, ast.Assign) and self._reads_key(statement.value, wanted, ctx):
                    names.update(filter(None, (_name_of(t) for t in statement.targets)))
        return names

    def _reads_key(self, value: ast.AST, wanted: str, ctx: "PythonContext") -> bool:
        for node in ast.walk(value):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop") \
                    and node.args and self._is_environ(node.func.value, ctx) and ast.dump(node.args[0]) == wanted:
                return True
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                    and self._is_environ(node.value, ctx) and ast.dump(node.slice) == wanted:
                return True
        return False

    def _undoes_own_change(self, node: ast.AST, key: ast.AST, ctx: "PythonContext") -> bool:
        """``os.environ.pop(K)`` / ``del os.environ[K]`` after the same function set K: the
        clean-up of a change that is itself reported, not a second leak."""
        removal = isinstance(node, ast.Delete) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                                                   and node.func.attr == "pop")
        function = ctx.current_function
        if not removal or function is None:
            return False
        wanted = ast.dump(key)
        return any(isinstance(statement, ast.Assign) and statement.lineno < node.lineno
                   and any(isinstance(t, ast.Subscript) and self._is_environ(t.value, ctx) and ast.dump(t.slice) == wanted
                           for target in statement.targets for t in _flatten(target))
                   for statement in ast.walk(function))

    def _under_monkeypatch(self, key: ast.AST, ctx: "PythonContext") -> bool:
        """The function also hands K to ``monkeypatch.setenv``/``delenv``, which puts back K's
        value from before the test whatever the test did to it afterwards."""
        function = ctx.current_function
        if function is None:
            return False
        wanted = ast.dump(key)
        return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr in ("setenv", "delenv") and node.args and ast.dump(node.args[0]) == wanted
                   and (_name_of(node.func.value) or "").endswith("monkeypatch")
                   for node in ast.walk(function))

    def _whole_environ_restored(self, ctx: "PythonContext") -> bool:
        """A snapshot of the whole environment taken before each test and put back after it:
        in the class's ``setUp``/``tearDown`` (``self._env = os.environ.copy()`` …
        ``os.environ.clear(); os.environ.update(self._env)``, a ``patch.dict`` started and
        stopped) or by an autouse fixture of the module (after its ``yield``)."""
        for cls in ctx.classes:
            restored = self._restoring_classes.get(id(cls))
            if restored is None:
                teardown = [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                            and m.name in TEARDOWN_METHODS]
                restored = self._restoring_classes[id(cls)] = any(self._restores_whole(m.body, ctx) for m in teardown)
            if restored:
                return True
        if self._module_restores is None:
            self._module_restores = ctx.tree is not None and any(
                self._is_autouse(statement) and self._restores_whole(after_yield(statement.body), ctx)
                for statement in ctx.tree.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)))
        return self._module_restores and bool(ctx.functions)

    @staticmethod
    def _is_autouse(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        decorator = fixture_decorator(function)
        return isinstance(decorator, ast.Call) and any(
            k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True for k in decorator.keywords)

    def _restores_whole(self, statements: list, ctx: "PythonContext") -> bool:
        """``os.environ.clear()`` + ``os.environ.update(saved)``, ``os.environ = saved`` or
        ``patcher.stop()`` among ``statements``."""
        methods: list[str] = []
        for statement in statements:
            for node in ast.walk(statement):
                if isinstance(node, ast.Call) and (method := self._environ_method(node, ctx)):
                    methods.append(method)
                elif isinstance(node, ast.Assign) and any(self._is_environ(t, ctx) for t in node.targets):
                    return True
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "stop" \
                        and "env" in (_name_of(node.func.value) or "").lower():
                    return True
        return "clear" in methods and "update" in methods

    def _mutates_key(self, statements: list, wanted: str, ctx: "PythonContext") -> bool:
        for statement in statements:
            for node in ast.walk(statement):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else []
                for target in (element for t in targets for element in _flatten(t)):
                    if isinstance(target, ast.Subscript) and self._is_environ(target.value, ctx) \
                            and ast.dump(target.slice) == wanted:
                        return True
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in KEYED_METHODS and node.args and self._is_environ(node.func.value, ctx) \
                        and ast.dump(node.args[0]) == wanted:
                    return True
        return False

    def _patches_environ(self, expr: ast.AST, ctx: "PythonContext") -> bool:
        if not isinstance(expr, ast.Call) or not expr.args:
            return False
        name = normalise(ctx.qualified_name(expr.func)) or ""
        if not (name.endswith("patch.dict") or name.endswith("mocker.patch.dict")):
            return False
        first = expr.args[0]
        return self._is_environ(first, ctx) or (isinstance(first, ast.Constant) and first.value == "os.environ")

    def _fix(self, statement: ast.stmt, ctx: "PythonContext", kind: str, key: ast.AST, value: ast.AST | None) -> Fix | None:
        function = ctx.current_function
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not self._can_take_fixture(function, ctx):
            return None
        if not isinstance(ctx.parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.For, ast.While,
                                       ast.With, ast.AsyncWith, ast.Try, ast.Expr)):
            return None
        key_text = ctx.text_of(key)
        if kind == "setenv":
            replacement = f"monkeypatch.setenv({key_text}, {ctx.text_of(value)})"
        elif kind == "delenv":
            replacement = f"monkeypatch.delenv({key_text})"
        else:
            replacement = f"monkeypatch.delenv({key_text}, raising=False)"
        edits = [Edit(ctx.range(statement), replacement)]
        parameter = self._parameter_edit(function, ctx)
        if parameter is False:
            return None
        if parameter is not None:
            edits.insert(0, parameter)
        return Fix(f"Use `{replacement.split('(')[0]}`", Applicability.UNSAFE, tuple(edits))

    def _can_take_fixture(self, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: "PythonContext") -> bool:
        decorator = fixture_decorator(function)
        if decorator is None and not is_test_function(function):
            return False
        if len(ctx.functions) > 1:
            return False  # a helper nested in a test cannot request fixtures
        if isinstance(decorator, ast.Call):
            scope = next((k.value for k in decorator.keywords if k.arg == "scope"), None)
            if isinstance(scope, ast.Constant) and scope.value != "function":
                return False  # monkeypatch is function-scoped
        for cls in ctx.classes:
            if any((ctx.qualified_name(base) or "").endswith("TestCase") for base in cls.bases):
                return False
        return True

    def _parameter_edit(self, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: "PythonContext") -> Edit | None | bool:
        """The edit adding ``monkeypatch`` to the signature; None if present; False if impossible."""
        args = function.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        if "monkeypatch" in names:
            return None
        if args.posonlyargs or args.defaults or args.kw_defaults or args.vararg or args.kwarg or args.kwonlyargs:
            return False
        positional = args.args
        if positional:
            end = ctx.range(positional[-1]).end
            return Edit(Range(end, end), ", monkeypatch")
        line = function.lineno - 1
        text = ctx.source.line(line)
        column = text.find("(", text.find(function.name))
        if column < 0:
            return False
        position = Position(line, column + 1)
        return Edit(Range(position, position), "monkeypatch")


class EnvironPatchIndexer(Indexer):
    """Test files that change the environment in-process: ISO502 tells from them whether a
    suite's tests depend on the environment (a ``.env`` loaded into a suite that never changes
    it is the run's configuration)."""

    name = ENVIRON_PATCHES
    languages = frozenset({Language.PYTHON})
    tokens = (b"setenv", b"delenv", b"environ")

    def admits(self, source: "SourceFile", project: Any) -> bool:
        if source.zone not in TEST_ZONES:
            return False
        raw = identifier_bytes(source)
        return ENVIRON_PATCH.search(raw) is not None or ENVIRON_CHANGE.search(raw) is not None

    def extract(self, source: "SourceFile", tree: ast.Module) -> bool | None:
        return self.admits(source, None) or None


#: the folders of a test suite, and the names of an env file kept for the tests
#: (``.env.test``, ``test.env``, ``.env.testing``)
SUITE_FOLDERS = frozenset({"tests", "test", "testing"})
TEST_ENV_FILE = lazy_compile(r"^\.?env[._-]test(?:ing)?$|^\.?test(?:ing)?\.env$")


def _loads_the_suites_env_file(node: ast.Call, ctx: "PythonContext") -> bool:
    """``load_dotenv(Path(__file__).parent / "tests/.env")`` at import time of a
    ``conftest.py``: the suite's own env file, committed beside its tests, configures every test
    of the session alike before the first one runs (like ``pytest-dotenv``'s ``env_files``),
    unlike a developer's ``.env`` found by searching upwards (``load_dotenv()``)."""
    if ctx.source.name != "conftest.py" or ctx.functions or not node.args:
        return False
    for inner in ast.walk(node.args[0]):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            *folders, file_name = inner.value.replace("\\", "/").split("/")
            if (folders and set(folders) & SUITE_FOLDERS and file_name.startswith(".env")) \
                    or TEST_ENV_FILE.match(file_name):
                return True
    return False


def _siblings(parent: ast.AST, child: ast.AST, after: bool) -> list:
    """The statements after (or before) ``child`` in the block of ``parent`` that holds it."""
    for attr in ("body", "orelse", "finalbody"):
        block = getattr(parent, attr, None)
        if isinstance(block, list):
            for index, statement in enumerate(block):
                if statement is child:
                    return block[index + 1:] if after else block[:index]
    return []


def _flatten(target: ast.AST):
    """The assignment targets inside ``a, (b, c) = …``, or the target itself."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flatten(element.value if isinstance(element, ast.Starred) else element)
    else:
        yield target


def _name_of(node: ast.AST | None) -> str | None:
    """``prev`` for a name, ``self.prev`` for an attribute of ``self``/``cls``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None
