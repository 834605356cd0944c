"""What a rule is: metadata on the class, documentation in the class docstring (ruff's style),
and the hooks the engine calls — all declared here, with their contracts.

The docstring is the single source of the rule's documentation (``docs/rules/`` is generated
from it; its examples are tested): a one-line summary (the rules index, ``isolint rules``), then
the sections of ``DOC_SECTIONS`` in that order — ``What it does`` (at most three sentences),
``Why is this bad?``, ``Example``, ``Use instead``, ``Fix safety`` (when fixable), a short
``Known look-alikes`` (the rule's fixtures hold the rest) and ``Options`` (when configurable).

Which files a rule sees is decided in this order, cheapest first: ``languages``, then
``applies_to`` (by default the file's zone against ``zones``), then the byte prefilter
``tokens``, then ``admits``. Then the file is parsed once for all its rules, and the rule reacts
to the parse through its language's hooks:

* Python: ``visit_<AstNodeType>(self, node, ctx)`` and ``leave_<AstNodeType>(self, node, ctx)``
  methods (found by name, like ``ast.NodeVisitor``); the runner walks the tree once and calls
  every rule's method for that node type. ``begin_file(ctx)`` and ``end_file(ctx)`` run before
  and after the walk. ``ctx`` is a :class:`~isolint.core.context.PythonContext`.
* TypeScript: ``visit_<node_type>``/``leave_<node_type>`` methods named after tree-sitter node
  types (lower snake case, ``visit_call_expression``), and ``check_typescript(tree, ctx)``
  after the walk; ``ctx`` is a :class:`~isolint.core.context.TypeScriptContext`.
* dotenv: ``check_dotenv(document, ctx)`` with a
  :class:`~isolint.core.context.DotenvContext`.

A rule reports through ``ctx.report``; an exception in a hook is logged, and the rule is
dropped for the rest of that file only.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from isolint.core.model import Fixability, Language, Severity, Zone

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvDocument, Project, PythonContext, TypeScriptContext
    from isolint.core.source import SourceFile

PRODUCTION_ONLY = frozenset({Zone.PRODUCTION})
ALL_ZONES = frozenset(Zone) - {Zone.GENERATED}
TEST_ZONES = frozenset({Zone.TEST, Zone.INTEGRATION_TEST})

#: the project's public home; the generated rule pages are its docs/rules/ folder. One constant
#: serves every place that links a finding to its documentation (LSP codeDescription, SARIF).
HOME_URL = "https://github.com/isolint/isolint"
DOCS_BASE_URL = f"{HOME_URL}/blob/main/docs/rules/"


def rule_doc_url(code: str) -> str:
    return f"{DOCS_BASE_URL}{code}.md"


#: the sections of a rule docstring, in the order they must appear
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Known look-alikes",
                "Options")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    #: ``str.format`` template filled from the keyword arguments of ``ctx.report``.
    message: ClassVar[str]
    fix_title: ClassVar[str | None] = None
    fixable: ClassVar[Fixability] = Fixability.NONE
    severity: ClassVar[Severity] = Severity.WARNING
    languages: ClassVar[frozenset[Language]] = frozenset({Language.PYTHON})
    #: zones the rule applies to unless configured otherwise.
    zones: ClassVar[frozenset[Zone]] = PRODUCTION_ONLY
    #: prefilter: the file's bytes must contain at least one of these (case-sensitive) for the
    #: rule to run. Empty means "always run".
    tokens: ClassVar[tuple[bytes, ...]] = ()
    #: names of ProjectIndex fact kinds the rule reads (so the LSP knows what to re-lint).
    uses_facts: ClassVar[tuple[str, ...]] = ()
    #: on by default when ``select`` is not given.
    default_enabled: ClassVar[bool] = True
    #: the ``[tool.isolint]`` keys the rule's behaviour depends on (for the docs).
    options: ClassVar[tuple[str, ...]] = ()

    # -- which files: consulted before any parse ----------------------------------------------
    @classmethod
    def applies_to(cls, source: SourceFile) -> bool:
        """Whether the rule runs on ``source``, from where the file sits (its path, zone and
        settings) — by default, when its zone is one of ``zones``. A rule whose reach is not a
        set of zones (production and, when configured, tests; every committed env file…)
        overrides it, and its documentation says which files it reads."""
        return source.zone in cls.zones

    @classmethod
    def admits(cls, source: SourceFile, project: Project | None) -> bool:
        """Project-aware prefilter, consulted with the token prefilter before any parse.

        A rule overrides it when the project's shape (the service map, configured contracts…)
        already decides that the rule cannot report anything in ``source``: the file is then
        not parsed for it. It must be cheap and must never return False for a file where the
        rule could report. ``project`` is the ProjectIndex, or None outside a project.
        """
        return True

    @classmethod
    def admits_before_facts(cls, source: SourceFile, project: Project) -> bool:
        """``admits`` asked before any fact of the project is known (the CLI's index phase
        deciding which files' facts to keep). True unless the rule's admission needs no facts
        and rules ``source`` out; a rule whose ``admits`` reads no facts may alias it
        (``admits_before_facts = admits``)."""
        return True

    @classmethod
    def admits_given_facts(cls, source: SourceFile, project: Project) -> bool:
        """Asked, before the parse, only where ``project`` already holds every file's facts as
        the rule will read them, this file's included (the CLI's check phase): False when those
        facts alone show that the rule reports nothing in ``source`` — then the file is not
        parsed for it. A rule that reports only what the facts hold (ISO4xx) decides exactly."""
        return True

    @classmethod
    def has_custom_reach(cls) -> bool:
        """Whether ``applies_to`` is the rule's own (its files are not just its ``zones``)."""
        return cls.applies_to.__func__ is not Rule.applies_to.__func__  # type: ignore[attr-defined]

    # -- the parse: hooks the runners call (each a no-op unless the rule overrides it) ---------
    def begin_file(self, ctx: PythonContext) -> None:
        """Python: before the walk of one file (reset per-file state)."""

    def end_file(self, ctx: PythonContext) -> None:
        """Python: after the walk of one file (report what needed the whole file)."""

    def check_typescript(self, tree: Any, ctx: TypeScriptContext) -> None:
        """TypeScript/JavaScript: after the walk, with the file's tree-sitter tree."""

    def check_dotenv(self, document: DotenvDocument, ctx: DotenvContext) -> None:
        """dotenv: the file's parsed assignments."""

    @classmethod
    def family(cls) -> str:
        return cls.code[:4] + "xx"

    @classmethod
    def doc(cls) -> str:
        """The documentation sections: the docstring after its summary line."""
        return _split_docstring(cls.__doc__)[1]

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        return parse_doc_sections(cls.doc())

    @classmethod
    def summary(cls) -> str:
        """The docstring's first line: one sentence for the rules index."""
        return _split_docstring(cls.__doc__)[0]


