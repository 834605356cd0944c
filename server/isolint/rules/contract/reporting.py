"""What the ISO4xx rules share: where they run and how a catalogue mismatch becomes a finding.

The mismatches themselves are computed once per project generation (``catalogue``); each rule
reports the ones of its kind whose anchor lies in the file being checked. So the rules need no
traversal of their own, and Python and TypeScript files are handled by the same code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from isolint.core.model import Language
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.core.scratch import Key, Lifetime
from isolint.rules.contract.catalogue import FACT_KINDS, SHARED, Mismatch, catalogue_of, indexes_file
from isolint.rules.contract.python_indexer import PythonMessageIndexer, python_file_may_hold_messages
from isolint.rules.contract.typescript_indexer import TypeScriptMessageIndexer, typescript_file_may_hold_messages

if TYPE_CHECKING:
    from isolint.core.context import RuleContext

ROLE_WORDS = {"send": "sent", "handle": "handled", "declare": "declared"}
#: mismatches about a whole message type (unhandled, unsent): one finding per type and file
GROUPED_KINDS = frozenset({"unknown", "unsent"})


def peer_label(mismatch: Mismatch) -> str:
    if mismatch.peer == SHARED:
        return f"shared contract `{mismatch.peer_path}`"
    return mismatch.peer


#: per indexer: one of its tokens occurs in the file's bytes (each ISO4xx rule asks in turn)
_SPELLS_TOKENS: Key[bool] = Key("iso4.spells-indexer-tokens", Lifetime.TEXT)


def _spells_tokens(source: Any, indexer: type) -> bool:
    def spelled(file: Any) -> bool:
        return any(token in file.raw for token in indexer.tokens)

    memo = getattr(source, "memo", None)
    return memo(_SPELLS_TOKENS, spelled, indexer) if memo is not None else spelled(source)


class ContractRule(Rule):
    """A rule over the message catalogue; subclasses set ``kind`` and implement ``report``."""

    kind: ClassVar[str]
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT})
    zones = PRODUCTION_ONLY
    tokens = tuple(dict.fromkeys(PythonMessageIndexer.tokens + TypeScriptMessageIndexer.tokens))
    uses_facts = FACT_KINDS
    options = ("message-contract",)

    @classmethod
    def applies_to(cls, source) -> bool:
        return indexes_file(source)

    @classmethod
    def admits(cls, source, project) -> bool:
        """A finding sits on an entry of the file's own facts: no project, no peer to disagree
        with; a file its language's indexer cannot take anything from has no entry."""
        if project is None:
            return False
        if source.language is Language.TYPESCRIPT:
            indexer, may_hold_messages = TypeScriptMessageIndexer, typescript_file_may_hold_messages
        else:
            indexer, may_hold_messages = PythonMessageIndexer, python_file_may_hold_messages
        return may_hold_messages(source) and _spells_tokens(source, indexer)

    @classmethod
    def admits_given_facts(cls, source, project) -> bool:
        """The rule reports exactly the catalogue's mismatches of its kind anchored in the file."""
        return any(mismatch.kind == cls.kind for mismatch in catalogue_of(project).mismatches_in(source.rel_path))

    def end_file(self, ctx: "RuleContext") -> None:  # Python files
        self.check(ctx)

    def check_typescript(self, tree: Any, ctx: "RuleContext") -> None:
        self.check(ctx)

    def check(self, ctx: "RuleContext") -> None:
        if ctx.project is None:
            return  # one file alone has no peer to disagree with
        catalogue = catalogue_of(ctx.project)
        path = ctx.source.rel_path
        for mismatch in catalogue.mismatches_in(path):
            if mismatch.kind != self.kind:
                continue
            here = [anchor for anchor in mismatch.anchors if anchor.path == path]
            if not here:
                continue
            if mismatch.kind not in GROUPED_KINDS:
                for anchor in here:
                    self.report(mismatch, anchor, ctx)
                continue
            side = catalogue.sides.get(mismatch.side)
            # one finding per message type and file: the other places of the type here (more
            # declarations, the `case` of each dispatch, each send) are its related locations
            mentions = [item for item in (side.by_name.get(mismatch.name, ()) if side is not None else ())
                        if item.path == path and item.entry.get("strong")]
            first = here[0]
            places = {item.range: item.role for item in reversed([*here[1:], *mentions])}
            related = [(place, f"`{mismatch.name}` {ROLE_WORDS.get(role, role)} here")
                       for place, role in places.items() if place != first.range]
            self.report(mismatch, first, ctx, related)

    def report(self, mismatch: Mismatch, anchor, ctx: "RuleContext", related=()) -> None:  # pragma: no cover
        raise NotImplementedError
