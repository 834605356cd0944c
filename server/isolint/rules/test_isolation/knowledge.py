"""What counts as a mock, and whether code runs as part of an integration test.

Shared by the ISO5xx rules and the test-tier indexer so they agree on both questions.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterable

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key, Lifetime
from isolint.core.model import Zone
from isolint.core.test_tiers import (
    BETWEEN_TOKENS,
    IDENTIFIER_END,
    declared_in_process,
    identifier_bytes,
    marker_names,
    may_be_marked_integration,
)

if TYPE_CHECKING:
    from isolint.core.modules import ImportMap
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

MOCK_TOKENS = (b"Mock", b"patch", b"mocker", b"autospec")  # "patch" also spells monkeypatch
# Names after normalising `unittest.mock.X` and the `mock` backport's `mock.X` to `mock.X`.
MOCK_FACTORIES = frozenset({
    "mock.Mock", "mock.MagicMock", "mock.AsyncMock", "mock.NonCallableMock", "mock.NonCallableMagicMock",
    "mock.PropertyMock", "mock.create_autospec", "mock.patch", "mock.patch.object", "mock.patch.multiple",
    "asynctest.CoroutineMock", "asynctest.MagicMock", "asynctest.Mock", "asynctest.patch",
})
# `patch.dict` swaps a mapping's contents (environment, registries) and restores it — isolation,
# not a fake service — so it is not counted as a mock.
MOCKER_FIXTURES = frozenset({"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"})
MOCKER_METHODS = frozenset({"patch", "patch.object", "patch.multiple", "Mock", "MagicMock", "AsyncMock",
                            "NonCallableMock", "PropertyMock", "create_autospec", "stub", "async_stub"})


def normalise(name: str | None) -> str | None:
    if name is None:
        return None
    if name.startswith("unittest.mock."):
        return "mock." + name[len("unittest.mock."):]
    return name


#: what a patch may replace without faking a service: clocks, sleeps and randomness — the
#: usual way to make a real integration deterministic (``patch("x.monotonic", …)``)
DETERMINISM_TARGETS = frozenset({
    "time", "monotonic", "monotonic_ns", "perf_counter", "time_ns", "sleep", "now", "utcnow", "today",
    "random", "randrange", "randint", "choice", "choices", "shuffle", "getrandbits", "uuid1", "uuid4",
    "token_hex", "token_urlsafe", "urandom",
})
#: observability side channels — tracing, logging, metrics, product analytics, error tracking:
#: what a suite silences or captures so that it can look at the real service's spans and events
#: without shipping them (``patch("app.checkout.posthog")``, ``patch("client._get_tracer", …)``)
OBSERVABILITY_TARGET = lazy_compile(
    r"(^|_)(tracer|tracers|tracing|tracer_provider|logger|logging|meter|metrics|telemetry|analytics|posthog|"
    r"segment|mixpanel|amplitude|sentry|sentry_sdk|capture_exception|statsd|datadog|track_event)(_|$)"
)


#: mock classes whose names say what they are wherever they come from: a star import of a
#: test-helper package, a helper module re-exporting ``unittest.mock``'s names
WELL_KNOWN_MOCK_CLASSES = frozenset({
    "MagicMock", "AsyncMock", "NonCallableMagicMock", "NonCallableMock", "PropertyMock", "create_autospec",
})
#: a name bound by nothing in the file (a star import) that is ``unittest.mock``'s
UNBOUND_MOCK_NAMES = frozenset({"Mock", "patch", "patch.object", "patch.multiple"})


def mock_kind(call: ast.AST, imports: "ImportMap", parameters: set[str]) -> str | None:
    """``MagicMock``, ``patch.object``, ``mocker.patch``, ``monkeypatch.setattr``… when ``call``
    creates a mock.

    ``parameters`` are the names of the enclosing functions' parameters: ``mocker.patch`` and
    ``monkeypatch.setattr`` only count when ``mocker``/``monkeypatch`` is pytest's fixture, i.e.
    a parameter (or kept on ``self``). The well-known mock classes count without an import
    (star imports, helper modules re-exporting them). Spies (``wraps=`` the real object) and
    patches of a clock, of randomness or of an analytics client are not mocks: the real service
    still runs.
    """
    if not isinstance(call, ast.Call):
        return None
    name = normalise(imports.qualified_name(call.func))
    kind = None
    if name in MOCK_FACTORIES:
        kind = name.split(".", 1)[1] if name.startswith("mock.") else name
    elif name is None:
        return None
    elif (last := name.rsplit(".", 1)[-1]) in WELL_KNOWN_MOCK_CLASSES and not name.startswith("mock."):
        kind = last  # ``from test_framework.doubles import MagicMock``, a star import
    elif name in UNBOUND_MOCK_NAMES and _unbound(call.func, imports) and _looks_patched(call, name):
        kind = name
    else:
        base, _, method = _fixture_method(call.func, name)
        if base in MOCKER_FIXTURES and method in MOCKER_METHODS and _is_fixture(call.func, base, parameters):
            kind = f"{base}.{method}"
        elif base == "monkeypatch" and method == "setattr" and _is_fixture(call.func, base, parameters) \
                and _sets_a_stand_in(call):
            kind = "monkeypatch.setattr"
    if kind is None or _is_spy(call) or _patches_determinism(call, kind) or _sets_a_plain_value(call, kind):
        return None
    return kind


def _unbound(func: ast.AST, imports: "ImportMap") -> bool:
    """``patch``/``Mock`` that no import of the file binds (it comes from a star import)."""
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id not in imports


def _looks_patched(call: ast.Call, name: str) -> bool:
    """An unbound ``patch("pkg.module.name")`` names a dotted target (``patch`` alone is a
    common verb); ``Mock()`` and ``patch.object`` say what they are."""
    if name != "patch":
        return True
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value


def _fixture_method(func: ast.AST, name: str) -> tuple[str, str, str]:
    """``("mocker", ".", "patch.object")`` for ``mocker.patch.object`` and
    ``self.mocker.patch.object``."""
    if name.startswith(("self.", "cls.")):
        name = name.split(".", 1)[1]
    return name.partition(".")


def _is_fixture(func: ast.AST, base: str, parameters: set[str]) -> bool:
    """pytest's fixture by that name: a parameter of an enclosing function, or kept on the
    instance (``self.mocker = mocker`` in an autouse fixture)."""
    root = func
    while isinstance(root, ast.Attribute):
        if isinstance(root.value, ast.Name) and root.value.id in ("self", "cls") and root.attr == base:
            return True
        root = root.value
    return isinstance(root, ast.Name) and root.id == base and base in parameters


#: names of stand-ins a test writes by hand for ``monkeypatch.setattr``
STAND_IN_NAME = lazy_compile(r"^_*(fake|mock|stub|dummy)|^_*(Fake|Mock|Stub|Dummy)|(_fake|_mock|_stub|Fake|Mock|Stub)$")


def _sets_a_stand_in(call: ast.Call) -> bool:
    """``monkeypatch.setattr(target, "name", value)`` / ``setattr("pkg.mod.name", value)`` whose
    value is a stand-in — a lambda, a function or class named as a fake, or what one returns
    (``_fake_async_client(...)``) — rather than a
    setting (``monkeypatch.setattr(settings, "DEBUG", True)``); a mock call as the value is
    reported on its own."""
    args = call.args
    first = args[0] if args else None
    dotted = isinstance(first, ast.Constant) and isinstance(first.value, str)
    value = args[1] if dotted and len(args) > 1 else args[2] if len(args) > 2 else None
    if value is None:
        value = next((k.value for k in call.keywords if k.arg == "value"), None)
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Call):  # `setattr(obj, "sender", MagicMock())`, `_fake_client(...)`
        value = value.func
        name = value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else ""
        return name in WELL_KNOWN_MOCK_CLASSES or name == "Mock" or STAND_IN_NAME.search(name) is not None
    name = value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else None
    return name is not None and STAND_IN_NAME.search(name) is not None


#: where ``patch``/``patch.object`` (also pytest-mock's) take the object they put in place
NEW_POSITION = {"patch": 1, "patch.object": 2}


def patch_replacement(call: ast.Call, kind: str) -> ast.AST | None:
    """The object a patch puts in place: ``new``, positionally or by keyword."""
    positional = NEW_POSITION.get(kind.removeprefix("mocker."))
    if positional is not None and len(call.args) > positional:
        return call.args[positional]
    return next((keyword.value for keyword in call.keywords if keyword.arg == "new"), None)


def is_plain_value(node: ast.AST | None) -> bool:
    """A number, string, bool, ``None`` or a container of them (``250``, ``True``,
    ``{"retries": 0}``): data, not an object standing in for a collaborator."""
    if node is None:
        return False
    if isinstance(node, ast.JoinedStr):
        return True
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _sets_a_plain_value(call: ast.Call, kind: str) -> bool:
    """``patch.object(settings, "lock_timeout_ms", 250)``, ``patch("app.handlers.ALLOW_HTTP",
    True)``, ``patch.multiple(config, retries=0)``: a setting, a constant or a module switch set
    to a plain value for the test — a tweak of configuration, not a fake of a service."""
    if kind.removeprefix("mocker.") == "patch.multiple":
        values = [keyword.value for keyword in call.keywords if keyword.arg is not None]
        return bool(values) and all(is_plain_value(value) for value in values)
    return is_plain_value(patch_replacement(call, kind))


def _is_spy(call: ast.Call) -> bool:
    return any(keyword.arg == "wraps" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is None)
               for keyword in call.keywords)


def _patches_determinism(call: ast.Call, kind: str) -> bool:
    """``patch("app.jobs.monotonic", …)``, ``patch.object(random, "randrange", …)``,
    ``patch("app.checkout.posthog")``: a clock, randomness or an observability side channel."""
    target = patch_target(call, kind)
    if target is None:
        return False
    name = target.rsplit(".", 1)[-1]
    return name in DETERMINISM_TARGETS or OBSERVABILITY_TARGET.search(name.lower()) is not None


def literal_text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with ``{}`` for each value
    (``f"{module}._get_tracer"`` → ``"{}._get_tracer"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def patch_target(call: ast.Call, kind: str) -> str | None:
    """The dotted name a patch replaces, as far as the call spells it: ``"app.jobs.monotonic"``
    for ``patch("app.jobs.monotonic")``, ``"random.randrange"`` for
    ``patch.object(random, "randrange")`` (the object's source text is not known here: its last
    name stands for it)."""
    args = call.args
    if kind.endswith("setattr"):
        dotted = bool(args) and literal_text(args[0]) is not None
        index = 0 if dotted else 1
    elif kind.endswith(("patch", "patch.object")):
        index = 1 if kind.endswith("patch.object") else 0
    else:
        return None
    name = literal_text(args[index]) if len(args) > index else None
    if name is None:
        return None
    if index == 1:
        owner = args[0]
        while isinstance(owner, ast.Attribute) and not isinstance(owner.value, (ast.Name, ast.Attribute)):
            owner = owner.value
        prefix = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        return f"{prefix}.{name}" if prefix else name
    return name


def parameters_of(functions: Iterable[ast.AST]) -> set[str]:
    names: set[str] = set()
    for function in functions:
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = function.args
            names.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
    return names


def _class_marks(cls: ast.ClassDef) -> set[str]:
    marks = set()
    for statement in cls.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            marks |= marker_names(statement.value)
    return marks


def marked_integration(nodes: Iterable[ast.AST], markers: Iterable[str]) -> bool:
    """Whether any enclosing function or class carries an integration marker."""
    wanted = set(markers)
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            marks = set().union(*(marker_names(d) for d in node.decorator_list)) if node.decorator_list else set()
            if isinstance(node, ast.ClassDef):
                marks |= _class_marks(node)
            if marks & wanted:
                return True
    return False


def in_integration_test(ctx: "PythonContext", node: ast.AST | None = None) -> bool:
    """Integration by zone (folder, name, module ``pytestmark``, config) or by the markers of an
    enclosing test function or class (``node`` itself included when given)."""
    if ctx.source.zone is Zone.INTEGRATION_TEST and (ctx.tree is None or not declared_in_process(ctx.source, ctx.tree)):
        return True
    nodes = [*ctx.parents, node] if node is not None else ctx.parents
    return marked_integration(nodes, ctx.settings.integration_test_markers)


def integration_module(source: "SourceFile", tree: ast.Module) -> bool:
    """Whether every test of the module is an integration test (its zone, unless its own
    docstring keeps it in process: :func:`declared_in_process`)."""
    return source.zone is Zone.INTEGRATION_TEST and not declared_in_process(source, tree)


# Admission: byte scans that tell, before any parse, whether a file can hold what the questions
# above look for. Each is a necessary condition of its question (a True is only a maybe), so a
# rule or indexer that admits on it never misses a file where it could report.

_FIXTURE_NAME = lazy_compile(rb"fixture" + IDENTIFIER_END + rb"(?:(?<![0-9A-Za-z_]fixture)|(?<=yield_fixture))")
#: what a mock's qualified name starts with (``mock.``, ``unittest.mock.``, ``asynctest.``) or
#: pytest-mock's fixtures (``mocker``…): one of these is spelled in an import or a parameter
_MOCK_MODULES = ("mock", "asynctest")
_MOCK_MODULE_BYTES = tuple(name.encode() for name in _MOCK_MODULES)
#: what a mock is called without an import of a mock library: the well-known classes (every one
#: but ``create_autospec`` ends in ``Mock``) and pytest's ``monkeypatch``; an unbound ``patch``
#: comes from a star import
_MOCK_NAME_BYTES = (b"Mock", b"autospec", b"monkeypatch")
_STAR_IMPORT = lazy_compile(rb"import" + BETWEEN_TOKENS + rb"\*")


def may_hold_integration_tests(source: "SourceFile") -> bool:
    """Whether code of ``source`` can run as part of an integration test (:func:`in_integration_test`
    and the indexer's count): its zone says so already, or its content can mark it."""
    return source.zone is Zone.INTEGRATION_TEST or may_be_marked_integration(source)


MAY_CREATE_MOCK: Key[bool] = Key("iso5.may-create-mock", Lifetime.TEXT)

def may_create_mock(source: "SourceFile") -> bool:
    """Whether :func:`mock_kind` can be true for a call in ``source``: a mock's name appears
    (``MOCK_TOKENS``), and so does the library it must resolve to — in an import, a dotted
    name or pytest-mock's ``mocker`` parameter; a relative ``from . import patch`` resolves
    into the file's own package, hence its module name."""
    return source.memo(MAY_CREATE_MOCK, _scan_for_mock)


def _scan_for_mock(source: "SourceFile") -> bool:
    raw = identifier_bytes(source)
    if not any(token in raw for token in MOCK_TOKENS):
        return False
    return any(name in raw for name in _MOCK_MODULE_BYTES) or any(name in source.module for name in _MOCK_MODULES) \
        or any(name in raw for name in _MOCK_NAME_BYTES) or _STAR_IMPORT.search(raw) is not None


def may_define_fixture(source: "SourceFile") -> bool:
    """Whether a decorator :func:`fixture_decorator` recognises can occur: the identifier
    ``fixture`` or ``yield_fixture`` (Django's ``fixtures = [...]`` is not one)."""
    return _FIXTURE_NAME.search(identifier_bytes(source)) is not None


#: scripts that start a test run (they are their own process), not tests
LAUNCHER_FILES = frozenset({"runtests.py", "run_tests.py", "manage.py", "__main__.py", "setup.py", "noxfile.py",
                            "tox_runner.py", "wsgi.py", "asgi.py"})
#: file names pytest collects (its default ``python_files``) and ``conftest.py``
COLLECTED_FILE = lazy_compile(r"^(test_.*|.*_test|conftest)\.py$")


def runs_in_own_process(ctx: "PythonContext") -> bool:
    """The code at ``ctx`` configures a process of its own, not a test session: a test-suite
    runner (``runtests.py``, a sample project's ``manage.py``), a ``__main__`` block, a script
    with one that pytest does not collect (a demo sender under ``scripts/testing/``), or a module
    run by hand (:func:`_run_by_hand`). What it changes leaks into no later test."""
    if ctx.source.name in LAUNCHER_FILES:
        return True
    if ctx.tree is not None and any(
        isinstance(statement, ast.If) and _is_main_guard(statement.test) for statement in ctx.tree.body
    ) and (COLLECTED_FILE.match(ctx.source.name) is None or not defines_tests(ctx.tree)):
        return True  # a script (no test, no fixture): it runs as its own process
    if any(isinstance(parent, ast.If) and _is_main_guard(parent.test) for parent in ctx.parents):
        return True
    return _run_by_hand(ctx)


def _run_by_hand(ctx: "PythonContext") -> bool:
    """A module with no test, fixture or hook that the ``testpaths`` of its pytest
    configuration leave out (``tests/manual/`` beside ``testpaths = tests/pytest``): a script
    run on its own, which no pytest session imports. Without a project, or without configured
    ``testpaths``, nothing tells."""
    services = getattr(ctx.project, "services", None)
    if services is None or ctx.tree is None or ctx.source.name == "conftest.py" or defines_tests(ctx.tree):
        return False
    return services.outside_test_paths(ctx.source.rel_path)


def defines_tests(tree: ast.Module) -> bool:
    """A test function or class, a fixture or a pytest hook at the module's top level."""
    return any(isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
               and (statement.name.startswith(("test", "Test", "pytest_")) or fixture_decorator(statement) is not None)
               for statement in tree.body)


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":``"""
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def is_yield_statement(statement: ast.stmt) -> bool:
    """``yield``, ``x = yield …``: where a fixture's set-up ends and its teardown begins."""
    value = getattr(statement, "value", None)
    return isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) and isinstance(value, (ast.Yield, ast.YieldFrom))


