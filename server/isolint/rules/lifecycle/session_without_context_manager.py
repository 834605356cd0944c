from __future__ import annotations

import ast

from isolint.core.scratch import Key

from isolint.core.context import PythonContext
from isolint.core.model import Fixability
from isolint.core.rule import PRODUCTION_ONLY, TEST_ZONES
from isolint.rules.lifecycle.fixes import lifecycle_fix
from isolint.rules.lifecycle.libraries import CLEANUP_METHODS, Kind
from isolint.rules.common.scope import is_generator, own_statements, walk
from isolint.rules.lifecycle.model import decorator_names, is_cached, is_server_hook
from isolint.rules.lifecycle.placement import program_entries
from isolint.rules.lifecycle.tracking import (
    EXIT_METHODS,
    LifecycleRule,
    Scope,
    cleanup_position,
    returns_a_cursor,
    tracker_for,
)


class SessionWithoutContextManager(LifecycleRule):
    """A database session or connection without a `with` or `finally` that closes it.

    ## What it does
    Flags a database session or connection (SQLAlchemy `Session`/`AsyncSession`, a
    `sessionmaker` or `async_sessionmaker` factory — also one imported from another module —, a
    method of the class or of a base class (in any module) returning a new one
    (`session = self.get_raw_session()`),
    `engine.connect()`, asyncpg, psycopg and other DB-API connections — also an unlisted driver's:
    a package's `dbapi.connect()`, or any package's `connect()` whose result gets `cursor()`,
    `commit()` or `rollback()` —, redis clients, aiohttp and httpx client sessions, and the
    clients of other data stores that hold connections until closed: MongoDB, Cassandra,
    InfluxDB, ArangoDB, Kusto, Elasticsearch, Neo4j, ClickHouse, RabbitMQ, LDAP) that a
    function creates without making sure it is closed: not entered
    with `with` / `async with`, not closed (or exited, when entered by hand with `__enter__` /
    `__aenter__`) in a `finally`, and not handed to a caller that owns it; a session created and
    used in one expression (`SessionLocal().query(...)`), or returned out of the `with` that
    closes it, is flagged too. One a method stores on
    `self` (also in a dict on `self`) and another method closes outside any `finally` is
    flagged at the assignment, unless that method is the object's own cleanup hook (`close`,
    `__exit__`, `stop`, `tearDown`…); a helper that hands back only a new connection's cursor,
    once, its callers shown as related locations. In tests, an engine or pool a test or fixture builds for
    itself — bound to a name or built straight into another object — must also be disposed of on
    every path (a fixture's `yield` inside a `try`), and so must an object of a class that builds
    its own engine and never disposes of it (`self.engine = create_engine(url)` in `__init__`, in
    any module): a fixture that returns it leaves it to pytest, which never disposes of it.

    ## Why is this bad?
    If anything between the creation and `close()` raises, the session keeps its pooled
    connection (and its open transaction) until the garbage collector finds it. Under load the
    pool runs dry and every request waits for `pool_timeout`: the audit's "pool exhaustion".
    A `with` block closes the session on every path and makes the owner obvious.

    ## Example
    ```python
    from app.db import SessionLocal


    def rename_user(user_id: int, name: str) -> None:
        session = SessionLocal()
        user = session.get(User, user_id)
        user.name = name
        session.commit()
        session.close()
    ```

    ## Use instead
    ```python
    from app.db import SessionLocal


    def rename_user(user_id: int, name: str) -> None:
        with SessionLocal() as session:
            user = session.get(User, user_id)
            user.name = name
            session.commit()
    ```

    ## Fix safety
    The fix wraps the statements between the creation and the last use in
    `with <creation> as name:` (`async with` for async sessions) and removes the now redundant
    `close()`. When the resource is not a context manager that only closes (psycopg2's `with`
    commits but does not close; asyncpg connections are not context managers), the fix puts the
    cleanup in a `try`/`finally` instead.

    It is **safe** when the code already closed the session right after its last use in the
    same block: the happy path is unchanged and the session is now also closed when something
    raises. It is **unsafe** when the code never closed the session (the fix adds a close, and
    objects loaded from it become detached afterwards) or when the block contains a `return`
    that used to skip the close. There is no fix when the session escapes the block (used after
    it, closed in another block, or closed more than once). A data store's client is closed
    after the end of its block, where the databases, collections and sessions taken from it are
    done with, and there is no fix when the function returns one of them.

    ## Known look-alikes
    - A client made once (a getter, a cached function, `main()`, a start-up hook); a
      readiness probe in a `try` (pinged or given `SELECT 1`).
    - A session returned, stored, or yielded by a dependency that closes it; a client handed
      to the object that keeps it; one looked up (`kwargs.get("session")`) or over a
      connection a `with` holds (`Session(conn)`).
    - Untyped handles closed by hand ([ISO302](ISO302.md)): a project's `connect()`, one never
      given `cursor()`; Presto and in-memory SQLite connections; a migration's session.
    - A session kept on `self` and closed by the object's own `close()` / `__exit__`, or
      never closed ([ISO307](ISO307.md)).
    - A generator method stepped by its caller (`__anext__()`).
    - In tests: an engine a helper returns or the tests share, HTTP clients, one a fixture
      yields at once and disposes of next, objects of a class that disposes of its engine.
    """

    code = "ISO301"
    name = "session-without-context-manager"
    zones = PRODUCTION_ONLY | TEST_ZONES
    message = "{what} `{name}` is {detail}; {advice}"
    fix_title = "Use the session as a context manager"
    fixable = Fixability.SOMETIMES

    def function_done(self, scope: Scope, ctx: PythonContext) -> None:
        in_tests = ctx.source.zone in TEST_ZONES
        returned_to_pytest = in_tests and "fixture" in decorator_names(scope.node)
        if is_cached(scope.node):
            return  # ``@lru_cache``: what it opens is built once per key and kept by the cache
        for binding in [*scope.created, *(scope.pools if in_tests else ())]:
            if binding.is_global or binding.resource is None:
                continue
            if binding.cleanup_guaranteed and not (returned_to_pytest and binding.returned_only
                                                   and not (binding.entered or binding.closed_in_finally)):
                continue
            if in_tests and binding.resource.is_http_client:
                continue  # a test's HTTP client: the family is about the database's connections
            if binding.resource.library == "unresolved":
                continue
            if not in_tests and is_server_hook(scope.node):
                continue  # runs once before the server serves: a failure ends the start-up, what it keeps lives on
            if not binding.closes and not in_tests and _held_for_the_program(binding, scope, ctx):
                continue
            if in_tests and "fixture" in decorator_names(scope.node) and _torn_down_after_yield(binding):
                continue
            if binding.closes and not binding.alternatives and _nothing_can_raise_before(binding, scope):
                continue  # ``conn = Connection(…); if conn.bound: conn.unbind()``: no call between
            if _liveness_probe(binding, scope, must_let_go=not in_tests):
                continue  # try: conn = connect(dsn); conn.ping(); conn.close() … except: retry
            verb = "disposed" if binding.resource.kind in (Kind.ENGINE, Kind.POOL) else "closed"
            method = getattr(binding.closes[-1].func, "attr", "close") if binding.closes else ""
            detail = f"{verb} only when nothing raises before `{method}()`" if binding.closes else f"never {verb}"
            handed_to_pytest = binding.escaped and binding.returned_only
            ctx.report(self, binding.statement, fix=None if handed_to_pytest else lifecycle_fix(binding, scope, ctx),
                       what=binding.resource.description, name=binding.name, detail=detail,
                       advice=_advice(binding.resource, fixture=returned_to_pytest or is_generator(scope.node)),
                       related=[*_cursor_takers(binding, scope, ctx),
                                *((call, "opens a session on it, ended only with it") for call in binding.opened)])
        for binding in scope.bindings.values():
            if binding.returned_from_with:
                ret = binding.returned_from_with[0]
                ctx.report(self, ret, what=binding.resource.description, name=binding.name,
                           detail="returned out of the `with` that closes it",
                           advice="return what it loaded, or let the caller open the session",
                           related=[(binding.statement, "the `with` that closes it")])
        for call, resource, holder in scope.handed_pools if in_tests else ():
            kept = scope.bindings.get(holder)
            if kept is None or kept.escaped or kept.entered or kept.closed_in_finally or kept.closes \
                    or kept.except_closes or {"finally", "except"} & set(kept.member_closes):
                continue
            how = "disposed only when nothing raises before its cleanup" if kept.member_closes else "never disposed"
            ctx.report(self, call, what=resource.description, name=(ctx.text_of(call.func) or "…") + "()",
                       detail=f"built into `{holder}` and {how}",
                       advice="dispose of it in a `finally` (or `yield` it from a fixture inside a `try`)")
        for call, resource, callee in scope.unbound:
            if in_tests and resource.is_http_client:
                continue
            ctx.report(self, call, what=resource.description, name=(callee or "…") + "()",
                       detail="created for one call and never closed", advice=_advice(resource))


    # -- sessions kept on ``self`` and closed by another method --------------------------------
    def visit_Assign(self, node: ast.Assign | ast.AnnAssign, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        attribute = _self_attribute(node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                                    else getattr(node, "target", None))
        method = ctx.current_function
        if attribute is None or node.value is None or not ctx.classes \
                or not any(method is statement for statement in ctx.classes[-1].body):
            return
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if not isinstance(value, ast.Call):
            return
        created = tracker_for(ctx).resolve_call(value, ctx)
        if created is None or not created.kind.must_be_closed or created.library == "unresolved":
            return
        if ctx.source.zone in TEST_ZONES and created.is_http_client:
            return
        _kept(ctx).setdefault(id(ctx.classes[-1]), {}).setdefault(attribute, []).append((node, method, created))

    visit_AnnAssign = visit_Assign

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in STORED_CLEANUPS or not ctx.classes:
            return
        attribute = _self_attribute(func.value)
        if attribute is None:
            return
        method = ctx.current_function
        where = cleanup_position(node, ctx)
        _closes(ctx).setdefault(id(ctx.classes[-1]), {}).setdefault(attribute, []).append(
            (getattr(method, "name", ""), where, func.attr))

    def leave_ClassDef(self, node: ast.ClassDef, ctx: PythonContext) -> None:
        """A session, connection or client a method stores on ``self`` and some method closes,
        but only on its success path: not in a ``finally``, not in the object's own cleanup hook
        (``close``, ``__exit__``, ``tearDown``…) that its owner calls."""
        kept = _kept(ctx).pop(id(node), None)
        closes = _closes(ctx).pop(id(node), {})
        if not kept:
            return
        hooks = {s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))} & OWNER_HOOKS
        for attribute, creations in kept.items():
            cleanups = closes.get(attribute, ())
            if not cleanups:
                continue  # never closed here: held for the object's life (ISO307 judges __init__)
            positions = {where for _, where, _ in cleanups}
            if "finally" in positions or ("except" in positions and "" in positions) \
                    or any(method in OWNER_HOOKS for method, _, _ in cleanups):
                continue
            assignment, method, created = creations[0]
            if method.name == "__init__" and not hooks:
                continue  # ISO307: the state of every instance, never closed by a hook
            closer, _, verb = next(c for c in cleanups if c[1] != "finally")
            ctx.report(self, assignment, what=created.description, name=f"self.{attribute}",
                       detail=f"closed by `{closer}()` only when nothing raises before `{verb}()`",
                       advice="close it in a `finally` or in the object's own `close()` / `__exit__`",
                       related=[(c, "also stored here") for c, _, _ in creations[1:]])


