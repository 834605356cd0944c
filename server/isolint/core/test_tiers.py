"""Test tiers from content: a test module is an integration test when pytest marks it so
(``pytestmark = pytest.mark.integration`` or a list of marks). The engine refines a test
file's zone with :func:`is_integration_module` after the parse, and asks
:func:`may_be_marked_integration` before it (which rules' facts a test file needs); the ISO5xx
rules read the same markers on single tests and classes. A module under a unit folder whose
name claims an integration tier is taken back to the unit tier by its own docstring when that
says its tests stay in one process, when the integration it names is the product's own
``integrations`` package it tests, or when it imports no code of the product
(:func:`declared_in_process`).
"""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.modules import resolve_relative_module
from isolint.core.scratch import Key, Lifetime
from isolint.core.zones import matches_any, tier_named_only

if TYPE_CHECKING:
    from isolint.core.source import SourceFile


def marker_names(expr: ast.expr) -> set[str]:
    """``pytest.mark.integration`` / ``mark.e2e(...)`` / lists of them → {"integration", "e2e"}."""
    names: set[str] = set()
    nodes = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    for node in nodes:
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Attribute, ast.Name)):
            owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
            if owner == "mark":
                names.add(node.attr)
    return names


def is_integration_module(tree: ast.Module, markers: list[str]) -> bool:
    wanted = set(markers)
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets) and statement.value:
                if marker_names(statement.value) & wanted:
                    return True
    return False


# Admission: byte scans that tell, before any parse, whether a file can carry a marker.

#: what may stand between a name and the ``.``, ``[`` or ``=`` after it (``pytest.mark .
#: integration`` inside brackets): blanks, line continuations, comments and the ``)`` of
#: ``(pytest.mark).integration``; after a dot, no ``)``. The run is taken whole (a comment to the
#: end of its line, and nothing of the kind may follow), the way a possessive ``*+`` would on
#: Python 3.11+, so a long ``#####`` line cannot make the search backtrack.
BETWEEN_TOKENS = rb"(?:[\s\\)]|#[^\r\n]*(?![^\r\n]))*(?![\s\\)#])"
_AFTER_DOT = rb"(?:[\s\\]|#[^\r\n]*(?![^\r\n]))*(?![\s\\#])"
#: a whole identifier: no ASCII identifier character on either side (a non-ASCII neighbour
#: counts as a boundary, which only admits more). The patterns start with the identifier's
#: literal and look behind it, which keeps the search on ``re``'s fast literal scan.
IDENTIFIER_END = rb"(?![0-9A-Za-z_])"


NFKC_BYTES: Key[bytes] = Key("nfkc-bytes", Lifetime.TEXT)
#: per configured markers: whether the bytes can hold one
MAY_BE_MARKED: Key[bool] = Key("may-be-marked-integration", Lifetime.TEXT)

def identifier_bytes(source: "SourceFile") -> bytes:
    """The bytes as Python reads identifiers: NFKC-folded (``pytest.ｍark`` is ``pytest.mark``)
    when the text is not ASCII and not already folded; the file's bytes otherwise."""
    raw = source.raw
    if raw.isascii():
        return raw
    return source.memo(NFKC_BYTES, _fold)


def _fold(source: "SourceFile") -> bytes:
    if unicodedata.is_normalized("NFKC", source.text):
        return source.raw
    return unicodedata.normalize("NFKC", source.text).encode("utf-8", errors="surrogatepass")


@lru_cache(maxsize=32)
def _marker_pattern(markers: tuple[str, ...]) -> "re.Pattern[bytes] | None":
    names = [re.escape(m.encode("utf-8", "surrogatepass")) for m in sorted(set(markers), key=len, reverse=True)]
    if not names:
        return None
    return re.compile(rb"mark(?<![0-9A-Za-z_]mark)" + BETWEEN_TOKENS + rb"\." + _AFTER_DOT + rb"(?:" + b"|".join(names) + rb")"
                      + IDENTIFIER_END)


def may_be_marked_integration(source: "SourceFile") -> bool:
    """Whether the bytes can hold ``mark.<an integration-test marker>`` — the only spelling
    :func:`marker_names` reads, for a module's ``pytestmark`` (which moves a test file to the
    integration zone, :func:`is_integration_module`) as for a test's or class's decorators. Asked by
    ISO501, ISO503, the indexer and the CLI's scheduling of one file: scanned once."""
    markers = tuple(source.settings.integration_test_markers)
    return source.memo(MAY_BE_MARKED, lambda s: _scan_for_marker(identifier_bytes(s), markers), markers)


def _scan_for_marker(raw: bytes, markers: tuple[str, ...]) -> bool:
    pattern = _marker_pattern(markers)
    return pattern is not None and pattern.search(raw) is not None


