from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from isolint.core.model import Severity
from isolint.core.rule import TEST_ZONES, Rule
from isolint.rules.test_isolation.knowledge import (
    MOCK_TOKENS, in_integration_test, may_create_mock, may_hold_integration_tests, mock_kind, parameters_of,
)

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


#: bare mock objects (not patches) that can stand for a callback
RECORDER_KINDS = frozenset({"Mock", "MagicMock", "AsyncMock"})
#: names of callbacks, signal receivers and hooks: a mock there records calls into the real
#: service, it does not replace the service (``on_ack=Mock()``, ``signal_was_called = Mock()``)
CALLBACK_NAME_RE = re.compile(
    r"^on_|callback|(^|_)cb$|^cb_|(^|_)(hook|listener|receiver|handler)s?$|_called$|^called_|(^|_)spy(_|$)"
)


def _records_a_callback(ctx: "PythonContext") -> bool:
    parent = ctx.parent
    if isinstance(parent, ast.keyword) and parent.arg:
        return CALLBACK_NAME_RE.search(parent.arg) is not None
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return len(targets) == 1 and isinstance(targets[0], ast.Name) \
            and CALLBACK_NAME_RE.search(targets[0].id) is not None
    return False


def _root_name(target: ast.AST) -> str | None:
    """``client`` for ``client``, ``client.chat.create`` and ``client["k"].x``."""
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _fake_name(ctx: "PythonContext") -> str | None:
    """The name of the fake object a mock call builds or configures: the variable it is
    assigned to, the object whose attribute it becomes (``client.create = MagicMock()``), or
    the ``as`` name of a patch (``with patch("x") as fake:``)."""
    parent = ctx.parent
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        return _root_name(parent.targets[0])
    if isinstance(parent, ast.AnnAssign):
        return _root_name(parent.target)
    if isinstance(parent, ast.withitem) and parent.optional_vars is not None:
        return _root_name(parent.optional_vars)
    return None


#: patches whose first argument is the object patched: two patches of one object are one fake
OBJECT_PATCHES = frozenset({"patch.object", "patch.multiple", "mocker.patch.object", "mocker.patch.multiple"})


class _Fakes:
    """Which mock calls of one file build the same fake object (union-find over the calls and
    the names they are bound to, per function): ``client = MagicMock()`` and
    ``client.create = MagicMock()``, a patch and the mock assigned to its ``return_value``, two
    ``patch.object`` of one object, a fake passed to a patch (``patch.object(A, "f", fake)``)."""

    def __init__(self) -> None:
        self._parent: dict[tuple, tuple] = {}
        self.calls: dict[tuple, tuple[ast.AST, str]] = {}
        self.names: dict[tuple, str] = {}

    def _find(self, key: tuple) -> tuple:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def union(self, a: tuple, b: tuple) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def is_fake(self, scope: int, name: str) -> bool:
        return ("name", scope, name) in self.names

    def add(self, where: ast.AST, kind: str, scope: int, names: list[str]) -> None:
        key = ("call", len(self.calls))
        self.calls[key] = (where, kind)
        self._find(key)
        for name in names:
            self.names.setdefault(("name", scope, name), name)
            self.union(key, ("name", scope, name))

    def groups(self) -> list[tuple[str | None, list[tuple[ast.AST, str]]]]:
        grouped: dict[tuple, list[tuple[ast.AST, str]]] = {}
        for key, call in self.calls.items():
            grouped.setdefault(self._find(key), []).append(call)
        named: dict[tuple, str] = {}
        for key, name in self.names.items():  # the first name a fake was bound to names it
            named.setdefault(self._find(key), name)
        return [(named.get(root), calls) for root, calls in grouped.items()]