#: cleanups of an attribute: the close methods and the exits of a context entered by hand
STORED_CLEANUPS = CLEANUP_METHODS | EXIT_METHODS
#: methods an owner calls to release the object (or a test framework after each test)
OWNER_HOOKS = frozenset({"close", "aclose", "__exit__", "__aexit__", "__del__", "dispose", "shutdown", "stop",
                         "teardown", "cleanup", "release", "disconnect", "tearDown", "asyncTearDown",
                         "teardown_method", "teardown_class", "tearDownClass", "on_shutdown", "aclose_all",
                         "close_all", "terminate"})
_KEPT: Key[dict] = Key("iso3.kept-on-self")
_CLOSES: Key[dict] = Key("iso3.closed-on-self")


def _kept(ctx: PythonContext) -> dict:
    return ctx.scratch.setdefault(_KEPT, dict)


def _closes(ctx: PythonContext) -> dict:
    return ctx.scratch.setdefault(_CLOSES, dict)


def _self_attribute(target: ast.AST | None) -> str | None:
    """``X`` of ``self.X`` or ``self.X[key]`` (a dict of connections kept per key)."""
    if isinstance(target, ast.Subscript):
        target = target.value
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return target.attr
    return None


#: callers of a helper handing out a new connection's cursor, shown with its finding
MAX_CURSOR_TAKERS = 8


