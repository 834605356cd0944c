"""TypeScript/JavaScript analysis: one tolerant tree-sitter parse, one traversal, every rule.

tree-sitter never rejects a file: half-typed code yields ERROR/MISSING nodes and the rest of the
tree stays usable, so the LSP keeps serving a ``.ts`` buffer while it is being edited. The
``tsx`` grammar is used for ``.tsx``/``.jsx`` and plain JavaScript (React code commonly puts JSX
in ``.js`` files, and JavaScript has no ``<T>expr`` casts the tsx grammar would misread); the
``typescript`` grammar for ``.ts``/``.mts``/``.cts``, where ``<T>expr`` casts are legal.

Rules either define ``check_typescript(tree, ctx)`` or ``visit_<node_type>(node, ctx)`` /
``leave_<node_type>(node, ctx)`` methods named after tree-sitter node types
(``visit_call_expression``); the runner walks the tree once for all of them.

tree-sitter reports byte columns; :meth:`TypeScriptContext.range` converts them to the engine's
code-point columns through :meth:`SourceFile.column_from_byte` (the only conversion point).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Callable

import tree_sitter
import tree_sitter_typescript

from isolint.core.context import TypeScriptContext, node_text
from isolint.core.model import Finding
from isolint.core.rule import Rule
from isolint.core.source import SourceFile
from isolint.core.suppression import Suppressions
from isolint.engine.runners import LanguageRunner

log = logging.getLogger(__name__)

TSX_SUFFIXES = (".tsx", ".jsx", ".js", ".mjs", ".cjs")
_parsers = threading.local()  # a Parser is not thread-safe; the LSP parses on worker threads


@lru_cache(maxsize=2)
def _language(tsx: bool) -> tree_sitter.Language:
    binding = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    return tree_sitter.Language(binding)


def _parser(tsx: bool) -> tree_sitter.Parser:
    key = "tsx" if tsx else "typescript"
    parser = getattr(_parsers, key, None)
    if parser is None:
        parser = tree_sitter.Parser(_language(tsx))
        setattr(_parsers, key, parser)
    return parser


def uses_tsx_grammar(path: str) -> bool:
    return PurePosixPath(path).name.lower().endswith(TSX_SUFFIXES)


def parse_typescript(source: SourceFile | str, path: str = "file.ts") -> tree_sitter.Tree:
    """Parse a source (or plain text as the file at ``path``); never raises on bad syntax."""
    if isinstance(source, SourceFile):
        raw, path = source.raw, source.rel_path
    else:
        raw = source.encode("utf-8", errors="surrogatepass")
    return _parser(uses_tsx_grammar(path)).parse(raw)


Handler = Callable[[tree_sitter.Node, TypeScriptContext], None]


def _dispatch_tables(rules: list[Rule]) -> tuple[dict[str, list[tuple[Rule, Handler]]], dict[str, list[tuple[Rule, Handler]]]]:
    """``visit_call_expression`` → table["call_expression"]. tree-sitter node types are
    lower snake case, so they never collide with the Python runner's ``visit_Call``."""
    visit: dict[str, list] = defaultdict(list)
    leave: dict[str, list] = defaultdict(list)
    for rule in rules:
        for attr in dir(type(rule)):
            prefix, _, node_type = attr.partition("_")
            if prefix in ("visit", "leave") and node_type and node_type.islower():
                (visit if prefix == "visit" else leave)[node_type].append((rule, getattr(rule, attr)))
    return visit, leave


def run_typescript_rules(
    source: SourceFile, tree: tree_sitter.Tree, rules: list[Rule], project: Any = None
) -> tuple[list[Finding], list[str]]:
    """Run every rule on one parse; returns findings and the codes of rules that crashed."""
    ctx = TypeScriptContext(source, tree, project)
    broken: set[int] = set()
    crashed: list[str] = []

    def call(rule: Rule, handler: Callable, *args: Any) -> None:
        if id(rule) in broken:
            return
        try:
            handler(*args)
        except Exception:  # a rule bug must never take the file (or the server) down
            log.exception("rule %s crashed on %s", rule.code, source.rel_path)
            broken.add(id(rule))
            crashed.append(rule.code)

    visit, leave = _dispatch_tables(rules)
    if visit or leave:
        _walk(tree, visit, leave, ctx, call)
    for rule in rules:
        call(rule, rule.check_typescript, tree, ctx)
    return ctx.findings, crashed


def _walk(tree: tree_sitter.Tree, visit, leave, ctx: TypeScriptContext, call) -> None:
    """Pre-order walk with a cursor (no recursion, no child lists materialized)."""
    cursor = tree.walk()
    while True:
        node = cursor.node
        for rule, handler in visit.get(node.type, ()):
            call(rule, handler, node, ctx)
        if cursor.goto_first_child():
            continue
        for rule, handler in leave.get(node.type, ()):
            call(rule, handler, node, ctx)
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            parent = cursor.node
            for rule, handler in leave.get(parent.type, ()):
                call(rule, handler, parent, ctx)


def iter_nodes(root: tree_sitter.Node, types: frozenset[str] | None = None):
    """Every node under ``root`` (pre-order), optionally only those of ``types``."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if types is None or node.type in types:
            yield node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():  # a cursor never climbs above the node it started at
                return


def typescript_suppressions(source: SourceFile, tree: tree_sitter.Tree) -> Suppressions:
    """``// isolint: ignore[ISO401]`` from real comments: text inside a string never counts."""
    suppressions = Suppressions()
    if "isolint:" not in source.text:
        return suppressions
    for comment in iter_nodes(tree.root_node, frozenset({"comment"})):
        text = node_text(comment)
        if "isolint:" not in text:
            continue
        row, byte_column = comment.start_point
        for offset, line in enumerate(text.split("\n")):
            if "isolint:" not in line:
                continue
            line_index = row + offset
            # continuation lines of a block comment start at column 0 of the source line
            column = source.column_from_byte(line_index, byte_column) if offset == 0 else 0
            suppressions.add_comment(line_index, column, line.rstrip("\r"))
    return suppressions


RUNNER = LanguageRunner(parse_typescript, run_typescript_rules, typescript_suppressions)
