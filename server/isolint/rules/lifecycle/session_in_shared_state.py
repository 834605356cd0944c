from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.modules import import_time_statements
from isolint.core.scratch import Key
from isolint.rules.common.scope import walk
from isolint.rules.lifecycle.carriers import FACT_KIND as CARRIER_FACTS, carriers_for
from isolint.rules.lifecycle.placement import in_migration_tree
from isolint.rules.lifecycle.libraries import (
    CALLBACK_REGISTRATIONS,
    CLEANUP_METHODS,
    DBAPI_CONNECTION,
    DBAPI_CONNECTION_METHODS,
    OWNERSHIP_CALLS,
)
from isolint.rules.lifecycle.tracking import EXIT_METHODS, LifecycleRule, driver_connect, tracker_for

#: methods through which a class releases what it holds
CLEANUP_HOOKS = frozenset({"close", "aclose", "__exit__", "__aexit__", "__del__", "dispose", "shutdown",
                           "teardown", "cleanup", "release", "disconnect"})


class SessionInSharedState(LifecycleRule):
    """A database session stored where every request shares it, or handed to concurrent code.

    ## What it does
    Flags a database session or connection stored where every request and caller shares it:
    a module-level variable (also one assigned through `global`), a class attribute, or an
    attribute of a class that never closes it (no `close`, `__exit__`, `dispose`… method, and
    no method closing the attribute, its own or a base's in another module) — set in `__init__`, a helper such as `_connect()` or a
    lazy `connection` property; an unknown driver's connection (`connect()` or a `Connection`
    class of a package outside the project) counts once the class calls `cursor()`,
    `commit()` or `rollback()` on it. Also a session or connection handed to code that runs
    alongside its owner: a new thread, a background task (`create_task`, `add_task`), executor
    jobs submitted in a loop, or two or more coroutines of one `gather`.

    ## Why is this bad?
    A session is a unit of work, not thread-safe and not safe across concurrent coroutines.
    Shared, it carries one request's pending objects and failed transaction into the next
    (`PendingRollbackError` for everyone after one error), holds a connection forever, and
    breaks when the database restarts: the audit's "shared mutable state between requests".

    ## Example
    ```python
    from app.db import SessionLocal

    db = SessionLocal()


    def find_user(user_id: int):
        return db.get(User, user_id)
    ```

    ## Use instead
    ```python
    from app.db import SessionLocal


    def find_user(user_id: int):
        with SessionLocal() as db:
            return db.get(User, user_id)
    ```

    ## Known look-alikes
    - Engines, `sessionmaker` / `async_sessionmaker` factories, `scoped_session` registries,
      connection pools, redis / HTTP / clickhouse-connect clients: they are made to be shared.
    - A bare annotation (`session: AsyncSession`): no session is created.
    - A session attribute a method of its class or of a base closes (or a `close`,
      `__exit__`… hook); a connection handed in; another package's `Connection` never given
      `cursor()`.
    - One executor job awaited at once (`pool.submit(fn, session).result()`); a `gather` in
      which one coroutine gets the session; tasks that each open their own.
    - A one-shot script's session: used at the module's top level and read by no function or
      class, under `if __name__ == "__main__":`, or in a module that parses its command line
      when imported (`parser.parse_args()`).
    - A session kept by migration code (a `migrations/`, `alembic/`… tree): held for one run.
    """

    code = "ISO307"
    name = "session-in-shared-state"
    uses_facts = ("session-factories", CARRIER_FACTS)
    message = "{what} `{target}` is {place}; open one per unit of work"

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        if node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1:
            return
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if not isinstance(value, ast.Call):
            return
        created = tracker_for(ctx).resolve_call(value, ctx)
        if created is None or not created.kind.is_per_request:
            if created is None:
                self._keep_candidate(targets[0], node, value, None, ctx)
            return
        self._keep_candidate(targets[0], node, value, created, ctx)
        where = self._shared_place(targets[0], ctx)  # after: a module-level place reads the whole module
        if where is None or in_migration_tree(ctx.source.rel_path, ctx.source.zone):
            return  # migration code holds its session for its one run, as a one-shot script does
        ctx.report(self, node, what=created.description, target=ctx.text_of(targets[0]),
                   place=f"held in {where}, shared by every request")

    visit_AnnAssign = visit_Assign

    def _keep_candidate(self, target: ast.expr, node: ast.stmt, value: ast.Call, created, ctx: PythonContext) -> None:
        """A connection a method other than ``__init__`` stores on ``self`` (``self.con =
        duckdb.connect(path)`` in ``_connect()``, a lazy ``connection`` property), or an unknown
        driver's connection stored by any method: judged when the class ends, once it is known
        whether some method closes it and whether it is used as a connection."""
        method = ctx.current_function
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                and ctx.classes and isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                and any(statement is method for statement in ctx.classes[-1].body)):
            return
        if created is None and not driver_connect(value, ctx):
            return
        if created is not None and method.name == "__init__":
            return  # judged at once (``_shared_place``)
        kept = ctx.scratch.setdefault(_KEPT_ON_SELF, dict)
        kept.setdefault(id(ctx.classes[-1]), []).append((node, target.attr, created))

    def leave_ClassDef(self, node: ast.ClassDef, ctx: PythonContext) -> None:
        """A connection kept on ``self`` that no method of the class ever closes, in a class with
        no cleanup hook: held for each instance's life, by every caller of the instance."""
        kept = (ctx.scratch.get(_KEPT_ON_SELF) or {}).pop(id(node), None)
        if not kept or in_migration_tree(ctx.source.rel_path, ctx.source.zone):
            return
        if _method_names(node) & CLEANUP_HOOKS or _inherits_cleanup(node, ctx):
            return
        released, used_as_connection = _attribute_uses(node)
        for statement, attribute, created in kept:
            if attribute in released or created is None and attribute not in used_as_connection:
                continue
            if node in (ctx.tree.body if ctx.tree is not None else ()) and carriers_for(ctx).base_releases(
                    f"{ctx.source.module}.{node.name}", attribute, CLEANUP_HOOKS):
                continue  # a base of another module closes it: ``def close(self): self._ctx.close()``
            ctx.report(self, statement, what=(created or DBAPI_CONNECTION).description, target=f"self.{attribute}",
                       place=f"held in the state of every `{node.name}` (never closed)")

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        """A session handed to code that runs at the same time as its owner: a new thread or
        task, executor jobs started in a loop, coroutines gathered together."""
        self._observe(node, ctx)
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        started = CONCURRENT_STARTS.get(last)
        if started is None or not ctx.functions:
            return
        if last in REPEATED_STARTS and not _in_loop(ctx):
            return
        tracker = tracker_for(ctx)
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        if last == "gather":  # one coroutine per argument: a session two of them share
            counts: dict[str, int] = {}
            for argument in _spread(arguments):
                repeated = isinstance(argument, ast.Starred)  # *(work(s) for x in xs)
                for name in dict.fromkeys(_sessions_in([argument], tracker)):
                    counts[name] = counts.get(name, 0) + (2 if repeated else 1)
            for name, count in counts.items():
                if count > 1:
                    self._report_shared(node, name, tracker.local_type(name), started, ctx)
            return
        pending = ctx.scratch.setdefault(_STARTED, list)
        for name in dict.fromkeys(_sessions_in(arguments, tracker)):
            pending.append((node, tracker.binding(name), started, last in REPEATED_STARTS))

    def function_done(self, scope, ctx: PythonContext) -> None:
        """A session handed to a thread or task is shared only when its owner goes on with it:
        uses it after the start, or closes it by leaving the ``with`` that entered it (or starts
        the same work in a loop). Handing it over for good (nothing after the start) is not."""
        pending = ctx.scratch.get(_STARTED)
        if not pending:
            return
        keep = []
        for node, binding, started, repeated in pending:
            if binding is None or binding.function is not scope.node:
                keep.append((node, binding, started, repeated))
                continue
            with_ = binding.statement if binding.origin == "entered" else None
            closes_after = with_ is not None and with_.lineno <= node.lineno <= (with_.end_lineno or 0)
            if repeated or closes_after or binding.last_use_line > (node.end_lineno or node.lineno):
                self._report_shared(node, binding.name, binding.resource, started, ctx)
        pending[:] = keep

    def _report_shared(self, node: ast.Call, name: str, resource, started: str, ctx: PythonContext) -> None:
        ctx.report(self, node, what=resource.description, target=name,
                   place=f"handed to {started} while its owner keeps using or closing it")

    @staticmethod
    def _shared_place(target: ast.expr, ctx: PythonContext) -> str | None:
        if isinstance(target, ast.Name):
            if ctx.at_module_level:
                if _under_main_guard(ctx) or _script_work_only(target.id, ctx) or _parses_command_line(ctx):
                    return None
                return "a module-level variable"
            if ctx.classes and not ctx.functions:
                return "a class attribute"
            if ctx.functions and target.id in tracker_for(ctx).scope.globals:
                return "a module-level variable (`global`)"
            return None
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                and ctx.classes and isinstance(ctx.current_function, (ast.FunctionDef, ast.AsyncFunctionDef))
                and ctx.current_function.name == "__init__"):
            methods = {s.name for s in ctx.classes[-1].body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
            return None if methods & CLEANUP_HOOKS else f"the state of every `{ctx.classes[-1].name}` (never closed)"
        return None


#: per class: (assignment, attribute, resource or None for an unknown driver's) kept on ``self``
_KEPT_ON_SELF: Key[dict] = Key("iso307.connections-kept-on-self")


def _method_names(cls: ast.ClassDef) -> set[str]:
    return {s.name for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _inherits_cleanup(cls: ast.ClassDef, ctx: PythonContext, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a base of ``cls`` defined in the same module closes what the class keeps (a
    ``close``, ``__exit__``… hook of its own or of its bases): a connector hierarchy's ``close()``
    often lives in its base. A base of another module is not assumed to: many such bases (a
    query-runner plug-in API) leave the connection to each subclass."""
    local = {s.name: s for s in (ctx.tree.body if ctx.tree is not None else ()) if isinstance(s, ast.ClassDef)}
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in local:
            parent = local[base.id]
            if base.id not in seen and parent is not cls and (
                    _method_names(parent) & CLEANUP_HOOKS or _inherits_cleanup(parent, ctx, seen | {base.id})):
                return True
    return False


def _attribute_uses(cls: ast.ClassDef) -> tuple[set[str], set[str]]:
    """The ``self`` attributes some method of ``cls`` releases (``self.con.close()``, ``with
    self.con``, ``closing(self.con)``), and those used as a PEP 249 connection
    (``self.con.cursor()``) — directly or through a method returning the attribute (a
    ``connection`` property over ``self._conn``)."""
    released: set[str] = set()
    used: set[str] = set()
    returned_by: dict[str, set[str]] = {}
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(method):
            if isinstance(node, ast.Return) and _self_attribute(node.value):
                returned_by.setdefault(method.name, set()).add(_self_attribute(node.value))
            elif isinstance(node, ast.withitem) and _self_attribute(node.context_expr):
                released.add(_self_attribute(node.context_expr))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attribute = _self_attribute(node.func.value)
                if attribute and (node.func.attr in CLEANUP_METHODS or node.func.attr in EXIT_METHODS):
                    released.add(attribute)
                elif attribute and node.func.attr in DBAPI_CONNECTION_METHODS:
                    used.add(attribute)
                elif node.func.attr in OWNERSHIP_CALLS | CALLBACK_REGISTRATIONS:
                    released.update(filter(None, map(_self_attribute, node.args)))
    for method, attributes in returned_by.items():
        if method in used:
            used |= attributes
    return released, used


def _self_attribute(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


#: calls that start code running alongside their caller -> what the message calls it
CONCURRENT_STARTS = {
    "Thread": "another thread", "start_new_thread": "another thread", "submit": "executor jobs",
    "create_task": "a background task", "ensure_future": "a background task", "start_soon": "a background task",
    "add_task": "a background task that runs after the response", "gather": "coroutines running together",
}
_STARTED: Key[list] = Key("iso3.sessions-handed-to-concurrent-code")
#: starts that are concurrent only when repeated (one executor job awaited at once is not)
REPEATED_STARTS = frozenset({"submit"})


def _spread(arguments: list) -> list:
    """``gather(*[a(s), b()])`` is ``gather(a(s), b())``: a starred literal's elements are
    separate coroutines; a starred comprehension stays one (repeated) argument."""
    out = []
    for argument in arguments:
        if isinstance(argument, ast.Starred) and isinstance(argument.value, (ast.List, ast.Tuple)):
            out.extend(argument.value.elts)
        else:
            out.append(argument)
    return out


def _sessions_in(expressions: list, tracker) -> list[str]:
    """Names of sessions and connections (per-request handles) an expression reads."""
    found = []
    for expression in expressions:
        for node in walk(expression):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                resource = tracker.local_type(node.id)
                if resource is not None and resource.kind.is_per_request:
                    found.append(node.id)
    return found


def _in_loop(ctx: PythonContext) -> bool:
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While, ast.comprehension, ast.ListComp,
                               ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def _script_work_only(name: str, ctx: PythonContext) -> bool:
    """The module does its database work with ``name`` at its own top level and no function or
    class of it reads ``name``: a one-shot script's connection, not state shared by requests."""
    read_in_definitions, used_at_top = ctx.scratch.setdefault(_MODULE_NAME_USES, lambda: _module_name_uses(ctx))
    return name in used_at_top and name not in read_in_definitions


#: (names any module-level function or class mentions, names whose attributes the module's own
#: top-level statements use), gathered once per check: a module assigns many names
_MODULE_NAME_USES: Key[tuple[frozenset[str], frozenset[str]]] = Key("iso307.module-name-uses")


def _module_name_uses(ctx: PythonContext) -> tuple[frozenset[str], frozenset[str]]:
    assert ctx.tree is not None
    in_definitions: set[str] = set()
    attribute_owners: set[str] = set()
    for statement in import_time_statements(ctx.tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            in_definitions.update(node.id for node in walk(statement) if isinstance(node, ast.Name))
        elif not isinstance(statement, (ast.If, ast.Try, ast.With)):
            attribute_owners.update(node.value.id for node in walk(statement)
                                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name))
    return frozenset(in_definitions), frozenset(attribute_owners)


#: calls that read a program's command line
COMMAND_LINE_PARSES = frozenset({"parse_args", "parse_known_args"})
_PARSES_COMMAND_LINE: Key[bool] = Key("iso307.parses-command-line")


def _parses_command_line(ctx: PythonContext) -> bool:
    """The module parses its command line when it is imported (``args = parser.parse_args()``
    at its top level): it runs as a program, once, and what it holds at module level is the
    program's, not state a server's requests share."""
    found = ctx.scratch.get(_PARSES_COMMAND_LINE)
    if found is None:
        assert ctx.tree is not None
        found = ctx.scratch.put(_PARSES_COMMAND_LINE, any(
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in COMMAND_LINE_PARSES
            for statement in import_time_statements(ctx.tree.body)
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for node in walk(statement)))
    return found


def _under_main_guard(ctx: PythonContext) -> bool:
    for parent in ctx.parents:
        if isinstance(parent, ast.If) and "__main__" in ast.dump(parent.test):
            return True
    return False

