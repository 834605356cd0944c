"""THE list of rules and indexers. Adding a rule is one line here (keep codes sorted)."""

from __future__ import annotations

from isolint.core.rule import Indexer, Rule
from isolint.rules.meta.parse_error import ParseError
from isolint.rules.meta.unreadable_file import UnreadableFile

RULES: tuple[type[Rule], ...] = (
    ParseError,
    UnreadableFile,
)

INDEXERS: tuple[Indexer, ...] = ()

RULE_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
RULE_BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def get_rule(code_or_name: str) -> type[Rule] | None:
    return RULE_BY_CODE.get(code_or_name.upper()) or RULE_BY_NAME.get(code_or_name)
