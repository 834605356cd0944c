"""What the names of one file refer to: session factories, engines, clients.

``SessionLocal = sessionmaker(...)`` in ``app/db/session.py`` and ``from app.db import
SessionLocal; s = SessionLocal()`` in another module are the same factory: module-level
definitions are recorded by the ``session-factories`` indexer (``FileModel.definitions``) and
looked up through the ProjectIndex (``ProjectFactories``), never guessed per file. Inside a file
the model knows module-level names, class attributes (``self.Session = sessionmaker()`` in
``__init__``, ``session: AsyncSession`` fields) and functions that return a new session.
"""

from __future__ import annotations

import ast
import copy
import weakref
from typing import Any, Callable, Iterator, Mapping

from isolint.core.scratch import Key, SubtreeMemo
from isolint.core.modules import import_time_statements
from isolint.rules.common.names import last_name
from isolint.rules.common.scope import (
    defined_functions,
    generator_test,
    is_generator,
    own_statements,
    statements_breadth_first,
    walk,
)
from isolint.rules.lifecycle.libraries import (
    ANNOTATIONS,
    LIBRARY_VALUES,
    Kind,
    Resource,
    annotation_resource,
    constructed_by,
    conventional_factory,
    owned_by_class,
    produced_by_method,
    resource_from_fact,
)

FACT_KIND = "session-factories"
#: the fact kind of a decorator whose wrapper runs the decorated function in a sync session it
#: opens (``FileModel.session_decorator``); no resource kind: nothing reads it as one
SESSION_DECORATOR = "session-decorator"
#: the fact kind of a sync function that does its database work in a sync session it opens
#: (``FileModel.session_work``): calling it from a coroutine runs that work on the event loop
SESSION_WORK = "session-work"

Qualify = Callable[[ast.AST], "str | None"]
#: names bound in the current function (tracked creations, ``with … as`` targets, parameters)
LocalTypes = Callable[[str], "Resource | None"]

#: calls whose argument is a dependency a framework calls (or enters) to fill a parameter
DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})
#: fact kinds a ``with`` of a session function gives as they are
_ENTERED_KINDS = frozenset({Kind.SESSION.value, Kind.CONNECTION.value, Kind.CLIENT.value})

#: what a method hands its caller to close (``FileModel.session_method``)
_OPENED_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION})
#: decorators whose method is entered with ``with``, not called for its result
_ENTERED_DECORATORS = frozenset({"contextmanager", "asynccontextmanager"})
#: how many classes of a lineage are looked at for an inherited method
_MAX_LINEAGE = 16

CACHE_DECORATORS = frozenset({"lru_cache", "cache", "cached_property", "alru_cache", "cached", "memoize",
                              "singleton"})


def decorator_names(function: ast.AST) -> list[str]:
    """Last dotted segment of each decorator (``functools.lru_cache(maxsize=1)`` → ``lru_cache``)."""
    names = []
    for decorator in getattr(function, "decorator_list", ()):
        name = last_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name is not None:
            names.append(name)
    return names


#: decorators that register a web server's start-up or shutdown hook (Quart's, Starlette's)
_SERVER_HOOK_DECORATORS = frozenset({"on_startup", "on_shutdown", "before_serving", "after_serving"})


def _is_server_hook(function: ast.AST) -> bool:
    for decorator in getattr(function, "decorator_list", ()):
        if isinstance(decorator, ast.Call) and last_name(decorator.func) == "on_event":
            event = decorator.args[0] if decorator.args else None
            if isinstance(event, ast.Constant) and event.value in ("startup", "shutdown"):
                return True
    names = decorator_names(function)
    return not _SERVER_HOOK_DECORATORS.isdisjoint(names) or (
        "asynccontextmanager" in names and "lifespan" in getattr(function, "name", ""))


#: A web server's start-up or shutdown hook (``@app.on_event("startup")``, ``@app.before_serving``,
#: an ``@asynccontextmanager`` named for the app's lifespan): it runs once while no request is
#: served, so blocking its event loop stalls nothing, and what it opens lives as long as the
#: process — or ends the process when start-up fails. Asked for every call inside a coroutine:
#: answered once per function node (its decorators and name are its own subtree).
is_server_hook: SubtreeMemo[ast.AST, bool] = SubtreeMemo(_is_server_hook)


def is_cached(function: ast.AST) -> bool:
    return any(name in CACHE_DECORATORS for name in decorator_names(function))


