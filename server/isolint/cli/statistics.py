"""``--statistics``: findings counted per rule, most frequent first (ruff's table)."""

from __future__ import annotations

import json
from collections import Counter

from isolint.cli.output import RenderOptions, ReportItem, is_fixable


def rows(items: list[ReportItem], unsafe_fixes: bool) -> list[dict]:
    counts = Counter(item.finding.code for item in items)
    fixable = Counter(item.finding.code for item in items if is_fixable(item.finding, unsafe_fixes))
    from isolint.rules.registry import get_rule

    out = []
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = get_rule(code)
        out.append({"code": code, "name": rule.name if rule else code, "count": count,
                    "fixable": fixable[code] == count, "fixable_count": fixable[code]})
    return out


def render(items: list[ReportItem], format_name: str, options: RenderOptions) -> str:
    table = rows(items, options.unsafe_fixes)
    if format_name == "json":
        return json.dumps(table, indent=2) + "\n"
    if not table:
        return "" if options.quiet else "All checks passed!\n"
    width = max(len(str(row["count"])) for row in table)
    lines = [
        f"{row['count']:>{width}}\t{row['code']}\t{'[*]' if row['fixable'] else '[ ]'} {row['name']}"
        for row in table
    ]
    return "\n".join(lines) + "\n"
