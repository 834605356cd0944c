"""Who owns each session and connection of a function — computed once per file, shared by
every ISO3xx rule, fed by the engine's single traversal.

The tracker follows a function's statements as the walk passes them: a name bound to a new
session (``s = SessionLocal()``), whether it is entered later (``with s:``, ``async with s``,
``with s.begin():``, ``closing(s)``, ``stack.enter_context(s)``), closed in a ``finally``,
returned or stored somewhere else (ownership moves to the caller: not this function's
problem), captured by a nested function, or only closed on the success path. When the function
ends, the rules read the verdicts from its :class:`Scope`.

Each rule's ``visit_*`` forwards the node to the one tracker of the file (``ctx.scratch``); the
forwarding visitor is a ``shared_visitor`` (the runner calls it once per node, not once per
rule) and the tracker ignores a node it has just seen, so seven active rules cost one
observation. The tracker's ``FileModel`` comes from ``FileModel.of``: the scan the
``session-factories`` indexer made of the same parse, when the project cannot change it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from isolint.core.scratch import Key, SubtreeMemo
from isolint.core.context import PythonContext
from isolint.core.rule import Rule, shared_visitor
from isolint.rules.common.names import last_name
from isolint.rules.common.scope import own_statements, walk
from isolint.rules.lifecycle.admission import may_hold_resources
from isolint.rules.lifecycle.libraries import (
    CALLBACK_REGISTRATIONS,
    CLEANUP_METHODS,
    DBAPI_CONNECTION,
    DBAPI_CONNECTION_CLASS,
    DBAPI_CONNECTION_METHODS,
    DBAPI_CONSTRUCTOR,
    LIFECYCLE_TOKENS,
    OWNERSHIP_CALLS,
    POOL_RELEASE_METHODS,
    STATELESS_DBAPI_CONNECTS,
    Kind,
    Resource,
    annotation_resource,
    constructed_by,
)
from isolint.rules.lifecycle.model import FileModel, looks_up

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
#: method calls that show an unknown local is a database handle (ISO302)
DB_OPERATIONS = frozenset({
    "commit", "rollback", "execute", "executemany", "query", "fetch", "fetchrow", "fetchval", "fetchall",
    "fetchone", "flush", "scalars", "scalar", "merge", "refresh", "begin", "copy_expert",
})
#: container methods that store an object somewhere longer-lived than this function
STORE_METHODS = frozenset({"append", "add", "put", "put_nowait", "setdefault", "insert", "extend", "update",
                           "appendleft", "register", "set"})
TRACKER: Key["Tracker"] = Key("iso3.tracker")
#: the exits of a context entered by hand (``cm.__aenter__()`` … ``cm.__aexit__(None, None, None)``)
EXIT_METHODS = frozenset({"__exit__", "__aexit__"})
#: last names of the library calls that build an engine or a pool (``libraries.CONSTRUCTORS``)
POOL_CONSTRUCTOR_NAMES = frozenset({"create_engine", "create_async_engine", "engine_from_config",
                                    "async_engine_from_config", "create_pool"})
#: calls that step a generator: the name they step holds a generator, not a resource
GENERATOR_STEPS = frozenset({"__anext__", "__next__", "asend", "anext", "next"})
#: hand-offs of a parameter kept per binding (related locations of one finding)
MAX_HANDOFFS = 8
#: a callee that, in census mode, may turn out to be an imported session function
PENDING = Resource(Kind.SESSION, False, "unresolved")


@dataclass(eq=False)
class Binding:
    """One name bound in a function, and everything the function does with it."""

    name: str
    resource: Resource | None
    origin: str  # "created" | "entered" (with … as) | "parameter" | "value" | "unknown"
    function: ast.AST
    call: ast.Call | None = None
    statement: ast.stmt | None = None
    block: list | None = None  # the statement list holding ``statement``
    callee: str | None = None
    entered: bool = False
    closed_in_finally: bool = False
    escaped: bool = False
    #: escaped only by ``return name`` (no store, no capture): a pytest fixture's caller is pytest,
    #: which never closes what a fixture returns
    returned_only: bool = False
    #: handed on for good: returned, or captured by a function that outlives the call; an escape
    #: into a constructor, a container or a thread is only a loan when the function closes the
    #: name itself afterwards (``_settle_loans``)
    kept_elsewhere: bool = False
    is_global: bool = False
    closes: list = field(default_factory=list)  # cleanup calls outside finally/with
    close_statements: list = field(default_factory=list)
    except_closes: int = 0
    #: bound to an awaited call (``x = await f()``)
    awaited: bool = False
    #: ``return name`` of a session a ``with`` entered: the caller gets it closed
    returned_from_with: list = field(default_factory=list)
    #: where each cleanup of something the name holds runs (``db.engine.dispose()``):
    #: ``cleanup_position``'s answers
    member_closes: list = field(default_factory=list)
    handler_closes: int = 0
    last_use_line: int = 0
    db_calls: int = 0
    from_cursor: bool = False
    #: bound to ``connect()`` of a package outside the project that isolint has no entry for
    #: (``conn = tdclient.connect(...)``): a DB-API connection once a connection method is called
    driver_connect: bool = False
    used_as_dbapi: bool = False
    #: (call, awaited) for each call this parameter is handed to as an argument
    #: (``crud.get_user(db, user_id)``)
    handoffs: list = field(default_factory=list)
    #: functions defined in the owner that read the name: a capture, unless each is only called
    captured_by: set = field(default_factory=set)
    #: calls opening a session on it that its own cleanup ends too (``cluster.connect()``)
    opened: list = field(default_factory=list)
    #: rule codes that already reported this binding (one finding per name and rule)
    reported: set = field(default_factory=set)
    #: (id of an enclosing ``if``, "body" | "orelse") pairs: which branch the binding sits in
    branches: frozenset = frozenset()
    #: earlier bindings of the same name in the other branch of an ``if`` (``client = A()``
    #: / ``else: client = B()``): whatever guarantees this one's cleanup guarantees theirs
    alternatives: list = field(default_factory=list)

    @property
    def cleanup_guaranteed(self) -> bool:
        return (self.entered or self.closed_in_finally or self.escaped
                or (self.except_closes > 0 and bool(self.closes)))


@dataclass(eq=False)
class Scope:
    node: ast.AST  # a function, a lambda or the module
    bindings: dict = field(default_factory=dict)
    created: list = field(default_factory=list)  # bindings of new must-be-closed resources
    unknown: list = field(default_factory=list)  # locals bound from calls isolint cannot type
    unbound: list = field(default_factory=list)  # (call, resource): ``Session(engine).query(...)``
    managed: list = field(default_factory=list)  # (call, resource) created inside ``with``
    #: engines and pools a function builds itself with a library's constructor: one per call
    #: of the function; whether that is a leak depends on the zone (a test's engine, ISO301)
    pools: list = field(default_factory=list)
    #: (engine or pool constructor call, binding of the object it was handed to):
    #: ``db = Database(create_engine(url))`` — the engine lives as long as ``db`` is kept
    handed_pools: list = field(default_factory=list)
    globals: set = field(default_factory=set)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)


class Tracker:
    """``census``: the ``session-factories`` indexer's mode — unresolved imported callees are
    kept as ``PENDING`` and only what the facts read is followed (creations, entries, cleanups;
    not where a name escapes to)."""

    def __init__(self, ctx: PythonContext, census: bool = False) -> None:
        self.census = census
        self.model = FileModel.of(ctx.source, ctx.tree, ctx.qualified_name, ctx.project)
        self.scopes: list[Scope] = [Scope(ctx.tree)]
        self.finished: dict[int, Scope] = {}
        self.all_scopes: list[Scope] = []
        self._last: ast.AST | None = None
        #: the last resolution of a call and of a value: several rules resolve the node the walk
        #: is at, and the answers can only change when the tracker observes or leaves a node
        #: (not kept while it observes one: its handlers change what they resolve against)
        self._observing = False
        self._resolved_call: tuple[ast.AST | None, str | None, Resource | None] = (None, None, None)
        self._resolved_value: tuple[ast.AST | None, str | None, Resource | None] = (None, None, None)
        self._handlers = _CENSUS_HANDLERS if census else _HANDLERS

    # -- lookups for rules -----------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def binding(self, name: str) -> Binding | None:
        for scope in reversed(self.scopes):
            found = scope.bindings.get(name)
            if found is not None:
                return found
        return None

    def local_type(self, name: str) -> Resource | None:
        found = self.binding(name)
        return found.resource if found is not None and found.resource is not PENDING else None

    def resolve_call(self, call: ast.Call, ctx: PythonContext) -> Resource | None:
        node, in_class, resolved = self._resolved_call
        current_class = _class_name(ctx)
        if node is call and in_class == current_class:
            return resolved
        func = call.func
        if isinstance(func, ast.Name):
            local = self.binding(func.id)
            if local is not None and local.resource is None and local.awaited:
                # ``factory = await get_factory(); factory()``: what a coroutine handed back is
                # not what its name alone suggests (an ``async_sessionmaker`` named ``session_maker``)
                return None
        resolved = self.model.resolve_call(call, self.local_type, current_class)
        if not self._observing:
            self._resolved_call = (call, current_class, resolved)
        return resolved

    def resolve_value(self, expr: ast.AST, ctx: PythonContext) -> Resource | None:
        node, in_class, resolved = self._resolved_value
        current_class = _class_name(ctx)
        if node is expr and in_class == current_class:
            return resolved
        resolved = self.model.resolve_value(expr, self.local_type, current_class)
        if not self._observing:
            self._resolved_value = (expr, current_class, resolved)
        return resolved

    def _forget_resolutions(self) -> None:
        self._resolved_call = self._resolved_value = (None, None, None)

    # -- observation ---------------------------------------------------------------------------
    def observe(self, node: ast.AST, ctx: PythonContext) -> None:
        if node is self._last:
            return
        self._last = node
        handler = self._handlers.get(type(node))
        if handler is not None:
            self._forget_resolutions()
            self._observing = True
            try:
                handler(self, node, ctx)
            finally:
                self._observing = False

    def observe_name(self, node: ast.Name, ctx: PythonContext) -> None:
        """``observe`` for a name, done with at once when no scope binds it (most names of a
        function: the tracker follows only its bindings' uses)."""
        name = node.id
        for scope in self.scopes:
            if name in scope.bindings:
                self.observe(node, ctx)
                return

    def leave(self, node: ast.AST) -> Scope:
        done = self.finished.get(id(node))
        if done is not None:
            return done
        self._forget_resolutions()
        scope = self.scopes.pop() if len(self.scopes) > 1 and self.scopes[-1].node is node else Scope(node)
        _type_driver_connections(scope)
        _settle_captures(scope)
        _settle_loans(scope)
        _settle_alternatives(scope)
        self.finished[id(node)] = scope
        self.all_scopes.append(scope)
        return scope

    def module_scope(self) -> Scope:
        self._forget_resolutions()
        scope = self.scopes[0]
        if scope not in self.all_scopes:
            _settle_alternatives(scope)
            self.all_scopes.append(scope)
        return scope

    def _on_FunctionDef(self, node: ast.AST, ctx: PythonContext) -> None:
        scope = Scope(node)
        self.scopes.append(scope)
        args = node.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        defaults = dict(zip((arg.arg for arg in positional[len(positional) - len(args.defaults):]), args.defaults))
        defaults.update((arg.arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults)
                        if default is not None)
        model = self.model
        for arg in [*positional, *args.kwonlyargs]:
            resource = model.annotation_type(arg.annotation) if arg.annotation is not None else None
            if resource is None and arg.arg in defaults:
                resource = model.injected_resource(defaults[arg.arg])
            if resource is not None:
                scope.bindings[arg.arg] = Binding(arg.arg, resource, "parameter", node, statement=arg)

    _on_AsyncFunctionDef = _on_FunctionDef

    def _on_Lambda(self, node: ast.Lambda, ctx: PythonContext) -> None:
        self.scopes.append(Scope(node))

    def _on_Global(self, node: ast.Global | ast.Nonlocal, ctx: PythonContext) -> None:
        self.scope.globals.update(node.names)

    _on_Nonlocal = _on_Global

    def _on_Assign(self, node: ast.Assign | ast.AnnAssign, ctx: PythonContext) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name) or node.value is None:
            return
        name = targets[0].id
        scope = self.scope
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        resource = self.resolve_call(value, ctx) if isinstance(value, ast.Call) else None
        looked_up = False
        if resource is None and isinstance(node, ast.AnnAssign):
            resource = annotation_resource(node.annotation, ctx.qualified_name)
            looked_up = resource is not None and isinstance(value, ast.Call) and looks_up(value)
        if resource is None and self.census and isinstance(value, ast.Call):
            callee = ctx.qualified_name(value.func)
            if callee and "." in callee:
                resource = PENDING
        if resource is None:
            if isinstance(value, ast.Call):
                binding = Binding(name, None, "unknown", scope.node, value, node, _block_of(node, ctx))
                binding.awaited = isinstance(node.value, ast.Await)
                binding.from_cursor = isinstance(value.func, ast.Attribute) and value.func.attr == "cursor"
                binding.driver_connect = not self.census and driver_connect(value, ctx)
                scope.bindings[name] = binding
                scope.unknown.append(binding)
            else:
                scope.bindings.pop(name, None)
            return
        if resource.kind.must_be_closed and isinstance(value, ast.Call) and not looked_up \
                and not self._borrows_migration_connection(value):
            binding = Binding(name, resource, "created", scope.node, value, node, _block_of(node, ctx),
                              callee=ctx.qualified_name(value.func) or ctx.text_of(value.func)
                              if hasattr(ctx, "text_of") else None)
            binding.is_global = name in scope.globals or not isinstance(scope.node, FUNCTION_NODES)
            binding.branches = _branches(node, ctx)
            binding.entered = resource.kind is Kind.SESSION and self._binds_entered_connection(value)
            previous = scope.bindings.get(name)
            if previous is not None and previous.origin == "created" and _exclusive(previous, binding):
                binding.alternatives = [previous, *previous.alternatives]
            scope.created.append(binding)
        else:
            binding = Binding(name, resource, "value", scope.node, value if isinstance(value, ast.Call) else None,
                              node)
            if _builds_pool(value, resource, ctx) and isinstance(scope.node, FUNCTION_NODES) \
                    and name not in scope.globals:
                self._track_pool(binding, scope, ctx)
        scope.bindings[name] = binding

    _on_AnnAssign = _on_Assign

    def _binds_entered_connection(self, call: ast.Call) -> bool:
        """``Session(conn)`` / ``AsyncSession(bind=conn)`` over a connection a ``with`` of this
        function holds (``with engine.connect() as conn:``): the session borrows that connection,
        and the ``with`` returns it to the pool on every path, whatever becomes of the session."""
        bound = next((kw.value for kw in call.keywords if kw.arg == "bind"), call.args[0] if call.args else None)
        if not isinstance(bound, ast.Name):
            return False
        binding = self.binding(bound.id)
        return binding is not None and binding.origin == "entered" and binding.resource is not None \
            and binding.resource.kind is Kind.CONNECTION

    def _borrows_migration_connection(self, call: ast.Call) -> bool:
        """``Session(bind=op.get_bind())``: a session over the connection a migration tool runs
        the migration on — the tool owns that connection and ends it with the migration."""
        bound = next((kw.value for kw in call.keywords if kw.arg == "bind"), call.args[0] if call.args else None)
        if isinstance(bound, ast.Name):
            binding = self.binding(bound.id)
            bound = binding.call if binding is not None else None
        return isinstance(bound, ast.Call) and isinstance(bound.func, ast.Attribute) and bound.func.attr == "get_bind"

    def _track_pool(self, binding: Binding, scope: Scope, ctx: PythonContext) -> None:
        statement = binding.statement
        binding.block = _block_of(statement, ctx)
        binding.branches = _branches(statement, ctx)
        binding.callee = ctx.qualified_name(binding.call.func) if binding.call is not None else None
        previous = scope.bindings.get(binding.name)
        if previous is not None and previous in scope.pools and _exclusive(previous, binding):
            binding.alternatives = [previous, *previous.alternatives]
        scope.pools.append(binding)

    def _on_With(self, node: ast.With | ast.AsyncWith, ctx: PythonContext) -> None:
        scope = self.scope
        for item in node.items:
            expr = item.context_expr
            inner = expr.value if isinstance(expr, ast.Await) else expr
            if isinstance(inner, ast.Name):
                self._enter(inner.id)
                continue
            if not isinstance(inner, ast.Call):
                continue
            func = inner.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in (
                "begin", "begin_nested", "transaction"
            ):
                receiver = self.binding(func.value.id)
                if receiver is None or receiver.resource is None or receiver.resource.kind.must_be_closed:
                    self._enter(func.value.id)  # ``engine.begin()`` opens a connection; the engine stays
                continue
            last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if last in OWNERSHIP_CALLS and inner.args:
                argument = inner.args[0]
                if isinstance(argument, ast.Name):
                    self._enter(argument.id)
                    continue
                if isinstance(argument, ast.Call):
                    inner = argument
            resource = self.resolve_call(inner, ctx) or self.model.entered_function(inner.func)
            if resource is None and self.census:
                callee = ctx.qualified_name(inner.func)
                resource = PENDING if callee and "." in callee else None
            if resource is None:
                continue
            if resource.kind.must_be_closed:
                scope.managed.append((inner, resource, ctx.qualified_name(inner.func)))
            if isinstance(item.optional_vars, ast.Name):
                binding = Binding(item.optional_vars.id, resource, "entered", scope.node, inner, node, entered=True)
                scope.bindings[binding.name] = binding

    _on_AsyncWith = _on_With

    def _discarded(self, node: ast.Call, ctx: PythonContext) -> None:
        """``engine.connect()`` as a statement of its own (a connectivity check): the connection
        it opens is dropped unclosed at once."""
        created = self.resolve_call(node, ctx)
        if created is not None and created is not PENDING and not created.is_async \
                and created.kind in (Kind.SESSION, Kind.CONNECTION):
            self.scope.unbound.append((node, created, ctx.qualified_name(node.func)))

    def _enter(self, name: str) -> None:
        binding = self.binding(name)
        if binding is not None:
            binding.entered = True

    def _on_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        func = node.func
        if not self.census and ctx.parents and isinstance(ctx.parents[-1], ast.Expr) \
                and ctx.parents[-1].value is node:
            self._discarded(node, ctx)
        if not self.census and (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) \
                in POOL_CONSTRUCTOR_NAMES:
            self._handed_pool(node, ctx)
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, ast.Name):
                binding = self.binding(receiver.id)
                if binding is not None:
                    resource = binding.resource
                    if func.attr in CLEANUP_METHODS or func.attr in EXIT_METHODS \
                            or resource is not None and func.attr == resource.cleanup_method:
                        self._cleanup(binding, node, ctx)
                    elif resource is not None and func.attr in resource.opens and len(binding.opened) < MAX_HANDOFFS:
                        binding.opened.append(node)
                    elif func.attr in DB_OPERATIONS:
                        binding.db_calls += 1
                    if func.attr in DBAPI_CONNECTION_METHODS:
                        binding.used_as_dbapi = True
            elif func.attr in CLEANUP_METHODS and isinstance(receiver, ast.Attribute):
                root = receiver
                while isinstance(root, ast.Attribute):
                    root = root.value
                owner = self.binding(root.id) if isinstance(root, ast.Name) else None
                if owner is not None:  # ``await db.engine.dispose()``: releases what ``db`` holds
                    owner.member_closes.append(cleanup_position(node, ctx))
            if func.attr in POOL_RELEASE_METHODS and node.args and isinstance(node.args[0], ast.Name):
                released = self.binding(node.args[0].id)
                if released is not None and released.origin == "created":
                    self._cleanup(released, node, ctx)
            if isinstance(receiver, ast.Call) and not self.census and not _inside_with_item(ctx) \
                    and func.attr not in CLEANUP_METHODS:
                # ``engine.connect().close()`` opens and closes at once: nothing is left open
                created = self.resolve_call(receiver, ctx)
                if created is None and func.attr in DBAPI_CONNECTION_METHODS and driver_connect(receiver, ctx):
                    created = DBAPI_CONNECTION  # ``pyathena.connect(...).cursor()``
                if created is not None and created.kind.must_be_closed and created is not PENDING:
                    self.scope.unbound.append((receiver, created, ctx.qualified_name(receiver.func)))
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last in GENERATOR_STEPS:
            # ``gen.__anext__()`` / ``next(gen)``: what the name holds is a generator (a method
            # named like a session factory that yields one), not a session to close
            stepped = func.value if isinstance(func, ast.Attribute) and last.startswith(("__", "a")) \
                else node.args[0] if isinstance(func, ast.Name) and node.args else None
            if isinstance(stepped, ast.Name):
                binding = self.binding(stepped.id)
                if binding is not None and binding.origin == "created":
                    binding.resource = None
        if last in CALLBACK_REGISTRATIONS or last in OWNERSHIP_CALLS:
            for argument in node.args:
                target = argument.value if isinstance(argument, ast.Attribute) and argument.attr in CLEANUP_METHODS \
                    else argument
                if isinstance(target, ast.Name):
                    self._enter(target.id)

    def _handed_pool(self, node: ast.Call, ctx: PythonContext) -> None:
        """An engine or pool built straight into another object's constructor
        (``db = Database(create_engine(url))``): recorded with the binding that keeps it."""
        parents = ctx.parents
        holder = parents[-2] if len(parents) > 1 and isinstance(parents[-1], ast.keyword) else \
            parents[-1] if parents else None
        if not isinstance(holder, ast.Call) or holder.func is node or not isinstance(self.scope.node, FUNCTION_NODES):
            return
        statement = _statement_of(node, ctx)
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return
        created = constructed_by(ctx.qualified_name(node.func), node)
        if created is None or created.kind not in (Kind.ENGINE, Kind.POOL):
            return
        self.scope.handed_pools.append((node, created, statement.targets[0].id))

    def _cleanup(self, binding: Binding, call: ast.Call, ctx: PythonContext) -> None:
        where = cleanup_position(call, ctx)
        if where == "finally":
            binding.closed_in_finally = True
        elif where == "except":
            binding.except_closes += 1
        elif where == "handler":
            binding.handler_closes += 1  # error handling for one exception type: not the success path
        else:
            binding.closes.append(call)
            binding.close_statements.append(_statement_of(call, ctx))

    def _on_Name(self, node: ast.Name, ctx: PythonContext) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        binding = self.binding(node.id)
        if binding is None:
            return
        if binding.origin == "parameter":
            binding.last_use_line = max(binding.last_use_line, node.lineno)
            if len(binding.handoffs) < MAX_HANDOFFS and binding.function is self.scope.node:
                handoff = _argument_of(node, ctx)
                if handoff is not None:
                    binding.handoffs.append(handoff)
            return
        binding.last_use_line = max(binding.last_use_line, node.lineno)
        if binding.origin == "entered" and ctx.parents and isinstance(ctx.parents[-1], ast.Return) \
                and binding.resource is not None and binding.resource.kind.is_per_request \
                and binding.function is self.scope.node:
            binding.returned_from_with.append(ctx.parents[-1])  # ``with Session() as s: return s``
        if binding.function is not self.scope.node and isinstance(binding.function, FUNCTION_NODES) \
                and not _in_header(node, self.scope.node, ctx):
            nested = self.scope.node
            if isinstance(nested, (ast.FunctionDef, ast.AsyncFunctionDef)) and len(self.scopes) > 1 \
                    and self.scopes[-2].node is binding.function:
                binding.captured_by.add(nested)  # judged when the owner ends (``_settle_captures``)
                return
            binding.escaped = binding.kept_elsewhere = True  # captured by a nested function or lambda
            binding.returned_only = False
            return
        if _escapes(node, ctx):
            returned = ctx.parents[-1:] and isinstance(ctx.parents[-1], ast.Return)
            binding.returned_only = bool(returned) and (binding.returned_only or not binding.escaped)
            binding.escaped = True
            binding.kept_elsewhere |= isinstance(_statement_of(node, ctx), ast.Return)