class ProjectFactories:
    """Lookup of imported names in the ``session-factories`` facts of a ProjectIndex, rebuilt
    only when the index changes (``generation``) — and then only for the names of the files
    whose facts changed (``updated``): a keystroke in the language server changes one file of
    thousands."""

    _cache: "weakref.WeakKeyDictionary[Any, tuple[int, ProjectFactories]]" = weakref.WeakKeyDictionary()

    def __init__(self, facts: Mapping[str, Any], service_of: Callable[[str], "str | None"],
                 resolve_module: Callable[[str, str], "str | None"] | None = None) -> None:
        self.facts = facts
        #: name -> (module, rel_path, fact), in the order of ``facts`` (the first best match wins)
        self.by_name: dict[str, list[tuple[str, str, dict]]] = {}
        self.service_of = service_of
        self.resolve_module = resolve_module
        for rel_path, file_facts in facts.items():
            module = file_facts.get("module", "")
            for name, fact in file_facts.get("definitions", {}).items():
                self.by_name.setdefault(name, []).append((module, rel_path, fact))

    @classmethod
    def of(cls, project: Any) -> "ProjectFactories | None":
        if project is None or not hasattr(project, "facts"):
            return None
        cached = cls._cache.get(project)
        if cached is not None and cached[0] == project.generation:
            return cached[1]
        services = getattr(project, "services", None)
        facts = project.facts(FACT_KIND)
        if cached is not None:
            lookup = cached[1].updated(facts)
        else:
            lookup = cls(facts, services.service_of if services else (lambda _: None),
                         getattr(project, "resolve_module", None))
        cls._cache[project] = (project.generation, lookup)
        return lookup

    def updated(self, facts: Mapping[str, Any]) -> "ProjectFactories":
        """The lookup for ``facts``, a later snapshot of the same index: the ProjectIndex keeps
        the object of every file whose facts did not change, so the changed files are found by
        identity and only the names they define (before or now) are re-collected."""
        old = self.facts
        changed = [path for path, file_facts in facts.items() if old.get(path) is not file_facts]
        changed += [path for path in old if path not in facts]
        if not changed:
            return self
        names: set[str] = set()
        for path in changed:
            for version in (old.get(path), facts.get(path)):
                if version is not None:
                    names.update(version.get("definitions", {}))
        lookup = ProjectFactories.__new__(ProjectFactories)
        lookup.facts, lookup.service_of, lookup.resolve_module = facts, self.service_of, self.resolve_module
        lookup.by_name = dict(self.by_name)
        if not names:
            return lookup
        # a changed file keeps its place in ``facts`` (or a new one goes last): rebuild each
        # affected name's candidates in that order, as the full constructor would
        order = {path: index for index, path in enumerate(facts)}
        for name in names:
            candidates = [(order[path], (file_facts.get("module", ""), path, file_facts["definitions"][name]))
                          for path in {*(p for _, p, _ in self.by_name.get(name, ())), *changed}
                          if (file_facts := facts.get(path)) is not None and name in file_facts.get("definitions", {})]
            if candidates:
                lookup.by_name[name] = [entry for _, entry in sorted(candidates, key=lambda c: c[0])]
            else:
                lookup.by_name.pop(name, None)
        return lookup

    def lookup(self, qualified: str, from_path: str = "") -> Resource | None:
        fact = self.definition(qualified, from_path)
        return resource_from_fact(fact) if fact is not None else None

    def definition(self, qualified: str, from_path: str = "", depth: int = 0) -> dict | None:
        """The fact recorded for ``module.name``: first through Python's own module lookup
        (``ProjectIndex.resolve_module``), then — for re-exports (``from .session import
        SessionLocal`` in ``app/db/__init__.py``) and files outside the index — a definition of
        ``name`` in a module whose dotted path ends with ``module`` or lies inside the package
        ``module``, one in the caller's own service first."""
        found = self._definition(qualified, from_path)
        if found is None or "via" not in found[1]:
            return found[1] if found else None
        if depth >= 4:
            return None
        rel_path, fact = found
        target = self.definition(fact["via"], rel_path, depth + 1)
        if target is None:
            return None
        if target.get("kind") == "session-factory":  # return SessionLocal() / with SessionLocal() as s: yield s
            return {"kind": "session", "async": target.get("async", False), "library": target.get("library"),
                    "function": True, **({"yields": True} if fact.get("yields") else {})}
        if not target.get("function"):
            return None
        if fact.get("yields"):  # with make_session() as s: yield s — what the with gives
            return {**target, "function": True, "yields": True} if target.get("kind") in _ENTERED_KINDS else None
        return {**target, "function": True}

    def class_fact(self, qualified: str, from_path: str = "") -> dict | None:
        """The ``classes`` fact of ``module.Class`` (its session-opening methods and bases):
        the module Python would import first, then — for a re-export (``from app.db import
        BaseDao``) — a module whose dotted path ends with ``module`` or lies inside it."""
        module, _, name = qualified.rpartition(".")
        if not module:
            return None
        if self.resolve_module is not None and from_path:
            try:
                rel = self.resolve_module(module, from_path)
            except (OSError, ValueError):
                rel = None
            found = self.facts.get(rel, {}).get("classes", {}).get(name) if rel is not None else None
            if found is not None:
                return found
        wanted = "." + module
        for defined_in, _, fact in self.classes_by_name().get(name, ()):
            dotted = "." + defined_in
            if dotted.endswith(wanted) or (dotted + ".").find(wanted + ".") >= 0:
                return fact
        return None

    def classes_by_name(self) -> dict[str, list[tuple[str, str, dict]]]:
        """class name -> (module, rel_path, fact) of every ``classes`` fact; built on first use
        (most checks never ask) once per facts generation."""
        by_class = self.__dict__.get("_by_class")
        if by_class is None:
            by_class = {}
            for rel_path, file_facts in self.facts.items():
                for class_name, fact in file_facts.get("classes", {}).items():
                    by_class.setdefault(class_name, []).append((file_facts.get("module", ""), rel_path, fact))
            self._by_class = by_class
        return by_class

    def definition_at(self, qualified: str, from_path: str = "") -> tuple[str, dict] | None:
        """The file that defines ``module.name`` and its fact, re-exports followed by name (not
        the facts that forward to another definition, which ``definition`` follows)."""
        return self._definition(qualified, from_path)

    def _definition(self, qualified: str, from_path: str) -> tuple[str, dict] | None:
        module, _, name = qualified.rpartition(".")
        candidates = self.by_name.get(name)
        if not candidates or not module:
            return None
        package_folder = None
        if self.resolve_module is not None and from_path:
            try:
                rel = self.resolve_module(module, from_path)
            except (OSError, ValueError):
                rel = None
            if rel is not None:
                found = self.facts.get(rel, {}).get("definitions", {}).get(name)
                if found is not None:
                    return rel, found
                if rel.endswith("/__init__.py") or not rel.endswith(".py"):
                    package_folder = rel.rsplit("/__init__.py", 1)[0] + "/"
                else:
                    return None  # the module exists and does not define it
        wanted = "." + module
        service = self.service_of(from_path) if from_path else None
        best: tuple[int, str, dict] | None = None
        for defined_in, rel_path, fact in candidates:
            if package_folder is not None and not rel_path.startswith(package_folder):
                continue
            dotted = "." + defined_in
            if dotted.endswith(wanted):
                score = 2
            elif (dotted + ".").find(wanted + ".") >= 0 or package_folder is not None:
                score = 1
            else:
                continue
            if service is not None and self.service_of(rel_path) == service:
                score += 2
            if best is None or score > best[0]:
                best = (score, rel_path, fact)
        return (best[1], best[2]) if best else None


