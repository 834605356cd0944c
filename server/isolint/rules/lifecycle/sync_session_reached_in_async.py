from __future__ import annotations

import ast
import functools

from isolint.core.context import PythonContext
from isolint.core.lazy_regex import lazy_compile
from isolint.core.rule import Rule
from isolint.core.scratch import Key, SubtreeMemo
from isolint.rules.common.scope import own_statements
from isolint.rules.common.names import last_name
from isolint.rules.lifecycle.carriers import FACT_KIND, Carriers, annotation_sources, carriers_for
from isolint.rules.lifecycle.libraries import SYNC_SA_CONNECTION, SYNC_SESSION
from isolint.rules.lifecycle.model import DEPENDENCY_MARKERS, is_server_hook
from isolint.rules.lifecycle.model import FACT_KIND as FACTORIES_KIND
from isolint.rules.lifecycle.sync_database_call_in_async import unawaited_calls


class SyncSessionReachedInAsync(Rule):
    """A coroutine reaching a sync session through a repository, service, manager or model.

    ## What it does
    Flags an `async def` that calls, without `await`, a sync method of an object of `self`
    holding a sync SQLAlchemy session — `self.repos.users.get_one(id)`, `self.service.create_one(x)`,
    `self.get_recipe_or_404(slug)` — where the class (or a base, in any module) declares
    `session: Session`, takes a `Session` in `__init__`, or builds its repositories from one;
    hands such a declared session to a call (`ProjectModel.get_by_id(self.orm, id)`); or
    reaches one through other names: a parameter typed as (or injected by a `Depends` provider
    annotated to return) a manager whose sync methods open their own session (`db.get(Run)`
    where `get` runs `with Session(self.engine) as s:`), also handed to a project function; a
    module-level object holding a scoped session (`db_connection.session.commit()`); a model
    class whose `query` property queries it (`User.query.filter(…)`, and the query it returns).
    One finding per coroutine, at the first such call, with the others as related locations.

    ## Why is this bad?
    The repository runs `session.execute(…)` on the event loop: while one request waits for the
    database, every other request and WebSocket of the worker stalls. No line of the coroutine
    names a session, so the blocking call is easy to miss in review.

    ## Example
    ```python
    from fastapi import Depends
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.repos import Repositories


    class RatingsController:
        session: Session = Depends(get_db)

        @property
        def repos(self) -> Repositories:
            return Repositories(self.session)

        async def get_ratings(self, user_id: int):
            return self.repos.ratings.get_by_user(user_id)
    ```

    ## Use instead
    ```python
    class RatingsController:
        session: Session = Depends(get_db)

        @property
        def repos(self) -> Repositories:
            return Repositories(self.session)

        def get_ratings(self, user_id: int):  # FastAPI runs a sync endpoint in its thread pool
            return self.repos.ratings.get_by_user(user_id)
    ```

    ## Known look-alikes
    - The same call in a sync method (`def`): the framework runs it in its thread pool.
    - A call the coroutine awaits, or hands to a thread (`await run_in_threadpool(self.repos.x.get, id)`).
    - Repositories built on an `AsyncSession`; attributes of the object that hold no session
      (`self.service.logger.error(…)`); methods that never touch the session.
    - Session calls that do no I/O (`db_connection.session.expire(run)`); a manager handed to
      a constructor, which keeps it.
    - A start-up coroutine by name (`init_managers`, `setup_*`, `lifespan`): nothing is served yet.
    """

    code = "ISO308"
    name = "sync-session-reached-in-async"
    message = ("Sync {library} session reached through `{name}` inside `async def {function}()` "
               "blocks the event loop")
    tokens = (b"async def",)
    uses_facts = (FACT_KIND, FACTORIES_KIND)

    @classmethod
    def admits(cls, source, project) -> bool:
        """A coroutine calling through ``self``, a parameter, a module-level object or a class."""
        return b"." in source.raw

    admits_before_facts = admits

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, ctx: PythonContext) -> None:
        tree = ctx.tree
        if tree is None or is_server_hook(node) or _START_UP_NAME_RE.match(node.name):
            return
        carriers = carriers_for(ctx)
        owner = None
        if len(ctx.classes) == 1 and ctx.classes[0] in tree.body and node in ctx.classes[0].body:
            owner = f"{ctx.source.module}.{ctx.classes[0].name}"
            if carriers.class_fact(owner) is None:
                owner = None
        aliases = _self_aliases(node) if owner else {}
        roots = _Roots(node, ctx, carriers)
        blocking = []
        for call in unawaited_calls(node):
            chain = _chain(call.func, aliases) if owner else None
            library = _blocking_library(chain, owner, carriers) if owner and chain else None
            receiver = (call.func.value if len(chain) > 1 else call.func) if library and chain else None
            if library is None and owner:
                handed = _handed_own_session(call, owner, carriers)
                if handed is not None:
                    library, receiver = handed
            if library is None:
                reached = roots.reached(call)
                if reached is not None:
                    library, receiver = reached
            if library:
                blocking.append((call, library, receiver))
        if not blocking:
            return
        first, library, receiver = blocking[0]
        ctx.report(self, first, library=library, name=ctx.text_of(receiver), function=node.name,
                   related=[(call, "blocking database call on the event loop") for call, _, _ in blocking[1:]])