#: node type -> handler; the census needs no escape analysis (``_on_Name``): its facts read
#: creations, entries and cleanups only
_HANDLERS = {node_type: getattr(Tracker, "_on_" + node_type.__name__)
             for node_type in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Global, ast.Nonlocal,
                               ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.Call, ast.Name)}
_CENSUS_HANDLERS = {node_type: handler for node_type, handler in _HANDLERS.items() if node_type is not ast.Name}


# -- helpers over the walk's parent chain ------------------------------------------------------

def _branches(statement: ast.stmt, ctx: PythonContext) -> frozenset:
    pairs = []
    for ancestor, child in _path(statement, ctx):
        if isinstance(ancestor, ast.If):
            if any(s is child for s in ancestor.body):
                pairs.append((id(ancestor), "body"))
            elif any(s is child for s in ancestor.orelse):
                pairs.append((id(ancestor), "orelse"))
    return frozenset(pairs)


def _exclusive(first: Binding, second: Binding) -> bool:
    """The two bindings sit in different branches of one ``if``: only one of them runs."""
    branches = dict(first.branches)
    return any(branches.get(node, where) != where for node, where in second.branches)


def driver_connect(call: ast.Call, ctx: PythonContext) -> bool:
    """``tdclient.connect(...)``, ``from pyathena import connect``: PEP 249's constructor, a
    module-level ``connect`` of an imported package that is not part of the project — or the
    package's connection class (``from e6data_python_connector import Connection``)."""
    func = call.func
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or root.id not in ctx.imports \
            or not names_driver_connect(last_name(func)):
        return False
    if isinstance(func, ast.Attribute) and not isinstance(func.value, (ast.Name, ast.Attribute)):
        return False
    qualified = ctx.qualified_name(func) or ""
    package = qualified.split(".", 1)[0]
    if "." not in qualified or not package or qualified in STATELESS_DBAPI_CONNECTS:
        return False
    if ctx.project is None:
        return package != (getattr(ctx.source, "module", "") or "").split(".", 1)[0]
    return ctx.project.resolve_module(package, ctx.source.rel_path) is None