_SECTION_RE = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


def _split_docstring(docstring: str | None) -> tuple[str, str]:
    """(summary, sections) of a rule docstring; the summary is empty when it starts with a section."""
    text = inspect.cleandoc(docstring or "")
    if text.startswith("## "):
        return "", text
    summary, _, sections = text.partition("\n\n")
    return " ".join(summary.split()), sections.strip("\n")


def parse_doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring on its ``## Section`` headings."""
    sections: dict[str, str] = {}
    matches = list(_SECTION_RE.finditer(doc))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        sections[match.group(1)] = doc[match.end() : end].strip("\n")
    return sections


def code_blocks(section: str) -> list[str]:
    """The fenced code blocks of a doc section, without their fences."""
    return [m.group(1) for m in re.finditer(r"```[a-zA-Z]*\n(.*?)```", section, re.DOTALL)]


_SHARED_VISITORS: set[Callable[..., None]] = set()


def shared_visitor(visitor: Callable[..., None]) -> Callable[..., None]:
    """Mark a Python visitor that several rules inherit as feeding one per-file object they
    share (the ISO3xx tracker: seven rules, one observation per node): the runner calls it once
    per node for the first of those rules that has not crashed, not once per rule."""
    _SHARED_VISITORS.add(visitor)
    return visitor


def is_shared_visitor(function: object) -> bool:
    return function in _SHARED_VISITORS


@dataclass(frozen=True)
class RuleRef:
    """Selector matching: ``ISO``, ``ISO1``, ``ISO10``, ``ISO101`` or a rule name."""

    selector: str

    def matches(self, rule: type[Rule]) -> bool:
        sel = self.selector
        return rule.code.startswith(sel) or rule.name == sel or sel == "ALL"


class Indexer:
    """Extracts cross-file facts from one file for the ProjectIndex (session factories, the
    WebSocket message catalogue, …). Facts must be JSON-able and small: the LSP keeps them
    for every file of the workspace."""

    #: the fact kind; rules name it in ``uses_facts``
    name: ClassVar[str]
    languages: ClassVar[frozenset[Language]] = frozenset({Language.PYTHON})
    tokens: ClassVar[tuple[bytes, ...]] = ()

    def admits(self, source: SourceFile, project: Project | None) -> bool:
        """Content- and project-aware prefilter, consulted after ``tokens`` and before any parse
        (the indexer's twin of ``Rule.admits``): False when ``extract`` would certainly return
        None for ``source`` — a test file that cannot hold an integration test, a module with no
        WebSocket vocabulary… It must be cheap (byte scans, the zone, the settings) and must never
        return False for a file that could contribute facts."""
        return True

    def extract(self, source: SourceFile, tree: Any) -> object | None:  # pragma: no cover - interface
        """Facts of ``source`` given its parse (``ast.Module``, dotenv document or tree-sitter
        tree); None when the file contributes nothing."""
        raise NotImplementedError
