"""Test tiers from content: a test module is an integration test when pytest marks it so
(``pytestmark = pytest.mark.integration`` or a list of marks). Marks on single functions or
classes are a per-test matter that the ISO5xx rules read themselves."""

from __future__ import annotations

import ast


def marker_names(expr: ast.expr) -> set[str]:
    """``pytest.mark.integration`` / ``mark.e2e(...)`` / lists of them → {"integration", "e2e"}."""
    names: set[str] = set()
    nodes = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    for node in nodes:
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Attribute, ast.Name)):
            owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
            if owner == "mark":
                names.add(node.attr)
    return names


def is_integration_module(tree: ast.Module, markers: list[str]) -> bool:
    wanted = set(markers)
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets) and statement.value:
                if marker_names(statement.value) & wanted:
                    return True
    return False
