"""JSON: a list of findings, positions 1-based like ruff's JSON (``location`` /
``end_location`` with ``row`` and ``column``; the end column is exclusive), fixes with their
concrete edits."""

from __future__ import annotations

import json
from typing import Any

from isolint.cli.output import RenderOptions, ReportItem, fingerprints, fix_edits
from isolint.core.fingerprint import Fingerprint
from isolint.core.model import Position, Range
from isolint.core.rule import rule_doc_url


def location(position: Position) -> dict[str, int]:
    return {"row": position.line + 1, "column": position.column + 1}


def range_json(range_: Range) -> dict[str, Any]:
    return {"location": location(range_.start), "end_location": location(range_.end)}


def finding_json(item: ReportItem, fingerprint: Fingerprint | None = None) -> dict[str, Any]:
    from isolint.rules.registry import get_rule

    finding = item.finding
    rule = get_rule(finding.code)
    out: dict[str, Any] = {
        "code": finding.code,
        "name": rule.name if rule else None,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": item.absolute_path,
        "path": item.path,
        **range_json(finding.range),
        "zone": item.source.zone.value,
        "service": item.source.service,
        "url": rule_doc_url(finding.code),
        "fix": None,
        # the baseline's identity of the finding (no line number, no message): core/fingerprint.py
        "fingerprint": None if fingerprint is None else str(fingerprint),
    }
    if finding.related:
        out["related_locations"] = [
            {"path": location.path or item.path, "message": location.message, **range_json(location.range)}
            for location in finding.related
        ]
    if finding.fix is not None:
        edits = fix_edits(item)
        out["fix"] = {
            "applicability": finding.fix.applicability.value,
            "message": finding.fix.title,
            "edits": None if edits is None else [
                {"content": edit.new_text, **range_json(edit.range)} for edit in edits
            ],
        }
    if finding.data:
        out["data"] = dict(finding.data)
    return out


def render(items: list[ReportItem], options: RenderOptions) -> str:
    prints = fingerprints(items)
    return json.dumps([finding_json(item, prints.get(id(item.finding))) for item in items], indent=2,
                      ensure_ascii=False) + "\n"
