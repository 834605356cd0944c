"""Where an engine is created: once per process (module level, a cached factory, a start-up
hook, an attribute of a long-lived object) or on every call. Shared by ISO303 and ISO304."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import Any

from isolint.core.context import PythonContext
from isolint.core.lazy_regex import lazy_compile
from isolint.core.modules import import_time_statements, resolve_relative_module
from isolint.core.model import Zone
from isolint.core.rule import TEST_ZONES
from isolint.core.scratch import Key
from isolint.core.zones import migration_folder
from isolint.rules.common.scope import walk_own_scope
from isolint.rules.lifecycle.admission import may_create_engine
from isolint.rules.lifecycle.libraries import Kind, Resource, constructed_by
from isolint.rules.lifecycle.model import decorator_names, is_cached
from isolint.rules.lifecycle.tracking import LifecycleRule

#: functions that run once per process by name
ONCE_NAME_RE = lazy_compile(
    r"^_?(main|lifespan|\w*_lifespan|startup|on_startup|\w+_startup|shutdown|on_shutdown|init|initialize|"
    r"init_\w+|initialize_\w+|\w+_init|setup|setup_\w+|configure\w*|bootstrap\w*|create_app|make_app|build_app|"
    r"get_application|create_application|run|run_migrations\w*|migrate\w*|upgrade|downgrade|cli|"
    r"__init__|__post_init__|__aenter__|__enter__|__init_subclass__|start|start_\w+|connect|connect_\w+|"
    r"open|create_\w*engine\w*|make_\w*engine\w*|build_\w*engine\w*|new_\w*engine\w*|create_\w*pool\w*|"
    r"init_\w*|create_(tables|schema|all)\w*|drop_(tables|schema|all)\w*|reset_(db|database)\w*)$"
)
#: decorators of functions that run once (start-up hooks, CLI commands)
ONCE_DECORATORS = frozenset({"on_event", "on_startup", "command", "group", "callback", "listens_for",
                             "before_first_request", "before_serving", "asynccontextmanager"})
#: decorators of request handlers and jobs: per call whatever the name says
PER_CALL_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "websocket",
                                 "task", "shared_task", "periodic_task", "job", "middleware", "Depends"})


#: the values of the test zones, as the lifecycle facts keep a file's zone
_TEST_ZONE_VALUES = frozenset(zone.value for zone in TEST_ZONES)
#: zero-config owners of database set-up: ``app/db/engine.py``, ``app/database.py``…
OWNER_MODULE_NAMES = frozenset({"engine", "engines", "database", "databases", "db", "session", "sessions",
                                "connection", "connections"})
#: packages whose every module belongs to database set-up: ``app/db/``, ``app/database/``
OWNER_PACKAGE_NAMES = frozenset({"db", "database", "databases", "engine", "engines"})


def is_migration_env(rel_path: str) -> bool:
    """Alembic's ``env.py`` runs once per migration command and builds its own engine from the
    migration config — by design, not a per-call engine or a scattered set-up."""
    path = PurePosixPath(rel_path)
    return path.name == "env.py" and migration_folder([part.lower() for part in path.parts[:-1]]) is not None


def is_script(tree: ast.Module) -> bool:
    """The module runs as a program (``if __name__ == "__main__":`` at its top level): a
    one-shot script builds its own engine for its one run."""
    return any(isinstance(statement, ast.If) and "__main__" in ast.dump(statement.test) for statement in tree.body)


#: calls that run the coroutine or function they are handed as a program's main
_RUNNERS = frozenset({"run", "run_until_complete", "start"})


def program_entries(tree: ast.Module) -> frozenset[str]:
    """The module-level functions a program runs as its main: those its ``if __name__ ==
    "__main__":`` block calls, and, in turn, those such a function calls or hands to
    ``asyncio.run`` (``main()`` → ``asyncio.run(main_async())``). What they create lives until
    the process ends. Empty for a module that does not run as a program."""
    guards = [statement for statement in tree.body
              if isinstance(statement, ast.If) and "__main__" in ast.dump(statement.test)]
    if not guards:
        return frozenset()
    functions = {statement.name: statement for statement in tree.body
                 if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}
    entries: set[str] = set()
    pending = [name for guard in guards for name in _called_functions(guard.body)]
    while pending:
        name = pending.pop()
        if name in functions and name not in entries:
            entries.add(name)
            pending.extend(_called_functions(functions[name].body))
    return frozenset(entries)


def _called_functions(body: list[ast.stmt]) -> set[str]:
    """Names called in ``body`` (``main()``), or handed to a runner (``asyncio.run(main())``,
    ``anyio.run(main)``)."""
    names: set[str] = set()
    for node in (n for statement in body for n in ast.walk(statement)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            names.add(node.func.id)
        if isinstance(node.func, ast.Attribute) and node.func.attr in _RUNNERS and node.args:
            handed = node.args[0]
            if isinstance(handed, ast.Name):
                names.add(handed.id)
    return names


def in_migration_tree(rel_path: str, zone: Zone | str | None) -> bool:
    """Migration code (``zones.migration_folder``: ``migrations/``, ``alembic/``…) runs once per
    deployment or migration command, like a one-shot script. Tests of migrations
    (``tests/db_migrations/``) are tests, not migration code."""
    if getattr(zone, "value", zone) in _TEST_ZONE_VALUES:
        return False
    return migration_folder([part.lower() for part in PurePosixPath(rel_path).parts[:-1]]) is not None


def imported_modules(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    """Every module ``tree`` imports from, at module level or inside functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(resolve_relative_module(module, node.module, node.level, is_package))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return sorted(name for name in found if name)


