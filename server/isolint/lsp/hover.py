"""Hover: the rule's documentation over a finding, or over an ``isolint: ignore[...]`` comment.

The documentation is the rule class's docstring (the same text ``isolint rule ISO101`` prints
and ``docs/rules/`` is generated from), so the editor never shows a second, drifting copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from isolint.core.model import Finding, Position
from isolint.core.rule import Rule, RuleRef, rule_doc_url
from isolint.core.source import SourceFile
from isolint.core.suppression import SUPPRESSION_RE
from isolint.engine.ignore_comments import suppressions_of
from isolint.rules.registry import RULES, get_rule

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

_CODE_RE = re.compile(r"[A-Za-z0-9-]+")


def rule_markdown(rule: type[Rule], markdown: bool = True) -> str:
    if not markdown:
        return f"{rule.code} {rule.name}\n\n{rule.doc()}\n\n{rule_doc_url(rule.code)}"
    return f"### {rule.code} `{rule.name}`\n\n{rule.doc()}\n\n[Documentation]({rule_doc_url(rule.code)})"


def rules_matching(selector: str) -> list[type[Rule]]:
    """A code, a prefix (``ISO1``) or a name, as suppression comments accept them."""
    exact = get_rule(selector)
    if exact is not None:
        return [exact]
    ref = RuleRef(selector.upper() if selector.upper().startswith("ISO") else selector)
    return [rule for rule in RULES if ref.matches(rule)]


def hover_text(findings: Sequence[Finding], source: SourceFile, position: Position, markdown: bool) -> str | None:
    # The code under the cursor in an ignore comment comes first: a finding over the same comment
    # (ISO003, an ignore that silences nothing) is about the comment, the code is what was asked.
    rules = _rules_of_directive(source, position)
    for finding in findings:
        if finding.range.start <= position <= finding.range.end:
            rule = get_rule(finding.code)
            if rule is not None and rule not in rules:
                rules.append(rule)
    if not rules:
        return None
    separator = "\n\n---\n\n" if markdown else "\n\n"
    return separator.join(rule_markdown(rule, markdown) for rule in rules)


def _rules_of_directive(source: SourceFile, position: Position) -> list[type[Rule]]:
    """Rules named by the ignore directive under the cursor: the one code under it, or all of
    the directive's codes when the cursor is elsewhere on the directive (none for a bare
    ``isolint: ignore``: every rule's documentation would bury the answer)."""
    if "isolint:" not in source.line(position.line):
        return []
    for comment in suppressions_of(source).comments:
        if comment.line != position.line or not comment.column <= position.column <= comment.end_column:
            continue
        directive = source.line(comment.line)[comment.column:comment.end_column]
        match = SUPPRESSION_RE.search(directive)
        codes_start = comment.column + (match.start("codes") if match and match.group("codes") is not None else 0)
        for word in _CODE_RE.finditer(match.group("codes") or "" if match else ""):
            if codes_start + word.start() <= position.column <= codes_start + word.end():
                return rules_matching(word.group())
        return [rule for code in comment.codes for rule in rules_matching(code)]
    return []


async def hover(ls: IsolintLanguageServer, params: types.HoverParams) -> types.Hover | None:
    document, state = await ls.current(params.text_document.uri)
    if document is None or state is None:
        return None
    source = ls.source_of(document)
    if source is None:
        return None
    position = ls.codec.from_client(document.lines, params.position)
    formats = ls.capability("text_document.hover.content_format") or [types.MarkupKind.PlainText]
    markdown = types.MarkupKind.Markdown in formats
    text = hover_text(state.findings, source, position, markdown)
    if text is None:
        return None
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=text))
