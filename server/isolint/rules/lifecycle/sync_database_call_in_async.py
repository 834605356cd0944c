from __future__ import annotations

import ast
import functools
from pathlib import Path

from dataclasses import replace

from isolint.core.model import Position, Range, RelatedLocation
from isolint.core.scratch import Key, SubtreeMemo
from isolint.core.context import PythonContext
from isolint.rules.common.names import last_name
from isolint.rules.common.scope import (
    LEAF_NODE_TYPES, NESTED_SCOPES, child_nodes_except, defined_functions, own_statements, walk_nodes,
)
from isolint.rules.lifecycle.libraries import LIBRARY_VALUES, Kind, Resource
from isolint.rules.lifecycle.model import is_server_hook
from isolint.rules.lifecycle.tracking import LifecycleRule, Scope, receiver_key, tracker_for

#: sync resources whose use blocks the event loop
BLOCKING_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.CLIENT, Kind.ENGINE, Kind.SCOPED_SESSION})


#: sync resources whose creation opens a session or connection (a ``scoped_session`` registry
#: opens nothing until it is called)
OPENED_BLOCKING_KINDS = BLOCKING_KINDS - {Kind.ENGINE, Kind.SCOPED_SESSION}

#: calls ISO305 has reported in the file
REPORTED_CALLS: Key[set] = Key("iso3.reported-blocking-calls")
#: per coroutine, the finding for its calls of project functions that open a sync session
SESSION_WORK_FINDINGS: Key[dict] = Key("iso3.session-work-findings")


