"""Python analysis: one ``ast`` parse, one traversal, every active rule's visitors.

The walk is iterative (deeply nested expressions cannot overflow the interpreter stack) and
dispatches each node to the ``visit_<Type>`` methods of the rules that define one, then, after
the node's children, to ``leave_<Type>``. Rules read context (parents, enclosing function,
imports, docstrings) from :class:`PythonContext` instead of walking the tree again.

A visitor function marked ``shared_visitor = True`` feeds one per-file object several rules
share (the ISO3xx tracker: seven rules, one observation per node). When several rules of a file
have it for the same node type it runs once per node, for the first of them that has not
crashed, where the first of them stands in the dispatch order.
"""

from __future__ import annotations

import ast
import io
import logging
import tokenize
import warnings
from collections import defaultdict
from functools import lru_cache
from typing import Any, Callable, Iterable

from isolint.core.context import PythonContext
from isolint.core.model import Finding, Zone
from isolint.core.rule import Rule, is_shared_visitor
from isolint.core.scratch import Key, Lifetime
from isolint.core.source import SourceFile
from isolint.core.suppression import Suppressions, scan_line_comments
from isolint.core.test_tiers import is_integration_module
from isolint.core.tree_view import child_fields
from isolint.engine.checkpoints import checkpoint
from isolint.core.libcst_bound import TooLongForLibcst
from isolint.engine.newer_syntax import downlevel, looks_like_template
from isolint.engine.runners import LanguageRunner, ParseFailure

log = logging.getLogger(__name__)

FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)
_FUNCTION_TYPE_SET = frozenset(FUNCTION_TYPES)
_IMPORT_TYPES = frozenset({ast.Import, ast.ImportFrom})
_BODY_TYPES = frozenset(t for t in vars(ast).values() if isinstance(t, type) and issubclass(t, ast.AST)
                        and "body" in getattr(t, "_fields", ()))
