from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from isolint.core.scratch import Key
from isolint.core.model import Severity
from isolint.core.rule import TEST_ZONES, Rule
from isolint.rules.test_isolation.knowledge import in_integration_test, is_test_function, may_hold_integration_tests
from isolint.rules.test_isolation.test_doubles_indexer import TEST_DOUBLES

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


#: mock fixture name -> where it is defined, as seen from the checked test module
VISIBLE_MOCK_FIXTURES: Key[dict[str, str]] = Key("iso5.visible-mock-fixtures")


class MockFixtureInIntegrationTest(Rule):
    """An integration test that requests a fixture handing out a mock.

    ## What it does
    Flags an integration test that requests a fixture which hands out a mock — a fixture in
    a `conftest.py` of its folder or a parent folder (pytest's own lookup)
    whose returned or yielded value is a `Mock`, `MagicMock`, `patch(...)` or `mocker.patch(...)`,
    or a function of its own that patches a fake in when the test calls it (`install_http(module)`).
    Both parameters and `@pytest.mark.usefixtures("…")` count; one finding per fixture and
    module, the other tests requesting it as related locations.

    ## Why is this bad?
    The mock is one indirection away, so `mock-in-integration-test` cannot see it in the test
    itself: the audit found 48 mocks in a single `conftest.py`, silently swapping real services
    out of tests that claimed to integrate them.

    ## Example
    ```python
    # tests/integration/test_checkout.py
    def test_checkout(payment_gateway):
        assert checkout(payment_gateway).paid
    ```
    ```python
    # tests/integration/conftest.py
    from unittest.mock import MagicMock

    import pytest


    @pytest.fixture
    def payment_gateway():
        return MagicMock()
    ```

    ## Use instead
    ```python
    # tests/integration/test_checkout.py
    def test_checkout(sandbox_payment_gateway):
        assert checkout(sandbox_payment_gateway).paid
    ```
    ```python
    # tests/integration/conftest.py
    import pytest

    from app.payments import GatewayClient


    @pytest.fixture
    def sandbox_payment_gateway():
        return GatewayClient(base_url=SANDBOX_URL)
    ```

    ## Known look-alikes
    - A mock fixture defined in a `conftest.py` outside the test's folder and its parents:
      pytest would not give it to the test.
    - A fixture handing out a function that builds real objects (a factory that patches nothing).
    - The same fixture requested by a unit test; a mock fixture of the test's own module
      (`mock-in-integration-test` reports it where it builds the mock).
    """

    code = "ISO503"
    name = "mock-fixture-in-integration-test"
    message = "Integration test uses fixture `{fixture}`, which hands out a mock (defined in {location})"
    severity = Severity.WARNING
    zones = TEST_ZONES
    tokens = (b"def test",)
    uses_facts = (TEST_DOUBLES,)

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # the fixtures come from the project's facts, and only integration tests are checked:
        # a unit-test file without an integration marker is neither parsed nor kept for phase 2
        return project is not None and may_hold_integration_tests(source)

    #: the admission reads no facts, so the CLI asks it before indexing (``fact_kinds_read``)
    admits_before_facts = admits

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: "PythonContext") -> None:
        self._check(node, ctx)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, ctx: "PythonContext") -> None:
        self._check(node, ctx)

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: "PythonContext") -> None:
        if ctx.project is None or not is_test_function(node):
            return
        if not in_integration_test(ctx, node):
            return
        fixtures = self._visible_mock_fixtures(ctx)
        if not fixtures:
            return
        args = node.args
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            if arg.arg in fixtures:
                self._requests.setdefault(arg.arg, []).append((arg, node.name))
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                    and decorator.func.attr == "usefixtures":
                for value in decorator.args:
                    if isinstance(value, ast.Constant) and value.value in fixtures:
                        self._requests.setdefault(value.value, []).append((value, node.name))

    def begin_file(self, ctx: "PythonContext") -> None:
        # one finding per mock fixture and module: the tests that request it too are its
        # related locations (the fix — a real fixture — is one change, however many tests)
        self._requests: dict[str, list[tuple[ast.AST, str]]] = {}

    def end_file(self, ctx: "PythonContext") -> None:
        if not self._requests:
            return
        fixtures = self._visible_mock_fixtures(ctx)
        for name, ((first, _), *others) in self._requests.items():
            ctx.report(self, first, fixture=name, location=fixtures[name],
                       related=[(where, f"`{test}` requests `{name}` too") for where, test in others])

    def _visible_mock_fixtures(self, ctx: "PythonContext") -> dict[str, str]:
        cache = ctx.scratch.get(VISIBLE_MOCK_FIXTURES)
        if cache is not None:
            return cache
        facts = ctx.project.facts(TEST_DOUBLES)
        here = PurePosixPath(ctx.source.rel_path)
        visible: dict[str, str] = {}
        folders = [here.parent, *here.parent.parents]
        # nearest definition wins: walk from the root down so closer conftests overwrite
        for folder in reversed(folders):
            conftest = (folder / "conftest.py").as_posix()
            for name, line in facts.get(conftest, {}).get("mock_fixtures", {}).items():
                visible[name] = f"{conftest}:{line + 1}"
        # a mock fixture of the integration module itself is `mock-in-integration-test`'s, reported
        # where it builds the mock: the tests requesting it would report the same fake again
        for name in facts.get(ctx.source.rel_path, {}).get("mock_fixtures", {}):
            visible.pop(name, None)
        ctx.scratch.put(VISIBLE_MOCK_FIXTURES, visible)
        return visible
