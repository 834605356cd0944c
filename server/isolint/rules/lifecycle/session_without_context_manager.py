from __future__ import annotations


from isolint.core.context import PythonContext
from isolint.core.model import Fixability
from isolint.core.rule import PRODUCTION_ONLY, TEST_ZONES
from isolint.rules.lifecycle.fixes import lifecycle_fix
from isolint.rules.lifecycle.libraries import Kind
from isolint.rules.common.scope import is_generator
from isolint.rules.lifecycle.model import decorator_names
from isolint.rules.lifecycle.tracking import LifecycleRule, Scope


class SessionWithoutContextManager(LifecycleRule):
    """A database session or connection without a `with` or `finally` that closes it.

    ## What it does
    Flags a database session or connection (SQLAlchemy `Session`/`AsyncSession`, a
    `sessionmaker` or `async_sessionmaker` factory — also one imported from another module —,
    `engine.connect()`, asyncpg, psycopg and other DB-API connections, redis clients, aiohttp and
    httpx client sessions) that a function creates and binds to a name without making sure it is
    closed. It is sure to close when it is entered with `with` / `async with`, closed in a
    `finally`, or handed to a caller that owns it (returned, stored, yielded by a dependency that
    closes it in a `finally`); a session created and used in one expression
    (`SessionLocal().query(...)`) is flagged too. In tests, an engine or pool a test or fixture
    builds for itself must also be disposed of on every path (a fixture's `yield` inside a
    `try`): a fixture that returns it leaves it to pytest, which never disposes of it.

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
    it, closed in another block, or closed more than once).

    ## Known look-alikes
    - A getter that creates one shared client and hands the same instance to every caller
      (`global _client; if _client is None: _client = ClientSession(); return _client`): its
      callers must not close what they get.
    - A session returned, stored on an object, or yielded by a dependency that closes it; a
      client handed to the object that keeps it (`Sdk(client=client)`,
      `Sdk.from_openapi(spec, client=client)`).
    - A handle of a type isolint cannot see, closed by hand: [ISO302](ISO302.md).
    - A method named like a session factory that is a generator, stepped by the caller
      (`gen = injector.async_session(); session = await gen.__anext__()`).
    - In tests: an engine returned by a helper (not a fixture), a module-level engine shared by
      the tests, and HTTP clients (not database connections).
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
            verb = "disposed" if binding.resource.kind in (Kind.ENGINE, Kind.POOL) else "closed"
            method = getattr(binding.closes[-1].func, "attr", "close") if binding.closes else ""
            detail = f"{verb} only when nothing raises before `{method}()`" if binding.closes else f"never {verb}"
            handed_to_pytest = binding.escaped and binding.returned_only
            ctx.report(self, binding.statement, fix=None if handed_to_pytest else lifecycle_fix(binding, scope, ctx),
                       what=binding.resource.description, name=binding.name, detail=detail,
                       advice=_advice(binding.resource, fixture=returned_to_pytest or is_generator(scope.node)))
        for call, resource, callee in scope.unbound:
            if in_tests and resource.is_http_client:
                continue
            ctx.report(self, call, what=resource.description, name=(callee or "…") + "()",
                       detail="created for one call and never closed", advice=_advice(resource))


def _advice(resource, fixture: bool = False) -> str:
    if resource.context_manager:
        return f"use it as a context manager (`{resource.context_manager} … as …:`)"
    verb = "dispose of" if resource.kind in (Kind.ENGINE, Kind.POOL) else "close"
    if fixture:
        return f"`yield` it inside a `try` and {verb} it in the `finally`"
    return f"{verb} it in a `finally`"