class SyncDatabaseCallInAsync(LifecycleRule):
    """Synchronous database work (a sync session, connection or call) inside `async def`.

    ## What it does
    Flags synchronous database work inside `async def`: opening a sync `Session`, a
    `sessionmaker()` session, `engine.connect()` on a sync engine, `psycopg2.connect()`, a sync
    `redis.Redis` client or FastAPI-SQLAlchemy's `db.session`, entering a session scope the project defines (`with session_scope()
    as db:`, a `@contextmanager` that yields a sync session), calling a function whose decorator
    runs it in a sync session it opens (`@managed_tx() def purge(session): …`) or whose body
    opens one (`with Session(engine) as s:`), in this module or another (once per coroutine,
    the line that opens the session related), and I/O methods
    (`execute`, `query`, `commit`, `get`…) called on a sync session, connection or client. A coroutine's
    parameter that holds a sync session — annotated `Session`, typed by an alias such as
    `DbSession = Annotated[Session, Depends(get_db)]`, or injected by `Depends(get_db)` where
    `get_db` yields one — is reported once, at the parameter, when the coroutine uses it for
    I/O or hands it to a call it does not await, with those uses as related locations. One
    finding per handle and function.

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
    - Code handed to a thread: `await asyncio.to_thread(...)`, `run_in_threadpool(fn, db)`,
      `AsyncSession.run_sync(lambda s: ...)`.
    - Sync endpoints and background tasks (`def`, a `@celery.task`) using the same dependency
      or session scope: a thread pool or worker runs them, not the event loop.
    - A server's start-up or shutdown hook (`@app.on_event("startup")`, a `lifespan`): no
      request is served while it runs.
    - An injected session the coroutine never uses for I/O, or only hands to calls it awaits;
      a `scoped_session` registry a middleware builds (it opens nothing).
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
        if not isinstance(function, ast.AsyncFunctionDef) or is_server_hook(function):
            return  # a start-up hook blocks a loop that serves nothing yet
        if _used_asynchronously(ctx):
            return  # `await x.execute()`, `async with engine.connect()`: the handle is async after all
        tracker = tracker_for(ctx)
        reported = ctx.scratch.setdefault(REPORTED_CALLS, set)
        if node.args and not hands_to_thread(node):
            self._report_handed_library_session(node, function, tracker, reported, ctx)
        if isinstance(node.func, ast.Name) and not hands_to_thread(node):
            decorated = _session_decorated(node.func.id, function, ctx)
            if decorated is not None:
                definition, decorator, provided = decorated
                named = decorator.func if isinstance(decorator, ast.Call) else decorator
                self._report(node, provided, ctx.text_of(node.func) + "()", function, ctx,
                             related=[(decorator, f"`@{ctx.text_of(named)}` runs `{definition.name}()` in a sync "
                                                  "session it opens")])
                return
        if not hands_to_thread(node) and self._report_session_work(node, function, tracker, ctx):
            return
        created = tracker.resolve_call(node, ctx)
        if created is None and _entered_by_sync_with(node, ctx):
            created = tracker.model.entered_function(node.func)  # with session_scope() as db:
        if created is not None and not created.is_async and created.kind in OPENED_BLOCKING_KINDS:
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
        parameter = tracker.binding(func.value.id) if isinstance(func.value, ast.Name) else None
        if parameter is not None and parameter.origin == "parameter" and parameter.function is function:
            ctx.scratch.setdefault(PARAMETER_CALLS, dict).setdefault(id(parameter), []).append(node)
            return  # reported once at the parameter when the function ends
        key = (id(function), receiver_key(func.value, tracker))
        if key in reported:
            return
        reported.add(key)
        self._report(node, receiver, ctx.text_of(func.value), function, ctx)

    def function_done(self, scope: Scope, ctx: PythonContext) -> None:
        """A sync session, connection or client a coroutine receives as a parameter
        (``db: Session = Depends(get_db)``, ``db: DbSession``): one finding at the parameter
        when the coroutine uses it for I/O or hands it to a call it does not await — every
        such use runs the driver on the event loop — with those uses as related locations."""
        if not scope.is_async or is_server_hook(scope.node):
            return
        io_calls = ctx.scratch.get(PARAMETER_CALLS) or {}
        for binding in scope.bindings.values():
            resource = binding.resource
            if binding.origin != "parameter" or resource is None or resource.is_async \
                    or resource.kind not in PARAMETER_KINDS:
                continue
            handoffs = [call for call, awaited in binding.handoffs if not awaited and not hands_to_thread(call)]
            uses = [*io_calls.get(id(binding), ()), *handoffs,
                    *calls_through_built_objects(scope.node, handoffs)]
            if not uses:
                continue
            uses.sort(key=lambda call: (call.lineno, call.col_offset))
            self._report(binding.statement, resource, binding.name, scope.node, ctx,
                         related=[(call, f"`{binding.name}` used on the event loop") for call in uses])

    def _report_handed_library_session(self, node: ast.Call, function: ast.AST, tracker, reported: set,
                                       ctx: PythonContext) -> None:
        """A library's request session handed to a call the coroutine does not await
        (``ModelsConfig.fetch_api_keys(db.session, org_id)``): the sync code it reaches runs its
        queries on the loop, as with a sync parameter handed on."""
        for argument in node.args:
            resource = LIBRARY_VALUES.get(tracker.model.qualify(argument) or "") \
                if isinstance(argument, ast.Attribute) else None
            if resource is None:
                continue
            key = (id(function), receiver_key(argument, tracker))
            if key not in reported:
                reported.add(key)
                self._report(argument, resource, ctx.text_of(argument), function, ctx)

    def _report_session_work(self, node: ast.Call, function: ast.AST, tracker, ctx: PythonContext) -> bool:
        """A project function that opens a sync session for its database work (``@with_session
        def get_mcp_profile(session): …``, ``def load(): with Session(engine) as s: …``) called
        from the coroutine: its queries run on the event loop. One finding per coroutine, at its
        first such call, with the line that opens the session and the coroutine's later such
        calls as related locations."""
        found = tracker.model.session_work_of(node.func)
        if found is None:
            return False
        opened, path, name, opener = found
        called = ctx.text_of(node.func) + "()"
        reported = ctx.scratch.setdefault(SESSION_WORK_FINDINGS, dict)
        earlier = reported.get(id(function))
        if earlier is not None:
            index = ctx.findings.index(earlier)
            again = RelatedLocation(ctx.range(node), f"`{called}` opens another sync session on the event loop")
            ctx.findings[index] = reported[id(function)] = replace(earlier, related=(*earlier.related, again))
            return True
        if not path:
            found_here = _session_opening(ctx.tree, name, opener)
            related = [(_def_line(found_here[0]), _opening_message(name, found_here[1].lineno))] \
                if found_here is not None else []
            finding = self._report(node, opened, called, function, ctx, related=related)
        else:
            finding = self._report(node, opened, called, function, ctx)
            lines = _session_opening_lines(str(ctx.settings.root / path), name, opener)
            if lines is not None:
                defined, opening = lines
                at = Position(defined - 1, 0)
                where = RelatedLocation(Range(at, at), _opening_message(name, opening), path)
                finding = ctx.findings[-1] = replace(finding, related=(*finding.related, where))
        reported[id(function)] = finding
        return True

    def _report(self, node: ast.AST, resource: Resource, name: str, function: ast.AST, ctx: PythonContext,
                related: list | tuple = ()) -> None:
        kind = "session" if resource.kind is Kind.SCOPED_SESSION else resource.kind.value
        return ctx.report(self, node, library=resource.library, kind=kind, name=name, function=function.name,
                          related=related)


#: parameter kinds whose every use is I/O on the caller's loop (an engine handed on is not)
PARAMETER_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.CLIENT, Kind.SCOPED_SESSION})
#: I/O calls on sync parameters, per binding, reported when the function ends
PARAMETER_CALLS: Key[dict] = Key("iso3.blocking-parameter-calls")
#: calls that run their argument away from the event loop: handing a sync session to them is the fix
THREAD_HANDOFFS = frozenset({"to_thread", "run_in_threadpool", "run_in_executor", "run_sync", "submit",
                             "Thread", "call_sync_from_async", "sync_to_async", "defer_to_thread", "apply_async",
                             "delay", "send_task", "add_task"})


def hands_to_thread(call: ast.Call) -> bool:
    return last_name(call.func) in THREAD_HANDOFFS


def _unawaited_calls(function: ast.AsyncFunctionDef) -> tuple[ast.Call, ...]:
    """Calls of the coroutine's own body (not of nested functions) it neither awaits nor hands
    to a thread, in source order."""
    awaited: set[int] = set()
    calls: list[ast.Call] = []
    stack: list[ast.AST] = list(function.body)
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        if isinstance(node, NESTED_SCOPES):
            continue
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            awaited.add(id(node.value))
        elif isinstance(node, ast.Call):
            if hands_to_thread(node):
                continue  # run_in_threadpool(self.repos.users.get, id)
            calls.append(node)
        extend(child_nodes_except(node, LEAF_NODE_TYPES))  # runs on every keystroke in the editor
    calls = [call for call in calls if id(call) not in awaited]
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return tuple(calls)


#: ``_unawaited_calls`` of each coroutine, kept while its node lives: ISO305 and ISO308 ask it of
#: every coroutine on every keystroke, and only the edited definition's node is new
unawaited_calls: SubtreeMemo[ast.AsyncFunctionDef, tuple[ast.Call, ...]] = SubtreeMemo(_unawaited_calls)


def calls_through_built_objects(function: ast.AST, handoffs: list[ast.Call]) -> list[ast.Call]:
    """Calls on objects a coroutine built from its sync session (``repos = Repositories(db)``
    … ``repos.users.get_one(id)``): the repository runs its queries on that session, on the loop."""
    built_by = {id(call) for call in handoffs}
    built: set[str] = set()
    for node in walk_nodes(function):
        if isinstance(node, ast.Assign) and id(node.value) in built_by:
            built.update(target.id for target in node.targets if isinstance(target, ast.Name))
    if not built:
        return []
    found = []
    for call in unawaited_calls(function):
        receiver = call.func
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
        if receiver is not call.func and isinstance(receiver, ast.Name) and receiver.id in built:
            found.append(call)
    return found


def _opening_message(name: str, line: int) -> str:
    # the definition, not the line that opens the session: that line is right in a sync function
    return f"`{name}()` is defined here and opens a sync session (line {line})"


def _def_line(definition: ast.FunctionDef) -> Range:
    at = Position(definition.lineno - 1, definition.col_offset)  # the ``def``, not its decorators
    return Range(at, at)


def _session_opening(tree: ast.Module, name: str, opener: str) -> tuple[ast.FunctionDef, ast.AST] | None:
    """The module-level function ``name`` and its decorator or ``with`` statement that opens its
    session (named ``opener``: ``with_session``, ``Session``, ``session_scope``)."""
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef) or statement.name != name:
            continue
        for decorator in statement.decorator_list:
            if last_name(decorator.func if isinstance(decorator, ast.Call) else decorator) == opener:
                return statement, decorator
        for inner in own_statements(statement.body):
            if isinstance(inner, ast.With) and any(
                    isinstance(item.context_expr, ast.Call) and last_name(item.context_expr.func) == opener
                    for item in inner.items):
                return statement, inner
    return None


def _session_opening_lines(path: str, name: str, opener: str) -> tuple[int, int] | None:
    """The lines of the function ``name`` of another file of the project and of what opens its
    session, read from the file as it is on disk (facts carry no line: a fact must not change
    when lines move)."""
    try:
        modified = Path(path).stat().st_mtime_ns
    except OSError:
        return None
    return _opening_lines_in(path, modified, name, opener)


@functools.lru_cache(maxsize=256)
def _opening_lines_in(path: str, modified: int, name: str, opener: str) -> tuple[int, int] | None:
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    found = _session_opening(tree, name, opener)
    return (found[0].lineno, found[1].lineno) if found is not None else None


def _session_decorated(name: str, coroutine: ast.AST,
                       ctx: PythonContext) -> tuple[ast.FunctionDef, ast.expr, Resource] | None:
    """(definition, decorator, session) when ``name`` is a sync function defined in the coroutine
    or at the module's top level whose decorator runs it in a sync session it opens
    (``@managed_tx_function(CommitMode.COMMIT) def purge_tx(session): …``): calling it from the
    coroutine runs that whole transaction on the event loop."""
    model = tracker_for(ctx).model
    if not model.session_decorators and model.project is None:
        return None
    for definitions in (_sync_definitions(coroutine), _sync_definitions(ctx.tree)):
        definition = definitions.get(name)
        if definition is None:
            continue
        for decorator in definition.decorator_list:
            provided = model.session_decorator(decorator)
            if provided is not None:
                return definition, decorator, provided
        return None
    return None


def _first_sync_definitions(owner: ast.AST) -> dict[str, ast.FunctionDef]:
    """By name, the first sync function the block of ``owner`` (a coroutine, the module)
    defines itself, in ``defined_functions`` order: the one a call of the name in the block
    reaches."""
    found: dict[str, ast.FunctionDef] = {}
    for definition in defined_functions(getattr(owner, "body", ())):
        if isinstance(definition, ast.FunctionDef):
            found.setdefault(definition.name, definition)
    return found


#: asked for every call by name in a coroutine: a walk of the module's statements per call was
#: a tenth of a keystroke's analysis on a 1,000-line module of coroutines
_sync_definitions: SubtreeMemo[ast.AST, dict[str, ast.FunctionDef]] = SubtreeMemo(_first_sync_definitions)


def _entered_by_sync_with(node: ast.Call, ctx: PythonContext) -> bool:
    parents = ctx.parents
    return len(parents) > 1 and isinstance(parents[-1], ast.withitem) and parents[-1].context_expr is node \
        and isinstance(parents[-2], ast.With)


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