def names_driver_connect(name: str) -> bool:
    """``connect``, ``Connection``, ``DatabaseConnection``: what a driver names its PEP 249
    constructor or connection class."""
    return name == DBAPI_CONSTRUCTOR or name.endswith(DBAPI_CONNECTION_CLASS)



def returns_a_cursor(statements: list, name: str) -> bool:
    """A ``return`` among ``statements`` hands back ``name.cursor()`` or a name bound to it."""
    def is_cursor(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cursor" \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == name

    nodes = [node for statement in statements for node in ast.walk(statement)]
    cursors = {target.id for node in nodes if isinstance(node, ast.Assign) and is_cursor(node.value)
               for target in node.targets if isinstance(target, ast.Name)}
    for node in nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if any(is_cursor(value) or isinstance(value, ast.Name) and value.id in cursors for value in values):
                return True
    return False


def _type_driver_connections(scope: Scope) -> None:
    """An unknown driver's ``connect()`` result the function uses as a PEP 249 connection
    (``cursor()``, ``commit()``, ``rollback()``) is tracked as one: it must be closed."""
    typed = [b for b in scope.unknown if b.driver_connect and b.used_as_dbapi]
    for binding in typed:
        binding.resource, binding.origin = DBAPI_CONNECTION, "created"
        binding.is_global = binding.name in scope.globals or not isinstance(scope.node, FUNCTION_NODES)
        scope.created.append(binding)
    if typed:
        scope.unknown = [b for b in scope.unknown if b not in typed]


def _settle_captures(scope: Scope) -> None:
    """A name read by a function defined inside its owner stays the owner's when that function
    is only ever called there (``async def child(): … db …`` then ``await child()``): the
    function runs while the owner does. Handed on as a value (a callback, a thread's target,
    returned) or closing the name itself, it takes the name with it: an escape."""
    for binding in {*scope.bindings.values(), *scope.created, *scope.pools}:
        if binding.captured_by and not all(_only_called(scope.node, nested) and not _releases(nested, binding.name)
                                           for nested in binding.captured_by):
            binding.escaped = binding.kept_elsewhere = True
            binding.returned_only = False


def _settle_loans(scope: Scope) -> None:
    """A session handed to a constructor, a container or a thread and then closed by the
    function itself (``summarizer = Summarizer(session=session)`` … ``session.close()``) was
    lent, not handed over: the function still owns it, and its close outside a ``finally`` is
    skipped by anything that raises in between."""
    for binding in scope.created:
        if binding.escaped and not binding.kept_elsewhere and binding.closes:
            binding.escaped = False


def _only_called(function: ast.AST, nested: ast.AST) -> bool:
    """Every other read of ``nested``'s name in ``function`` calls it (``child()``)."""
    if id(nested) not in _own_definition_places(function):
        return False
    return _reads_called(function).get(getattr(nested, "name", None), True)


def _releases(function: ast.AST, name: str) -> bool:
    """``function`` calls a cleanup method on ``name`` (``name.close()``)."""
    return name in _released_names(function)


def _definition_places(function: ast.AST) -> frozenset[int]:
    """The statements of ``function``'s body and the children of its own scope's statements:
    where a function defined in its scope sits (ids: the subtree keeps them alive)."""
    body = getattr(function, "body", ())
    places = {id(statement) for statement in body}
    places.update(id(child) for statement in own_statements(body) for child in ast.iter_child_nodes(statement))
    return frozenset(places)


def _names_read(function: ast.AST) -> dict[str, bool]:
    """Each name ``function`` reads (nested scopes included): whether every read calls it."""
    callees: set[int] = set()
    called: dict[str, bool] = {}
    for node in walk(function):  # breadth first: a call comes before the name it calls
        if isinstance(node, ast.Call):
            callees.add(id(node.func))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            called[node.id] = called.get(node.id, True) and id(node) in callees
    return called


def _cleaned_up_names(function: ast.AST) -> frozenset[str]:
    """The names ``function`` calls a cleanup method on (nested scopes included)."""
    return frozenset(node.func.value.id for node in walk(function)
                     if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                     and isinstance(node.func.value, ast.Name)
                     and (node.func.attr in CLEANUP_METHODS or node.func.attr in EXIT_METHODS))


# asked per captured name and nested function whenever a function's scope is settled: each
# function's subtree is walked once (and not again on a keystroke elsewhere in the file)
_own_definition_places: SubtreeMemo[ast.AST, frozenset[int]] = SubtreeMemo(_definition_places)
_reads_called: SubtreeMemo[ast.AST, dict[str, bool]] = SubtreeMemo(_names_read)
_released_names: SubtreeMemo[ast.AST, frozenset[str]] = SubtreeMemo(_cleaned_up_names)


def _settle_alternatives(scope: Scope) -> None:
    """The cleanup after an ``if``/``else`` that bound the name in each branch is every
    branch's cleanup: the walk records it on the last binding only."""
    for binding in [*scope.created, *scope.pools]:
        for alternative in binding.alternatives:
            alternative.entered |= binding.entered
            alternative.closed_in_finally |= binding.closed_in_finally
            alternative.escaped |= binding.escaped
            if not alternative.closes:
                alternative.closes = list(binding.closes)
                alternative.close_statements = list(binding.close_statements)


def _builds_pool(value: ast.AST, resource: Resource, ctx: PythonContext) -> bool:
    """``value`` calls a library's engine or pool constructor itself (``create_engine(url)``) or
    constructs a class that builds its own (``Exporter(url)``), not a project function that may
    hand out a shared one (``get_engine()``)."""
    return isinstance(value, ast.Call) and resource.kind in (Kind.ENGINE, Kind.POOL) \
        and (resource.owned_by_class or constructed_by(ctx.qualified_name(value.func), value) is not None)


def _class_name(ctx: PythonContext) -> str | None:
    classes = getattr(ctx, "classes", None)
    return classes[-1].name if classes else None


def _block_of(statement: ast.stmt, ctx: PythonContext) -> list | None:
    parent = ctx.parents[-1] if ctx.parents else None
    for attr in ("body", "orelse", "finalbody"):
        block = getattr(parent, attr, None)
        if isinstance(block, list) and any(s is statement for s in block):
            return block
    return None


def _path(node: ast.AST, ctx: PythonContext):
    """(ancestor, child) pairs from the innermost ancestor outwards, up to the function."""
    child = node
    for ancestor in reversed(ctx.parents):
        yield ancestor, child
        if isinstance(ancestor, FUNCTION_NODES):
            return
        child = ancestor


def cleanup_position(call: ast.Call, ctx: PythonContext) -> str:
    """``finally`` when the cleanup runs on every path, ``except`` inside a broad handler,
    ``handler`` inside a handler of particular exceptions (``except DatabaseError: conn.close()``
    drops a broken connection; it is not the success path's cleanup)."""
    for ancestor, child in _path(call, ctx):
        if isinstance(ancestor, ast.Try) or type(ancestor).__name__ == "TryStar":
            if any(s is child for s in ancestor.finalbody):
                return "finally"
        if isinstance(ancestor, ast.ExceptHandler):
            return "except" if _is_broad(ancestor) else "handler"
    return ""


def _is_broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in ("Exception", "BaseException") for n in names)


