"""The ``session-factories`` indexer: what other modules may import from this one, and how
this file opens its sessions.

Facts per file (JSON):

* ``module``: the dotted module name;
* ``definitions``: module-level names bound to session factories, engines, pools, clients or
  sessions, and functions returning a new session (``{"kind": "session-factory",
  "async": false, "library": "SQLAlchemy"}``, ``"function": true`` for functions);
* ``classes``: module-level classes with methods returning a new session, their own or
  inherited from a class of the module (``{"BaseDao": {"methods": {"get_raw_session":
  {"kind": "session", …}}, "bases": [qualified…]}}``): ``self.get_raw_session()`` in a
  subclass of another module opens that session;
* ``engines``: 0-based lines creating an engine (ISO304 counts modules per service);
* ``script``: true for a module with engines that runs as a script (``if __name__ == "__main__"``);
* ``imports``: for a module whose name says it owns database set-up, every module it imports
  from (ISO304: the engine factories it calls are part of the central set-up);
* ``imported_values``: the engines the module imports by name from others (named as one:
  ``engine``, ``reports_engine``), ``module.name`` (ISO304: a module the rest of a service
  imports an engine from is its set-up; a production module that only imports an engine is
  indexed for this alone; other imports are not kept, so editing them changes no fact);
* ``with_creations``: creations entered with ``with`` / ``async with`` or closed in a
  ``finally`` (the audit's metric): ``known`` counts those isolint typed in this file alone,
  ``pending`` lists the imported callees to look up in the other files' definitions.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Callable

from isolint.core.model import Language, Zone
from isolint.core.modules import ImportMap
from isolint.core.rule import Indexer
from isolint.rules.common.scope import LEAF_NODE_TYPES, child_nodes_except
from isolint.rules.lifecycle.admission import census_may_record, is_engine_value_name
from isolint.rules.lifecycle.libraries import LIFECYCLE_TOKENS, Kind
from isolint.rules.lifecycle.model import FACT_KIND, FileModel
from isolint.rules.lifecycle.placement import (imported_modules, imported_values, is_migration_env, is_script,
                                               owns_database_setup)
from isolint.rules.lifecycle.tracking import FUNCTION_NODES, PENDING, Tracker

if TYPE_CHECKING:
    from isolint.core.source import SourceFile


class _CensusContext:
    """The slice of the Python runner's context the tracker reads, for a walk of a bare tree."""

    project = None

    def __init__(self, source: "SourceFile", tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.imports = ImportMap(source.module, source.name == "__init__.py")
        self.imports.record_module_level(tree)
        self.parents: list[ast.AST] = []
        self.classes: list[ast.ClassDef] = []
        self.state: dict[str, Any] = {}

    def qualified_name(self, node: ast.AST) -> str | None:
        return self.imports.qualified_name(node)


_LEAVE = object()  # stack sentinel: leave the node on top of ``ctx.parents``


def census(source: "SourceFile", tree: ast.Module) -> tuple[Tracker, list[int]]:
    """Walk ``tree`` once with a census-mode tracker; returns it and the engine-creation lines.

    The same walk as the Python runner's (parents, classes, leave after the children), kept
    lean: it runs on every keystroke of a file that mentions a database library. A function
    whose text holds none of ``_may_count``'s words is not walked at all."""
    ctx = _CensusContext(source, tree)
    tracker = Tracker(ctx, census=True)
    handlers = tracker._handlers
    may_count = _may_count(source, ctx.imports)
    engines: list[int] = []
    parents, classes = ctx.parents, ctx.classes
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if node is _LEAVE:
            node = parents.pop()
            node_type = type(node)
            if node_type in _FUNCTION_TYPES:
                tracker.leave(node)
            elif node_type is ast.ClassDef:
                classes.pop()
            continue
        node_type = type(node)
        if node_type in _DEFINITIONS and not may_count(node):
            continue
        if node_type in handlers:
            tracker.observe(node, ctx)
        if node_type is ast.Call:
            func = node.func
            # the name test first: resolving every call of the file is the costly part
            if isinstance(func, (ast.Name, ast.Attribute)) \
                    and (ctx.qualified_name(func) or "").rpartition(".")[2] in ENGINE_FACTORY_NAMES:
                created = tracker.model.resolve_call(node)
                if created is not None and created.kind is Kind.ENGINE:
                    engines.append(node.lineno - 1)
        stack.append(_LEAVE)
        parents.append(node)
        if node_type is ast.ClassDef:
            classes.append(node)
        children = child_nodes_except(node, LEAF_NODE_TYPES)
        if children:
            children.reverse()
            stack.extend(children)
    tracker.module_scope()
    return tracker, engines


_FUNCTION_TYPES = frozenset(FUNCTION_NODES)
_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})
#: what a function needs for the census to count anything in it (or in its nested functions):
#: a ``with``, a ``finally`` (a cleanup there), an ownership or callback registration
#: (``enter_context``, ``push_async_exit``, ``closing``, ``register``, ``add_done_callback``…)
#: (each name of ``OWNERSHIP_CALLS`` and ``CALLBACK_REGISTRATIONS`` contains one: tested)
_COUNTED_WORDS = ("with", "finally", "enter_", "push", "closing", "register", "callback")


