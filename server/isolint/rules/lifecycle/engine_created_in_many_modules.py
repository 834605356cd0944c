from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.zones import matches_any
from isolint.rules.lifecycle.libraries import Kind, Resource
from isolint.rules.lifecycle.model import FACT_KIND
from isolint.rules.lifecycle.placement import (
    EngineCreationRule,
    created_per_call,
    is_migration_env,
    owns_database_setup,
)

#: zero-config: this many modules of one service creating engines is a scattered setup
MANY_MODULES = 3


class EngineCreatedInManyModules(EngineCreationRule):
    """A database engine created outside the modules that own database set-up.

    ## What it does
    Flags an engine created outside the modules that own database setup. With
    `engine-modules` configured, every `create_engine()` / `create_async_engine()` outside those
    modules is flagged; with zero configuration, engines are flagged when at least three modules
    of the same service create their own, except in the module whose name says it owns the
    set-up (`db.py`, `database.py`, `engine.py`, `session.py`…).

    ## Why is this bad?
    Each engine is a separate connection pool with its own settings. Engines scattered over
    many modules multiply the connections a service holds (the audit found 30+ files creating
    engines), drift apart in pool size, timeouts and URLs, and make "which database does this
    talk to?" unanswerable.

    ## Example
    ```python
    # isolint-example: settings={"engine-modules": ["app.db.session"]}
    from sqlalchemy import create_engine

    reports_engine = create_engine("postgresql+psycopg://reports")
    ```

    ## Use instead
    ```python
    # isolint-example: settings={"engine-modules": ["app.db.session"]}
    from app.db.session import engine
    ```

    ## Known look-alikes
    - Alembic's `env.py` (under `alembic/` or `migrations/`) builds its own engine by design:
      it is neither flagged nor counted.
    - One or two modules of a service that create engines, with zero configuration.

    ## Options
    - `engine-modules`: globs (`services/*/app/db/*.py`) or dotted module names (`app.db.session`,
      matched as a suffix of the module's dotted path) allowed to create engines.
    """

    code = "ISO304"
    name = "engine-created-in-many-modules"
    message = "Engine created in `{module}`; {reason}"
    options = ("engine-modules",)

    def engine_created(self, node: ast.Call, created: Resource, ctx: PythonContext) -> None:
        if created.kind is not Kind.ENGINE or created_per_call(node, ctx) is not None:
            return
        if is_migration_env(ctx.source.rel_path):
            return
        configured = ctx.settings.engine_modules
        module = ctx.source.module
        if configured:
            if _allowed(ctx.source.rel_path, module, configured):
                return
            reason = "only the `engine-modules` (" + ", ".join(configured) + ") should create engines"
        else:
            if owns_database_setup(module):
                return  # the module the others should import from
            others = self._other_modules(ctx)
            if len(others) + 1 < MANY_MODULES:
                return
            reason = (f"{len(others) + 1} modules of this service create their own engine (also "
                      f"{', '.join(others[:2])}); create it once and import it")
        ctx.report(self, node, module=module, reason=reason)

    @staticmethod
    def _other_modules(ctx: PythonContext) -> list[str]:
        project = ctx.project
        if project is None:
            return []
        services = getattr(project, "services", None)
        service = ctx.source.service or (services.service_of(ctx.source.rel_path) if services else None)
        others = []
        for rel_path, facts in sorted(project.facts(FACT_KIND).items()):
            if rel_path == ctx.source.rel_path or not facts.get("engines") or facts.get("zone") != "production" \
                    or is_migration_env(rel_path):
                continue
            if services is not None and services.service_of(rel_path) != service:
                continue
            others.append(facts.get("module") or rel_path)
        return others


def _allowed(rel_path: str, module: str, configured: list[str]) -> bool:
    patterns = [p for p in configured if "/" in p or "*" in p]
    names = [p for p in configured if p not in patterns]
    if patterns and matches_any(rel_path, patterns):
        return True
    dotted = "." + module
    return any(dotted.endswith("." + name) or ("." + module + ".").find("." + name + ".") >= 0 for name in names)