def _statement_of(node: ast.AST, ctx: PythonContext) -> ast.stmt | None:
    for ancestor, child in _path(node, ctx):
        if isinstance(child, ast.stmt):
            return child
    return None


def _inside_with_item(ctx: PythonContext) -> bool:
    for ancestor in reversed(ctx.parents):
        if isinstance(ancestor, ast.withitem):
            return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False


def _escapes(node: ast.Name, ctx: PythonContext) -> bool:
    """The name is handed to something that outlives this call of the function: returned,
    stored in an attribute, container or constructor, or aliased."""
    parents = ctx.parents
    parent = parents[-1] if parents else None
    if isinstance(parent, ast.Attribute) or isinstance(parent, ast.Subscript) and parent.value is node:
        return False  # s.query(...), s.bind, client[name]: a use, not a hand-over
    statement = _statement_of(node, ctx)
    if isinstance(statement, ast.Return):
        return True
    holder = parents[-2] if isinstance(parent, ast.keyword) and len(parents) > 1 else parent
    if isinstance(holder, ast.Call) and holder is not None:
        callee = holder.func
        last = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
        if last in STORE_METHODS:
            return True
        if _constructs(callee) and isinstance(statement, (ast.Assign, ast.AnnAssign)):
            return True  # repo = Repository(session), sdk = Sdk.from_openapi(client=client)
        if last in OWNERSHIP_CALLS or last in ("create_task", "ensure_future", "Thread", "submit"):
            return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        # the value holds the name when it is the name or one of its ancestors (``parents``
        # is the whole chain from the module down to the node the walk is at)
        value = statement.value
        in_value = value is not None and (value is node or any(parent is value for parent in parents))
        if in_value and (not all(isinstance(t, ast.Name) for t in targets) or statement.value is node
                         or isinstance(parent, (ast.Tuple, ast.List, ast.Dict, ast.Set))):
            return True
    if isinstance(parent, (ast.Tuple, ast.List, ast.Dict, ast.Set)) and isinstance(statement, ast.Return):
        return True
    return False


