"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request
(``::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=ISO101::message``)."""

from __future__ import annotations

from isolint.cli.output import RenderOptions, ReportItem
from isolint.core.model import Severity

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.HINT: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(items: list[ReportItem], options: RenderOptions) -> str:
    lines = []
    for item in items:
        finding = item.finding
        start, end = finding.range.start, finding.range.end
        properties = ",".join([
            f"file={escape_property(item.path)}",
            f"line={start.line + 1}",
            f"col={start.column + 1}",
            f"endLine={end.line + 1}",
            f"endColumn={end.column + 1}",
            f"title={escape_property(finding.code)}",
        ])
        message = f"{finding.code} {finding.message}"
        lines.append(f"::{LEVELS[finding.severity]} {properties}::{escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