def imported_values(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    """``from app.core.storage import engine`` at import time: the dotted names of the values
    this module takes from others (not classes, spelt ``CapWords``) — where ISO304 learns which
    module the rest of a service imports its engine from."""
    found = set()
    for statement in import_time_statements(tree.body):
        if isinstance(statement, ast.ImportFrom):
            base = resolve_relative_module(module, statement.module, statement.level, is_package)
            found.update(f"{base}.{alias.name}" for alias in statement.names
                         if alias.name != "*" and (not alias.name[:1].isupper() or alias.name.isupper()))
    return sorted(found)


def owns_database_setup(module: str) -> bool:
    """A module whose own name, or whose package's, says it is where the engine lives (zero
    configuration): ``app/db/engine.py``, ``app/database.py``, ``app/db/registry.py``. A package
    named for sessions or connections may be the users' or the sockets'; only its modules named
    for the database count."""
    return module.rpartition(".")[2].lower() in OWNER_MODULE_NAMES or setup_package(module) is not None


def setup_package(module: str) -> str | None:
    """The package of ``module`` when that package is named for database set-up (``app.db``)."""
    package = module.rpartition(".")[0]
    return package if package.rpartition(".")[2].lower() in OWNER_PACKAGE_NAMES else None


def engine_creation(call: ast.Call, ctx: PythonContext) -> Resource | None:
    """The engine or pool ``call`` creates (``create_engine``, ``create_async_engine``,
    ``asyncpg.create_pool``), else None."""
    created = constructed_by(ctx.qualified_name(call.func), call)
    return created if created is not None and created.kind in (Kind.ENGINE, Kind.POOL) else None


def _runs_once(function: ast.AST) -> bool:
    decorators = decorator_names(function)
    if any(name in PER_CALL_DECORATORS for name in decorators):
        return False
    name = getattr(function, "name", "")
    if any(name in ONCE_DECORATORS for name in decorators) and (
            "asynccontextmanager" not in decorators or "lifespan" in name):
        return True
    return bool(ONCE_NAME_RE.match(name)) or "lifespan" in name


def created_per_call(call: ast.Call, ctx: PythonContext) -> ast.AST | None:
    """The function that creates a new engine on each call, or None when the engine is
    created once: at module or class level, in a cached or start-up function, stored in an
    attribute or a ``global`` (a memo), or returned by a factory whose callers decide."""
    functions = [f for f in ctx.parents if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    if not functions or in_migration_tree(ctx.source.rel_path, ctx.source.zone):
        return None
    if any(is_cached(f) or _runs_once(f) for f in functions) or in_migration_helper(ctx):
        return None
    if _called_only_once(functions[0], ctx):
        return None
    function = functions[-1]
    if not _is_getter(function) and _returns_own_engine(function, ctx):
        return None  # an engine factory: every engine it builds is built as often as its callers ask
    statement = next((p for p in reversed(ctx.parents) if isinstance(p, ast.stmt)), None)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets):
            return None
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if names & _globals(function) or _stored(function, names) or _unpooled_and_disposed(call, function, names):
            return None
        if names and _returns_any(function, names) and not _is_getter(function):
            return None
    if isinstance(statement, ast.Return) and not _is_getter(function):
        return None
    return function


#: modules of schema-migration tools: a function calling into one checks or applies migrations
MIGRATION_TOOL_MODULES = ("alembic.", "flask_migrate.", "yoyo.")
#: per function node: whether it calls a migration tool
_MIGRATION_HELPERS: Key[dict[int, bool]] = Key("iso3.migration-helpers")


def in_migration_helper(ctx: PythonContext) -> bool:
    """Inside a function that checks or applies schema migrations (:func:`_works_on_migrations`)."""
    return any(isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and _works_on_migrations(parent, ctx)
               for parent in ctx.parents)


def _works_on_migrations(function: ast.AST, ctx: PythonContext) -> bool:
    """A function that checks or applies schema migrations through a migration tool
    (``MigrationContext.configure(connection).get_current_heads()``, ``command.upgrade(cfg,
    "head")``): run at start-up or by a deployment command, once per process, whatever its name
    (``db_is_at_head``) — the engine it builds for that is not built per request."""
    memo = ctx.scratch.setdefault(_MIGRATION_HELPERS, dict)
    key = id(function)
    if key not in memo:
        memo[key] = any(isinstance(node, ast.Call)
                        and (ctx.qualified_name(node.func) or "").startswith(MIGRATION_TOOL_MODULES)
                        for node in walk_own_scope(getattr(function, "body", ())))
    return memo[key]


#: per file: module-level functions called only once per process (at import, or by a start-up function)
_CALLED_ONCE: Key[frozenset] = Key("iso3.called-once")


def _called_only_once(function: ast.AST, ctx: PythonContext) -> bool:
    """``engine = _build_engine()`` at module level, or ``_create_database(url)`` called only
    by ``init_db()`` (:func:`_runs_once`), and nowhere else in the module: it runs once, when
    the module is imported or the process starts."""
    if not any(statement is function for statement in ctx.tree.body):
        return False
    names = ctx.scratch.get(_CALLED_ONCE)
    if names is None:
        names = ctx.scratch.put(_CALLED_ONCE, _once_only_calls(ctx.tree))
    return getattr(function, "name", "") in names


def _once_only_calls(tree: ast.Module) -> frozenset:
    once: set[str] = set()
    elsewhere: set[str] = set()
    for statement in import_time_statements(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _runs_once(statement) \
                and not is_cached(statement):
            once.update(_called_names(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            elsewhere.update(_called_names(statement))
        elif not isinstance(statement, (ast.If, ast.Try, ast.With)):
            once.update(_called_names(statement))
    return frozenset(once - elsewhere)


def _called_names(node: ast.AST) -> set[str]:
    return {call.func.id for call in ast.walk(node) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)}


def _returns_own_engine(function: ast.AST, ctx: PythonContext) -> bool:
    """The function hands a new engine to its caller (``engine = create_engine(…)`` …
    ``return engine``): a factory, called as often as its callers decide."""
    built: set[str] = set()
    returned: list[ast.expr] = []
    for node in walk_own_scope(getattr(function, "body", ())):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and engine_creation(node.value, ctx):
            built.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Return) and node.value is not None:
            returned.append(node.value)
    return any(_hands_over(value, built, ctx) for value in returned)


def _hands_over(value: ast.expr, built: set[str], ctx: PythonContext) -> bool:
    """The returned value is a built engine, or an object constructed around one
    (``return cls(engine, path)``): the caller owns the engine either way."""
    if isinstance(value, ast.Name):
        return value.id in built
    if not isinstance(value, ast.Call):
        return False
    if engine_creation(value, ctx) is not None:
        return True
    if not _constructs_own_class(value.func, ctx):
        return False
    return any(isinstance(argument, ast.Name) and argument.id in built for argument in _arguments(value))


def _constructs_own_class(func: ast.expr, ctx: PythonContext) -> bool:
    """``cls(…)`` or ``Connector(…)`` inside ``class Connector``: an alternate constructor."""
    if not isinstance(func, ast.Name):
        return False
    return func.id == "cls" or any(isinstance(parent, ast.ClassDef) and parent.name == func.id
                                   for parent in ctx.parents)


def caller_named_factory(call: ast.Call, ctx: PythonContext) -> bool:
    """A connector's alternate constructor: the engine's URL comes from the function's own
    parameters (``from_parameters(cls, parameters)`` → ``create_engine(parameters.db_url())``)
    or names a temporary file the function made (``tempfile.NamedTemporaryFile()``), and the
    engine is handed to the object the function constructs and returns (``return
    cls(create_engine(url))``) — one engine per data source a user registers or scratch
    database it asks for, not the service's own database set-up."""
    function = next((p for p in reversed(ctx.parents) if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef))),
                    None)
    if function is None or not call.args and not any(k.arg == "url" for k in call.keywords):
        return False
    statement = next((p for p in reversed(ctx.parents) if isinstance(p, ast.stmt)), None)
    if isinstance(statement, ast.Return):
        handed_back = isinstance(statement.value, ast.Call) and _constructs_own_class(statement.value.func, ctx) \
            and any(argument is call for argument in _arguments(statement.value))
    elif isinstance(statement, ast.Assign) and statement.value is call:
        built = {t.id for t in statement.targets if isinstance(t, ast.Name)}
        handed_back = any(isinstance(node, ast.Return) and node.value is not None and _hands_over(node.value, built, ctx)
                          and isinstance(node.value, ast.Call) for node in walk_own_scope(function.body))
    else:
        handed_back = False
    if not handed_back:
        return False
    arguments = function.args
    parameters = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]} - {"self", "cls"}
    url = call.args[0] if call.args else next(k.value for k in call.keywords if k.arg == "url")
    sources = _url_sources(url, function)
    read = {node.id for source in sources for node in ast.walk(source) if isinstance(node, ast.Name)}
    return bool(read & parameters) or any(
        isinstance(node, ast.Call) and (ctx.qualified_name(node.func) or "").startswith("tempfile.")
        for source in sources for node in ast.walk(source))


