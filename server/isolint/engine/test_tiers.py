"""Test tiers from content: a test module is an integration test when pytest marks it so
(``pytestmark = pytest.mark.integration`` or a list of marks). Marks on single functions or
classes are a per-test matter that the ISO5xx rules read themselves."""

from __future__ import annotations

import ast

from isolint.rules.test_isolation.knowledge import marker_names


def is_integration_module(tree: ast.Module, markers: list[str]) -> bool:
    wanted = set(markers)
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets) and statement.value:
                if marker_names(statement.value) & wanted:
                    return True
    return False