def _argument_of(node: ast.Name, ctx: PythonContext) -> "tuple[ast.Call, bool] | None":
    """The call ``node`` is handed to as an argument (``f(db)``, ``f(session=db)``), and
    whether that call is awaited."""
    parents = ctx.parents
    depth = 2 if parents and isinstance(parents[-1], ast.keyword) else 1
    if len(parents) < depth:
        return None
    call = parents[-depth]
    if not isinstance(call, ast.Call) or call.func is node:
        return None
    above = parents[-depth - 1] if len(parents) > depth else None
    return call, isinstance(above, ast.Await)


def _in_header(node: ast.AST, function: ast.AST, ctx: PythonContext) -> bool:
    """``node`` sits in ``function``'s decorators or default values, which run in the enclosing
    scope when the ``def`` runs (``@event.listens_for(engine.sync_engine, "connect")``): a use
    there is no capture."""
    parents = ctx.parents
    for index, parent in enumerate(parents):
        if parent is function:
            child = parents[index + 1] if index + 1 < len(parents) else node
            header = [*getattr(function, "decorator_list", ())]
            arguments = getattr(function, "args", None)
            if arguments is not None:
                header += [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
            return any(child is item for item in header)
    return False


def _constructs(callee: ast.expr) -> bool:
    """``Repository(…)`` or a class's alternative constructor ``Sdk.from_openapi(…)``: the new
    object keeps what it is given."""
    if isinstance(callee, ast.Name):
        return callee.id[:1].isupper()
    return isinstance(callee, ast.Attribute) and (
        callee.attr[:1].isupper() or (isinstance(callee.value, ast.Name) and callee.value.id[:1].isupper()
                                      and callee.attr.startswith(("from_", "create", "build", "with_"))))


def tracker_for(ctx: PythonContext) -> Tracker:
    tracker = ctx.scratch.get(TRACKER)
    if tracker is None:
        tracker = ctx.scratch.put(TRACKER, Tracker(ctx))
    return tracker


class LifecycleRule(Rule):
    """Base of the ISO3xx rules: forwards the walk to the file's tracker and hands each
    finished function (and, at the end, the module) to ``function_done``."""

    tokens = LIFECYCLE_TOKENS
    uses_facts = ("session-factories",)

    @classmethod
    def admits(cls, source: Any, project: Any) -> bool:
        """Only a file where some name may be typed as a session, connection, engine, pool or
        client (``admission.may_hold_resources``): every ISO3xx finding is about one."""
        return may_hold_resources(source, project)

    #: the file's tracker, kept by ``begin_file`` (one rule instance per check)
    _tracker: Tracker | None = None

    def begin_file(self, ctx: PythonContext) -> None:
        self._tracker = tracker_for(ctx)

    @shared_visitor  # one call per node feeds the one tracker
    def _observe(self, node: ast.AST, ctx: PythonContext) -> None:
        (self._tracker or tracker_for(ctx)).observe(node, ctx)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _observe
    visit_Global = visit_Nonlocal = _observe
    visit_Assign = visit_AnnAssign = _observe
    visit_With = visit_AsyncWith = _observe
    visit_Call = _observe

    @shared_visitor
    def visit_Name(self, node: ast.Name, ctx: PythonContext) -> None:
        (self._tracker or tracker_for(ctx)).observe_name(node, ctx)

    def _leave(self, node: ast.AST, ctx: PythonContext) -> None:
        self.function_done(tracker_for(ctx).leave(node), ctx)

    leave_FunctionDef = leave_AsyncFunctionDef = leave_Lambda = _leave

    def end_file(self, ctx: PythonContext) -> None:
        self.function_done(tracker_for(ctx).module_scope(), ctx)

    def function_done(self, scope: Scope, ctx: PythonContext) -> None:
        """Called once per finished function (and once for the module)."""


def receiver_key(expr: ast.AST, tracker: Tracker) -> object:
    """A stable key for "the same handle" within a function: a local name, ``self.session``…"""
    if isinstance(expr, ast.Name):
        return ("name", expr.id)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return ("attr", expr.value.id, expr.attr)
    return ("expr", id(expr))
