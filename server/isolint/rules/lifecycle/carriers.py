"""Classes that hold a sync session: repositories, services and controllers built on one.

A FastAPI controller declares ``session: Session = Depends(get_db)``; its ``repos`` property
builds ``AllRepositories(self.session)``, whose ``recipes`` property builds
``RecipeRepository(self.session)``, whose ``get_one`` runs ``self.session.execute(…)``. An
``async def`` endpoint calling ``self.repos.recipes.get_one(slug)`` runs that query on the event
loop, although no line of it names a session. The ``session-carriers`` indexer records, per
module-level class, what each attribute is built from and which attributes each sync method
calls through; ``Carriers`` answers, across the project, whether an attribute holds a sync
session (``attribute_library``) and whether a method reaches one (``method_library``).

The same facts reach module-level objects and dependency providers: a module-level
``db_connection = DBConnection()`` whose ``session`` is a ``scoped_session``, a model's
``query`` property returning ``db_connection.session.query(cls)``, a manager whose sync
methods each open ``with Session(self.engine) as session:``, and a provider
``async def get_db() -> DatabaseManager`` a route injects with ``Depends(get_db)``.

Facts per file (JSON): ``{"module": …, "classes": {name: {"bases": [qualified…],
"attrs": {attr: [source…]}, "methods": {method: [self attribute or opened session…]}}},
"objects": {name: [source…]}, "returns": {function: [source…]}}``, where a source is
``"S:<library>"`` (a sync session, connection or client), ``"C:<qualified class>"`` (an instance
of that class), ``"A:<attribute>"`` (built from another attribute of ``self``) or
``"G:<qualified module-level name>#<attribute>…"`` (an attribute of a module-level object, or
the object itself when no attribute follows); ``objects`` are the module-level names bound to
such a value, ``returns`` the module-level functions whose return annotation names one. A
method's list holds ``"S:<library>"`` when the method itself opens a sync session or connection
with a library's constructor (``with Session(self.engine) as session:``).
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language
from isolint.core.modules import ImportMap
from isolint.core.rule import Indexer
from isolint.core.scratch import Key
from isolint.rules.common.scope import own_statements
from isolint.rules.lifecycle.libraries import (CONSTRUCTORS, Kind, annotation_resource, constructed_by,
                                               resource_from_fact)
from isolint.rules.lifecycle.model import ProjectFactories

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

FACT_KIND = "session-carriers"

Qualify = Callable[[ast.AST], "str | None"]
#: the source text of a node
Segment = Callable[[ast.AST], str]

#: kinds whose every method call blocks when the object is sync
_HELD_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.SCOPED_SESSION})
#: decorators that make a method an attribute (``self.repos`` rather than ``self.repos()``); a
#: decorator whose name ends in ``property`` (``classproperty``, ``hybrid_property``) does too
_PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
#: wrappers looked through in an annotation: the class is the first argument
_TYPE_WRAPPERS = frozenset({"Optional", "Annotated", "Union", "Type", "type", "Final", "ClassVar"})
#: modules whose names are never a project's objects or classes (``typing.Dict``, ``os.environ``)
_NOT_PROJECT_MODULES = frozenset({"typing", "typing_extensions", "collections", "os", "sys", "logging", "builtins"})
#: how deep a chain of classes, bases and attributes is followed
_MAX_DEPTH = 8


def annotation_sources(annotation: ast.expr | None, qualify: Qualify, module: str) -> list[str]:
    if annotation is None:
        return []
    if isinstance(annotation, ast.Constant):
        # a forward reference to a class ("Repositories"); other strings are not parsed again
        if not (isinstance(annotation.value, str) and annotation.value.isidentifier()):
            return []
        annotation = ast.Name(annotation.value, ast.Load())
    resource = annotation_resource(annotation, qualify)
    if resource is not None:
        return [f"S:{resource.library}"] if not resource.is_async and resource.kind in _HELD_KINDS else []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotation_sources(annotation.left, qualify, module) + \
            annotation_sources(annotation.right, qualify, module)
    if isinstance(annotation, ast.Subscript):
        head = (qualify(annotation.value) or "").rpartition(".")[2]
        if head in _TYPE_WRAPPERS:
            inner = annotation.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return [s for part in (parts[:1] if head == "Annotated" else parts)
                    for s in annotation_sources(part, qualify, module)]
        annotation = annotation.value  # RepositoryGeneric[Schema, Model]
    class_name = _class_reference(annotation, qualify, module)
    return [f"C:{class_name}"] if class_name else []


def _class_reference(expr: ast.expr, qualify: Qualify, module: str) -> str | None:
    """``Foo`` or ``pkg.Foo`` named like a class (capitalised), qualified through the imports."""
    if isinstance(expr, ast.Subscript):
        expr = expr.value  # HttpRepo[C, R, U](…)
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    qualified = qualify(expr)
    if not qualified:
        return None
    last = qualified.rpartition(".")[2].lstrip("_")
    if not last[:1].isupper() or last.isupper():
        return None
    if "." not in qualified:
        return f"{module}.{qualified}" if module else None
    return None if qualified.partition(".")[0] in _NOT_PROJECT_MODULES else qualified


def _self_attribute_root(expr: ast.expr) -> str | None:
    """``a`` for ``self.a``, ``self.a.b``, ``self.a[0]``…"""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
            return expr.attr
        expr = expr.value
    return None


def _value_sources(value: ast.expr | None, parameters: dict[str, list[str]], qualify: Qualify,
                   module: str) -> list[str]:
    """What a value assigned to ``self.x`` (or returned by a property) is built from: a typed
    parameter, another attribute of ``self``, or a call given one of those (``Repos(self.session)``)
    or naming a class."""
    if value is None:
        return []
    if isinstance(value, ast.Await):
        return []  # an awaited builder gives an asynchronous object
    if isinstance(value, ast.Name):
        return list(parameters.get(value.id, ()))
    root = _self_attribute_root(value)
    if root is not None:
        return [f"A:{root}"]
    if isinstance(value, ast.Call):
        opened = _opened_library(value, qualify)
        if opened:
            return [f"S:{opened}"]  # self.session = scoped_session(factory)
        sources: list[str] = []
        class_name = _class_reference(value.func, qualify, module)
        if class_name:
            sources.append(f"C:{class_name}")
        elif isinstance(value.func, ast.Attribute):
            reached = _module_object_source(value.func.value, qualify, module)
            if reached:
                sources.append(reached)  # db_connection.session.query(cls): a query on that session
        for argument in [*value.args, *(keyword.value for keyword in value.keywords)]:
            if isinstance(argument, ast.Name):
                sources += parameters.get(argument.id, ())
            else:
                root = _self_attribute_root(argument)
                if root is not None:
                    sources.append(f"A:{root}")
        return sources
    if isinstance(value, ast.IfExp):
        return _value_sources(value.body, parameters, qualify, module) + \
            _value_sources(value.orelse, parameters, qualify, module)
    if isinstance(value, ast.Attribute):
        reached = _module_object_source(value, qualify, module)
        return [reached] if reached else []
    return []


def _opened_library(call: ast.Call, qualify: Qualify) -> str | None:
    """The library of the sync session, connection or scoped session a library constructor call
    opens (``Session(engine)``, ``scoped_session(factory)``, ``psycopg2.connect(dsn)``), or None."""
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None
    created = constructed_by(qualify(call.func), call)
    return created.library if created is not None and not created.is_async and created.kind in _HELD_KINDS else None


def _module_object_source(expr: ast.expr, qualify: Qualify, module: str) -> str | None:
    """``"G:pkg.db.db_connection#session"`` for ``db_connection.session`` where
    ``db_connection`` is a module-level name of this or another module (not ``self``, not a
    module imported whole); None for other shapes."""
    path: list[str] = []
    while isinstance(expr, ast.Attribute):
        path.append(expr.attr)
        expr = expr.value
    if not path or not isinstance(expr, ast.Name) or expr.id in ("self", "cls"):
        return None
    qualified = qualify(expr)
    if not qualified:
        return None
    if "." not in qualified:
        if not module:
            return None
        qualified = f"{module}.{qualified}"
    elif qualified.partition(".")[0] in _NOT_PROJECT_MODULES:
        return None
    path.reverse()
    return f"G:{qualified}#{'.'.join(path)}"


#: ``self.a(``, ``self.a.b.c(``: the attribute of ``self`` a call goes through
_SELF_CALL_RE = lazy_compile(r"\bself\.(\w+)(?:\s*\.\s*\w+)*\s*\(")


def class_facts(node: ast.ClassDef, qualify: Qualify, module: str, segment: Segment) -> dict | None:
    """The facts of one class (see the module docstring), None when it records nothing."""
    attrs: dict[str, list[str]] = {}
    methods: dict[str, list[str]] = {}

    def add(name: str, sources: list[str]) -> None:
        known = attrs.setdefault(name, [])  # an attribute holding nothing is still a member
        known += [s for s in sources if s not in known]

    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            add(statement.target.id, annotation_sources(statement.annotation, qualify, module))
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    add(target.id, [])
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = statement.args
            parameters = {a.arg: annotation_sources(a.annotation, qualify, module)
                          for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
            decorators = {(d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", ""))
                          for d in statement.decorator_list}
            is_property = bool(decorators & _PROPERTY_DECORATORS) or any(
                d.endswith("property") for d in decorators)
            is_async = isinstance(statement, ast.AsyncFunctionDef)
            if not is_async:
                for inner in own_statements(statement.body):
                    if isinstance(inner, ast.Assign):
                        for target in inner.targets:
                            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                    and target.value.id == "self":
                                add(target.attr, _value_sources(inner.value, parameters, qualify, module))
                    elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Attribute) \
                            and isinstance(inner.target.value, ast.Name) and inner.target.value.id == "self":
                        add(inner.target.attr, annotation_sources(inner.annotation, qualify, module)
                            or _value_sources(inner.value, parameters, qualify, module))
                    elif isinstance(inner, ast.Return) and is_property:
                        add(statement.name, _value_sources(inner.value, parameters, qualify, module))
            # the attributes of ``self`` the method calls through, read from its text: a walk of
            # every expression of every method of the project costs more than the rest together
            text = "" if is_async or is_property else segment(statement)
            used = list(dict.fromkeys(_SELF_CALL_RE.findall(text)))
            if _OPENING_RE.search(text):
                used += [f"S:{library}" for library in _libraries_opened_by(statement, qualify) if f"S:{library}" not in used]
            if is_property:
                add(statement.name, [] if is_async else annotation_sources(statement.returns, qualify, module))
            else:
                methods[statement.name] = used
    bases = [name for base in node.bases if (name := _class_reference(base, qualify, module))]
    if not attrs and not bases and not methods:
        return None
    fact: dict[str, Any] = {"attrs": attrs}
    if bases:
        fact["bases"] = bases
    if methods:
        fact["methods"] = methods
    return fact


#: the last names of the library constructors that open a sync session or connection
#: (``Session``, ``scoped_session``, ``connect``…)
_OPENER_NAMES = sorted({name.rpartition(".")[2] for name, resource in CONSTRUCTORS.items()
                        if not resource.is_async and resource.kind in _HELD_KINDS})
#: ``with Session(``, ``= psycopg2.connect(``, ``with DBSession(`` (an alias ending in the name):
#: a method that may open a session itself (the text test spares the walk of most methods)
_OPENING_RE = lazy_compile(r"(?:\bwith\s+|=\s*)[\w.]*(?:" + "|".join(_OPENER_NAMES) + r")\s*\(")


def _libraries_opened_by(function: ast.FunctionDef, qualify: Qualify) -> list[str]:
    """The libraries of the sync sessions and connections a method opens with a library's
    constructor, entered with ``with`` or bound to a local name."""
    found: list[str] = []
    for statement in own_statements(function.body):
        if isinstance(statement, ast.With):
            calls = [item.context_expr for item in statement.items if isinstance(item.context_expr, ast.Call)]
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) \
                and all(isinstance(target, ast.Name) for target in statement.targets):
            calls = [statement.value]
        else:
            continue
        for call in calls:
            library = _opened_library(call, qualify)
            if library and library not in found:
                found.append(library)
    return found


def module_object_facts(tree: ast.Module, qualify: Qualify, module: str) -> dict[str, dict]:
    """``objects`` and ``returns`` of a module (see the module docstring)."""
    objects: dict[str, list[str]] = {}
    returns: dict[str, list[str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) and isinstance(statement.value, ast.Call):
            sources = _value_sources(statement.value, {}, qualify, module)
            if sources:
                objects[statement.targets[0].id] = sources
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) \
                and statement.value is not None:
            sources = annotation_sources(statement.annotation, qualify, module)
            if sources:
                objects[statement.target.id] = sources
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.returns is not None:
            sources = annotation_sources(statement.returns, qualify, module)
            if sources:
                returns[statement.name] = sources
    out: dict[str, dict] = {}
    if objects:
        out["objects"] = objects
    if returns:
        out["returns"] = returns
    return out


def source_segment(source: Any) -> Segment:
    """The text of a node's lines in ``source`` (a SourceFile)."""
    text, offsets = source.text, source.line_offsets

    def segment(node: ast.AST) -> str:
        end = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        return text[offsets[node.lineno - 1]: offsets[end] if end < len(offsets) else len(text)]  # type: ignore[attr-defined]

    return segment


