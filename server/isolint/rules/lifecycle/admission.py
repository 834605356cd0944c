"""Which files the ISO3xx rules and the ``session-factories`` indexer can find anything in,
decided on the file's bytes before any parse (``Rule.admits`` / ``Indexer.admits``).

The family's token prefilter (``session``, ``connect``, ``Client``…) lets through nearly every
file of a web framework or an ORM; what the rules and the census can really use is narrower.
A session, connection, engine or client is known to isolint only through:

* a library name: a qualified name of ``CONSTRUCTORS`` / ``ANNOTATIONS``. Its first part is the
  library's package, spelled in the file (``import sqlalchemy``, ``from redis import asyncio``,
  ``sqlalchemy.create_engine`` even unimported) — or the file's own package when it lies inside
  the library (a relative import resolves to it); its last part is spelled in the file too
  (the called or annotated name, or the imported name an alias stands for);
* a conventional factory name (``SessionLocal()``), spelled in the file;
* the engine and pool naming heuristics (``engine.connect()``, ``pool.acquire()``);
* a definition the indexer recorded in another file of the project, reached through a
  qualified name whose last part — the definition's name — is spelled in the file.

Every pattern below is a necessary condition of one of these; a file matching none of them
holds no resource isolint can type, so the rules cannot report on it and the census records
nothing of its own (``census_may_record`` says what it records for other files).

Speed: nearly every test is a literal scan (``bytes in``, or a pattern that starts with a
literal, which ``re`` finds as fast); an alternation of names or a pattern starting with a
look-behind would make ``re`` try every position of the file. The rules and the indexer share
one ``_Text`` per file while they decide in turn, and each verdict is kept in
``SourceFile.memo`` (not the bytes' copies).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import defaultdict
from typing import Any, Iterable

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key, Lifetime
from isolint.core.model import Zone
from isolint.rules.lifecycle.libraries import (
    ACQUIRE_METHODS,
    ANNOTATIONS,
    CLEANUP_METHODS,
    CONSTRUCTORS,
    DBAPI_CONNECTION_CLASS,
    DBAPI_CONNECTION_METHODS,
    DBAPI_CONSTRUCTOR,
    DBAPI_SUBMODULE,
    ENGINE_CONNECT_METHODS,
    FACTORY_VOCABULARY,
    LIBRARY_VALUES,
    OWNERSHIP_CALLS,
    Kind,
)
from isolint.rules.lifecycle.model import ProjectFactories

_IDENTIFIERS: dict[tuple[bytes, bool], "re.Pattern[bytes]"] = {}


def _identifier(name: bytes, not_after_dot: bool = False) -> "re.Pattern[bytes]":
    """``name`` as a whole word, literal first (``re`` finds it at ``bytes.find`` speed; the
    look-behind runs only where the literal was found). ``not_after_dot``: not an attribute
    either (``x.redis`` is not the ``redis`` package)."""
    pattern = _IDENTIFIERS.get((name, not_after_dot))
    if pattern is None:
        escaped = re.escape(name)
        before = rb"[\w.]" if not_after_dot else rb"\w"
        pattern = _IDENTIFIERS[(name, not_after_dot)] = lazy_compile(escaped + rb"(?!\w)(?<!" + before + escaped + rb")")
    return pattern


class _Text:
    """One file's bytes with the answers already found — which literals and words occur, the
    lower-cased copy, the answers of its look-ups — shared by the rules and the indexer deciding
    on it in turn."""

    __slots__ = ("_literals", "_lowered", "_words", "module", "raw", "verdicts")

    def __init__(self, raw: bytes, module: str) -> None:
        self.raw = raw
        self.module = module
        self._lowered: bytes | None = None
        self._literals: dict[bytes, bool] = {}
        self._words: dict[tuple[bytes, bool], bool] = {}
        self.verdicts: dict[Any, Any] = {}

    def has(self, literal: bytes) -> bool:
        """``literal in raw`` (``bytes.find`` is faster than ``re``'s literal search)."""
        found = self._literals.get(literal)
        if found is None:
            found = self._literals[literal] = literal in self.raw
        return found

    def has_word(self, name: bytes, not_after_dot: bool = False) -> bool:
        key = (name, not_after_dot)
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = self.has(name) and _identifier(name, not_after_dot).search(self.raw) is not None
        return found

    def has_any_word(self, names: Iterable[bytes]) -> bool:
        return any(self.has_word(name) for name in names)

    def has_method(self, name: bytes) -> bool:
        """``name`` spelled as an attribute: ``conn.close``, ``conn . close``, ``conn.\\n close``."""
        key = ("method", name)
        found = self.verdicts.get(key)
        if found is None:
            found = self.verdicts[key] = any(_word_before_dot(self.raw[max(0, m.start() - _LOOK_BACK):m.start()])
                                             is not None for m in _identifier(name).finditer(self.raw))
        return found

    @property
    def lowered(self) -> bytes:
        if self._lowered is None:
            self._lowered = self.raw.lower()
        return self._lowered


_SCRATCH = threading.local()


def _scratch(source: Any) -> _Text:
    """The ``_Text`` of the file being decided (the last one asked about in this thread), so
    the rules and the indexer asking in turn share its scans; only one lower-cased copy is
    alive at a time."""
    text = getattr(_SCRATCH, "text", None)
    if text is None or text.raw is not source.raw:
        text = _SCRATCH.text = _Text(source.raw, source.module)
    return text


#: per admission question: its verdict on the file's text
ADMISSION_VERDICTS: Key[Any] = Key("iso3.admission-verdicts", Lifetime.TEXT)

def _verdict(source: Any, key: Any, decide: Any) -> Any:
    """``decide(text)`` once per file content: kept in ``SourceFile.memo`` (the verdict only)."""
    memo = getattr(source, "memo", None)
    if memo is None:
        return decide(_scratch(source))
    return memo(ADMISSION_VERDICTS, lambda s: decide(_scratch(s)), key)


#: substrings of which every package name holds one (tested): a literal scan each rules out a
#: file before the packages' own patterns run (an alternation of twenty names would try every
#: position of the file)
PACKAGE_SCANS = (b"sql", b"SQL", b"pg", b"redis", b"http", b"odbc", b"racle", b"clickhouse", b"duckdb", b"mongo",
                 b"motor", b"cassandra", b"influx", b"arango", b"azure", b"search", b"neo4j", b"pika", b"ldap")


class LibraryNames:
    """The qualified names of one table, as "package spelled + last name spelled" tests."""

    def __init__(self, qualified: Iterable[str]) -> None:
        last_names: dict[bytes, set[bytes]] = defaultdict(set)
        for name in qualified:
            last_names[name.partition(".")[0].encode()].add(name.rpartition(".")[2].encode())
        # shortest first: ``Session`` is found before ``async_scoped_session`` is looked for
        self.last_names = {package: tuple(sorted(names, key=lambda n: (len(n), n)))
                           for package, names in last_names.items()}
        self._by_scan: dict[bytes, list[bytes]] = defaultdict(list)
        for package in sorted(last_names, key=lambda p: (len(p), p)):
            self._by_scan[next(s for s in PACKAGE_SCANS if s in package)].append(package)

    def spelled_in(self, text: _Text) -> bool:
        """The file can name one of the table's qualified names. Inside the library, relative
        imports resolve to it: its name need not be spelled."""
        top = text.module.partition(".")[0].encode()
        if top in self.last_names and text.has_any_word(self.last_names[top]):
            return True
        for scan, packages in self._by_scan.items():
            if not text.has(scan):
                continue
            absent: list[bytes] = []
            for package in packages:  # shortest first: no ``pymysql`` without ``mysql``
                if any(shorter in package for shorter in absent):
                    continue
                if not text.has(package):
                    absent.append(package)
                elif text.has_word(package, not_after_dot=True) and text.has_any_word(self.last_names[package]):
                    return True
        return False


#: every resource a library call or annotation can give
RESOURCE_LIBRARIES = LibraryNames([*CONSTRUCTORS, *ANNOTATIONS, *LIBRARY_VALUES])
#: the calls ISO303 and ISO304 report: engine and pool constructors (``placement.engine_creation``)
ENGINE_LIBRARIES = LibraryNames([name for name, resource in CONSTRUCTORS.items()
                                 if resource.kind in (Kind.ENGINE, Kind.POOL)])

#: every conventional factory name holds one of these (tested): a literal-first pattern and two
#: literals, where an alternation of the sixteen names would try every position of the file
_CONVENTIONAL_RE = lazy_compile(rb"ession(?:Local|_local|_Local|Factory|_factory|_maker|factory|Maker)")
_CONVENTIONAL_LITERALS = (b"async_session", b"DBSession")
#: ``libraries.produced_by_method`` without a known receiver: ``connect()`` on a receiver whose
#: last name is ``engine`` / ``*_engine`` in any case, ``acquire()`` on ``pool`` / ``*_pool``
#: (the receiver patterns run on the lower-cased bytes)
_RECEIVER_HEURISTICS = tuple(
    (method.encode(), lazy_compile(receiver + rb"(?![a-z0-9_])(?<![a-z0-9]" + receiver + rb")"))
    for method, receiver in (("connect", b"engine"), *((m, b"pool") for m in sorted(ACQUIRE_METHODS)))
)
assert "connect" in ENGINE_CONNECT_METHODS  # the method the engine heuristic stands for


def _names_conventional_factory(text: _Text) -> bool:
    return _CONVENTIONAL_RE.search(text.raw) is not None or any(text.has(name) for name in _CONVENTIONAL_LITERALS)


def _uses_receiver_heuristic(text: _Text) -> bool:
    return any(text.has_word(method) and receiver.search(text.lowered) for method, receiver in _RECEIVER_HEURISTICS)


def types_resources_alone(text: _Text) -> bool:
    """The file, read alone, can bind a name to a session, connection, engine, pool or client:
    the condition of every fact the census records for itself and of every finding that
    needs no other file."""
    return RESOURCE_LIBRARIES.spelled_in(text) or _names_conventional_factory(text) or _uses_receiver_heuristic(text) \
        or _may_drive_dbapi(text)


_DBAPI_CONSTRUCTOR = DBAPI_CONSTRUCTOR.encode()
_DBAPI_CONNECTION_CLASS = DBAPI_CONNECTION_CLASS.encode()
_DBAPI_EVIDENCE = (DBAPI_SUBMODULE.encode(), *sorted(name.encode() for name in DBAPI_CONNECTION_METHODS))


def _may_drive_dbapi(text: _Text) -> bool:
    """A driver's ``connect()`` or connection class with a PEP 249 submodule or connection
    method in the file (``trino.dbapi.connect``, ``conn = driver.connect(); conn.cursor()``,
    ``Connection(host=…).cursor()``)."""
    return (text.has_word(_DBAPI_CONSTRUCTOR) or text.has(_DBAPI_CONNECTION_CLASS)) \
        and any(text.has_word(word) for word in _DBAPI_EVIDENCE)


def _trie_pattern(names: Iterable[str]) -> bytes:
    """An alternation of whole identifiers factored by prefix (``re`` then tests one branch per
    character instead of every name at every position)."""
    trie: dict = {}
    for name in names:
        node = trie
        for byte in name.encode():
            node = node.setdefault(byte, {})
        node[None] = {}

    def branch(node: dict) -> bytes:
        ends = None in node
        parts = [re.escape(bytes([byte])) + branch(child) for byte, child in sorted((k, v) for k, v in node.items()
                                                                                    if k is not None)]
        if not parts:
            return b""
        body = parts[0] if len(parts) == 1 else b"(?:" + b"|".join(parts) + b")"
        return b"(?:" + body + b")?" if ends else body

    return rb"\b" + branch(trie) + rb"(?!\w)"


class _ProjectNames:
    """The definitions of a project's ``session-factories`` facts a file can reach, by name:
    for each live name (a typed definition, or a forward whose target resolves), the dotted
    parts of the modules defining it."""

    def __init__(self, lookup: ProjectFactories) -> None:
        self.modules: dict[bytes, list[tuple[frozenset[str], str]]] = {}
        for name, candidates in lookup.by_name.items():
            for module, rel_path, fact in candidates:
                if "via" in fact and lookup.definition(fact["via"], rel_path, 1) is None:
                    continue  # a forward to nothing: every lookup through it answers None
                self.modules.setdefault(name.encode(), []).append((frozenset(module.split(".")), rel_path))
        for name, candidates in lookup.classes_by_name().items():  # a base class opening sessions
            for module, rel_path, _ in candidates:
                self.modules.setdefault(name.encode(), []).append((frozenset(module.split(".")), rel_path))
        self.pattern = lazy_compile(_trie_pattern(n.decode() for n in self.modules)) if self.modules else None

    def reachable_from(self, text: _Text) -> bool:
        """A qualified name ``W.NAME`` of the file can find a definition of NAME in module M:
        the lookup needs W's last part to be a dotted part of M (M ends with W, a package W
        holds M, or W is the file Python's lookup finds). NAME is spelled where a qualified
        name ends, and W's last part is the word before the dot (``db.NAME``; through an
        alias, the module it stands for: ``import app.db as d``), the module of the import
        list (``from app.db import NAME``) or, for ``from . import NAME``, a package of the
        file itself."""
        if self.pattern is None:
            return False
        raw = text.raw
        looked: set[tuple[bytes, frozenset[str]]] = set()
        for match in self.pattern.finditer(raw):
            name = match.group()
            window = raw[max(0, match.start() - _LOOK_BACK):match.start()]
            qualifier = _qualifier(window, text)
            if not qualifier or (name, qualifier) in looked:
                continue
            looked.add((name, qualifier))
            if any(parts & qualifier for parts, _ in self.modules[name]):
                return True
        return False


def _qualifier(window: bytes, text: _Text) -> frozenset[str]:
    """The possible last parts of W for a name spelled right after ``window`` (empty: the
    name does not end a qualified name there)."""
    before = _word_before_dot(window)
    if before is not None:
        return _alias_parts(text, before)
    listed = _IN_IMPORT_LIST_RE.search(window) if b"import" in window else None
    if listed is None:
        return frozenset()
    if listed.group(2):
        return frozenset({listed.group(2).rpartition(b".")[2].decode()})
    return frozenset(text.module.split("."))  # from . import NAME: one of the file's own packages


def _word_before_dot(window: bytes) -> bytes | None:
    """``db`` for a window ending with ``db.`` (spaces, line continuations and, inside
    brackets, comments may stand between the dot and the name)."""
    dot = window.rfind(b".")
    if dot < 0:
        return None
    if window[dot + 1:].strip(b" \t\r\n\\"):
        if b"#" not in window:
            return None
        found = _AFTER_DOT_RE.search(window)  # a comment after the dot: the careful way
        return found.group(1) if found else None
    head = window[:dot].rstrip()
    start = len(head)
    while start and head[start - 1] in _WORD_BYTES:
        start -= 1
    return head[start:] or None


def _alias_parts(text: _Text, word: bytes) -> frozenset[str]:
    """``word`` itself, and the module it stands for when it is an import alias
    (``import app.db.session as dbs``: ``session``)."""
    key = ("alias", word)
    parts = text.verdicts.get(key)
    if parts is None:
        found = {word.decode()}
        raw = text.raw
        for alias in re.finditer(rb"as(?:\s|\\)+" + re.escape(word) + rb"(?!\w)", raw):
            head = raw[:alias.start()].rstrip()
            start = len(head)
            while start and (head[start - 1] in _WORD_BYTES or head[start - 1] == 46):  # "."
                start -= 1
            found.add(head[start:].rpartition(b".")[2].decode())
        parts = text.verdicts[key] = frozenset(found)
    return parts


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | frozenset(range(128, 256))
# a comment runs to the end of its line (one way to match it: no backtracking into it)
_COMMENT = rb"#[^\n]*(?![^\n])"
_AFTER_DOT_RE = lazy_compile(rb"(\w+)\s*\.(?:\s|\\|" + _COMMENT + rb")*\Z")
#: the import list of ``from W import`` up to the name (``W``: group 2; only dots for
#: ``from . import``), literal first
_IN_IMPORT_LIST_RE = lazy_compile(
    rb"from(?<!\wfrom)(?:\s|\\)+(\.*)(?:\s|\\)*([\w.]*?)(?:\s|\\)+import\b(?:[\w\s,()\\]|" + _COMMENT + rb")*\Z"
)


_PROJECT_NAMES: "weakref.WeakKeyDictionary[ProjectFactories, _ProjectNames]" = weakref.WeakKeyDictionary()


def names_project_definition(text: _Text, lookup: ProjectFactories) -> bool:
    """The file can reach a session factory, engine, client or session function another file
    defines (``from app.db import make_orders_session``), or a class whose methods open a
    session (``from app.db import BaseDao``) — looked up by name and module in the
    project's facts (``ProjectFactories``: one per facts generation)."""
    names = _PROJECT_NAMES.get(lookup)
    if names is None:
        names = _PROJECT_NAMES[lookup] = _ProjectNames(lookup)
    return names.reachable_from(text)


def may_hold_resources(source: Any, project: Any) -> bool:
    """Some name of the file may be typed as a session, connection, engine, pool or client."""
    if _verdict(source, "alone", types_resources_alone):
        return True
    lookup = ProjectFactories.of(project)
    return lookup is not None and bool(lookup.by_name or lookup.classes_by_name()) and _verdict(source, lookup, lambda text: names_project_definition(
        text, lookup))


def may_create_engine(source: Any) -> bool:
    """The file can call a library's engine or pool constructor (ISO303, ISO304); these are
    among the resource libraries' names."""
    return _verdict(source, "alone", types_resources_alone) and _verdict(source, "engine", ENGINE_LIBRARIES.spelled_in)


_CLEANUP = tuple(sorted(name.encode() for name in CLEANUP_METHODS))
_OPERATIONS: dict[frozenset, tuple[bytes, ...]] = {}


def may_close_untyped_handle(source: Any, db_operations: frozenset[str]) -> bool:
    """The file calls a cleanup method and a database operation on a name (``conn.execute()``
    … ``conn.close()``): the shape ISO302 reports on whatever the handle's type."""
    operations = _OPERATIONS.get(db_operations)
    if operations is None:
        operations = _OPERATIONS[db_operations] = tuple(sorted(name.encode() for name in db_operations))
    return _verdict(source, ("untyped-close", operations), lambda text: any(
        text.has_method(name) for name in _CLEANUP) and any(text.has_method(name) for name in operations))


#: the family's vocabulary in a callee's last name (``make_orders_session``, ``db_engine``), any
#: case: matched on the lower-cased bytes
_VOCABULARY = tuple(sorted({token.lower() for token in FACTORY_VOCABULARY}))
_CALLED_RE = tuple(lazy_compile(re.escape(token) + rb"\w*\s*\(") for token in _VOCABULARY)


def _reversed_words(names: Iterable[str]) -> bytes:
    return b"|".join(re.escape(name.lower().encode()[::-1]) for name in sorted(names, key=len, reverse=True))


#: what precedes a returned or ``with``-entered callee — ``return`` / ``with`` / a later item's
#: ``,``, brackets, ``await``, an ownership helper (``closing(``), the dotted parts and the start
#: of the callee's name — matched on the reversed bytes before the vocabulary word (``re``
#: cannot match backwards)
_HANDED_ON_BEFORE_REVERSED_RE = lazy_compile(
    rb"\w*(?P<chain>(?:\s*\.\s*\w+)*)"
    rb"(?:\s*\(\s*(?:" + _reversed_words(OWNERSHIP_CALLS) + rb")(?:\s*\.\s*\w+)*)?"
    rb"(?:\s+tiawa)?[\s(]*(?:(?:nruter|htiw)(?!\w)|,)"
)
_LOOK_BACK = 240


def _hands_on_named_call(text: _Text) -> bool:
    """A call returned by a function or entered by ``with`` whose callee's last name carries
    the family's vocabulary (``return make_orders_session()``, ``with db.session_scope() as s``);
    not ``self.`` / ``cls.`` methods (the census follows neither)."""
    lowered = text.lowered
    for called in _CALLED_RE:
        for match in called.finditer(lowered):
            start = match.start()
            before = lowered[max(0, start - _LOOK_BACK):start][::-1]
            found = _HANDED_ON_BEFORE_REVERSED_RE.match(before)
            if found is not None and not found.group("chain").rstrip().endswith((b".fles", b".slc")):
                return True
    return False


#: a decorator whose last name carries the family's vocabulary (``@with_session``,
#: ``@db.session_scoped(commit=True)``): it may run the function in a session it opens
_NAMED_DECORATOR_RE = lazy_compile(
    rb"(?:^|[\r\n])[ \t]*@[ \t]*(?:\w+[ \t]*\.[ \t]*)*\w*(?:" + b"|".join(re.escape(token) for token in _VOCABULARY) + rb")")


def _decorated_by_named(text: _Text) -> bool:
    return _NAMED_DECORATOR_RE.search(text.lowered) is not None


#: a statement at module level that can bind a name other modules import: an assignment
#: (``engine = …``, ``db: Session = …``, ``a, b = …``), a ``def``, or a block whose body runs at
#: import time (``if``/``try``/``with``); at the start of a line (``\r``, a form feed or a BOM
#: may precede it) or after a ``;``
_MODULE_LEVEL_BINDING_RE = lazy_compile(
    rb"(?:(?:^|[\r\n])(?:\xef\xbb\xbf)?\f*|;[ \t]*)(?:def|async|if|try|with|else|elif|except|finally|"
    rb"[A-Za-z_]\w*[ \t]*(?::|=(?!=)|,))"
)


#: ``from app.core.storage import engine, SessionLocal``: an import line naming something engine
_IMPORT_LINE_RE = lazy_compile(rb"(?:^|[\r\n])[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]([^\r\n]*(?:ngine|NGINE)[^\r\n]*)")
#: a value named as an engine (``engine``, ``async_engine``, ``ENGINE``), not a library's
#: constructor (``create_engine``) or a collection of engines (django's ``engines``)
ENGINE_VALUE_RE = lazy_compile(r"^(?:[a-z_]\w*_)?engine$|^(?:[A-Z_]+_)?ENGINE$")
_ENGINE_CONSTRUCTOR_PREFIXES = ("create_", "make_", "build_", "new_", "get_")


def is_engine_value_name(name: str) -> bool:
    """``engine``, ``reports_engine``, ``DB_ENGINE``: a name an engine is kept under."""
    return ENGINE_VALUE_RE.match(name) is not None and not name.lower().startswith(_ENGINE_CONSTRUCTOR_PREFIXES)


def _imports_engine(text: _Text) -> bool:
    """A module that imports an engine by name from another module (ISO304 learns from it which
    module the rest of a service takes its engine from); not a library's own names."""
    if not (text.has(b"ngine") or text.has(b"NGINE")):
        return False
    for match in _IMPORT_LINE_RE.finditer(text.raw):
        if match.group(1).split(b".")[0] in (b"sqlalchemy", b"sqlmodel", b"django", b"jinja2"):
            continue
        names = match.group(2).decode("utf-8", "replace").replace("(", " ").replace(")", " ").split(",")
        if any(is_engine_value_name(name.split(" as ")[0].strip()) for name in names):
            return True
    return False


def census_may_record(source: Any) -> bool:
    """The ``session-factories`` indexer can record facts that matter for ``source``: its own
    typed definitions, engines and managed creations (``types_resources_alone``), or a
    function forwarding to (``return make_orders_session()``), a ``with`` entering a call of
    another module's session function or a decorator (``@with_session``), named in the
    family's vocabulary.

    Forwarding facts are resolved by name against other files; the CLI indexes every file in
    parallel before any fact is known, so the vocabulary stands in for the name: a forward to
    a callee named without it (``return db.open_store()``) is not followed.

    Outside production code only the definitions matter (ISO304 counts production engines,
    metric 2 production creations), so a test or development module is indexed only when a
    statement at module level can bind one."""
    if not (_verdict(source, "alone", types_resources_alone) or _verdict(source, "handed-on", _hands_on_named_call)
            or _verdict(source, "decorated", _decorated_by_named)):
        return source.zone is Zone.PRODUCTION and _verdict(source, "imports-engine", _imports_engine)
    return source.zone is Zone.PRODUCTION or _verdict(
        source, "module-binding", lambda text: _MODULE_LEVEL_BINDING_RE.search(text.raw) is not None)