#: what a test module's docstring says when its tests stay in one process: no live service, no
#: network, no running server, its endpoint or boundary mocked (``No live LLM, no network: the
#: resolve endpoint is mocked``, ``without requiring a running HTTP server``, ``with mock transport``)
IN_PROCESS_WORDS = lazy_compile(
    r"\bno (?:live|real|running|external)\b|\bno (?:network|http server|server|backend)\b|"
    r"\bwithout (?:requiring |needing |starting |running |hitting |touching )?(?:a |an |any |the )?"
    r"(?:live |real |running |external )?(?:http |web |api )?(?:server|service|network|backend|database)s?\b|"
    r"\b(?:network|http|endpoint|boundary|api|server|backend)s? (?:\w+ )?(?:is |are )?(?:mocked|stubbed|faked)\b|"
    r"\b(?:with|through|over|against) (?:a |an |the )?(?:mock|mocked|fake|stub|stubbed|in-memory) "
    r"(?:transport|network|http|server|backend|api|client)s?\b",
    re.IGNORECASE,
)
DECLARED_IN_PROCESS: Key[bool] = Key("iso5.declared-in-process")


def declared_in_process(source: "SourceFile", tree: ast.Module) -> bool:
    """A module whose name alone claims an integration tier (``tests/unit/test_skills_e2e.py``,
    ``helpers/atif/test_integration.py``: :func:`~isolint.core.zones.tier_named_only`) and whose
    docstring says its tests run in one process
    (:data:`IN_PROCESS_WORDS`): "end to end" across the modules of one package, a unit test —
    or whose "integration" is the feature it tests (:func:`tested_integrations_package`), or
    that runs no code of the product at all (:func:`imports_no_product_code`) —
    unless the configuration or a module ``pytestmark`` makes it an integration test. A name
    alone keeps the integration tier (``test_iframe_e2e.py``: "using a real headless
    Chromium")."""
    return source.memo(DECLARED_IN_PROCESS, lambda s: _declared_in_process(s, tree))


#: ``test_slack_integration.py``: what a module named for an integration names before the word
_INTEGRATION_SUBJECT = re.compile(r"^test_(.+?)_integrations?(?:_tests?)?\.py$")
#: packages that hold a product's integrations with third parties (``integrations/slack/``)
INTEGRATIONS_PACKAGES = frozenset({"integrations", "integration"})


def tested_integrations_package(source: "SourceFile", tree: ast.Module) -> str | None:
    """``integrations.slack`` for ``tests/unit/test_slack_integration.py`` importing
    ``integrations.slack.slack_manager``: the module's name says which of the product's
    integrations it tests (a feature), not a test tier."""
    match = _INTEGRATION_SUBJECT.match(source.name.lower())
    if match is None:
        return None
    subject = match.group(1)
    for statement in tree.body:
        modules = [statement.module or ""] if isinstance(statement, ast.ImportFrom) and not statement.level \
            else [alias.name for alias in statement.names] if isinstance(statement, ast.Import) else []
        for module in modules:
            parts = module.split(".")
            for index, part in enumerate(parts[:-1]):
                if part in INTEGRATIONS_PACKAGES and parts[index + 1].lower() == subject:
                    return ".".join(parts[:index + 2])
    return None


#: what a test module imports without importing the product: test frameworks and their helpers
TEST_LIBRARIES = frozenset({"pytest", "_pytest", "mock", "pytest_mock", "asynctest", "freezegun", "faker",
                            "hypothesis", "responses", "respx", "httpretty"})
#: a module path of the test suite itself (``tests.unit.mock_stripe_service``)
_TEST_PACKAGE_PARTS = frozenset({"tests", "test", "testing", "conftest"})


def imports_no_product_code(source: "SourceFile", tree: ast.Module) -> bool:
    """Every import of the module (anywhere in it) is the standard library, a test framework or
    the test suite's own modules (``from .mock_stripe_service import …``): no code of the product
    runs in it, so there is nothing its stand-ins could keep from being integrated."""
    imported = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [resolve_relative_module(source.module, node.module, node.level, source.name == "__init__.py")
                       if node.level else node.module or ""]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] in sys.stdlib_module_names or parts[0] in TEST_LIBRARIES \
                    or any(part in _TEST_PACKAGE_PARTS for part in parts):
                imported = True
                continue
            return False
    return imported  # a module importing nothing at all says nothing either way


def says_in_process(tree: ast.Module) -> bool:
    """The module's docstring says its tests stay in one process (:data:`IN_PROCESS_WORDS`)."""
    docstring = ast.get_docstring(tree, clean=False)
    return bool(docstring) and IN_PROCESS_WORDS.search(" ".join(docstring.split())) is not None


def _declared_in_process(source: "SourceFile", tree: ast.Module) -> bool:
    if not tier_named_only(source.rel_path):
        return False
    if not says_in_process(tree) and tested_integrations_package(source, tree) is None \
            and not imports_no_product_code(source, tree):
        return False
    settings = source.settings
    return not matches_any(source.rel_path, settings.integration_test_paths) \
        and not is_integration_module(tree, settings.integration_test_markers)
