from __future__ import annotations

import ast

from isolint.core.context import PythonContext
from isolint.core.modules import import_time_statements
from isolint.core.scratch import Key
from isolint.rules.common.scope import walk
from isolint.rules.lifecycle.tracking import LifecycleRule, tracker_for

#: methods through which a class releases what it holds
CLEANUP_HOOKS = frozenset({"close", "aclose", "__exit__", "__aexit__", "__del__", "dispose", "shutdown",
                           "teardown", "cleanup", "release", "disconnect"})


class SessionInSharedState(LifecycleRule):
    """A database session stored where every request shares it (module global, class attribute).

    ## What it does
    Flags a database session or connection stored where every request and caller shares it:
    a module-level variable (also one assigned through `global`), a class attribute, or an
    attribute set in `__init__` of a class that never closes it (no `close`, `__exit__`,
    `__aexit__`, `dispose`… method).

    ## Why is this bad?
    A session is a unit of work, not thread-safe and not safe across concurrent coroutines.
    Shared, it carries one request's pending objects and failed transaction into the next
    (`PendingRollbackError` for everyone after one error), holds a connection forever, and
    breaks when the database restarts: the audit's "shared mutable state between requests".

    ## Example
    ```python
    from app.db import SessionLocal

    db = SessionLocal()


    def find_user(user_id: int):
        return db.get(User, user_id)
    ```

    ## Use instead
    ```python
    from app.db import SessionLocal


    def find_user(user_id: int):
        with SessionLocal() as db:
            return db.get(User, user_id)
    ```

    ## Known look-alikes
    - Engines, `sessionmaker` / `async_sessionmaker` factories, `scoped_session` registries,
      connection pools and redis / HTTP clients: they are made to be shared.
    - A bare annotation such as `session: AsyncSession` (no session is created).
    - A session attribute of a class that closes it (`close`, `__exit__`, `__aexit__`).
    - A one-shot script's connection: the module does its database work at its own top level
      and no function or class of it reads the name (or it sits under `if __name__ == "__main__":`).
    """

    code = "ISO307"
    name = "session-in-shared-state"
    message = "{what} `{target}` is held in {place}, shared by every request; open one per unit of work"

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign, ctx: PythonContext) -> None:
        self._observe(node, ctx)
        if node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1:
            return
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if not isinstance(value, ast.Call):
            return
        created = tracker_for(ctx).resolve_call(value, ctx)
        if created is None or not created.kind.is_per_request:
            return
        where = self._shared_place(targets[0], ctx)  # after: a module-level place reads the whole module
        if where is None:
            return
        ctx.report(self, node, what=created.description, target=ctx.text_of(targets[0]), place=where)

    visit_AnnAssign = visit_Assign

    @staticmethod
    def _shared_place(target: ast.expr, ctx: PythonContext) -> str | None:
        if isinstance(target, ast.Name):
            if ctx.at_module_level:
                if _under_main_guard(ctx) or _script_work_only(target.id, ctx):
                    return None
                return "a module-level variable"
            if ctx.classes and not ctx.functions:
                return "a class attribute"
            if ctx.functions and target.id in tracker_for(ctx).scope.globals:
                return "a module-level variable (`global`)"
            return None
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                and ctx.classes and isinstance(ctx.current_function, (ast.FunctionDef, ast.AsyncFunctionDef))
                and ctx.current_function.name == "__init__"):
            methods = {s.name for s in ctx.classes[-1].body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
            return None if methods & CLEANUP_HOOKS else f"the state of every `{ctx.classes[-1].name}` (never closed)"
        return None


def _script_work_only(name: str, ctx: PythonContext) -> bool:
    """The module does its database work with ``name`` at its own top level and no function or
    class of it reads ``name``: a one-shot script's connection, not state shared by requests."""
    read_in_definitions, used_at_top = ctx.scratch.setdefault(_MODULE_NAME_USES, lambda: _module_name_uses(ctx))
    return name in used_at_top and name not in read_in_definitions


#: (names any module-level function or class mentions, names whose attributes the module's own
#: top-level statements use), gathered once per check: a module assigns many names
_MODULE_NAME_USES: Key[tuple[frozenset[str], frozenset[str]]] = Key("iso307.module-name-uses")


def _module_name_uses(ctx: PythonContext) -> tuple[frozenset[str], frozenset[str]]:
    assert ctx.tree is not None
    in_definitions: set[str] = set()
    attribute_owners: set[str] = set()
    for statement in import_time_statements(ctx.tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            in_definitions.update(node.id for node in walk(statement) if isinstance(node, ast.Name))
        elif not isinstance(statement, (ast.If, ast.Try, ast.With)):
            attribute_owners.update(node.value.id for node in walk(statement)
                                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name))
    return frozenset(in_definitions), frozenset(attribute_owners)


def _under_main_guard(ctx: PythonContext) -> bool:
    for parent in ctx.parents:
        if isinstance(parent, ast.If) and "__main__" in ast.dump(parent.test):
            return True
    return False

