"""Classes that hold a sync session: repositories, services and controllers built on one.

A FastAPI controller declares ``session: Session = Depends(get_db)``; its ``repos`` property
builds ``AllRepositories(self.session)``, whose ``recipes`` property builds
``RecipeRepository(self.session)``, whose ``get_one`` runs ``self.session.execute(…)``. An
``async def`` endpoint calling ``self.repos.recipes.get_one(slug)`` runs that query on the event
loop, although no line of it names a session. The ``session-carriers`` indexer records, per
module-level class, what each attribute is built from and which attributes each sync method
calls through; ``Carriers`` answers, across the project, whether an attribute holds a sync
session (``attribute_library``) and whether a method reaches one (``method_library``).

Facts per file (JSON): ``{"module": …, "classes": {name: {"bases": [qualified…],
"attrs": {attr: [source…]}, "methods": {method: [self attribute…]}}}}``, where a source is
``"S:<library>"`` (a sync session, connection or client), ``"C:<qualified class>"`` (an instance
of that class) or ``"A:<attribute>"`` (built from another attribute of ``self``).
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterator

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language
from isolint.core.modules import ImportMap
from isolint.core.rule import Indexer
from isolint.core.scratch import Key
from isolint.rules.common.scope import own_statements
from isolint.rules.lifecycle.libraries import Kind, annotation_resource

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

FACT_KIND = "session-carriers"

Qualify = Callable[[ast.AST], "str | None"]
#: the source text of a node
Segment = Callable[[ast.AST], str]

#: kinds whose every method call blocks when the object is sync
_HELD_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION, Kind.SCOPED_SESSION})
#: decorators that make a method an attribute (``self.repos`` rather than ``self.repos()``)
_PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
#: wrappers looked through in an annotation: the class is the first argument
_TYPE_WRAPPERS = frozenset({"Optional", "Annotated", "Union", "Type", "type", "Final", "ClassVar"})
#: how deep a chain of classes, bases and attributes is followed
_MAX_DEPTH = 8


def _annotation_sources(annotation: ast.expr | None, qualify: Qualify, module: str) -> list[str]:
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
        return _annotation_sources(annotation.left, qualify, module) + \
            _annotation_sources(annotation.right, qualify, module)
    if isinstance(annotation, ast.Subscript):
        head = (qualify(annotation.value) or "").rpartition(".")[2]
        if head in _TYPE_WRAPPERS:
            inner = annotation.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return [s for part in (parts[:1] if head == "Annotated" else parts)
                    for s in _annotation_sources(part, qualify, module)]
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
    return qualified


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
        sources: list[str] = []
        class_name = _class_reference(value.func, qualify, module)
        if class_name:
            sources.append(f"C:{class_name}")
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
    return []


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
            add(statement.target.id, _annotation_sources(statement.annotation, qualify, module))
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    add(target.id, [])
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = statement.args
            parameters = {a.arg: _annotation_sources(a.annotation, qualify, module)
                          for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
            decorators = {(d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", ""))
                          for d in statement.decorator_list}
            is_property = bool(decorators & _PROPERTY_DECORATORS)
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
                        add(inner.target.attr, _annotation_sources(inner.annotation, qualify, module)
                            or _value_sources(inner.value, parameters, qualify, module))
                    elif isinstance(inner, ast.Return) and is_property:
                        add(statement.name, _value_sources(inner.value, parameters, qualify, module))
            # the attributes of ``self`` the method calls through, read from its text: a walk of
            # every expression of every method of the project costs more than the rest together
            used = [] if is_async or is_property else \
                list(dict.fromkeys(_SELF_CALL_RE.findall(segment(statement))))
            if is_property:
                add(statement.name, [] if is_async else _annotation_sources(statement.returns, qualify, module))
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
    #: a class whose methods use an attribute of ``self``
    tokens = (b"self.",)

    def admits(self, source: "SourceFile", project: Any) -> bool:
        return b"class " in source.raw if hasattr(source, "raw") else True

    def extract(self, source: "SourceFile", tree: ast.Module) -> dict | None:
        classes = module_classes(source, tree)
        return {"module": source.module, "classes": classes} if classes else None


class Carriers:
    """Which classes of a project hold a sync session, and through which attributes and methods.

    Built lazily per ProjectIndex generation; ``local`` (the checked file's own classes, from its
    current text) takes precedence over the index."""

    _cache: "weakref.WeakKeyDictionary[Any, tuple[int, dict[str, list[tuple[str, str, dict]]]]]" = \
        weakref.WeakKeyDictionary()

    def __init__(self, project: Any, local_module: str, local: dict[str, dict], rel_path: str = "") -> None:
        self.project = project
        self.rel_path = rel_path
        self.by_name = self._index(project)
        self.local = {f"{local_module}.{name}": fact for name, fact in local.items()}
        self._attributes: dict[tuple[str, str], str | None] = {}
        self._methods: dict[tuple[str, str], str | None] = {}
        self._classes: dict[str, dict | None] = {}

    @classmethod
    def _index(cls, project: Any) -> dict[str, list[tuple[str, str, dict]]]:
        if project is None or not hasattr(project, "facts"):
            return {}
        cached = cls._cache.get(project)
        if cached is not None and cached[0] == project.generation:
            return cached[1]
        by_name: dict[str, list[tuple[str, str, dict]]] = {}
        for rel_path, file_facts in project.facts(FACT_KIND).items():
            module = file_facts.get("module", "")
            for name, fact in file_facts.get("classes", {}).items():
                by_name.setdefault(name, []).append((module, rel_path, fact))
        cls._cache[project] = (project.generation, by_name)
        return by_name

    def class_fact(self, qualified: str) -> dict | None:
        if qualified in self._classes:
            return self._classes[qualified]
        found = self.local.get(qualified)
        if found is None:
            module, _, name = qualified.rpartition(".")
            best: tuple[int, dict] | None = None
            wanted = "." + module
            for defined_in, _, fact in self.by_name.get(name, ()):
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
            found = best[1] if best else None
        self._classes[qualified] = found
        return found

    def _lineage(self, qualified: str) -> Iterator[dict]:
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

    def has_member(self, qualified: str, member: str) -> bool | None:
        """Whether the class (or a base) defines ``member``; None when part of its lineage is unknown."""
        complete = True
        for fact in self._lineage(qualified):
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
            for fact in self._lineage(qualified):
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
        return [source[2:] for fact in self._lineage(qualified)
                for source in fact["attrs"].get(attr, ()) if source.startswith("C:")]

    def class_library(self, qualified: str, depth: int = 0) -> str | None:
        """The library of a sync session an instance of ``qualified`` holds, or None."""
        if depth >= _MAX_DEPTH:
            return None
        for fact in self._lineage(qualified):
            for attr in fact["attrs"]:
                found = self.attribute_library(qualified, attr, depth + 1)
                if found:
                    return found
        return None

    def _source_library(self, qualified: str, source: str, depth: int) -> str | None:
        kind, _, value = source.partition(":")
        if kind == "S":
            return value
        if kind == "A":
            return self.attribute_library(qualified, value, depth)
        if kind == "C":
            return self.class_library(value, depth)
        return None

    def method_library(self, qualified: str, method: str, depth: int = 0) -> str | None:
        """The library of the sync session a sync method of ``qualified`` uses (through an
        attribute holding one, or another such method), or None."""
        key = (qualified, method)
        if key in self._methods:
            return self._methods[key]
        self._methods[key] = None
        found = None
        if depth < _MAX_DEPTH:
            for fact in self._lineage(qualified):
                used = fact.get("methods", {}).get(method)
                if used is None:
                    continue
                for name in used:
                    found = self.attribute_library(qualified, name) or self.method_library(qualified, name, depth + 1)
                    if found:
                        break
                break  # the nearest definition of the method is the one that runs
        self._methods[key] = found
        return found