#: coroutines that by name run once, before anything is served (``init_managers``, ``lifespan``)
_START_UP_NAME_RE = lazy_compile(
    r"^_?(main|lifespan|\w*_lifespan|startup|on_startup|\w+_startup|shutdown|on_shutdown|init|initialize|"
    r"init_\w+|initialize_\w+|setup|setup_\w+)$")


#: the sync functions defined at the checked file's top level
_MODULE_FUNCTIONS: Key[frozenset] = Key("iso308.module-functions")


class _Roots:
    """What the names a coroutine calls through, other than ``self``, are: a parameter typed
    (or injected by a ``Depends`` provider annotated) as a class of the project, a module-level
    object of this or another module, or a class itself (``User.query.filter(…)``)."""

    def __init__(self, function: ast.AsyncFunctionDef, ctx: PythonContext, carriers: Carriers) -> None:
        self.ctx = ctx
        self.carriers = carriers
        self.module = ctx.source.module
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: dict[str, ast.expr] = dict(zip([a.arg for a in positional][-len(arguments.defaults):],
                                                 arguments.defaults)) if arguments.defaults else {}
        defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
        self.parameters = {a.arg: (a.annotation, defaults.get(a.arg))
                           for a in [*positional, *arguments.kwonlyargs]}
        self.function = function
        #: names bound to what a call through a session returned, and that session's library
        self.results: dict[str, str] = {}

    @functools.cached_property
    def _bindings(self) -> dict[str, int]:
        return _binding_counts(self.function)

    @functools.cached_property
    def rebound(self) -> frozenset[str]:
        """Names the coroutine binds itself: they shadow a module-level name and retype a parameter."""
        return frozenset(self._bindings)

    @functools.cached_property
    def assigned(self) -> dict[int, str]:
        """Calls whose result the coroutine binds to a name it binds once (``query = …``), by id:
        a later call through that name is a call on what the first one returned."""
        return _assigned_once(self.function, self._bindings)

    @property
    def module_functions(self) -> frozenset[str]:
        found = self.ctx.scratch.get(_MODULE_FUNCTIONS)
        if found is None:
            tree = self.ctx.tree
            found = self.ctx.scratch.put(_MODULE_FUNCTIONS, frozenset(
                s.name for s in (tree.body if tree is not None else ()) if isinstance(s, ast.FunctionDef)))
        return found

    def reached(self, call: ast.Call) -> tuple[str, ast.expr] | None:
        """The library of the sync session ``call`` reaches through such a name, and the
        receiver to name in the message; None for other calls."""
        handed = self._handed_manager(call)
        if handed is not None:
            return handed
        names: list[str] = []
        func = call.func
        while isinstance(func, ast.Attribute):
            names.append(func.attr)
            func = func.value
        if not names or not isinstance(func, ast.Name) or func.id in ("self", "cls"):
            return None
        if func.id in self.results:  # query = Model.query.filter(…) … query.first()
            return self.results[func.id], call.func.value
        if func.id in self.rebound:
            return None
        names.reverse()
        for owner, through_object in self._owners_of(func):
            library = _blocking_library(names, owner, self.carriers, own_session_reported=not through_object)
            if library and len(names) == 2 and not _io_on_held_session(names, owner, library, self.carriers):
                continue  # db_connection.session.expire(run): no I/O
            if library:
                result = self.assigned.get(id(call))
                if result is not None:
                    self.results[result] = library
                return library, call.func.value
        return None

    def _handed_manager(self, call: ast.Call) -> tuple[str, ast.expr] | None:
        """A parameter holding an object whose methods open sync sessions, handed to a sync
        function of the project (``_get_db_config(db)``): that function's queries run here."""
        if not isinstance(call.func, ast.Name):
            return None
        callee = self.ctx.qualified_name(call.func) or call.func.id
        if "." in callee:
            if callee.partition(".")[0] != self.module.partition(".")[0] or callee.rpartition(".")[2][:1].isupper():
                return None  # a library's function; a constructor keeps the object, it runs nothing
        elif call.func.id not in self.module_functions:
            return None  # a builtin, a local name
        for argument in call.args:
            if isinstance(argument, ast.Name) and argument.id in self.parameters and argument.id not in self.rebound:
                for owner, _ in self._owners_of(argument):
                    library = self.carriers.opened_library(owner)
                    if library:
                        return library, argument
        return None

    def _owners_of(self, name: ast.Name) -> list[tuple[str, bool]]:
        """(class, whether the name is an instance rather than the class itself) per class the
        name may be."""
        carriers = self.carriers
        if name.id in self.parameters:
            annotation, default = self.parameters[name.id]
            qualify = self.ctx.qualified_name
            sources = annotation_sources(annotation, qualify, self.module)
            if not sources and isinstance(default, ast.Call) and last_name(default.func) in DEPENDENCY_MARKERS \
                    and default.args and isinstance(default.args[0], (ast.Name, ast.Attribute)):
                provider = qualify(default.args[0]) or ""
                provider = provider if "." in provider else f"{self.module}.{provider}"
                sources = carriers.returned_sources(provider)
            return [(c, False) for s in sources if s.startswith("C:") for c in carriers.source_classes(s)]
        qualified = self.ctx.qualified_name(name) or name.id
        qualified = qualified if "." in qualified else f"{self.module}.{qualified}"
        sources = carriers.object_sources(qualified)
        if sources:
            return [(c, True) for s in sources for c in carriers.source_classes(s)]
        if name.id[:1].isupper() and carriers.class_fact(qualified) is not None:
            return [(qualified, False)]  # User.query.filter(…): a session the class itself reaches
        return []


