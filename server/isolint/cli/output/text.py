"""ruff-like text: ``path:line:col: CODE message`` with the source line and a caret."""

from __future__ import annotations

from isolint.api import LintRun
from isolint.core.model import Finding, masked_line


def render(run: LintRun, show_source: bool = True) -> str:
    lines: list[str] = []
    for result in run.results:
        for finding in result.findings:
            lines.append(_headline(finding))
            if show_source:
                lines.extend(_snippet(result.source.lines, finding))
    return "\n".join(lines) + ("\n" if lines else "")


def _headline(finding: Finding) -> str:
    fixable = " [*]" if finding.fix is not None and finding.fix.is_safe else ""
    start = finding.range.start
    return f"{finding.path}:{start.line + 1}:{start.column + 1}: {finding.code}{fixable} {finding.message}"


def _snippet(source_lines: list[str], finding: Finding) -> list[str]:
    line_index = finding.range.start.line
    if not 0 <= line_index < len(source_lines):
        return []
    text = masked_line(source_lines[line_index], line_index, finding).expandtabs(1)
    if len(text) > 200:
        return []
    start = finding.range.start.column
    end = finding.range.end.column if finding.range.end.line == line_index else len(text)
    width = max(end - start, 1)
    number = str(line_index + 1)
    gutter = " " * len(number)
    return [f"  {number} | {text}", f"  {gutter} | {' ' * start}{'^' * width}", ""]