#: the file's module-level class facts, kept for one check: (the tree, the facts)
_MODULE_CLASSES: Key[tuple[ast.Module, dict[str, dict]]] = Key("iso3.module-class-facts")


def module_classes(source: "SourceFile", tree: ast.Module) -> dict[str, dict]:
    """``module_class_facts`` of ``source``'s parse, computed once per check: the indexer and
    ISO308 ask for the same facts of the same tree on every keystroke in the editor."""
    held = source.scratch.get(_MODULE_CLASSES, id(tree))
    if held is None or held[0] is not tree:
        imports = ImportMap(source.module, source.name == "__init__.py")
        imports.record_module_level(tree)
        facts = module_class_facts(tree, imports.qualified_name, source.module, source_segment(source),
                                   kept=(source.module, tuple(imports.items())))
        held = source.scratch.put(_MODULE_CLASSES, (tree, facts), id(tree))
    return held[1]


#: the file's module-level objects and annotated functions, kept for one check: (the tree, the facts)
_MODULE_OBJECTS: Key[tuple[ast.Module, dict[str, dict]]] = Key("iso3.module-object-facts")


def module_objects(source: "SourceFile", tree: ast.Module) -> dict[str, dict]:
    """``module_object_facts`` of ``source``'s parse, computed once per check."""
    held = source.scratch.get(_MODULE_OBJECTS, id(tree))
    if held is None or held[0] is not tree:
        imports = ImportMap(source.module, source.name == "__init__.py")
        imports.record_module_level(tree)
        held = source.scratch.put(_MODULE_OBJECTS, (tree, module_object_facts(tree, imports.qualified_name,
                                                                              source.module)), id(tree))
    return held[1]