def _arguments(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(keyword.value for keyword in call.keywords)]


def _url_sources(expression: ast.expr, function: ast.AST) -> list[ast.expr]:
    """``expression`` and the values of the local assignments it reads, followed back
    (``db_url = parameters.db_url()`` → ``parameters.db_url()``)."""
    assigned: dict[str, list[ast.expr]] = {}
    for node in walk_own_scope(getattr(function, "body", ())):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    sources = [expression]
    seen: set[str] = set()
    pending = [n.id for n in ast.walk(expression) if isinstance(n, ast.Name)]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for value in assigned.get(name, ()):
            sources.append(value)
            pending.extend(n.id for n in ast.walk(value) if isinstance(n, ast.Name))
    return sources


def _unpooled_and_disposed(call: ast.Call, function: ast.AST, names: set[str]) -> bool:
    """``create_engine(url, poolclass=NullPool)`` disposed (``engine.dispose()``) in the function
    that built it: a deliberate short-lived engine that keeps no pool (a dedicated connection
    for a per-connection lock) and is closed before the call returns. A pooled engine built
    per call is still a fresh pool each time, disposed or not."""
    unpooled = any(
        keyword.arg == "poolclass" and (
            (isinstance(keyword.value, ast.Name) and keyword.value.id == "NullPool")
            or (isinstance(keyword.value, ast.Attribute) and keyword.value.attr == "NullPool"))
        for keyword in call.keywords)
    return unpooled and any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dispose"
               and isinstance(node.func.value, ast.Name) and node.func.value.id in names
               for node in ast.walk(function))


def _is_getter(function: ast.AST) -> bool:
    """``get_engine()`` reads as "the engine": callers call it wherever they need one."""
    name = getattr(function, "name", "")
    return name.lstrip("_").startswith("get") or "property" in decorator_names(function)


def _globals(function: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def _stored(function: ast.AST, names: set[str]) -> bool:
    """``ENGINES[key] = engine`` / ``self._engine = engine``: the local is memoised."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names \
                and any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets):
            return True
    return False


def _returns_any(function: ast.AST, names: set[str]) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in names:
            return True
    return False


class EngineCreationRule(LifecycleRule):
    """An ISO3xx rule about where engines and pools are created (ISO303, ISO304): it reads every
    call of a library's engine or pool constructor and judges it in ``engine_created``."""

    @classmethod
    def admits(cls, source: Any, project: Any) -> bool:
        """Only a library's engine or pool constructor is reported (``engine_creation``)."""
        return may_create_engine(source)

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        created = engine_creation(node, ctx)
        if created is not None:
            self.engine_created(node, created, ctx)

    def engine_created(self, node: ast.Call, created: Resource, ctx: PythonContext) -> None:
        raise NotImplementedError
