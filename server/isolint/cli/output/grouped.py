"""Findings grouped under their file, one line each (ruff's ``grouped``): easy to scan."""

from __future__ import annotations

from itertools import groupby

from isolint.cli.output import RenderOptions, ReportItem, is_fixable
from isolint.cli.output.text import Style, summary


def render(items: list[ReportItem], options: RenderOptions) -> str:
    style = Style(options.color)
    out: list[str] = []
    for path, group in groupby(items, key=lambda i: i.path):
        group = list(group)
        out.append(style.bold(path) + style.dim(":"))
        width = max(len(f"{i.finding.range.start.line + 1}:{i.finding.range.start.column + 1}") for i in group)
        for item in group:
            start = item.finding.range.start
            where = f"{start.line + 1}:{start.column + 1}".ljust(width)
            marker = " [*]" if is_fixable(item.finding, options.unsafe_fixes) else ""
            out.append(f"  {where} {style.red(item.finding.code)}{marker} {item.finding.message}")
        out.append("")
    if not options.quiet:
        out.extend(summary(items, options))
    return "\n".join(out) + ("\n" if out else "")
