"""Which files can hold an import that loads another service's file — decided on the bytes,
before any parse, so that a multi-service project does not parse every module that says
``import`` for the service-boundary rules.

The project decides which names matter (``ProjectIndex.names_into_services`` and
``relative_reach_level`` apply ``resolve_module``'s first-root-wins lookup); this module looks
for them where an import can name them:

* an absolute import whose top-level name is one of them — ``import a, x.y as z``,
  ``from x import *``, across backslash continuations — matched as a whole word anywhere after
  ``import``/``from`` on the logical line (a loose match only costs a parse);
* a relative import with enough leading dots (``from . . x``: dots may be spaced) to climb
  out of the importer's package into another service;
* ``importlib.import_module(...)`` / ``__import__(...)`` anywhere: their literal may be split
  (``"sym" "py"``), aliased or relative to a ``package=``, so their presence is enough.

Python folds identifiers to NFKC (``import ｓympy`` imports ``sympy``), so non-ASCII text is
folded before the scan.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from isolint.core.lazy_regex import lazy_compile

if TYPE_CHECKING:
    from isolint.core.source import SourceFile

#: what may separate the tokens of one logical line: blanks and backslash continuations
_GAP = rb"(?:[ \t\f]|\\(?:\r?\n|.))"


def may_import_service(source: "SourceFile", project: Any, exempt: str | None) -> bool:
    """False only when no import in ``source`` can load a file of a service other than
    ``exempt`` (None: of any service)."""
    if b"sys.path" in source.raw:
        return True  # a folder put on sys.path can make any import land in another service
    names = project.names_into_services(source.rel_path, exempt)
    if not names:
        return False
    scan = _scan_for(names)
    if scan is None:
        return True  # a non-ASCII name: the file system's spelling may not be Python's
    raw = _folded_bytes(source)
    dynamic = False
    for match in scan.imports.finditer(raw):
        if not match.group("dynamic"):
            return True
        dynamic = True  # importlib.import_module / __import__: their literal is looked at last
    dots = project.relative_reach_level(_package_of(source), source.rel_path, exempt)
    if _from_statement_of(scan.identifiers, dots).search(raw):
        return True
    return dynamic and scan.literals.search(raw) is not None


def may_import_names(source: "SourceFile", names: frozenset[str], dots: int = 1_000) -> bool:
    """Whether ``source``'s bytes hold an absolute import (``import x``, ``from x …``) or a
    dynamic import that can name one of the top-level ``names``, or a relative import with at
    least ``dots`` leading dots."""
    scan = _scan_for(names) if names else None
    if scan is None:
        return bool(names)
    raw = _folded_bytes(source)
    return (scan.imports.search(raw) is not None or _from_statement_of(scan.identifiers, dots).search(raw) is not None)


class _Scan(NamedTuple):
    identifiers: frozenset[str]
    imports: re.Pattern[bytes]
    literals: re.Pattern[bytes]


@lru_cache(maxsize=64)
def _scan_for(names: frozenset[str]) -> _Scan | None:
    if not all(name.isascii() for name in names):
        return None
    identifiers = frozenset(name for name in names if name.isidentifier())
    return _Scan(identifiers, _import_of(identifiers), _literal_of(names))


def _package_of(source: "SourceFile") -> str:
    """The package one leading dot names, split as ``resolve_relative_module`` splits it."""
    module = source.module
    parts = module.split(".") if module else []
    keep = len(parts) - 1 + (source.name == "__init__.py")
    return ".".join(parts[:max(keep, 0)])


def _folded_bytes(source: "SourceFile") -> bytes:
    raw = source.raw
    if raw.isascii() or unicodedata.is_normalized("NFKC", source.text):
        return raw
    return unicodedata.normalize("NFKC", source.text).encode("utf-8", errors="surrogatepass")


def _alternatives(names: frozenset[str]) -> bytes:
    # longest first; case-insensitive: on a case-insensitive file system `import Sympy` resolves
    return b"(?i:" + b"|".join(re.escape(n.encode()) for n in sorted(names, key=lambda n: (-len(n), n))) + b")"


# The patterns start with a literal keyword so that ``re`` skips ahead with a fast literal
# search (a pattern opening with ``\b`` or a class scans ~7x slower).

def _import_of(names: frozenset[str]) -> re.Pattern[bytes]:
    """``import`` followed, on its logical line, by one of ``names`` as a top-level word (also
    after ``a as b,`` — and, loosely, among a from-import's names); or, in the same scan, a
    dynamic import (``import_module``, ``__import__``: group ``dynamic``)."""
    # words are taken whole: a name is tried only where a word starts
    statement = (b"|" + _GAP + rb"(?:\w+(?!\w)|[.,]|" + _GAP + rb")*?(?<![\w.])" + _alternatives(names) + rb"(?!\w)"
                 if names else b"")
    return lazy_compile(rb"import(?:(?P<dynamic>_module|__)" + statement + b")", re.DOTALL)


@lru_cache(maxsize=256)
def _from_statement_of(names: frozenset[str], dots: int) -> re.Pattern[bytes]:
    """``from <name>`` for one of ``names``, or ``from`` with at least ``dots`` leading dots
    (which may be spaced: ``from . . x``)."""
    relative = rb"\." + (rb"(?:" + _GAP + rb"*\.)") * (dots - 1)
    absolute = _GAP + rb"+" + _alternatives(names) + rb"(?!\w)|" if names else b""
    return lazy_compile(rb"from(?:" + absolute + _GAP + rb"*" + relative + rb")", re.DOTALL)


def _literal_of(names: frozenset[str]) -> re.Pattern[bytes]:
    r"""A string literal that can spell a module under one of ``names`` once implicit
    concatenation and escapes are applied: it opens with a whole name, with a name's prefix cut
    by an escape or by its closing quote before another literal (``"sym\x70y"``, ``"sym" "py"``),
    or with an escape that can make a name's first letter. A relative literal resolves against
    its ``package=`` literal, which this also finds."""
    prefixes = frozenset(name[:length] for name in names for length in range(1, len(name)))
    # a prefix, then an escape or the end of this piece with another literal after it
    cut = (rb"|" + _alternatives(prefixes) + rb"(?:\\|['\"](?:\s|\\|#[^\n]*)*[rRuU]?['\"])"
           if prefixes else b"")
    # an escape that can spell a name's first character, or a backslash continuation
    escape = rb"|\\[xuUN0-7\r\n]"
    # leading dots: a relative literal with more dots than its package has parts is absolute
    return lazy_compile(rb"['\"]\.*(?:" + _alternatives(names) + rb"(?!\w)" + cut + escape + rb")")
