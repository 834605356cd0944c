from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.zones import matches_any
from isolint.rules.lifecycle.libraries import Kind, Resource
from isolint.rules.lifecycle.model import FACT_KIND
from isolint.rules.lifecycle.placement import (
    EngineCreationRule,
    caller_named_factory,
    created_per_call,
    in_migration_helper,
    in_migration_tree,
    is_script,
    owns_database_setup,
    setup_package,
)

#: zero-config: this many modules of one service creating engines is a scattered setup
MANY_MODULES = 3


class EngineCreatedInManyModules(EngineCreationRule):
    """A database engine created outside the modules that own database set-up.

    ## What it does
    Flags an engine created outside the modules that own database setup. With
    `engine-modules` configured, every `create_engine()` / `create_async_engine()` outside those
    modules is flagged; with zero configuration, engines are flagged when at least three modules
    of the same service create their own (a `db/` package counts once), or when a module builds
    one at import time beside the service's set-up module's — except in the set-up: a
    module named for it (`db.py`, `engine.py`, `session.py`, any module of `db/`…) or the one
    the rest of the service imports its engine from (`from app.core.storage import engine`).

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
    - One or two modules of a service that create engines, with zero configuration, unless one
      is the set-up module and the other builds its engine at import time; a migration
      helper's own engine (a function calling Alembic) is not flagged.
    - Modules that the service's own set-up module imports (an auth-specific engine factory that
      `db/engines.py` calls), one-shot scripts (`if __name__ == "__main__":`) and modules of a
      migration tree (`migrations/`, `alembic/`, `data_migrations/`…): neither flagged nor counted.
    - With zero configuration, a connector's alternate constructor building the engine for a
      database its caller names (`return cls(create_engine(parameters.db_url()))`) or a
      temporary file it made.

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
        if in_migration_tree(ctx.source.rel_path, ctx.source.zone) or is_script(ctx.tree) or in_migration_helper(ctx):
            return
        configured = ctx.settings.engine_modules
        module = ctx.source.module
        if configured:
            if _allowed(ctx.source.rel_path, module, configured):
                return
            reason = "only the `engine-modules` (" + ", ".join(configured) + ") should create engines"
        else:
            if caller_named_factory(node, ctx):
                return  # a connector to a database the caller names, not the service's own set-up
            if owns_database_setup(module):
                return  # the module the others should import from
            if _engine_imported_by_others(ctx, module):
                return  # the module the others do import their engine from
            central = _central_imports(ctx)
            if _imported_by(module, central):
                return  # a factory the central module calls (an auth-specific engine)
            others = self._other_modules(ctx, central)
            setup = [other for other in others if owns_database_setup(other)]
            if len(others) + 1 >= MANY_MODULES:
                reason = (f"{len(others) + 1} modules of this service create their own engine (also "
                          f"{', '.join(others[:2])}); create it once and import it")
            elif setup and not ctx.functions:
                reason = f"the service's database set-up (`{setup[0]}`) creates one already; import it from there"
            else:
                return
        ctx.report(self, node, module=module, reason=reason)

    @staticmethod
    def _other_modules(ctx: PythonContext, central: set[str]) -> list[str]:
        others = []
        for rel_path, facts in _service_facts(ctx):
            if rel_path == ctx.source.rel_path or not facts.get("engines") or facts.get("zone") != "production" \
                    or in_migration_tree(rel_path, facts.get("zone")) or facts.get("script"):
                continue
            module = facts.get("module") or rel_path
            if not owns_database_setup(module) and _imported_by(module, central):
                continue
            unit = setup_package(module) or module  # a database package's modules are one set-up
            if unit not in others:
                others.append(unit)
        return others


def _service_facts(ctx: PythonContext) -> list[tuple[str, dict]]:
    """The lifecycle facts of the files of this file's service."""
    project = ctx.project
    if project is None:
        return []
    services = getattr(project, "services", None)
    service = ctx.source.service or (services.service_of(ctx.source.rel_path) if services else None)
    return [(rel_path, facts) for rel_path, facts in sorted(project.facts(FACT_KIND).items())
            if services is None or services.service_of(rel_path) == service]


def _central_imports(ctx: PythonContext) -> set[str]:
    """Modules that the service's own database set-up modules (``db/engines.py``…) import."""
    return {name for _, facts in _service_facts(ctx) for name in facts.get("imports", ())}


def _engine_imported_by_others(ctx: PythonContext, module: str) -> bool:
    """Another module of the service imports an engine this module defines
    (``from app.core.storage import engine``): whatever this module is named, it is where the
    rest of the service takes its engine from."""
    service_facts = _service_facts(ctx)
    own = next((facts for rel_path, facts in service_facts if rel_path == ctx.source.rel_path), {})
    engines = {name for name, definition in (own.get("definitions") or {}).items()
               if isinstance(definition, dict) and definition.get("kind") == "engine"}
    if not engines:
        return False
    for rel_path, facts in service_facts:
        if rel_path == ctx.source.rel_path:
            continue
        for value in facts.get("imported_values", ()):
            source_module, _, name = value.rpartition(".")
            if name in engines and _imported_by(module, {source_module}):
                return True
    return False


def _imported_by(module: str, imported: set[str]) -> bool:
    """``src.app.db.aws_auth`` is imported as ``app.db.aws_auth`` (a source root in between)."""
    parts = module.split(".")
    return any(".".join(parts[i:]) in imported for i in range(max(len(parts) - 1, 1)))


def _allowed(rel_path: str, module: str, configured: list[str]) -> bool:
    patterns = [p for p in configured if "/" in p or "*" in p]
    names = [p for p in configured if p not in patterns]
    if patterns and matches_any(rel_path, patterns):
        return True
    dotted = "." + module
    return any(dotted.endswith("." + name) or ("." + module + ".").find("." + name + ".") >= 0 for name in names)
