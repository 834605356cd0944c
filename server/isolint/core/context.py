"""What a rule sees: the declared interface between the engine and the rules.

Rules import these types from here, never from the engine. The engine's runners build one
context per checked file and language; a rule receives it in each of its hooks
(:class:`isolint.core.rule.Rule`):

* :class:`RuleContext` — every language: the source, its settings, the project's cross-file
  view (:class:`Project`) and ``report``;
* :class:`PythonContext` — the Python walk's position: parents, enclosing functions and
  classes, the file's imports;
* :class:`DotenvContext` with the parsed :class:`DotenvDocument`;
* :class:`TypeScriptContext` with the tree-sitter tree (nodes are read through
  :class:`SyntaxNode`, so this layer does not import tree-sitter).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol, runtime_checkable

from isolint.core.masking import mask_secret_shapes
from isolint.core.model import Finding, Fix, Position, Range, RelatedLocation
from isolint.core.modules import ImportMap
from isolint.core.rule import Rule
from isolint.core.scratch import Scratch
from isolint.core.source import SourceFile


class Services(Protocol):
    """The project's service map: which top-level folders are services, which are shared."""

    services: dict[str, str]  # service name -> its folder (relative POSIX path)
    shared: list[str]

    def service_of(self, rel_path: str) -> str | None: ...

    def is_shared(self, rel_path: str) -> bool: ...


class Project(Protocol):
    """What a rule may read of the project (the engine's ``ProjectIndex``): cross-file facts
    written by the indexers, and module resolution for the service boundaries. Absent
    (``ctx.project is None``) when a file is checked outside any project."""

    services: Services
    #: bumped on every change of the facts: a rule caching a merged view keys it on this
    generation: int

    def facts(self, kind: str) -> dict[str, Any]:
        """``{rel_path: facts}`` of one fact kind (an :class:`~isolint.core.rule.Indexer`'s name)."""
        ...

    def resolve_module(self, module: str, importer_rel: str, path_roots: tuple[str, ...] = ()) -> str | None: ...

    def names_into_services(self, importer_rel: str, exempt: str | None) -> frozenset[str]: ...

    def declares_dependency(self, importer: str, target: str) -> bool: ...

    def relative_reach_level(self, package: str, importer_rel: str, exempt: str | None) -> int: ...


@runtime_checkable
class SyntaxNode(Protocol):
    """The part of a tree-sitter node the contexts read (rows and byte columns)."""

    start_point: tuple[int, int]
    end_point: tuple[int, int]
    text: bytes | None


class RuleContext:
    """Every language's context: ``source``, ``settings``, ``project`` and ``report``."""

    def __init__(self, source: SourceFile, project: Project | None = None) -> None:
        self.source = source
        self.settings = source.settings
        self.project = project
        self.findings: list[Finding] = []

    def report(
        self,
        rule: type[Rule] | Rule,
        where: Any,
        *,
        fix: Fix | None = None,
        data: Mapping[str, Any] | None = None,
        related: Iterable[tuple[Any, str]] = (),
        **fields: Any,
    ) -> Finding:
        """Record a finding at ``where`` (a Range, or a node the language context can place);
        the message is the rule's template filled with ``fields`` (a value in a provider token's
        format masked: a message quoting code never shows a key in full). ``related`` gives the
        other places of the same problem as ``(where, message)`` pairs in this file."""
        range_ = where if isinstance(where, Range) else self.range(where)
        locations = sorted((RelatedLocation(place if isinstance(place, Range) else self.range(place),
                                            mask_secret_shapes(text)) for place, text in related),
                           key=lambda location: location.range)
        finding = Finding(
            code=rule.code,
            message=mask_secret_shapes(rule.message.format(**fields)) if fields else rule.message,
            range=range_,
            severity=rule.severity,
            fix=fix,
            path=self.source.rel_path,
            data=dict(data or {}),
            related=tuple(locations),
        )
        self.findings.append(finding)
        return finding

    @property
    def scratch(self) -> Scratch:
        """The file's scratch store (``core/scratch.py``): work rules share during one check."""
        return self.source.scratch

    def range(self, node: Any) -> Range:  # overridden per language
        raise TypeError(f"cannot place a finding at {type(node).__name__}")