def _may_count(source: "SourceFile", imports: ImportMap) -> Callable[[ast.AST], bool]:
    """Whether the census may find anything in a function: managed creations, creations
    entered or closed in a ``finally``, engine creations — else the function's own scope (its
    bindings are invisible outside it) and its calls change no count, and it can be skipped.

    Decided on the function's text, decorators included: the names the walk would test appear
    in it verbatim (calls are matched on their last name; an engine factory imported under
    another name is matched on that name)."""
    words = (*_COUNTED_WORDS, *ENGINE_FACTORY_NAMES,
             *(local for local, qualified in imports.items()
               if qualified.rpartition(".")[2] in ENGINE_FACTORY_NAMES))
    text = source.text
    offsets = source.line_offsets

    def may_count(function: ast.AST) -> bool:
        end = getattr(function, "end_lineno", None)
        if end is None:
            return True
        first = min([function.lineno, *(d.lineno for d in function.decorator_list)])  # type: ignore[attr-defined]
        segment = text[offsets[first - 1]: offsets[end] if end < len(offsets) else len(text)]
        return any(word in segment for word in words)

    return may_count


ENGINE_FACTORY_NAMES = frozenset({"create_engine", "create_async_engine", "engine_from_config",
                                  "async_engine_from_config"})


def managed_creations(tracker: Tracker) -> tuple[int, list[str]]:
    """Creations whose cleanup is guaranteed: typed ones counted, imported callees listed."""
    known, pending = 0, []
    for scope in tracker.all_scopes:
        entries = [(resource, callee) for _, resource, callee in scope.managed]
        entries += [(b.resource, b.callee) for b in scope.created
                    if not b.is_global and (b.entered or b.closed_in_finally)]
        for resource, callee in entries:
            if resource is PENDING:
                if callee:
                    pending.append(callee)
            else:
                known += 1
    return known, pending


class SessionFactoryIndexer(Indexer):
    name = FACT_KIND
    languages = frozenset({Language.PYTHON})
    tokens = LIFECYCLE_TOKENS

    def admits(self, source: "SourceFile", project: Any) -> bool:
        """Facts the project can use come from files that type a resource themselves or hand
        on a call named like one (``admission.census_may_record``); the project's own facts
        are not consulted, as the CLI indexes every file before any fact is known."""
        return census_may_record(source)

    def extract(self, source: "SourceFile", tree: ast.Module) -> dict | None:
        tracker, engines = census(source, tree)
        if is_migration_env(source.rel_path):
            engines = []  # Alembic's env.py builds its own engine by design (ISO304 does not count it)
        definitions = FileModel.definitions(tracker.model)
        classes = FileModel.class_facts(tracker.model)
        known, pending = managed_creations(tracker)
        # engines imported by name (named as one: an import edit elsewhere changes no fact)
        values = [value for value in imported_values(tree, source.module, source.name == "__init__.py")
                  if is_engine_value_name(value.rpartition(".")[2])]
        if not definitions and not classes and not engines and not known and not pending:
            # a module that only takes an engine from another still tells ISO304 where it comes from
            if not values or source.zone is not Zone.PRODUCTION:
                return None
        facts = {
            "module": source.module,
            "zone": source.zone.value,
            "definitions": definitions,
            "engines": engines,
            "with_creations": {"known": known, "pending": pending},
        }
        if classes:
            facts["classes"] = classes
        if engines and is_script(tree):
            facts["script"] = True
        if owns_database_setup(source.module):
            facts["imports"] = imported_modules(tree, source.module, source.name == "__init__.py")
        if values:
            facts["imported_values"] = values
        return facts