def after_yield(body: list) -> list:
    """The statements of a fixture after its ``yield`` (its teardown); none without one."""
    return _teardown(body) or []


def _teardown(body: list) -> list | None:
    """What runs after a ``yield`` in ``body``, or None without one. pytest resumes the fixture
    whatever the test's outcome, so a ``yield`` inside ``with`` / ``if`` / ``try`` blocks is
    followed by the rest of its block, then by what follows each enclosing statement."""
    for index, statement in enumerate(body):
        if is_yield_statement(statement):
            return body[index + 1:]
        if isinstance(statement, (ast.With, ast.AsyncWith, ast.If)):
            for block in (statement.body, statement.orelse) if isinstance(statement, ast.If) else (statement.body,):
                inner = _teardown(block)
                if inner is not None:
                    return inner + body[index + 1:]
        elif isinstance(statement, ast.Try):
            inner = _teardown(statement.body)
            if inner is not None:
                return inner + statement.orelse + statement.finalbody + body[index + 1:]
    return None


def is_test_function(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")


def fixture_decorator(node: ast.AST) -> ast.expr | None:
    """The ``@pytest.fixture`` / ``@pytest.fixture(...)`` decorator of a function, if any."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(target, ast.Attribute) and target.attr in ("fixture", "yield_fixture")) or (
            isinstance(target, ast.Name) and target.id == "fixture"
        ):
            return decorator
    return None


def fixtures_in(body: list[ast.stmt]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The fixtures defined among ``body`` (a module's or a class's statements), by name."""
    return {s.name: s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and fixture_decorator(s) is not None}