class PythonContext(RuleContext):
    """What a rule sees while the walk is at a node."""

    def __init__(self, source: SourceFile, project: Project | None = None) -> None:
        super().__init__(source, project)
        self.parents: list[ast.AST] = []
        self.functions: list[ast.AST] = []
        self.classes: list[ast.ClassDef] = []
        self.imports = ImportMap(source.module, is_package=source.name == "__init__.py")
        self._string_statements: set[int] = set()
        self.tree: ast.Module | None = None

    # -- positions ---------------------------------------------------------------------------
    def range(self, node: ast.AST) -> Range:
        start = self.source.position_from_ast(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end_lineno = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = node.col_offset  # type: ignore[attr-defined]
        return Range(start, self.source.position_from_ast(end_lineno, end_col))

    def text_of(self, node: ast.AST) -> str:
        return self.source.text_in(self.range(node))

    # -- structure ---------------------------------------------------------------------------
    @property
    def parent(self) -> ast.AST | None:
        return self.parents[-1] if self.parents else None

    def ancestor(self, levels: int) -> ast.AST | None:
        return self.parents[-levels] if len(self.parents) >= levels else None

    @property
    def current_function(self) -> ast.AST | None:
        return self.functions[-1] if self.functions else None

    @property
    def in_async_function(self) -> bool:
        return isinstance(self.current_function, ast.AsyncFunctionDef)

    @property
    def at_module_level(self) -> bool:
        return not self.functions and not self.classes

    def is_docstring(self, node: ast.AST) -> bool:
        """True for a string literal that is a statement of its own (docstrings, bare strings)."""
        return id(node) in self._string_statements

    # -- names -------------------------------------------------------------------------------
    def qualified_name(self, node: ast.AST) -> str | None:
        """``os.getenv`` for ``getenv`` after ``from os import getenv``; None for non-names."""
        return self.imports.qualified_name(node)

    def record_import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.imports.record(node)

    def mark_string_statements(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                self._string_statements.add(id(statement.value))


@dataclass(frozen=True)
class DotenvEntry:
    key: str
    value: str
    line: int  # 0-based line of the key
    key_range: Range
    value_range: Range  # the raw value including quotes; empty range right after '=' if no value
    quote: str  # "", "'" or '"'
    comment: str  # the inline comment, if any (with its '#')


@dataclass
class DotenvDocument:
    entries: list[DotenvEntry] = field(default_factory=list)
    invalid_lines: list[int] = field(default_factory=list)

    def get(self, key: str) -> DotenvEntry | None:
        return next((e for e in reversed(self.entries) if e.key == key), None)


class DotenvContext(RuleContext):
    def __init__(self, source: SourceFile, document: DotenvDocument, project: Project | None = None) -> None:
        super().__init__(source, project)
        self.document = document

    def range(self, node: Any) -> Range:
        if isinstance(node, DotenvEntry):
            return Range(node.key_range.start, node.value_range.end)
        if isinstance(node, Position):
            return Range(node, node)
        return super().range(node)


class TypeScriptContext(RuleContext):
    """What a TypeScript rule sees: the source, the tree, and ranges for tree-sitter nodes."""

    def __init__(self, source: SourceFile, tree: Any, project: Project | None = None) -> None:
        super().__init__(source, project)
        self.tree = tree

    def position(self, point: tuple[int, int]) -> Position:
        row, byte_column = point
        return Position(row, self.source.column_from_byte(row, byte_column))

    def range(self, node: Any) -> Range:
        if isinstance(node, Range):
            return node
        if isinstance(node, SyntaxNode):
            return Range(self.position(node.start_point), self.position(node.end_point))
        return super().range(node)

    def text_of(self, node: SyntaxNode) -> str:
        return node_text(node)


def node_text(node: SyntaxNode) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
