"""What counts as a mock, and whether code runs as part of an integration test.

Shared by the ISO5xx rules and the test-tier indexer so they agree on both questions.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Iterable

from isolint.core.scratch import Key, Lifetime
from isolint.core.model import Zone
from isolint.core.test_tiers import (
    IDENTIFIER_END,
    identifier_bytes,
    marker_names,
    may_be_marked_integration,
)

if TYPE_CHECKING:
    from isolint.core.modules import ImportMap
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

MOCK_TOKENS = (b"Mock", b"patch", b"mocker", b"autospec")
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


def mock_kind(call: ast.AST, imports: "ImportMap", parameters: set[str]) -> str | None:
    """``MagicMock``, ``patch.object``, ``mocker.patch``… when ``call`` creates a mock.

    ``parameters`` are the names of the enclosing functions' parameters: ``mocker.patch`` only
    counts when ``mocker`` is pytest-mock's fixture, i.e. a parameter. Spies (``wraps=`` the
    real object) and patches of a clock or of randomness are not mocks: the real service still
    runs.
    """
    if not isinstance(call, ast.Call):
        return None
    name = normalise(imports.qualified_name(call.func))
    kind = None
    if name in MOCK_FACTORIES:
        kind = name.split(".", 1)[1] if name.startswith("mock.") else name
    elif name and "." in name:
        base, method = name.split(".", 1)
        if base in MOCKER_FIXTURES and base in parameters and method in MOCKER_METHODS:
            kind = name
    if kind is None or _is_spy(call) or _patches_determinism(call, kind):
        return None
    return kind


def _is_spy(call: ast.Call) -> bool:
    return any(keyword.arg == "wraps" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is None)
               for keyword in call.keywords)


def _patches_determinism(call: ast.Call, kind: str) -> bool:
    """``patch("app.jobs.monotonic", …)``, ``patch.object(random, "randrange", …)``."""
    if not kind.endswith(("patch", "patch.object")) or not call.args:
        return False
    index = 1 if kind.endswith("patch.object") else 0
    if len(call.args) <= index:
        return False
    target = call.args[index]
    if not isinstance(target, ast.Constant) or not isinstance(target.value, str):
        return False
    return target.value.rsplit(".", 1)[-1] in DETERMINISM_TARGETS


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
    if ctx.source.zone is Zone.INTEGRATION_TEST:
        return True
    nodes = [*ctx.parents, node] if node is not None else ctx.parents
    return marked_integration(nodes, ctx.settings.integration_test_markers)


# Admission: byte scans that tell, before any parse, whether a file can hold what the questions
# above look for. Each is a necessary condition of its question (a True is only a maybe), so a
# rule or indexer that admits on it never misses a file where it could report.

_FIXTURE_NAME = re.compile(rb"fixture" + IDENTIFIER_END + rb"(?:(?<![0-9A-Za-z_]fixture)|(?<=yield_fixture))")
#: what a mock's qualified name starts with (``mock.``, ``unittest.mock.``, ``asynctest.``) or
#: pytest-mock's fixtures (``mocker``…): one of these is spelled in an import or a parameter
_MOCK_MODULES = ("mock", "asynctest")
_MOCK_MODULE_BYTES = tuple(name.encode() for name in _MOCK_MODULES)


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
    return any(name in raw for name in _MOCK_MODULE_BYTES) or any(name in source.module for name in _MOCK_MODULES)


def may_define_fixture(source: "SourceFile") -> bool:
    """Whether a decorator :func:`fixture_decorator` recognises can occur: the identifier
    ``fixture`` or ``yield_fixture`` (Django's ``fixtures = [...]`` is not one)."""
    return _FIXTURE_NAME.search(identifier_bytes(source)) is not None


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
