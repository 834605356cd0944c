from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.rule import Rule
from isolint.core.scratch import Key, SubtreeMemo
from isolint.rules.common.scope import own_statements
from isolint.rules.lifecycle.carriers import FACT_KIND, Carriers, module_classes
from isolint.rules.lifecycle.sync_database_call_in_async import unawaited_calls

#: the checked file's view of the project's session-holding classes
_CARRIERS: Key[Carriers] = Key("iso3.session-carriers")


class SyncSessionReachedInAsync(Rule):
    """A coroutine method reaching a sync session through a repository or service of `self`.

    ## What it does
    Flags an `async def` method that calls, without `await`, a sync method of an object of `self`
    holding a sync SQLAlchemy session — `self.repos.users.get_one(id)`, `self.service.create_one(x)`,
    `self.get_recipe_or_404(slug)` — where the class (or a base, in any module) declares
    `session: Session`, takes a `Session` in `__init__`, or builds its repositories from one.
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
    """

    code = "ISO308"
    name = "sync-session-reached-in-async"
    message = ("Sync {library} session reached through `{name}` inside `async def {function}()` "
               "blocks the event loop")
    tokens = (b"async def",)
    uses_facts = (FACT_KIND,)

    @classmethod
    def admits(cls, source, project) -> bool:
        """A coroutine calling through ``self``."""
        return b"self." in source.raw

    admits_before_facts = admits

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, ctx: PythonContext) -> None:
        tree = ctx.tree
        if len(ctx.classes) != 1 or tree is None or ctx.classes[0] not in tree.body \
                or node not in ctx.classes[0].body:
            return
        carriers = ctx.scratch.get(_CARRIERS)
        if carriers is None:
            carriers = ctx.scratch.put(_CARRIERS, Carriers(ctx.project, ctx.source.module,
                                                           module_classes(ctx.source, tree)))
        owner = f"{ctx.source.module}.{ctx.classes[0].name}"
        if carriers.class_fact(owner) is None:
            return
        aliases = _self_aliases(node)
        blocking = [(call, library) for call in unawaited_calls(node)
                    if (library := _blocking_library(call, owner, carriers, aliases))]
        if not blocking:
            return
        first, library = blocking[0]
        chain = _chain(first.func, aliases) or []
        receiver = first.func.value if len(chain) > 1 else first.func  # self.repos.users / self.load_user
        ctx.report(self, first, library=library, name=ctx.text_of(receiver), function=node.name,
                   related=[(call, "blocking database call on the event loop") for call, _ in blocking[1:]])


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
    """What a statement other than a one-name assignment binds."""
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def _blocking_library(call: ast.Call, owner: str, carriers: Carriers,
                      aliases: dict[str, list[str]] | None = None) -> str | None:
    """The library of the sync session ``call`` reaches from an instance of ``owner``, or None."""
    chain = _chain(call.func, aliases)
    if chain is None:
        return None
    if len(chain) == 1:  # self.get_recipe_or_404(slug)
        return carriers.method_library(owner, chain[0])
    library = carriers.attribute_library(owner, chain[0])
    if library is None or _direct_session_of_own_class(owner, chain, carriers):
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


def _direct_session_of_own_class(owner: str, chain: list[str], carriers: Carriers) -> bool:
    """``self.session.execute()`` on a session the class itself declares: ISO305 reports it."""
    if len(chain) != 2:
        return False
    own = carriers.class_fact(owner) or {}
    return any(source.startswith("S:") for source in own.get("attrs", {}).get(chain[0], ()))