#: I/O methods of a sync session or connection, by library (the others do no I/O)
_SESSION_IO = {SYNC_SESSION.library: SYNC_SESSION.io_methods | SYNC_SA_CONNECTION.io_methods}


def _io_on_held_session(chain: list[str], owner: str, library: str, carriers: Carriers) -> bool:
    """``session.commit()`` through an attribute that holds the session itself is I/O;
    ``session.expire(obj)`` is not. Calls through other objects are taken as I/O."""
    io_methods = _SESSION_IO.get(library)
    sources = [s for fact in carriers.lineage(owner) for s in fact["attrs"].get(chain[0], ())]
    if io_methods is None or not any(carriers.direct_library(source) for source in sources):
        return True
    return chain[1] in io_methods


def _binding_counts(function: ast.AsyncFunctionDef) -> dict[str, int]:
    """How many statements of the coroutine's own body bind each name."""
    counts: dict[str, int] = {}
    for statement in own_statements(function.body):
        for target in _bound_targets(statement):
            for name in _target_names(target):
                counts[name] = counts.get(name, 0) + 1
    return counts


def _assigned_once(function: ast.AsyncFunctionDef, binding_counts: dict[str, int]) -> dict[int, str]:
    """The calls whose result a one-name assignment binds, by id, for names bound only there."""
    found: dict[int, str] = {}
    for statement in own_statements(function.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call):
            found[id(statement.value)] = statement.targets[0].id
    return {key: name for key, name in found.items() if binding_counts.get(name) == 1}


