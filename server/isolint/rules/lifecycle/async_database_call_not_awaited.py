from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.model import Applicability, Edit, Fix, Fixability, Range
from isolint.rules.lifecycle.libraries import Kind
from isolint.rules.lifecycle.tracking import LifecycleRule, tracker_for

ASYNC_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.CLIENT, Kind.POOL, Kind.ENGINE})
#: where an un-awaited coroutine is deliberate: gathered, scheduled, returned, entered
HANDED_OVER = (ast.Await, ast.Return, ast.Call, ast.keyword, ast.withitem, ast.List, ast.Tuple, ast.Set,
               ast.Dict, ast.Lambda, ast.Yield, ast.YieldFrom, ast.Starred, ast.comprehension, ast.AsyncFor)
#: parents after which ``await x`` needs parentheses: ``(await s.execute(q)).scalars()``
NEEDS_PARENS = (ast.Attribute, ast.Subscript, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)


def _awaited_later(node: ast.Call, parent: ast.AST | None, ctx: PythonContext) -> bool:
    """``result = session.close()`` … ``await result``: the coroutine is kept and awaited
    (code that supports a library whose method became synchronous checks for None first)."""
    if not (isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    scope = ctx.current_function or ctx.tree
    return any(isinstance(child, ast.Await) and isinstance(child.value, ast.Name) and child.value.id == name
               for child in ast.walk(scope))


class AsyncDatabaseCallNotAwaited(LifecycleRule):
    """A coroutine method of an async session, pool or client called without `await`.

    ## What it does
    Flags a coroutine method of an async session, connection, pool or client that is called
    without `await`: `AsyncSession.commit()`, `execute()`, `get()`, `refresh()`, `delete()`,
    `close()`; asyncpg's `fetch()` / `execute()`; `redis.asyncio` commands; aiohttp and httpx
    async requests. The handle is known from its creation, an `async with … as` target, a
    parameter or attribute annotated `AsyncSession` (also through `Annotated[...]`), or an
    imported module-level client.

    ## Why is this bad?
    Without `await` nothing happens: the commit never runs (data silently lost), the query
    result is a coroutine object, and Python only warns "coroutine was never awaited" at
    garbage collection — far from the bug.

    ## Example
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def rename(session: AsyncSession, user, name: str) -> None:
        user.name = name
        session.commit()
    ```

    ## Use instead
    ```python
    from sqlalchemy.ext.asyncio import AsyncSession


    async def rename(session: AsyncSession, user, name: str) -> None:
        user.name = name
        await session.commit()
    ```

    ## Fix safety
    The fix inserts `await` (with parentheses when the result is used further:
    `(await session.execute(q)).scalars()`). It is **safe** for a call that is a statement of
    its own in an `async def` — the discarded coroutine can only have been meant to run. It is
    **unsafe** when the result is used (the code now receives the result instead of a
    coroutine). There is no fix outside `async def`, where `await` is a syntax error.

    ## Known look-alikes
    - Calls handed to something else: `asyncio.gather(...)`, `create_task(...)`, returned,
      collected in a list, entered with `async with`.
    - `add()`, `add_all()`, `begin()` and `expunge()`, which are synchronous on `AsyncSession`.
    """

    code = "ISO306"
    name = "async-database-call-not-awaited"
    message = "`{call}()` returns a coroutine that is never awaited; the {library} call does not run"
    fix_title = "Add `await`"
    fixable = Fixability.SOMETIMES

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        parent = ctx.parent
        if isinstance(parent, HANDED_OVER) and not (isinstance(parent, ast.Call) and parent.func is node):
            return
        receiver = tracker_for(ctx).resolve_value(func.value, ctx)
        if receiver is None or not receiver.is_async or receiver.kind not in ASYNC_KINDS:
            return
        if not receiver.is_io_method(func.attr):
            return
        if _awaited_later(node, parent, ctx):
            return
        ctx.report(self, node, fix=self._fix(node, parent, ctx), call=ctx.text_of(func), library=receiver.library)

    @staticmethod
    def _fix(node: ast.Call, parent: ast.AST | None, ctx: PythonContext) -> Fix | None:
        if not ctx.in_async_function:
            return None
        where = ctx.range(node)
        if isinstance(parent, NEEDS_PARENS) or (isinstance(parent, ast.Call) and parent.func is node):
            edits = (Edit(Range(where.start, where.start), "(await "), Edit(Range(where.end, where.end), ")"))
        else:
            edits = (Edit(Range(where.start, where.start), "await "),)
        safe = isinstance(parent, ast.Expr)
        return Fix("Add `await`", Applicability.SAFE if safe else Applicability.UNSAFE, edits=edits)
