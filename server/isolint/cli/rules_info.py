"""A rule's metadata as JSON (``isolint rules --format json``, ``isolint rule X --format json``)."""

from __future__ import annotations

from typing import Any

from isolint.core.rule import Rule, rule_doc_url


def rule_json(rule: type[Rule], with_doc: bool = False) -> dict[str, Any]:
    zones = rule.zones
    data: dict[str, Any] = {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family(),
        "summary": rule.summary(),
        "message": rule.message,
        "severity": rule.severity.value,
        "fixable": rule.fixable.value,
        "fix_title": rule.fix_title,
        "languages": sorted(language.value for language in rule.languages),
        "zones": sorted(zone.value for zone in zones),
        "zones_note": "custom (see the rule's documentation)" if rule.has_custom_reach() else None,
        "default_enabled": rule.default_enabled,
        "options": list(rule.options),
        "uses_facts": list(rule.uses_facts),
        "url": rule_doc_url(rule.code),
    }
    if with_doc:
        data["doc"] = rule.doc()
    return data
