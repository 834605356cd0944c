from __future__ import annotations

from typing import Any

from isolint.core.context import PythonContext
from isolint.core.model import Fixability
from isolint.rules.lifecycle.admission import may_close_untyped_handle
from isolint.rules.lifecycle.fixes import lifecycle_fix
from isolint.rules.lifecycle.tracking import DB_OPERATIONS, LifecycleRule, Scope


class ManualCloseNotInFinally(LifecycleRule):
    """A database handle from a helper closed by hand, outside any `finally` or `with`.

    ## What it does
    Flags the `close()` (or `release()`) of a database handle that a function obtained from a
    helper isolint cannot see into (`conn = get_connection()`, `db = make_session()`), used for
    database work (`commit()`, `execute()`, `query()`…) and then closed by hand outside any
    `finally` or `with`. Handles whose type isolint knows are reported by [ISO301](ISO301.md)
    instead.

    ## Why is this bad?
    The manual `close()` only runs when nothing before it raises. A failed query skips it and
    the connection stays checked out — with its transaction open — until garbage collection:
    pool exhaustion and locks held by a dead request.

    ## Example
    ```python
    from app.db import get_connection


    def archive_order(order_id: int) -> None:
        conn = get_connection()
        conn.execute("UPDATE orders SET archived = true WHERE id = %s", (order_id,))
        conn.commit()
        conn.close()
    ```

    ## Use instead
    ```python
    from app.db import get_connection


    def archive_order(order_id: int) -> None:
        conn = get_connection()
        try:
            conn.execute("UPDATE orders SET archived = true WHERE id = %s", (order_id,))
            conn.commit()
        finally:
            conn.close()
    ```

    ## Fix safety
    The fix moves the statements between the creation and the `close()` into a `try` and the
    `close()` into its `finally`. It is **safe** when the `close()` is the last use of the
    handle in the same block and no `return` in between skipped it: the success path is
    unchanged. Otherwise it is **unsafe**; there is no fix when the handle is closed in another
    block or more than once.

    ## Known look-alikes
    - `commit()` and `rollback()` on a session a function *receives* (a FastAPI dependency, a
      repository's `self.session`): closing it belongs to whoever created it.
    - A `close()` in a `finally`, or a handle entered with `with`.
    """

    code = "ISO302"
    name = "manual-close-not-in-finally"
    message = "`{name}.{method}()` is skipped when anything before it raises; close `{name}` in a `finally`"
    fix_title = "Move the cleanup into `finally`"
    fixable = Fixability.SOMETIMES

    @classmethod
    def admits(cls, source: Any, project: Any) -> bool:
        """The handles are untyped: a cleanup call and a database operation must be spelled."""
        return may_close_untyped_handle(source, DB_OPERATIONS)

    def function_done(self, scope: Scope, ctx: PythonContext) -> None:
        for binding in scope.unknown:
            if not binding.closes or binding.cleanup_guaranteed or not binding.db_calls or binding.from_cursor:
                continue
            close = binding.closes[-1]
            method = close.func.attr if hasattr(close.func, "attr") else "close"
            ctx.report(self, close, fix=lifecycle_fix(binding, scope, ctx, prefer_with=False),
                       name=binding.name, method=method)