def _cursor_takers(binding, scope: Scope, ctx: PythonContext) -> list:
    """A helper that opens a connection and hands back only its cursor (``return conn.cursor()``)
    leaves the connection to nobody: each call of the helper in its class (or module) opens
    one more that is never closed — one problem, the calls its related locations."""
    function = scope.node
    name = getattr(function, "name", None)
    block = binding.block or []
    start = next((index for index, statement in enumerate(block) if statement is binding.statement), None)
    if name is None or binding.closes or start is None or not returns_a_cursor(block[start + 1:], binding.name):
        return []
    owner = ctx.classes[-1] if ctx.classes and any(s is function for s in ctx.classes[-1].body) else None
    if owner is None and not any(s is function for s in ctx.tree.body):
        return []
    takers = []
    for node in ast.walk(owner or ctx.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if owner is not None and isinstance(func, ast.Attribute) and func.attr == name \
                and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") \
                or owner is None and isinstance(func, ast.Name) and func.id == name:
            takers.append((node, "takes a cursor of a new connection that is never closed"))
    return sorted(takers, key=lambda taker: (taker[0].lineno, taker[0].col_offset))[:MAX_CURSOR_TAKERS]


def _advice(resource, fixture: bool = False) -> str:
    if resource.owned_by_class:
        return "its class builds the engine and never disposes of it: give the class a method that does, and call it in a `finally`"
    if resource.context_manager:
        return f"use it as a context manager (`{resource.context_manager} … as …:`)"
    verb = "dispose of" if resource.kind in (Kind.ENGINE, Kind.POOL) else "close"
    if fixture:
        return f"`yield` it inside a `try` and {verb} it in the `finally`"
    return f"{verb} it in a `finally`"


#: nodes that run code someone else wrote, or stop the function: what can raise between a
#: creation and its cleanup (a name, an attribute, a comparison of them cannot, in practice)
_MAY_RAISE = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.Raise, ast.Assert, ast.Subscript)