#: per class node, its facts and what besides the node they were read with (the module and its
#: imports, ``module_classes``' ``kept``): the server's re-parse of an edited definition keeps every
#: other class's node, whose lines — the segments ``class_facts`` reads — are unchanged too, so a
#: keystroke reads the facts of the edited class only. Facts are never modified once extracted.
_CLASS_FACTS: "weakref.WeakKeyDictionary[ast.ClassDef, tuple[object, dict | None]]" = weakref.WeakKeyDictionary()


def module_class_facts(tree: ast.Module, qualify: Qualify, module: str, segment: Segment,
                       kept: object = None) -> dict[str, dict]:
    """The facts of the module's classes by name. ``kept``: a value standing for ``qualify``
    and ``module`` (equal values, equal answers), under which each class's facts are kept with
    its node; None: not kept."""
    out = {}
    for statement in tree.body:
        if isinstance(statement, ast.ClassDef):
            held = _CLASS_FACTS.get(statement) if kept is not None else None
            if held is not None and held[0] == kept:
                fact = held[1]
            else:
                fact = class_facts(statement, qualify, module, segment)
                if kept is not None:
                    _CLASS_FACTS[statement] = (kept, fact)
            if fact is not None:
                out[statement.name] = fact
    return out


class SessionCarrierIndexer(Indexer):
    name = FACT_KIND
    languages = frozenset({Language.PYTHON})
    #: a class whose methods use an attribute of ``self``; a function annotated with what it returns
    tokens = (b"self.", b"->")

    def admits(self, source: "SourceFile", project: Any) -> bool:
        return b"class " in source.raw or b"->" in source.raw if hasattr(source, "raw") else True

    def extract(self, source: "SourceFile", tree: ast.Module) -> dict | None:
        classes = module_classes(source, tree)
        objects = module_objects(source, tree)
        if not classes and not objects:
            return None
        return {"module": source.module, "classes": classes, **objects}


