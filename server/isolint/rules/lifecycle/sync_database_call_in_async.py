from __future__ import annotations

import ast

from isolint.core.scratch import Key
from isolint.core.context import PythonContext
from isolint.rules.lifecycle.libraries import Kind, Resource
from isolint.rules.lifecycle.tracking import LifecycleRule, receiver_key, tracker_for

#: sync resources whose use blocks the event loop
BLOCKING_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.CLIENT, Kind.ENGINE, Kind.SCOPED_SESSION})


#: calls ISO305 has reported in the file
REPORTED_CALLS: Key[set] = Key("iso3.reported-blocking-calls")


class SyncDatabaseCallInAsync(LifecycleRule):
    """Synchronous database work (a sync session, connection or call) inside `async def`.

    ## What it does
    Flags synchronous database work inside `async def`: opening a sync `Session`, a
    `sessionmaker()` session, `engine.connect()` on a sync engine, `psycopg2.connect()` or a sync
    `redis.Redis` client, and I/O methods (`execute`, `query`, `commit`, `get`…) called on a
    sync session, connection or client — a parameter annotated `Session`, a module-level
    engine, a `self.session` set from one. One finding per handle and function.

    ## Why is this bad?
    A sync driver call blocks the whole event loop: while one request waits for PostgreSQL,
    every other request and WebSocket of the worker stalls. Mixing sync and async sessions is
    one of the audit's lifecycle findings.

    ## Example
    ```python
    from fastapi import Depends
    from sqlalchemy.orm import Session

    from app.db import get_db


    async def list_users(db: Session = Depends(get_db)):
        return db.query(User).all()
    ```

    ## Use instead
    ```python
    from fastapi import Depends
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db import get_db


    async def list_users(db: AsyncSession = Depends(get_db)):
        return (await db.scalars(select(User))).all()
    ```

    ## Known look-alikes
    - Code handed to a thread: `await asyncio.to_thread(...)`, `run_in_threadpool`,
      `AsyncSession.run_sync(lambda s: ...)`.
    - A call the code awaits or enters with `async with` (`await session.execute(q)` under a
      wrong `session: Session` annotation, `async with engine.connect()` on an engine returned
      by an awaited getter): such an object is asynchronous whatever its annotation says.
    """

    code = "ISO305"
    name = "sync-database-call-in-async"
    message = "Sync {library} {kind} `{name}` used inside `async def {function}()` blocks the event loop"

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        function = ctx.current_function
        if not isinstance(function, ast.AsyncFunctionDef):
            return
        if _used_asynchronously(ctx):
            return  # `await x.execute()`, `async with engine.connect()`: the handle is async after all
        tracker = tracker_for(ctx)
        reported = ctx.scratch.setdefault(REPORTED_CALLS, set)
        created = tracker.resolve_call(node, ctx)
        if created is not None and not created.is_async and created.kind in BLOCKING_KINDS - {Kind.ENGINE}:
            key = (id(function), _creation_key(node, tracker))
            if key not in reported:
                reported.add(key)
                self._report(node, created, ctx.text_of(node.func) + "()", function, ctx)
            return
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = tracker.resolve_value(func.value, ctx)
        if receiver is None or receiver.is_async or receiver.kind not in BLOCKING_KINDS:
            return
        if not receiver.is_io_method(func.attr):
            return
        key = (id(function), receiver_key(func.value, tracker))
        if key in reported:
            return
        reported.add(key)
        self._report(node, receiver, ctx.text_of(func.value), function, ctx)

    def _report(self, node: ast.Call, resource: Resource, name: str, function: ast.AST, ctx: PythonContext) -> None:
        kind = "session" if resource.kind is Kind.SCOPED_SESSION else resource.kind.value
        ctx.report(self, node, library=resource.library, kind=kind, name=name, function=function.name)


def _used_asynchronously(ctx: PythonContext) -> bool:
    """The code awaits the call or enters it with ``async with``: whatever isolint guessed from
    an annotation or a name (``session: Session``, ``engine = await get_engine()``), the object
    is asynchronous — a sync one would fail at run time, not block the loop."""
    parents = ctx.parents
    parent = parents[-1] if parents else None
    if isinstance(parent, ast.Await):
        return True
    return isinstance(parent, ast.withitem) and len(parents) > 1 and isinstance(parents[-2], ast.AsyncWith)


def _creation_key(call: ast.Call, tracker) -> object:
    """Creations bound to a name share the name's key, so the later uses of the same session
    are not reported again."""
    for binding in tracker.scope.bindings.values():
        if binding.call is call:
            return ("name", binding.name)
    return ("call", id(call))