# Leaf-like nodes that carry no positions (contexts, operators): skipped unless a rule visits them.
_TRIVIAL_TYPES = frozenset(
    t for base in (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    for t in base.__subclasses__()
)
_LEAVE = object()  # stack sentinel: leave the node on top of ``parents``


_IMPORT, _BODY, _FUNCTION, _CLASS = 1, 2, 4, 8
_SCOPE = _FUNCTION | _CLASS


def _tracked(node_type: type) -> int:
    """What the walk itself records for nodes of this type (context for the rules)."""
    return ((_IMPORT if node_type in _IMPORT_TYPES else 0) | (_BODY if node_type in _BODY_TYPES else 0)
            | (_FUNCTION if node_type in _FUNCTION_TYPE_SET else 0) | (_CLASS if node_type is ast.ClassDef else 0))


def parse_python(source: SourceFile) -> ast.Module:
    """The file's tree; syntax newer than the running interpreter is read through
    :func:`~isolint.engine.newer_syntax.downlevel` rather than reported as unparseable."""
    return parse_python_as_written(source)[0]


#: the text ``downlevel`` rewrote (``""``: it could not), kept with the file's text: a file the
#: CLI parses in both phases, or the language server in consecutive checks of one text, goes
#: through libcst (50 ms to a second) once
_DOWNLEVELED: Key[str] = Key("engine.downleveled-text", Lifetime.TEXT)
#: why ``downlevel`` refused the text (:class:`TooLongForLibcst`), reported instead of the
#: running interpreter's complaint about syntax it does not know
_DOWNLEVEL_REFUSAL: Key[TooLongForLibcst] = Key("engine.downlevel-refusal", Lifetime.TEXT)


def parse_python_as_written(source: SourceFile) -> tuple[ast.Module, bool]:
    """``parse_python``, and whether the text parsed as written (False: through ``downlevel``,
    whose tree's positions are those of a rewritten text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes must not hit stderr
        known = source.scratch.get(_DOWNLEVELED)
        if known:
            return ast.parse(known, filename=source.rel_path), False
        try:
            return ast.parse(source.text, filename=source.rel_path), True
        except SyntaxError as exc:
            if known is None:
                try:
                    known = source.scratch.put(_DOWNLEVELED, downlevel(source.text, exc) or "")
                except TooLongForLibcst as refusal:
                    known = source.scratch.put(_DOWNLEVELED, "")
                    source.scratch.put(_DOWNLEVEL_REFUSAL, refusal)
            rewritten = known or None
            if rewritten is not None:
                return ast.parse(rewritten, filename=source.rel_path), False
            if (refusal := source.scratch.get(_DOWNLEVEL_REFUSAL)) is not None:
                position = source.position_at(refusal.offset)
                raise ParseFailure(str(refusal), position.line, position.column) from exc
            if exc.lineno is None and (nul := source.text.find("\x00")) >= 0:
                # Python refuses a NUL anywhere in source and says so without a position
                position = source.position_at(nul)
                line, column = position.line, position.column
            else:
                line = max((exc.lineno or 1) - 1, 0)
                column = source.column_from_byte(line, max((exc.offset or 1) - 1, 0))
            raise ParseFailure(f"{exc.msg}", line, column, template=looks_like_template(source.text)) from exc
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            raise ParseFailure(f"cannot parse: {type(exc).__name__}: {exc}", 0, 0) from exc


Handler = Callable[[ast.AST, PythonContext], None]


@lru_cache(maxsize=None)
def _visitor_methods(rule_class: type) -> tuple[tuple[str, type, bool], ...]:
    """(attribute, node type, is a ``visit_``) for each visitor a rule class defines."""
    found = []
    for attr in dir(rule_class):
        if attr.startswith("visit_") or attr.startswith("leave_"):
            node_type = getattr(ast, attr.split("_", 1)[1], None)
            if isinstance(node_type, type):
                found.append((attr, node_type, attr.startswith("visit_")))
    return tuple(found)


def _dispatch_tables(rules: Iterable[Rule]) -> tuple[dict[type, list[tuple[Rule, Handler]]], dict[type, list[tuple[Rule, Handler]]]]:
    visit: dict[type, list] = defaultdict(list)
    leave: dict[type, list] = defaultdict(list)
    for rule in rules:
        for attr, node_type, is_visit in _visitor_methods(type(rule)):
            (visit if is_visit else leave)[node_type].append((rule, getattr(rule, attr)))
    return visit, leave


class _SharedGroup:
    """The rules sharing one ``shared_visitor`` function for one node type. Their slot in the
    dispatch table holds the first of them that has not crashed (no extra call per node)."""

    def __init__(self, handlers: list, index: int, members: list[tuple[Rule, Handler]]) -> None:
        self.handlers, self.index, self.members = handlers, index, members

    def skip_broken(self, broken: set) -> None:
        if self.handlers[self.index][0] in broken:
            self.handlers[self.index] = next((m for m in self.members if m[0] not in broken), self.handlers[self.index])


def _share_visitors(table: dict[type, list]) -> list[_SharedGroup]:
    found: list[_SharedGroup] = []
    for node_type, handlers in table.items():
        groups: dict[Any, list] = {}
        for rule, handler in handlers:
            function = handler.__func__
            if is_shared_visitor(function):
                groups.setdefault(function, []).append((rule, handler))
        if not any(len(members) > 1 for members in groups.values()):
            continue
        shared: list = []
        placed: set = set()
        for rule, handler in handlers:
            members = groups.get(handler.__func__)
            if members is None or len(members) == 1:
                shared.append((rule, handler))
            elif handler.__func__ not in placed:
                placed.add(handler.__func__)
                found.append(_SharedGroup(shared, len(shared), members))
                shared.append(members[0])
        table[node_type] = shared
    return found


def collect_suppressions(source: SourceFile) -> Suppressions:
    """Comments via ``tokenize`` (strings never count); line scan when tokenizing fails."""
    suppressions = Suppressions()
    if "isolint:" not in source.text:
        return suppressions
    try:
        for token in tokenize.generate_tokens(io.StringIO(source.text).readline):
            if token.type == tokenize.COMMENT and "isolint:" in token.string:
                suppressions.add_comment(token.start[0] - 1, token.start[1], token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return scan_line_comments(source.text, "#")
    return suppressions


def run_python_rules(
    source: SourceFile, tree: ast.Module, rules: list[Rule], project: Any = None
) -> tuple[list[Finding], list[str]]:
    """Walk ``tree`` once for all ``rules``; returns findings and the rules that crashed."""
    ctx = PythonContext(source, project)
    ctx.tree = tree
    ctx.imports.record_module_level(tree)
    visit, leave = _dispatch_tables(rules)
    broken: set[Rule] = set()
    crashed: list[str] = []

    def fail(rule: Rule) -> None:  # a rule bug must never take the file (or the server) down
        log.exception("rule %s crashed on %s", rule.code, source.rel_path)
        broken.add(rule)
        crashed.append(rule.code)
        for group in groups:
            group.skip_broken(broken)

    def call(rule: Rule, handler: Callable, *args: Any) -> None:
        if rule in broken:
            return
        try:
            handler(*args)
        except Exception:
            fail(rule)

    groups = _share_visitors(visit) + _share_visitors(leave)

    for rule in rules:
        call(rule, rule.begin_file, ctx)

    _walk(tree, ctx, visit, leave, broken, fail)

    for rule in rules:
        call(rule, rule.end_file, ctx)
    # Rules' per-file objects refer back to the context (the ISO3xx tracker resolves names
    # through it): dropping them lets reference counting free the tree now, instead of leaving
    # a cycle of the whole parse to the garbage collector.
    source.scratch.end_check()
    return ctx.findings, crashed


def _walk(tree: ast.Module, ctx: PythonContext, visit: dict[type, list[tuple[Rule, Handler]]],
          leave: dict[type, list[tuple[Rule, Handler]]], broken: set[Rule], fail: Callable[[Rule], None]) -> None:
    """One pre-order traversal: every node to its ``visit`` handlers, and after its children to
    its ``leave`` handlers, with the context's parents, functions and classes kept current."""
    # The walk is the hot loop of every check: a sentinel on the stack marks "leave the node on
    # top of ``parents``", children come from ``_fields`` directly, and nodes no rule can care
    # about (Load/Store contexts, operators) are never pushed.
    skip = _TRIVIAL_TYPES.difference(visit, leave)
    skipped_trivial = skip == _TRIVIAL_TYPES
    # per node type, looked up once per node: (what the walk tracks, child fields in reverse
    # order, visit handlers, leave handlers)
    types: dict[type, tuple[int, tuple[str, ...], list | None, list | None]] = {}
    parents, functions, classes = ctx.parents, ctx.functions, ctx.classes
    record_import, mark_strings = ctx.record_import, ctx.mark_string_statements
    stack: list[Any] = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if node is _LEAVE:
            node = parents.pop()
            tracked, _, _, handlers = types[type(node)]
            if tracked & _SCOPE:
                (functions if tracked & _FUNCTION else classes).pop()
            if handlers:
                for rule, handler in handlers:
                    if rule not in broken:
                        try:
                            handler(node, ctx)
                        except Exception:
                            fail(rule)
            continue
        node_type = type(node)
        info = types.get(node_type)
        if info is None:
            info = types[node_type] = (_tracked(node_type), child_fields(node_type, not skipped_trivial)[::-1],
                                       visit.get(node_type), leave.get(node_type))
        tracked, names, handlers, leave_handlers = info
        if tracked:
            if tracked & _IMPORT and parents and type(parents[-1]) is not ast.Module:
                record_import(node)  # function-level imports; module level was pre-scanned
            if tracked & _BODY:
                body = node.body
                if type(body) is list:
                    mark_strings(body)
        if handlers:
            for rule, handler in handlers:  # ``call`` inlined: this loop runs for every node
                if rule not in broken:
                    try:
                        handler(node, ctx)
                    except Exception:
                        fail(rule)
        if names or tracked:
            depth = len(stack)
            push(_LEAVE)  # children go above it, last field first, so they pop in source order
            for name in names:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, ast.AST) and type(item) not in skip:
                            push(item)
                elif isinstance(value, ast.AST) and type(value) not in skip:
                    push(value)
            if len(stack) > depth + 1 or tracked & _SCOPE:
                parents.append(node)
                if tracked & _SCOPE:
                    (functions if tracked & _FUNCTION else classes).append(node)
                    checkpoint()
                continue
            pop()  # no children after all
        # a leaf (most names and constants, whose types hold no child): left at once, in the
        # state a leave sees
        if leave_handlers:
            for rule, handler in leave_handlers:
                if rule not in broken:
                    try:
                        handler(node, ctx)
                    except Exception:
                        fail(rule)


def refine_zone(source: SourceFile, tree: ast.Module) -> bool:
    """A test module marked as integration (``pytestmark``) moves to the integration-test zone."""
    if source.zone is not Zone.TEST or not is_integration_module(tree, source.settings.integration_test_markers):
        return False
    source.zone = Zone.INTEGRATION_TEST
    return True


RUNNER = LanguageRunner(parse_python, run_python_rules, lambda source, tree: collect_suppressions(source),
                        refine_zone, keeps_tree=True)
