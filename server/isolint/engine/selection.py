"""Which rules run on a file: select/ignore (most specific selector wins, like ruff),
per-file-ignores, the rule's zones and languages, then the token prefilter."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from isolint.core.config import Settings
from isolint.core.scratch import Key, Lifetime
from isolint.core.rule import Rule, RuleRef
from isolint.core.zones import matches_any
from isolint.core.source import SourceFile
from isolint.rules.registry import INDEXERS, RULES


def _specificity(selector: str, rule: type[Rule]) -> int:
    if not RuleRef(selector).matches(rule):
        return -1
    return 100 if selector == rule.name else len(selector) if selector != "ALL" else 0


def enabled_rules(settings: Settings) -> tuple[type[Rule], ...]:
    return _enabled(tuple(settings.select) if settings.select is not None else None,
                    tuple(settings.extend_select), tuple(settings.ignore))


@lru_cache(maxsize=64)
def _enabled(select, extend_select, ignore) -> tuple[type[Rule], ...]:
    chosen = []
    for rule in RULES:
        enable = max(
            [_specificity(s, rule) for s in (select or ())] + [_specificity(s, rule) for s in extend_select]
            + ([] if select is not None else [0 if rule.default_enabled else -1]),
            default=-1,  # an empty `select` enables nothing
        )
        disable = max([_specificity(s, rule) for s in ignore] + [-1])
        if enable >= 0 and enable > disable:
            chosen.append(rule)
    return tuple(chosen)


def indexers_read_by(settings: Settings) -> tuple[Any, ...]:
    """The indexers whose facts an enabled rule reads: ``check --select ISO1`` extracts none."""
    kinds = {kind for rule in enabled_rules(settings) for kind in rule.uses_facts}
    return tuple(indexer for indexer in INDEXERS if indexer.name in kinds)


def file_ignores(settings: Settings, rel_path: str) -> tuple[str, ...]:
    return tuple(
        code for pattern, codes in settings.per_file_ignores.items() if matches_any(rel_path, [pattern])
        for code in codes
    )


def rules_for(source: SourceFile) -> tuple[type[Rule], ...]:
    """Rules that apply to this file before looking at its content: decided once per zone the
    file is in (each phase of a run and the cache ask again; nothing else they read changes)."""
    return source.memo(_RULES_FOR, _applicable_rules, source.zone)


_RULES_FOR: Key[tuple[type[Rule], ...]] = Key("engine.rules-for", Lifetime.TEXT)


def _applicable_rules(source: SourceFile) -> tuple[type[Rule], ...]:
    ignores = file_ignores(source.settings, source.rel_path)
    return tuple(rule for rule in enabled_rules(source.settings) if _exclusion(rule, source, ignores) is None)


def _exclusion(rule: type[Rule], source: SourceFile, ignores: tuple[str, ...]) -> str | None:
    """Why a selected rule does not run on ``source`` (None: it does)."""
    if source.language not in rule.languages:
        return f"does not check {source.language.value if source.language else 'these'} files"
    if any(rule.code.startswith(code) or code == rule.name for code in ignores):
        return "turned off for this file by `per-file-ignores`"
    if not rule.applies_to(source):
        if source.zone not in rule.zones:
            return f"does not apply to {source.zone.value} code"
        return f"its own condition or options rule this file out (`isolint rule {rule.code}`)"
    return None


def rule_statuses(source: SourceFile) -> list[tuple[type[Rule], str | None]]:
    """Every rule with why it does not run on ``source`` (None when it does), as ``rules_for``
    decides: for ``isolint explain``."""
    enabled = set(enabled_rules(source.settings))
    ignores = file_ignores(source.settings, source.rel_path)
    return [(rule, _exclusion(rule, source, ignores) if rule in enabled else "not selected (`select`, `ignore`, "
             "`extend-select` or off by default)") for rule in RULES]


class TokenScan:
    """Which prefilter tokens occur in one file's bytes, each searched at most once.

    Families share token tuples (every ISO3xx rule has the same nine), and an absent token
    costs a scan of the whole file, so memoizing per token and per tuple matters on big files.
    """

    __slots__ = ("raw", "_tokens", "_groups")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._tokens: dict[bytes, bool] = {}
        self._groups: dict[tuple[bytes, ...], bool] = {}

    def admits(self, tokens: tuple[bytes, ...]) -> bool:
        """True when ``tokens`` is empty or any of them occurs."""
        if not tokens:
            return True
        hit = self._groups.get(tokens)
        if hit is None:
            hit = False
            for token in tokens:
                found = self._tokens.get(token)
                if found is None:
                    found = self._tokens[token] = token in self.raw
                if found:
                    hit = True
                    break
            self._groups[tokens] = hit
        return hit


_TOKEN_SCAN: Key[TokenScan] = Key("engine.token-scan", Lifetime.TEXT)


def token_scan(source: SourceFile) -> TokenScan:
    """The file's token scan, kept with its text: the CLI's admission before the fork, the
    indexers and the rules' prefilter in each phase all read the one scan."""
    return source.memo(_TOKEN_SCAN, lambda s: TokenScan(s.raw))


def prefilter(rules: list[type[Rule]], raw: bytes | TokenScan, source: SourceFile | None = None,
              project: Any = None) -> list[type[Rule]]:
    """Drop rules none of whose tokens occur in the file's bytes (no parse needed) and, when
    ``source`` is given, rules whose ``admits(source, project)`` says the project's shape rules
    them out (e.g. no second service to import from)."""
    scan = raw if isinstance(raw, TokenScan) else TokenScan(raw)
    return [rule for rule in rules if scan.admits(rule.tokens)
            and (source is None or rule.admits(source, project))]