class _LookupRecorder:
    """Stands in for the project while a model is scanned without one: answers nothing, as no
    project would, and remembers what it was asked (see ``FileModel.with_project``)."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def definition(self, qualified: str, from_path: str = "") -> None:
        self.asked.add(qualified)

    def class_fact(self, qualified: str, from_path: str = "") -> None:
        """A method inherited from another module's class is resolved where it is called, never
        while a file is scanned: nothing to remember."""
        return None


#: the model scanned without a project (with the tree it was scanned from), shared by one
#: check's ``session-factories`` indexer and rules (the scan is most of a tracker's cost)
SHARED_MODEL: Key["tuple[ast.Module, FileModel]"] = Key("iso3.file-model")


class FileModel:
    """Module-level names, class attributes and session-returning functions of one file."""

    def __init__(self, tree: ast.Module, qualify: Qualify, project: Any = None, rel_path: str = "",
                 generator: Callable[[ast.AST], bool] = is_generator, module: str = "") -> None:
        """``generator`` tells a generator function (``scope.generator_test`` answers most
        functions from the file's text instead of walking them). ``module``, the file's dotted
        name, lets a fact point at another definition of the same file."""
        self.qualify = qualify
        self.rel_path = rel_path
        self.module = module
        self.is_generator = generator
        self.project = ProjectFactories.of(project)
        self.names: dict[str, Resource] = {}
        #: functions returning a new resource: name -> what calling them gives
        self.functions: dict[str, Resource] = {}
        #: functions returning a call isolint cannot type in this file alone: name -> callee
        self.forwarding: dict[str, str] = {}
        #: generator functions yielding a new resource (a ``@contextmanager`` session scope, a
        #: FastAPI dependency): entering or injecting them gives it; calling them does not
        self.yielding: dict[str, Resource] = {}
        #: generator functions yielding what a ``with`` of an imported callee gives: name -> callee
        self.yield_forwarding: dict[str, str] = {}
        #: type aliases naming a resource (``DbSession = Annotated[Session, Depends(get_db)]``)
        self.aliases: dict[str, Resource] = {}
        #: decorators (or decorator factories) whose sync wrapper opens a sync session and
        #: runs the decorated function with it: name -> that session
        self.session_decorators: dict[str, Resource] = {}
        #: module-level sync functions that open a sync session: name -> the name of what opens
        #: it (``at``: the decorator or the entered callable, no line: a fact must not change when
        #: lines move) and either the session (``kind``…) or the project name still to resolve
        #: (``decorator``, ``enters``) — other modules' names are resolved where it is called
        self.session_work: dict[str, dict] = {}
        #: class name -> attribute -> resource
        self.class_attrs: dict[str, dict[str, Resource]] = {}
        #: module-level classes: name -> the names of the methods it defines, its bases
        #: (qualified) and its methods returning a new session (``session_method``)
        self.class_methods: dict[str, frozenset[str]] = {}
        self.class_bases: dict[str, list[str]] = {}
        self.session_methods: dict[str, dict[str, Resource]] = {}
        #: (class, method) -> ``inherited_session_method``'s answer, per project binding
        self._inherited: dict[tuple[str, str], Resource | None] = {}
        #: imported names the scan would have looked up in a project (when scanned without one)
        self.project_lookups: frozenset[str] | None = None
        if self.project is None:
            recorder = _LookupRecorder()
            self.project = recorder  # type: ignore[assignment]
            self._scan(tree)
            self.project = None
            self.project_lookups = frozenset(recorder.asked)
        else:
            self._scan(tree)

    @classmethod
    def of(cls, source: Any, tree: ast.Module, qualify: Qualify, project: Any = None) -> "FileModel":
        """The model of ``tree`` as ``FileModel(tree, qualify, project, source.rel_path)`` would
        build it, scanning the file once per check: the project-free scan is kept in
        the file's scratch store and reused by every caller whose project has no definition for any
        name the scan looked up — then a project cannot change what the scan found."""
        scratch = getattr(source, "scratch", None)
        shared = scratch.get(SHARED_MODEL) if scratch is not None else None
        if shared is None or shared[0] is not tree:
            text, offsets = getattr(source, "text", None), getattr(source, "line_offsets", None)
            generator = generator_test(text, offsets) if text is not None and offsets is not None else is_generator
            shared = (tree, cls(tree, qualify, None, source.rel_path, generator=generator,
                                module=getattr(source, "module", "") or ""))
            if scratch is not None:
                scratch.put(SHARED_MODEL, shared)
        return shared[1].with_project(tree, qualify, project)

    def with_project(self, tree: ast.Module, qualify: Qualify, project: Any) -> "FileModel":
        """This project-free scan bound to ``qualify`` and ``project``; a new scan only when the
        project knows a name the scan looked up (the imports at scan time are the module-level
        ones for every caller, so ``qualify`` agrees with the scan's)."""
        factories = ProjectFactories.of(project)
        lookups = self.project_lookups or frozenset()
        if factories is not None and any(factories.definition(name, self.rel_path) is not None for name in lookups):
            return FileModel(tree, qualify, project, self.rel_path, self.is_generator, self.module)
        bound = copy.copy(self)
        bound.qualify, bound.project = qualify, factories
        bound._inherited = {}
        return bound

    # -- scanning ------------------------------------------------------------------------------
    def _scan(self, tree: ast.Module) -> None:
        statements = list(import_time_statements(tree.body))
        functions: list[ast.AST] = []
        classes: list[ast.ClassDef] = []
        for statement in statements:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                resource = self.assigned_resource(statement)
                alias = None if resource is not None else self._alias_of(statement)
                for target in _targets(statement):
                    if isinstance(target, ast.Name) and resource is not None:
                        self.names[target.id] = resource
                    elif isinstance(target, ast.Name) and alias is not None:
                        self.aliases[target.id] = alias
            elif isinstance(statement, ast.ClassDef):
                self.class_attrs[statement.name] = self._class_attributes(statement)
                classes.append(statement)
                owned = _undisposed_engine(statement, self.qualify)
                if owned is not None:
                    self.functions[statement.name] = owned
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append(statement)
            elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
                self._record_imported_types(statement)
        for function in functions:
            if self.is_generator(function):
                yielded = self._yielded_resource(function)
                if isinstance(yielded, str):
                    self.yield_forwarding[function.name] = yielded  # type: ignore[attr-defined]
                elif yielded is not None:
                    self.yielding[function.name] = yielded  # type: ignore[attr-defined]
                continue
            produced = self._function_result(function)
            if isinstance(produced, str):
                self.forwarding[function.name] = produced  # type: ignore[attr-defined]
            elif produced is not None:
                self.functions[function.name] = produced  # type: ignore[attr-defined]
        for cls in classes:  # after the module's functions: a method may return one's session
            self._scan_methods(cls)
        self._inherited.clear()  # answered while the classes were still being scanned
        # after the session scopes above (a decorator's ``with session_scope()`` may name one)
        for function in functions:
            provided = self._provided_session(function)
            if provided is not None:
                self.session_decorators[function.name] = provided
        for function in functions:
            is_sync_call = isinstance(function, ast.FunctionDef) and not self.is_generator(function)
            work = self._session_work(function) if is_sync_call else None
            if work is not None:
                self.session_work[function.name] = work

    def assigned_resource(self, statement: ast.Assign | ast.AnnAssign, local: LocalTypes | None = None) -> Resource | None:
        value = statement.value
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            found = self.resolve_call(value, local)
            if found is not None:
                return found
        if isinstance(statement, ast.AnnAssign):
            return annotation_resource(statement.annotation, self.qualify)
        return None

    def _class_attributes(self, cls: ast.ClassDef) -> dict[str, Resource]:
        attrs: dict[str, Resource] = {}
        for statement in cls.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                resource = self.assigned_resource(statement)
                for target in _targets(statement):
                    if isinstance(target, ast.Name) and resource is not None:
                        attrs[target.id] = resource
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in (
                "__init__", "__post_init__", "setup", "startup", "connect", "init"
            ):
                params = {arg.arg: annotation_resource(arg.annotation, self.qualify)
                          for arg in statement.args.args + statement.args.kwonlyargs}
                for inner in walk(statement):
                    if not isinstance(inner, (ast.Assign, ast.AnnAssign)):
                        continue
                    for target in _targets(inner):
                        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                and target.value.id in ("self", "cls")):
                            continue
                        resource = self.assigned_resource(inner, lambda name: attrs.get(name))
                        if resource is None and isinstance(inner.value, ast.Name):
                            resource = params.get(inner.value.id)
                        if resource is not None:
                            attrs[target.attr] = resource
        return attrs

    def _scan_methods(self, cls: ast.ClassDef) -> None:
        methods = [statement for statement in cls.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))]
        self.class_methods[cls.name] = frozenset(method.name for method in methods)
        self.class_bases[cls.name] = [qualified for base in cls.bases
                                      if isinstance(base, (ast.Name, ast.Attribute)) and (qualified := self.qualify(base))]
        opened = {method.name: resource for method in methods
                  if (resource := self.session_method(method, cls.name)) is not None}
        if opened:
            self.session_methods[cls.name] = opened

    def session_method(self, method: ast.FunctionDef | ast.AsyncFunctionDef, class_name: str) -> Resource | None:
        """The session or connection a method hands its caller to close (``self.get_raw_session()``),
        or None. It returns a call isolint types as a new one (``return self.Session()``, a
        session factory held by the class) or — when no call it returns is typed at all — its
        return annotation names one and every return is a call that is not a lookup
        (``def get_raw_session(self) -> Session: return self._db._session()``).

        Not a getter of a session the object holds (``return self._session``: no call), a
        ``scoped_session`` registry's call (typed: the registry owns its sessions), a generator
        or ``@contextmanager`` (entered, not called), a property or a cached method (one
        instance for every caller)."""
        if self.is_generator(method) or is_cached(method) or any(
                name.endswith("property") or name in _ENTERED_DECORATORS for name in decorator_names(method)):
            return None
        produced = self._function_result(method, class_name)
        if isinstance(produced, Resource):
            return produced if produced.kind in _OPENED_KINDS else None
        annotated = annotation_resource(method.returns, self.qualify)
        if annotated is None or annotated.kind not in _OPENED_KINDS:
            return None
        returned = [ret.value.value if isinstance(ret.value, ast.Await) else ret.value
                    for ret in own_statements(method.body) if type(ret) is ast.Return]
        if not returned or not all(isinstance(value, ast.Call) and not looks_up(value) for value in returned):
            return None
        if any(self.resolve_call(value, None, class_name) is not None for value in returned):  # type: ignore[arg-type]
            return None  # typed as something else than a new session (a registry, a client)
        return annotated

    def inherited_session_method(self, class_name: str, method: str) -> Resource | None:
        """What ``self.<method>()`` opens in ``class_name``: its own method or the first base's
        (depth first, as ``Carriers.lineage``), bases of this module by their scan, others
        through the project's ``classes`` facts. A method the class defines that returns no new
        session hides its bases'."""
        key = (class_name, method)
        if key not in self._inherited:
            self._inherited[key] = self._lineage_session_method(class_name, method)
        return self._inherited[key]

    def _lineage_session_method(self, class_name: str, method: str) -> Resource | None:
        seen: set[str] = set()
        pending: list[tuple[str, bool]] = [(class_name, True)]
        while pending and len(seen) < _MAX_LINEAGE:
            name, local = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if local:
                if method in self.class_methods.get(name, ()):
                    return self.session_methods.get(name, {}).get(method)
                bases = self.class_bases.get(name, [])
            else:
                fact = self.project.class_fact(name, self.rel_path) if self.project is not None else None
                if fact is None:
                    continue
                if method in fact.get("methods", {}):
                    return resource_from_fact(fact["methods"][method])
                bases = fact.get("bases", [])
            for base in reversed(bases):
                if local and base in self.class_methods:
                    pending.append((base, True))
                elif "." in base:
                    pending.append((base, False))
        return None

    def class_facts(self) -> dict[str, dict]:
        """The module's classes that hand out a new session from a method (their own or a base's
        of this module), as JSON-able facts: what a subclass in another module inherits."""
        out: dict[str, dict] = {}
        for name in self.class_methods:
            opened = {method: resource.to_fact() for method, resource in self.session_methods.get(name, {}).items()}
            for base in self.class_bases.get(name, []):
                for method, resource in self.session_methods.get(base, {}).items():
                    opened.setdefault(method, resource.to_fact())
            if opened:
                bases = [f"{self.module}.{base}" if base in self.class_methods and self.module else base
                         for base in self.class_bases.get(name, [])]
                out[name] = {"methods": opened, **({"bases": bases} if bases else {})}
        return out

    def _function_result(self, function: ast.AST, class_name: str | None = None) -> Resource | str | None:
        """What calling a module-level function gives when it returns a new resource
        (``def get_session(): return SessionLocal()``); generators are dependencies, not this.
        A returned call of an imported callee isolint cannot type here is answered with the
        callee's qualified name, resolved later through the project's facts."""
        # Returns and assignments are statements: the walks below visit statements only, in the
        # order of ``own_returns`` (depth first) and ``ast.walk`` (breadth first), which decide
        # which return answers first and which assignment of a name wins.
        returns = [node for node in own_statements(getattr(function, "body", ())) if type(node) is ast.Return]
        if not any(isinstance(ret.value.value if isinstance(ret.value, ast.Await) else ret.value, (ast.Call, ast.Name))
                   for ret in returns):
            return None  # nothing below can apply
        if self.is_generator(function) or is_cached(function):
            return None  # a cached function hands every caller the one instance its cache keeps
        local: dict[str, Resource] = {}
        # a name declared ``global``/``nonlocal`` is a shared instance created once and handed
        # to every caller (``global _session; if _session is None: _session = ClientSession()``),
        # which the caller must not close: such a function is not a factory
        shared = {name for statement in statements_breadth_first(function)
                  if isinstance(statement, (ast.Global, ast.Nonlocal)) for name in statement.names}
        for statement in statements_breadth_first(function):
            if type(statement) is ast.Assign and isinstance(statement.value, (ast.Call, ast.Await)):
                resource = self.assigned_resource(statement)  # type: ignore[arg-type]
                for target in statement.targets:  # type: ignore[attr-defined]
                    if isinstance(target, ast.Name) and resource is not None and target.id not in shared:
                        local[target.id] = resource
        for ret in returns:  # type: ignore[assignment]
            value = ret.value.value if isinstance(ret.value, ast.Await) else ret.value
            if isinstance(value, ast.Call):
                resource = self.resolve_call(value, local.get, class_name)
            elif isinstance(value, ast.Name):
                resource = local.get(value.id)
            else:
                continue
            if resource is not None and resource.kind in (Kind.SESSION, Kind.CONNECTION, Kind.ENGINE,
                                                          Kind.SESSION_FACTORY, Kind.CLIENT):
                return resource
            callee = self.qualify(value.func) if isinstance(value, ast.Call) else None
            if resource is None and callee and "." in callee and not callee.startswith(("self.", "cls.")):
                return callee
        return None

    def _yielded_resource(self, function: ast.AST) -> Resource | str | None:
        """What a generator function hands out with ``yield``: a session (or connection, client)
        it opened itself — ``s = SessionLocal(); try: yield s``, ``with Session(engine) as s:
        yield s`` — or, for a ``with`` of an imported callee isolint cannot type in this file
        alone (``with session_scope() as s: yield s``), the callee's qualified name, resolved
        later through the project's facts. Entered with ``with`` (``@contextmanager``) or injected
        by a framework (``Depends(get_db)``), it gives that resource to its user."""
        yielded = [node.value.value for node in own_statements(getattr(function, "body", ()))
                   if type(node) is ast.Expr and isinstance(node.value, ast.Yield) and node.value.value is not None]
        if not yielded:
            return None
        local: dict[str, Resource | str] = {}
        for statement in statements_breadth_first(function):
            if type(statement) is ast.Assign and isinstance(statement.value, (ast.Call, ast.Await)):
                resource = self.assigned_resource(statement)  # type: ignore[arg-type]
                value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
                for target in statement.targets:  # type: ignore[attr-defined]
                    if not isinstance(target, ast.Name):
                        continue
                    if resource is not None and resource.kind.must_be_closed:
                        local[target.id] = resource
                    elif resource is None and isinstance(value, ast.Call):
                        callee = self._imported_callee(value)
                        if callee is not None:
                            local[target.id] = callee
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    call = item.context_expr
                    if isinstance(call, ast.Await):
                        call = call.value
                    if not (isinstance(item.optional_vars, ast.Name) and isinstance(call, ast.Call)):
                        continue
                    entered = self.entered_resource(call)
                    if entered is not None:
                        local[item.optional_vars.id] = entered
                        continue
                    callee = self._imported_callee(call)
                    if callee is not None:
                        local[item.optional_vars.id] = callee
        for value in yielded:
            if isinstance(value, ast.Name) and value.id in local:
                return local[value.id]
            if isinstance(value, ast.Call):
                resource = self.resolve_call(value, lambda name: None)
                if resource is not None and resource.kind.must_be_closed:
                    return resource
        return None

    def _imported_callee(self, call: ast.Call) -> str | None:
        """The qualified name of a callee whose facts may tell what it gives: an imported one,
        or a function of this file that forwards to one (``{module}.{name}``)."""
        func = call.func
        callee = self.qualify(func)
        if isinstance(func, ast.Name) and callee == func.id:
            local = func.id in self.yield_forwarding or func.id in self.forwarding
            return f"{self.module}.{func.id}" if local and self.module else None
        return callee if callee and "." in callee and not callee.startswith(("self.", "cls.")) else None

    def _provided_session(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Resource | None:
        """The sync session a decorator hands the function it wraps: a nested sync ``def``
        (``wrapped_f``) enters one (``with session_factory() as session:``) and calls a parameter
        of an enclosing function — the decorated function — with it (``f(session, *args)``).
        Calling a function so decorated runs its database work, synchronously, where it is called."""
        for wrapper, enclosing in _nested_functions(function, _parameter_names(function)):
            if isinstance(wrapper, ast.AsyncFunctionDef):
                continue
            for statement, call, name in _named_with_calls(wrapper.body):
                entered = self.entered_resource(call)
                if entered is None or entered.is_async or entered.kind is not Kind.SESSION:
                    continue
                if any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in enclosing
                       and any(isinstance(a, ast.Name) and a.id == name for a in node.args)
                       for node in ast.walk(statement)):
                    return entered
        return None

    def _session_work(self, function: ast.FunctionDef) -> dict | None:
        """Where a sync function opens the sync session its database work runs in: a decorator
        that runs it in one (``@with_session``), or a ``with`` statement of its own body that
        enters one (``with Session(self.engine) as session:``, ``with session_scope() as db:``).
        A name imported from another module is kept unresolved (``decorator``/``enters``): this
        file's facts are recorded without the project's."""
        for decorator in function.decorator_list:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not isinstance(func, ast.Name):
                continue
            qualified = self.qualify(func)
            if func.id in self.session_decorators and qualified == func.id:
                return {**self.session_decorators[func.id].to_fact(), "at": func.id}
            if qualified and "." in qualified:
                return {"at": func.id, "decorator": qualified}
        for _, call, _ in _named_with_calls(function.body):
            qualified = self.qualify(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
            local = isinstance(call.func, ast.Name) and qualified == call.func.id
            if local and call.func.id in self.yielding:
                entered = self.yielding[call.func.id]
            elif local or constructed_by(qualified, call) is not None:
                entered = self.entered_resource(call)
            elif isinstance(call.func, ast.Name) and qualified and "." in qualified:
                return {"at": call.func.id, "enters": qualified}  # an imported session scope
            else:
                entered = None
            if entered is not None and not entered.is_async and entered.kind is Kind.SESSION:
                return {**entered.to_fact(), "at": last_name(call.func)}
        return None

    def session_work_of(self, func: ast.expr) -> tuple[Resource, str, str, str] | None:
        """The sync session a function called as ``func`` opens for its database work (a
        function of this file or of another module of the project), with the file that defines
        it (empty: this one), its name there and the name of what opens the session."""
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        qualified = self.qualify(func)
        if isinstance(func, ast.Name) and qualified == func.id:
            fact = self.session_work.get(func.id)
            path = ""
        elif qualified and "." in qualified and isinstance(self.project, ProjectFactories) \
                and not qualified.startswith(("self.", "cls.")):
            found_at = self.project.definition_at(qualified, self.rel_path)
            if found_at is None or "work" not in found_at[1]:
                return None
            path, fact = found_at[0], found_at[1].get("work")
        else:
            return None
        if fact is None:
            return None
        if "decorator" in fact:
            found = self.project.definition(fact["decorator"], self.rel_path) if self.project is not None else None
            opened = resource_from_fact({**found, "kind": Kind.SESSION.value}) \
                if found is not None and found.get("kind") == SESSION_DECORATOR else None
        elif "enters" in fact:
            found = self.project.definition(fact["enters"], self.rel_path) if self.project is not None else None
            opened = resource_from_fact(found) if found is not None else None
            if opened is not None and opened.kind is Kind.SESSION_FACTORY and not found.get("function"):
                opened = opened.produces  # with SessionLocal() as db:
            elif found is not None and not found.get("yields"):
                opened = None
        else:
            opened = resource_from_fact(fact)
        if opened is None or opened.is_async or opened.kind is not Kind.SESSION:
            return None
        name = func.id if isinstance(func, ast.Name) and not path else (qualified or "").rpartition(".")[2]
        return opened, path, name, fact.get("at", "")

    def session_decorator(self, decorator: ast.expr) -> Resource | None:
        """The sync session a decorator (``@managed_tx``, ``@managed_tx(CommitMode.COMMIT)``) of
        this file or of another module of the project gives the function it wraps."""
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(func, ast.Name) and func.id in self.session_decorators and self.qualify(func) == func.id:
            return self.session_decorators[func.id]
        qualified = self.qualify(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if qualified and "." in qualified and self.project is not None:
            fact = self.project.definition(qualified, self.rel_path)
            if fact is not None and fact.get("kind") == SESSION_DECORATOR:
                return resource_from_fact({**fact, "kind": Kind.SESSION.value})
        return None

    def _record_imported_types(self, statement: ast.ImportFrom) -> None:
        """``from sqlmodel import Session`` in ``app/deps.py``: other modules annotate with
        ``deps.Session``, the library's type re-exported — recorded as a type alias of this
        module. Only sessions and connections, the handles whose annotation decides ISO305
        and ISO306."""
        for alias in statement.names:
            resource = ANNOTATIONS.get(f"{statement.module}.{alias.name}")
            if resource is not None and resource.kind.is_per_request:
                self.aliases.setdefault(alias.asname or alias.name, resource)

    def _alias_of(self, statement: ast.Assign | ast.AnnAssign) -> Resource | None:
        """``DbSession = Annotated[Session, Depends(get_db)]``: a module-level type alias whose
        annotations name a resource (or inject one)."""
        value = statement.value
        if not isinstance(value, ast.Subscript):
            return None
        return self.annotation_type(value)

    def annotation_type(self, annotation: ast.expr | None) -> Resource | None:
        """The resource an annotation names: a library type (``Session``, ``Annotated[AsyncSession,
        …]``), a type alias of this file or of another module of the project, or — inside
        ``Annotated[…]`` — what a ``Depends(…)`` marker injects."""
        if annotation is None:
            return None
        found = annotation_resource(annotation, self.qualify)
        if found is not None:
            return found
        if isinstance(annotation, ast.Name):
            if annotation.id in self.aliases and self.qualify(annotation) == annotation.id:
                return self.aliases[annotation.id]
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            qualified = self.qualify(annotation)
            if qualified and "." in qualified and self.project is not None:
                fact = self.project.definition(qualified, self.rel_path)
                if fact is not None and fact.get("alias"):
                    return resource_from_fact(fact)
            return None
        if isinstance(annotation, ast.Subscript) and (self.qualify(annotation.value) or "").endswith("Annotated"):
            parts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            for part in parts[1:]:
                injected = self.injected_resource(part)
                if injected is not None:
                    return injected
        return None

    def injected_resource(self, marker: ast.expr | None) -> Resource | None:
        """What a dependency marker (``Depends(get_db)``, ``Security(get_db)``) hands to the
        parameter it is the default of: the resource its dependency yields or returns."""
        if not (isinstance(marker, ast.Call) and last_name(marker.func) in DEPENDENCY_MARKERS):
            return None
        dependency = marker.args[0] if marker.args else next(
            (kw.value for kw in marker.keywords if kw.arg == "dependency"), None)
        if not isinstance(dependency, (ast.Name, ast.Attribute)):
            return None
        found = self.entered_function(dependency) or self._function_lookup(dependency, self.qualify(dependency))
        if found is None:
            value = self.resolve_value(dependency)
            found = value.produces if value is not None and value.kind is Kind.SESSION_FACTORY else None
        return found if found is not None and found.kind.must_be_closed else None

    def entered_resource(self, call: ast.Call, local: LocalTypes | None = None,
                         current_class: str | None = None) -> Resource | None:
        """What ``with call as x`` binds to ``x``: the session, connection or client the call
        opens (``Session(engine)``, ``SessionLocal()``, ``engine.connect()``), or the one a
        session-scope generator yields (``@contextmanager def session_scope(): … yield s``)."""
        found = self.resolve_call(call, local, current_class)
        if found is not None:
            return found if found.kind.must_be_closed or found.kind is Kind.SCOPED_SESSION else None
        return self.entered_function(call.func)

    def entered_function(self, func: ast.AST) -> Resource | None:
        """The resource a generator function of this file or of the project yields."""
        qualified = self.qualify(func)
        if isinstance(func, ast.Name) and qualified == func.id:
            if func.id in self.yielding:
                return self.yielding[func.id]
            if func.id not in self.yield_forwarding or not self.module:
                return None
            qualified = f"{self.module}.{func.id}"  # a local scope forwarding to an imported one
        if qualified and "." in qualified and self.project is not None and not qualified.startswith(("self.", "cls.")):
            fact = self.project.definition(qualified, self.rel_path)
            if fact is not None and fact.get("yields"):
                return resource_from_fact(fact)
        return None

    # -- resolution ----------------------------------------------------------------------------
    def resolve_call(self, call: ast.Call, local: LocalTypes | None = None,
                     current_class: str | None = None) -> Resource | None:
        """What calling ``call.func`` produces, or None when it is nothing isolint tracks."""
        func = call.func
        qualified = self.qualify(func)
        direct = constructed_by(qualified, call)
        if direct is not None:
            return direct
        if isinstance(func, ast.Call):  # sessionmaker(bind=engine)()
            factory = self.resolve_call(func, local, current_class)
            return factory.produces if factory and factory.kind is Kind.SESSION_FACTORY else None
        callee = self.resolve_value(func, local, current_class)
        if callee is not None:
            if callee.kind is Kind.SESSION_FACTORY:
                return callee.produces
            if callee.kind is Kind.SCOPED_SESSION:
                return callee
        function_result = self._function_lookup(func, qualified)
        if function_result is not None:
            return function_result
        if callee is None and current_class is not None and isinstance(func, ast.Attribute) \
                and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
            opened = self.inherited_session_method(current_class, func.attr)
            if opened is not None:
                return opened
        if isinstance(func, ast.Attribute):
            receiver = self.resolve_value(func.value, local, current_class)
            produced = produced_by_method(receiver, last_name(func.value) or "", func.attr)
            if produced is not None:
                return produced
        last = qualified.rpartition(".")[2] if qualified else last_name(func) or ""
        if callee is None and last:
            factory = conventional_factory(last)
            if factory is not None:
                return factory.produces
        return None

    def _function_lookup(self, func: ast.AST, qualified: str | None) -> Resource | None:
        if isinstance(func, ast.Name) and func.id in self.functions and qualified == func.id:
            return self.functions[func.id]
        if qualified and self.project is not None and "." in qualified:
            fact = self.project.definition(qualified, self.rel_path)
            if fact is not None and fact.get("function") and not fact.get("yields"):
                return resource_from_fact(fact)
        return None

    def resolve_value(self, expr: ast.AST, local: LocalTypes | None = None,
                      current_class: str | None = None) -> Resource | None:
        """What an expression refers to: a tracked local, a module-level name, a class
        attribute, or an imported definition."""
        if isinstance(expr, ast.Name):
            if local is not None:
                found = local(expr.id)
                if found is not None:
                    return found
            if expr.id in self.names and self.qualify(expr) == expr.id:
                return self.names[expr.id]
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            if current_class is not None:
                return self.class_attrs.get(current_class, {}).get(expr.attr)
            return None
        elif isinstance(expr, ast.Call):
            found = self.resolve_call(expr, local, current_class)
            return found if found is not None and found.kind in (Kind.ENGINE, Kind.POOL, Kind.SESSION_FACTORY) else None
        qualified = self.qualify(expr)
        if qualified in LIBRARY_VALUES:
            return LIBRARY_VALUES[qualified]
        if qualified and "." in qualified and self.project is not None:
            fact = self.project.definition(qualified, self.rel_path)
            if fact is not None and not fact.get("function") and not fact.get("alias"):
                return resource_from_fact(fact)
        return None

    # -- facts -----------------------------------------------------------------------------------
    def definitions(self) -> dict[str, dict]:
        """Module-level definitions other modules may import, as JSON-able facts."""
        out: dict[str, dict] = {}
        for name, resource in self.names.items():
            out[name] = resource.to_fact()
        for name, resource in self.functions.items():
            out[name] = {**resource.to_fact(), "function": True}
        for name, callee in self.forwarding.items():
            out[name] = {"kind": "forward", "function": True, "via": callee}
        for name, resource in self.yielding.items():
            out[name] = {**resource.to_fact(), "function": True, "yields": True}
        for name, callee in self.yield_forwarding.items():
            out[name] = {"kind": "forward", "function": True, "yields": True, "via": callee}
        for name, resource in self.aliases.items():
            out[name] = {**resource.to_fact(), "alias": True}
        for name, resource in self.session_decorators.items():
            out[name] = {**resource.to_fact(), "kind": SESSION_DECORATOR, "function": True}
        for name, work in self.session_work.items():
            # a function may also forward (``return session.get(…)``): the work rides along
            out[name] = {**out[name], "work": work} if name in out else {"kind": SESSION_WORK, "function": True,
                                                                           "work": work}
        return out


#: calls that hand back a value something else holds: ``kwargs.get("session")``, ``getattr(obj, "db")``
_LOOKUP_METHODS = frozenset({"get", "setdefault"})


def looks_up(call: ast.Call) -> bool:
    """A lookup in a mapping or an object (``session: Session = kwargs.get("session")``): the
    annotation types a session someone else opened and closes, not one this call creates."""
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr in _LOOKUP_METHODS) or (
        isinstance(func, ast.Name) and func.id == "getattr")


def _undisposed_engine(cls: ast.ClassDef, qualify: Qualify) -> Resource | None:
    """The engine each instance of ``cls`` builds for itself with a library's constructor
    (``self.engine = create_engine(url)`` in ``__init__``; an engine from a project getter may be
    shared) when no method of the class disposes of it: constructing the class is creating an
    engine, and its caller owns it."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return None
    engine = None
    for node in own_statements(init.body):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and any(
                isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                for t in node.targets):
            built = constructed_by(qualify(node.value.func), node.value)
            if built is not None and built.kind is Kind.ENGINE:
                engine = built
                break
    if engine is None or any(isinstance(node, ast.Attribute) and node.attr == "dispose" for node in ast.walk(cls)):
        return None
    return owned_by_class(engine)


def _parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    arguments = function.args
    return frozenset(argument.arg for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs))


def _named_with_calls(body: list[ast.stmt]) -> Iterator[tuple[ast.With, ast.Call, str]]:
    """The calls a block's own sync ``with`` statements enter under a name (``with f() as s:``),
    with their statement and that name: where a function opens what it then works with."""
    for statement in own_statements(body):
        if isinstance(statement, ast.With):
            for item in statement.items:
                if isinstance(item.context_expr, ast.Call) and isinstance(item.optional_vars, ast.Name):
                    yield statement, item.context_expr, item.optional_vars.id


def _nested_functions(function: ast.FunctionDef | ast.AsyncFunctionDef, enclosing: frozenset[str],
                      ) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, frozenset[str]]]:
    """Each function defined inside ``function`` (at any depth, statements only), with the
    parameter names of the functions enclosing it (``enclosing``: ``function``'s own)."""
    for nested in defined_functions(function.body):
        yield nested, enclosing
        yield from _nested_functions(nested, enclosing | _parameter_names(nested))


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(statement.targets) if isinstance(statement, ast.Assign) else [statement.target]