class MockInIntegrationTest(Rule):
    """A mock (`Mock`, `patch`, `mocker.patch`…) used inside an integration or end-to-end test.

    ## What it does
    Flags each fake made with a mock — `Mock`, `MagicMock`, `AsyncMock`, `PropertyMock`,
    `create_autospec`, `patch`, `patch.object`, `patch.multiple` (as a call, decorator or context
    manager) and pytest-mock's `mocker.patch`/`mocker.MagicMock`… — inside an integration or
    end-to-end test, once: the mocks set on its attributes and the mock a patch returns are its
    related locations. A test is an integration test when its file is (folders `integration`,
    `e2e`, `end_to_end`…, names like `test_integration_*.py` or `test_*_e2e.py` even under
    `tests/unit/`, a module-level
    `pytestmark = pytest.mark.integration`, or `integration-test-paths`), or when the test
    function or class carries one of `integration-test-markers`. Mocks in unit tests are fine.

    ## Why is this bad?
    An integration test that mocks the service it claims to integrate passes with the mock and
    fails for real: the audit behind isolint found integration suites green while production
    broke. Integration tests should talk to real services (a test database, a local Redis);
    keep mocks in unit tests.

    ## Example
    ```python
    # tests/integration/test_orders.py
    from unittest.mock import MagicMock

    def test_create_order():
        db = MagicMock()
        assert create_order(db, 3).quantity == 3
    ```

    ## Use instead
    ```python
    # tests/integration/test_orders.py
    def test_create_order(db_session):
        assert create_order(db_session, 3).quantity == 3
    ```

    ## Known look-alikes
    - The import line, which is not a use.
    - `patch.dict`: it swaps a mapping's content (often `os.environ`) and restores it —
      isolation, not a fake service.
    - Callback recorders (`on_ack=Mock()`) and spies (`wraps=` the real object): the real
      service still runs.
    - Patches of a clock or of randomness (`patch("app.jobs.monotonic", …)`, `time`, `sleep`,
      `now`, `uuid4`, `random.randrange`): the test only made the real service deterministic.

    ## Options
    - `integration-test-paths`, `integration-test-markers`.
    """

    code = "ISO501"
    name = "mock-in-integration-test"
    message = "`{kind}` in an integration test: integrate the real service instead of a mock"
    severity = Severity.WARNING
    zones = TEST_ZONES
    tokens = MOCK_TOKENS
    options = ("integration-test-paths", "integration-test-markers")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # most test files are unit tests, where a mock is fine: only an integration zone or an
        # integration marker in the bytes, and a name that can resolve to a mock library
        return may_hold_integration_tests(source) and may_create_mock(source)

    def visit_Call(self, node: ast.Call, ctx: "PythonContext") -> None:
        parameters = parameters_of(ctx.functions)
        kind = mock_kind(node, ctx.imports, parameters)
        if kind is None or not in_integration_test(ctx):
            return
        if any(mock_kind(p, ctx.imports, parameters) for p in ctx.parents):
            return  # `patch("x", new=MagicMock())` is one use, reported on the outer call
        if kind in RECORDER_KINDS and _records_a_callback(ctx):
            return
        scope = id(ctx.current_function)
        names = [name for name in (_fake_name(ctx),) if name]
        if kind in OBJECT_PATCHES and node.args and (target := _root_name(node.args[0])):
            names.append(target)
        names += [arg.id for arg in (*node.args, *(k.value for k in node.keywords))
                  if isinstance(arg, ast.Name) and self._fakes.is_fake(scope, arg.id)]
        self._fakes.add(node.func, kind, scope, names)

    def visit_Assign(self, node: ast.Assign, ctx: "PythonContext") -> None:
        # `client.create = create_mock`: the fake named on the right configures the one on the left
        if len(node.targets) != 1 or not isinstance(node.value, ast.Name):
            return
        scope, target = id(ctx.current_function), _root_name(node.targets[0])
        if target and self._fakes.is_fake(scope, node.value.id) and self._fakes.is_fake(scope, target):
            self._fakes.union(("name", scope, target), ("name", scope, node.value.id))

    def begin_file(self, ctx: "PythonContext") -> None:
        # one finding per fake object: its creation, the attributes set on it and the patch
        # that returns it are one problem (a count of findings counts fakes, not lines)
        self._fakes = _Fakes()

    def end_file(self, ctx: "PythonContext") -> None:
        for name, calls in self._fakes.groups():
            (first, kind), *others = calls
            ctx.report(self, first, kind=kind,
                       related=[(node, f"`{other}` on the same fake `{name}`") for node, other in others])