def _nothing_can_raise_before(binding, scope: Scope) -> bool:
    """No call, ``await``, ``yield``, ``raise``, ``assert`` or item lookup between the end of the
    creation and the first cleanup: "closed only when nothing raises" would not be true."""
    statement, first_close = binding.statement, binding.closes[0]
    start = (statement.end_lineno, statement.end_col_offset)
    end = (first_close.lineno, first_close.col_offset)
    for node in ast.walk(scope.node):
        if isinstance(node, _MAY_RAISE) and node is not first_close and hasattr(node, "lineno") \
                and start <= (node.lineno, node.col_offset) < end:
            return False
    return start < end


#: what a liveness probe does with the handle it opens: check it answers, then let it go
_PROBE_METHODS = frozenset({"ping", "close", "is_connected", "server_info", "dispose"})
#: a probe's query: a constant ``SELECT 1`` (any constant statement)
_PROBE_QUERY_METHODS = frozenset({"execute"})


def _liveness_probe(binding, scope: Scope, must_let_go: bool) -> bool:
    """A handle opened inside a ``try`` that catches the failure, only to see the service
    answers — pinged, a constant ``SELECT 1`` run on it or on a cursor it enters, closed or
    handed back — once, not in a retry loop: what a failed probe drops is one connection. ``must_let_go`` (outside tests): the probe also closes or returns the handle when it
    succeeds — a readiness endpoint that never closes its client leaks one per request."""
    name, statement = binding.name, binding.statement
    probe = next((node for node in walk(scope.node) if isinstance(node, ast.Try) and node.handlers
                  and any(statement is inner for inner in own_statements(node.body))), None)
    if probe is None or any(isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and any(
            inner is probe for inner in walk(node)) for node in walk(scope.node)):
        return False  # a retry loop: each failed attempt drops another connection
    # the name bound again after the probe (``with pool.connection() as conn:``) is another handle
    rebound = min((node.lineno for node in walk(scope.node) if isinstance(node, ast.Name) and node.id == name
                   and isinstance(node.ctx, ast.Store) and node.lineno > (probe.end_lineno or probe.lineno)),
                  default=None)
    entered_cursors = [node for node in walk(scope.node)
                       if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call)
                       and isinstance(node.optional_vars, ast.Name) and _called_on(node.context_expr, name) == "cursor"]
    names = {name, *(item.optional_vars.id for item in entered_cursors)}  # type: ignore[union-attr]
    uses: list[ast.Name] = []
    # the uses that only probe: ``with conn.cursor() as cur:`` then ``cur.execute("SELECT 1")``
    probing: set[int] = {id(item.context_expr.func.value) for item in entered_cursors}  # type: ignore[attr-defined]
    for node in walk(scope.node):
        if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load) \
                and (rebound is None or node.lineno < rebound):
            uses.append(node)
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Name):
            probing.add(id(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and _probes(node):
            probing.add(id(node.func.value))
    if must_let_go and not binding.closes and not any(
            isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == name
            for node in walk(scope.node)):
        return False
    return all(id(use) in probing for use in uses)


def _called_on(call: ast.Call, name: str) -> str | None:
    """``"ping"`` for ``name.ping()``, None for other calls."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name:
        return func.attr
    return None


def _probes(call: ast.Call) -> bool:
    """``x.ping()``, ``x.close()``, ``x.execute("SELECT 1")``."""
    method = call.func.attr  # type: ignore[attr-defined]
    if method in _PROBE_METHODS:
        return True
    return method in _PROBE_QUERY_METHODS and len(call.args) == 1 and not call.keywords \
        and isinstance(call.args[0], ast.Constant)


def _torn_down_after_yield(binding) -> bool:
    """A pytest fixture that yields right after creating the resource and closes it right after
    the ``yield``: pytest runs the code after a fixture's ``yield`` whether the test passed or
    failed, and nothing else runs between the creation and the cleanup."""
    block = binding.block or []
    if len(binding.close_statements) != 1:
        return False
    start = next((i for i, statement in enumerate(block) if statement is binding.statement), None)
    end = next((i for i, statement in enumerate(block) if statement is binding.close_statements[0]), None)
    if start is None or end is None or end != start + 2:
        return False
    between = block[start + 1]
    return isinstance(between, ast.Expr) and isinstance(between.value, (ast.Yield, ast.YieldFrom))


#: per file: the functions its program runs as its main (``placement.program_entries``)
_PROGRAM_ENTRIES: Key[frozenset] = Key("iso301.program-entries")


def _held_for_the_program(binding, scope: Scope, ctx: PythonContext) -> bool:
    """A client or connection a program's main creates once (not in a loop) and never closes
    lives until the process ends — a worker's ``main_async()`` run by ``asyncio.run`` from the
    module's ``__main__`` block: closing it would only tidy the exit."""
    entries = ctx.scratch.get(_PROGRAM_ENTRIES)
    if entries is None:
        entries = ctx.scratch.put(_PROGRAM_ENTRIES, program_entries(ctx.tree))
    function = scope.node
    if getattr(function, "name", None) not in entries or not any(statement is function for statement in ctx.tree.body):
        return False
    loops = [node for node in ast.walk(function) if isinstance(node, (ast.For, ast.AsyncFor, ast.While))]
    return not any(binding.statement is inner for loop in loops for inner in ast.walk(loop))
