"""Finding what a module imports and which project file (and service) each import loads.

Shared by the ISO6xx rules so they agree on resolution: absolute and relative imports,
``from pkg import submodule``, and ``importlib.import_module("literal")`` / ``__import__``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Iterator

from isolint.core.model import Zone
from isolint.core.modules import module_of_rel, resolve_relative_module
from isolint.core.rule import TEST_ZONES, Rule
from isolint.rules.service_independence.sys_path import sys_path_roots

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

IMPORT_TOKENS = (b"import",)
#: folders under a service that form its public face (other services may import them)
PUBLIC_PARTS = frozenset({"client", "clients", "sdk", "public", "contracts", "interface", "interfaces", "api_client"})
DYNAMIC_IMPORTERS = frozenset({"importlib.import_module", "__import__"})


@dataclass(frozen=True)
class ResolvedImport:
    node: ast.AST  # the statement, alias or call to report on
    module: str  # the dotted name as written (after resolving relative dots)
    target_rel: str  # project file it loads
    target_module: str  # canonical dotted name of that file, relative to the project root
    target_service: str | None
    target_shared: bool


def applies_in(source: "SourceFile") -> bool:
    """Production code always; a service's own tests unless ``check-test-imports`` is off: tests
    inside its folder, and unit tests in a test tree that mirrors the services
    (``tests/unit/model_server/…``: which service, ``ServiceMap.test_owner`` decides with the
    project). Other tests outside every service (end-to-end and integration suites that drive
    several services) import no service of their own to be independent of."""
    if source.zone is Zone.PRODUCTION:
        return True
    if source.zone not in TEST_ZONES or not source.settings.check_test_imports:
        return False
    return source.service is not None or source.zone is Zone.TEST


def importing_service(source: "SourceFile", services: Any) -> str | None:
    """The service whose independence an import in ``source`` is judged for."""
    own = services.service_of(source.rel_path)
    if own is None and source.zone is Zone.TEST:
        return services.test_owner(source.rel_path)
    return own


def imported_modules(node: ast.AST, ctx: "PythonContext") -> Iterator[tuple[ast.AST, str]]:
    """(report node, dotted module) pairs for an import statement or a dynamic import call."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias, alias.name
    elif isinstance(node, ast.ImportFrom):
        base = _absolute_from(node, ctx)
        if not base:
            return
        for alias in node.names:  # reported on the statement: the module is what crosses the line
            yield node, base if alias.name == "*" else f"{base}.{alias.name}"
    elif isinstance(node, ast.Call) and node.args:
        name = ctx.qualified_name(node.func)
        first = node.args[0]
        if name in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            package = next((k.value for k in node.keywords if k.arg == "package"), None)
            module = first.value
            if module.startswith(".") and isinstance(package, ast.Constant) and isinstance(package.value, str):
                dots = len(module) - len(module.lstrip("."))
                module = resolve_relative_module(package.value, module.lstrip("."), dots, is_package=True)
            if not module.startswith("."):
                yield node, module


def _absolute_from(node: ast.ImportFrom, ctx: "PythonContext") -> str:
    if not node.level:
        return node.module or ""
    return resolve_relative_module(ctx.source.module, node.module, node.level, ctx.source.name == "__init__.py")


def resolve(node: ast.AST, ctx: "PythonContext", path_roots: tuple[str, ...] = ()) -> Iterator[ResolvedImport]:
    """Imports of ``node`` that load a file of this project (``path_roots``: folders the module
    put on ``sys.path`` itself)."""
    project = ctx.project
    if project is None or not hasattr(project, "resolve_module"):
        return
    services = project.services
    for report_node, module in imported_modules(node, ctx):
        target = project.resolve_module(module, ctx.source.rel_path, path_roots)
        if target is None and "." in module and isinstance(node, ast.ImportFrom):
            target = project.resolve_module(module.rsplit(".", 1)[0], ctx.source.rel_path, path_roots)
        if target is None:
            continue
        yield ResolvedImport(
            node=report_node,
            module=module,
            target_rel=target,
            target_module=module_of_rel(target),
            target_service=services.service_of(target),
            target_shared=services.is_shared(target),
        )


def is_public_part(target_rel: str, service_folder: str) -> bool:
    inside = PurePosixPath(target_rel).relative_to(service_folder).parts
    return any(part in PUBLIC_PARTS for part in inside[:-1]) or (
        bool(inside) and PurePosixPath(inside[-1]).stem in PUBLIC_PARTS
    )


class ImportBoundaryRule(Rule):
    """Base of the ISO6xx rules: visits every import form and hands each import that loads a
    project file to ``check``."""

    tokens = IMPORT_TOKENS
    path_roots: tuple[str, ...] = ()

    @classmethod
    def applies_to(cls, source: "SourceFile") -> bool:
        return applies_in(source)

    def begin_file(self, ctx: "PythonContext") -> None:
        # folders this module puts on sys.path before importing from another service's folder
        self.path_roots = sys_path_roots(ctx.tree, ctx) if ctx.tree is not None and b"sys.path" in ctx.source.raw else ()

    def visit_Import(self, node: ast.Import, ctx: "PythonContext") -> None:
        self._visit(node, ctx)

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx: "PythonContext") -> None:
        self._visit(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: "PythonContext") -> None:
        if node.args and isinstance(node.args[0], ast.Constant):
            self._visit(node, ctx)

    def _visit(self, node: ast.AST, ctx: "PythonContext") -> None:
        for resolved in resolve(node, ctx, self.path_roots):
            self.check(resolved, ctx)

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        """Without a project there is nothing to resolve an import to; subclasses add what the
        service map must hold for them to be able to report in ``source`` — most codebases are
        one service without a shared package, and then no file is parsed for these rules."""
        return project is not None and hasattr(project, "services")

    def check(self, resolved: ResolvedImport, ctx: "PythonContext") -> None:  # pragma: no cover
        raise NotImplementedError
