"""Per-file facts about test doubles, for cross-file rules and the audit's metric:

* ``mock_fixtures``: fixtures whose value is a mock (``return MagicMock()``, ``yield m`` after
  ``with patch(...) as m``, ``return mocker.patch(...)``) or a function of theirs that patches
  in a fake when called, by name → line;
* ``integration_tests`` / ``mocked_integration_tests``: how many integration test functions the
  file holds, and how many of them use a mock directly.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from isolint.core.model import Language, Zone
from isolint.core.modules import ImportMap
from isolint.core.rule import TEST_ZONES, Indexer
from isolint.rules.common.scope import walk_nodes
from isolint.rules.test_isolation.knowledge import (
    fixture_decorator, integration_module, is_test_function, marked_integration, may_create_mock,
    may_define_fixture, may_hold_integration_tests, mock_kind, parameters_of,
)

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

TEST_DOUBLES = "test_doubles"


def is_mock_call(node: ast.AST, imports: ImportMap, parameters: set[str]) -> bool:
    return mock_kind(node, imports, parameters) is not None


def returns_mock(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportMap) -> bool:
    """Whether a fixture hands out a mock: its returned/yielded value is a mock call or a
    name bound to one (by assignment or ``with patch(...) as name``)."""
    parameters = parameters_of([function])
    mock_names: set[str] = set()
    for node in walk_nodes(function):
        if isinstance(node, ast.Assign) and is_mock_call(_unwrap_start(node.value), imports, parameters):
            mock_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if is_mock_call(item.context_expr, imports, parameters) and isinstance(item.optional_vars, ast.Name):
                    mock_names.add(item.optional_vars.id)
    installers = {node.name for node in function.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and _installs_fakes(node, imports, parameters)}
    for node in walk_nodes(function):
        if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            value = _unwrap_start(node.value)
            if is_mock_call(value, imports, parameters) or (isinstance(value, ast.Name) and value.id in mock_names | installers):
                return True
    return False


def _installs_fakes(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportMap, parameters: set[str]) -> bool:
    """A function a fixture defines and hands out (``install_http(module, payload=…)``) that
    patches in a fake when the test calls it: the test runs against what it installs."""
    parameters = parameters | parameters_of([function])
    return any(is_mock_call(node, imports, parameters) for node in walk_nodes(function))


def _unwrap_start(node: ast.AST) -> ast.AST:
    """``patch("x").start()`` → ``patch("x")``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "start":
        return node.func.value
    return node


class IntegrationDoublesIndexer(Indexer):
    name = TEST_DOUBLES
    languages = frozenset({Language.PYTHON})
    tokens = (b"def test", b"fixture")

    def admits(self, source: "SourceFile", project: Any) -> bool:
        """A test file that can hold an integration test, or a fixture that hands out a mock;
        the unit-test files of a suite — most of its files — contribute nothing."""
        if source.zone not in TEST_ZONES:
            return False
        return may_hold_integration_tests(source) or (may_define_fixture(source) and may_create_mock(source))

    def extract(self, source: "SourceFile", tree: ast.Module) -> dict[str, Any] | None:
        if source.zone not in (Zone.TEST, Zone.INTEGRATION_TEST):
            return None
        imports = ImportMap(source.module, source.name == "__init__.py")
        imports.record_module_level(tree)
        markers = source.settings.integration_test_markers
        facts: dict[str, Any] = {"mock_fixtures": {}, "integration_tests": 0, "mocked_integration_tests": 0}
        self._scan(tree.body, [], source, imports, markers, facts, integration_module(source, tree))
        if not facts["mock_fixtures"] and not facts["integration_tests"]:
            return None
        return facts

    def _scan(self, body, parents, source, imports, markers, facts, integration) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                self._scan(node.body, parents + [node], source, imports, markers, facts, integration)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if fixture_decorator(node) is not None and returns_mock(node, imports):
                    facts["mock_fixtures"][node.name] = node.lineno - 1
                elif is_test_function(node) and (
                    integration or marked_integration(parents + [node], markers)
                ):
                    facts["integration_tests"] += 1
                    parameters = parameters_of([node])
                    decorators_mock = any(is_mock_call(d, imports, parameters) for d in node.decorator_list)
                    if decorators_mock or any(is_mock_call(n, imports, parameters) for n in walk_nodes(node)):
                        facts["mocked_integration_tests"] += 1
