from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.rules.lifecycle.libraries import Resource
from isolint.rules.lifecycle.placement import EngineCreationRule, created_per_call


class EngineCreatedPerCall(EngineCreationRule):
    """A database engine or pool created in a function that runs on every call.

    ## What it does
    Flags `create_engine()`, `create_async_engine()` and `asyncpg.create_pool()` inside a
    function that runs on every call — a request handler, a repository method, a plain
    `get_engine()` getter — instead of once per process.

    ## Why is this bad?
    An engine is a connection pool. Creating one per call opens fresh connections every time,
    never reuses them, and — unless each one is disposed — leaves pools behind until the
    database refuses new connections.

    ## Example
    ```python
    from sqlalchemy import create_engine, text


    def count_users(url: str) -> int:
        engine = create_engine(url)
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    from sqlalchemy import create_engine, text


    @lru_cache(maxsize=None)
    def engine_for(url: str):
        return create_engine(url)


    def count_users(url: str) -> int:
        with engine_for(url).connect() as conn:
            return conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    ```

    ## Known look-alikes
    - Module-level engines, and factories cached with `functools.lru_cache` / `cache` or
      memoised in a `global`, an attribute or a cache (`app.state.engine = …`,
      `ENGINES[key] = engine`).
    - Start-up code: `lifespan`, `startup`, `main`, `init_*`, `setup_*`, `__init__`, CLI commands,
      and migration helpers whatever their name (a function calling Alembic: `db_is_at_head`).
    - Factories that return the engine, or the object built around it (`return cls(engine)`),
      except getters, and the other engines such a factory builds.
    - A module-level function called only at import or by start-up code (`init_db()` →
      `_create_database()`); an unpooled engine (`poolclass=NullPool`) disposed where built.
    - Migration code: everything in a `migrations/`, `alembic/`, `data_migrations/`… tree
      (`env.py`, helpers, data migrations) runs once per deployment.
    """

    code = "ISO303"
    name = "engine-created-per-call"
    message = "`{callee}()` creates a new {kind} on every call of `{function}()`; create it once per process"

    def engine_created(self, node: ast.Call, created: Resource, ctx: PythonContext) -> None:
        function = created_per_call(node, ctx)
        if function is None:
            return
        callee = (ctx.qualified_name(node.func) or "").rpartition(".")[2] or ctx.text_of(node.func)
        ctx.report(self, node, callee=callee, kind="connection pool" if created.kind.value == "pool" else "engine",
                   function=getattr(function, "name", "<lambda>"))