def _target_names(target: ast.expr) -> list[str]:
    """The names an assignment target binds (``query.cache = True`` binds none)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    return []


def _chain(func: ast.expr, aliases: dict[str, list[str]] | None = None) -> list[str] | None:
    """``["repos", "users", "get_one"]`` for ``self.repos.users.get_one`` — or for
    ``users.get_one`` after ``users = self.repos.users`` (``aliases``); None for other shapes."""
    names: list[str] = []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    if not names or not isinstance(func, ast.Name):
        return None
    names.reverse()
    if func.id == "self":
        return names
    prefix = (aliases or {}).get(func.id)
    return [*prefix, *names] if prefix else None


def _find_self_aliases(function: ast.AsyncFunctionDef) -> dict[str, list[str]]:
    """Local names the coroutine binds once, to an attribute chain of ``self`` (``pr = self.pr``):
    a call through the name is a call through the chain. A name bound again (another assignment,
    a loop or ``with`` target) is not an alias."""
    bound: dict[str, list[str] | None] = {}
    for statement in own_statements(function.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            bound[name] = _chain(statement.value) if name not in bound else None
            continue
        for target in _bound_targets(statement):
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound[node.id] = None
    return {name: chain for name, chain in bound.items() if chain}


#: read from the coroutine's subtree alone: a keystroke finds them again in the edited one only
_self_aliases: SubtreeMemo[ast.AsyncFunctionDef, dict[str, list[str]]] = SubtreeMemo(_find_self_aliases)


def _bound_targets(statement: ast.AST) -> list[ast.expr]:
    """The targets a statement binds (assignments, loop and ``with`` targets)."""
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def _blocking_library(chain: list[str], owner: str, carriers: Carriers,
                      own_session_reported: bool = True) -> str | None:
    """The library of the sync session a call through ``chain`` (``["repos", "users", "get_one"]``)
    reaches from an instance of ``owner``, or None. ``own_session_reported``: ISO305 reports a
    call on a session ``owner`` declares itself when the chain starts at ``self``."""
    if len(chain) == 1:  # self.get_recipe_or_404(slug)
        return carriers.method_library(owner, chain[0])
    library = carriers.attribute_library(owner, chain[0])
    if library is None or (own_session_reported and _direct_session_of_own_class(owner, chain, carriers)):
        return None
    classes = [c for c in carriers.attribute_classes(owner, chain[0]) if carriers.class_library(c)]
    for attr in chain[1:-1]:
        known = [c for c in classes if carriers.has_member(c, attr) is not None]
        if not known:
            classes = []  # an object of unknown shape built from the session: its attributes hold it too
            continue
        holders = [c for c in known if carriers.has_member(c, attr) and carriers.attribute_library(c, attr)]
        if not holders:
            return None  # self.service.logger: an attribute that holds no session
        classes = [n for c in holders for n in carriers.attribute_classes(c, attr) if carriers.class_library(n)]
    method = chain[-1]
    known = [c for c in classes if carriers.has_member(c, method) is not None]
    if not known:
        return library
    for holder in known:
        if carriers.has_member(holder, method):
            found = carriers.method_library(holder, method)
            if found:
                return found
    return None


def _handed_own_session(call: ast.Call, owner: str, carriers: Carriers) -> tuple[str, ast.expr] | None:
    """``ProjectModel.get_by_id(self.orm, id)``: a sync session the class declares (``orm:
    Session``), handed to a call the coroutine does not await — that call queries on the loop."""
    own = (carriers.class_fact(owner) or {}).get("attrs", {})
    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        if isinstance(argument, ast.Attribute) and isinstance(argument.value, ast.Name) \
                and argument.value.id == "self":
            library = next((found for source in own.get(argument.attr, ())
                            if (found := carriers.direct_library(source))), None)
            if library:
                return library, argument
    return None


def _direct_session_of_own_class(owner: str, chain: list[str], carriers: Carriers) -> bool:
    """``self.session.execute()`` on a session the class itself declares: ISO305 reports it."""
    if len(chain) != 2:
        return False
    own = carriers.class_fact(owner) or {}
    return any(carriers.direct_library(source) for source in own.get("attrs", {}).get(chain[0], ()))