#: the checked file's view of the project's session-holding classes
_CARRIERS: Key["Carriers"] = Key("iso3.session-carriers")


def carriers_for(ctx: Any) -> "Carriers":
    """The ``Carriers`` of the checked file (a PythonContext), built once per check."""
    carriers = ctx.scratch.get(_CARRIERS)
    if carriers is None:
        carriers = ctx.scratch.put(_CARRIERS, Carriers(
            ctx.project, ctx.source.module, module_classes(ctx.source, ctx.tree),
            local_objects=module_objects(ctx.source, ctx.tree)))
    return carriers


class Carriers:
    """Which classes of a project hold a sync session, and through which attributes and methods.

    Built lazily per ProjectIndex generation; ``local`` (the checked file's own classes, from its
    current text) takes precedence over the index."""

    _cache: "weakref.WeakKeyDictionary[Any, tuple[int, dict[str, list[tuple[str, str, dict]]]]]" = \
        weakref.WeakKeyDictionary()

    def __init__(self, project: Any, local_module: str, local: dict[str, dict], rel_path: str = "",
                 local_objects: dict[str, dict] | None = None) -> None:
        """``local_objects``: the checked file's ``module_object_facts``."""
        self.project = project
        self.rel_path = rel_path
        self.by_name = self._index(project)
        self.local = {f"{local_module}.{name}": fact for name, fact in local.items()}
        self.local_members = {f"{local_module}.{name}": (section, sources)
                              for section, named in (local_objects or {}).items() for name, sources in named.items()}
        self._attributes: dict[tuple[str, str], str | None] = {}
        self._methods: dict[tuple[str, str], str | None] = {}
        self._classes: dict[str, dict | None] = {}
        self._session_types: dict[str, str | None] = {}

    @classmethod
    def _index(cls, project: Any) -> dict[str, list[tuple[str, str, Any]]]:
        """Per name: (module, section, fact) of every class (``"classes"``), module-level object
        (``"objects"``) and annotated function (``"returns"``) of the project."""
        if project is None or not hasattr(project, "facts"):
            return {}
        cached = cls._cache.get(project)
        if cached is not None and cached[0] == project.generation:
            return cached[1]
        by_name: dict[str, list[tuple[str, str, Any]]] = {}
        for file_facts in project.facts(FACT_KIND).values():
            module = file_facts.get("module", "")
            for section in ("classes", "objects", "returns"):
                for name, fact in file_facts.get(section, {}).items():
                    by_name.setdefault(name, []).append((module, section, fact))
        cls._cache[project] = (project.generation, by_name)
        return by_name

    def _lookup(self, qualified: str, section: str) -> Any:
        """The project's fact of ``section`` for the name ``qualified``, preferring the module it
        names, then a module ending in it, then a package re-exporting it."""
        module, _, name = qualified.rpartition(".")
        best: tuple[int, Any] | None = None
        wanted = "." + module
        for defined_in, kind, fact in self.by_name.get(name, ()):
            if kind != section:
                continue
            dotted = "." + defined_in
            if dotted == wanted:
                score = 3
            elif dotted.endswith(wanted):
                score = 2  # app.repos.generic imported from backend/api/app/repos/generic.py
            elif (dotted + ".").find(wanted + ".") >= 0:
                score = 1  # re-exported by the package: from app.repos import Repositories
            else:
                continue
            if best is None or score > best[0]:
                best = (score, fact)
        return best[1] if best else None

    def class_fact(self, qualified: str) -> dict | None:
        if qualified in self._classes:
            return self._classes[qualified]
        found = self.local.get(qualified)
        if found is None:
            found = self._lookup(qualified, "classes")
        self._classes[qualified] = found
        return found

    def object_sources(self, qualified: str) -> list[str]:
        """What the module-level object ``qualified`` is built as (``["C:pkg.db.DBConnection"]``)."""
        return self._member_sources(qualified, "objects")

    def returned_sources(self, qualified: str) -> list[str]:
        """What the module-level function ``qualified`` is annotated to return."""
        return self._member_sources(qualified, "returns")

    def _member_sources(self, qualified: str, section: str) -> list[str]:
        local = self.local_members.get(qualified)
        if local is not None:
            return list(local[1]) if local[0] == section else []
        return list(self._lookup(qualified, section) or ())

    def source_library(self, source: str, depth: int = 0) -> str | None:
        """The library of the sync session a source (``S:``/``C:``/``G:``) holds, or None."""
        return self._source_library("", source, depth)

    def source_classes(self, source: str) -> list[str]:
        """The classes a source names or reaches (``C:x`` is ``x``; ``G:obj#attr`` the classes
        that attribute of the object is built as)."""
        if source.startswith("C:"):
            return [source[2:]]
        if not source.startswith("G:"):
            return []
        root, _, path = source[2:].partition("#")
        return self._classes_through(root, path.split(".") if path else ())

    def _classes_through(self, root: str, attributes: Iterable[str]) -> list[str]:
        """The classes the module-level object ``root`` is built as, then those its
        ``attributes`` hold in turn (``db_connection`` → ``DBConnection``; ``.manager`` → …)."""
        classes = [s[2:] for s in self.object_sources(root) if s.startswith("C:")]
        for attr in attributes:
            classes = [n for c in classes for n in self.attribute_classes(c, attr)]
        return classes

    def lineage(self, qualified: str) -> Iterator[dict]:
        """The class's facts, then its bases', depth first (a simple stand-in for the MRO)."""
        seen: set[str] = set()
        stack = [qualified]
        while stack and len(seen) < _MAX_DEPTH * 2:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            fact = self.class_fact(name)
            if fact is None:
                continue
            yield fact
            stack.extend(reversed(fact.get("bases", ())))

    def base_releases(self, qualified: str, attribute: str, hooks: frozenset[str]) -> bool:
        """Whether a base of ``qualified`` (in any module) has a cleanup hook (``hooks``) that
        calls through ``self.<attribute>`` (``def close(self): self._ctx.close()``)."""
        lineage = self.lineage(qualified)
        next(lineage, None)  # the class itself: its own hooks are judged from its text
        return any(attribute in used for fact in lineage
                   for hook, used in fact.get("methods", {}).items() if hook in hooks)

    def has_member(self, qualified: str, member: str) -> bool | None:
        """Whether the class (or a base) defines ``member``; None when part of its lineage is unknown."""
        complete = True
        for fact in self.lineage(qualified):
            if member in fact["attrs"] or member in fact.get("methods", {}):
                return True
            if any(self.class_fact(base) is None for base in fact.get("bases", ())):
                complete = False
        return False if complete and self.class_fact(qualified) is not None else None

    def attribute_library(self, qualified: str, attr: str, depth: int = 0) -> str | None:
        """The library of the sync session ``self.<attr>`` holds (or holds through its own
        attributes) on an instance of ``qualified``, or None."""
        key = (qualified, attr)
        if key in self._attributes:
            return self._attributes[key]
        self._attributes[key] = None  # a cycle answers "no"
        found = None
        if depth < _MAX_DEPTH:
            for fact in self.lineage(qualified):
                for source in fact["attrs"].get(attr, ()):
                    found = self._source_library(qualified, source, depth + 1)
                    if found:
                        break
                if found:
                    break
        self._attributes[key] = found
        return found

    def attribute_classes(self, qualified: str, attr: str) -> list[str]:
        """The classes ``self.<attr>`` is typed or built as."""
        return [source[2:] for fact in self.lineage(qualified)
                for source in fact["attrs"].get(attr, ()) if source.startswith("C:")]

    def class_library(self, qualified: str, depth: int = 0) -> str | None:
        """The library of a sync session an instance of ``qualified`` holds, or None."""
        if depth >= _MAX_DEPTH:
            return None
        for fact in self.lineage(qualified):
            for attr in fact["attrs"]:
                found = self.attribute_library(qualified, attr, depth + 1)
                if found:
                    return found
        return self.opened_library(qualified)

    def session_type_library(self, qualified: str) -> str | None:
        """The library of a sync session type another module of the project re-exports
        (``from agentops.common.orm import Session``), or None."""
        if qualified in self._session_types:
            return self._session_types[qualified]
        factories = ProjectFactories.of(self.project) if self.class_fact(qualified) is None else None
        fact = factories.definition(qualified, self.rel_path) if factories is not None else None
        found = None
        if fact is not None and fact.get("alias"):
            resource = resource_from_fact(fact)
            if resource is not None and not resource.is_async and resource.kind in _HELD_KINDS:
                found = resource.library
        self._session_types[qualified] = found
        return found

    def direct_library(self, source: str) -> str | None:
        """The library when the source is itself a sync session (``S:``, or a re-exported
        session type), None for an object that may hold one."""
        if source.startswith("S:"):
            return source[2:]
        return self.session_type_library(source[2:]) if source.startswith("C:") else None

    def opened_library(self, qualified: str) -> str | None:
        """The library of the sync sessions the methods of ``qualified`` (or a base) open
        themselves (a database manager's ``with Session(self.engine) as session:``), or None."""
        for fact in self.lineage(qualified):
            for used in fact.get("methods", {}).values():
                for name in used:
                    if name.startswith("S:"):
                        return name[2:]
        return None

    def _source_library(self, qualified: str, source: str, depth: int) -> str | None:
        kind, _, value = source.partition(":")
        if kind == "S":
            return value
        if kind == "A":
            return self.attribute_library(qualified, value, depth)
        if kind == "C":
            return self.class_library(value, depth) or self.session_type_library(value)
        if kind == "G" and depth < _MAX_DEPTH:
            return self._object_library(value, depth + 1)
        return None

    def _object_library(self, reference: str, depth: int) -> str | None:
        """``pkg.db.db_connection#session``: the library of the sync session that attribute of
        the module-level object holds (the object's own, without an attribute)."""
        root, _, path = reference.partition("#")
        sources = self.object_sources(root)
        if not path:
            return next((found for s in sources if (found := self._source_library("", s, depth + 1))), None)
        *through, last = path.split(".")
        classes = self._classes_through(root, through)
        return next((found for c in classes if (found := self.attribute_library(c, last, depth + 1))), None)

    def method_library(self, qualified: str, method: str, depth: int = 0) -> str | None:
        """The library of the sync session a sync method of ``qualified`` uses (through an
        attribute holding one, or another such method), or None."""
        key = (qualified, method)
        if key in self._methods:
            return self._methods[key]
        self._methods[key] = None
        found = None
        if depth < _MAX_DEPTH:
            for fact in self.lineage(qualified):
                used = fact.get("methods", {}).get(method)
                if used is None:
                    continue
                for name in used:
                    if name.startswith("S:"):  # with Session(self.engine) as session:
                        found = name[2:]
                        break
                    found = self.attribute_library(qualified, name) or self.method_library(qualified, name, depth + 1)
                    if found:
                        break
                break  # the nearest definition of the method is the one that runs
        self._methods[key] = found
        return found
