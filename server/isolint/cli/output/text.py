"""ruff-like text: ``path:line:col: CODE message``, the source line with carets, a help line,
then a summary with the fixable count."""

from __future__ import annotations

from isolint.cli.output import RenderOptions, ReportItem, is_fixable
from isolint.core.model import Applicability

MAX_SNIPPET_WIDTH = 240


class Style:
    """ANSI styling, a no-op unless colour is on."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("1;31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def blue(self, text: str) -> str:
        return self._wrap("1;34", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def render(items: list[ReportItem], options: RenderOptions) -> str:
    style = Style(options.color)
    out: list[str] = []
    for item in items:
        out.append(headline(item, options, style))
        out.extend(related_lines(item, style))
        if options.show_source:
            out.extend(snippet(item, style))
            fix = item.finding.fix
            if fix is not None:
                label = "" if fix.applicability is Applicability.SAFE else f" ({fix.applicability.value})"
                out.append(f"  {style.cyan('= help')}: {fix.title}{label}")
            out.append("")
    if not options.quiet:
        out.extend(summary(items, options))
    return "\n".join(out) + ("\n" if out else "")


def headline(item: ReportItem, options: RenderOptions, style: Style) -> str:
    finding = item.finding
    start = finding.range.start
    marker = " [*]" if is_fixable(finding, options.unsafe_fixes) else ""
    location = f"{style.bold(item.path)}{style.dim(':')}{start.line + 1}{style.dim(':')}{start.column + 1}{style.dim(':')}"
    return f"{location} {style.red(finding.code)}{marker} {finding.message}"


def related_lines(item: ReportItem, style: Style) -> list[str]:
    """One indented ``path:line:col: message`` line per related location."""
    return [
        f"    {style.dim('related')} {location.path or item.path}{style.dim(':')}{location.range.start.line + 1}"
        f"{style.dim(':')}{location.range.start.column + 1}{style.dim(':')} {location.message}"
        for location in item.finding.related
    ]


def snippet(item: ReportItem, style: Style) -> list[str]:
    """The finding's first line with carets under its range (masked, tabs expanded to one
    space so the carets line up)."""
    finding = item.finding
    line_index = finding.range.start.line
    if not 0 <= line_index < len(item.source.lines):
        return []
    text = item.source_line()
    if len(text) > MAX_SNIPPET_WIDTH:
        return []  # measured first: expanding the line of a minified bundle for each finding costs
    text = text.expandtabs(1)  # one space a tab: the length stays
    start = min(finding.range.start.column, len(text))
    end = finding.range.end.column if finding.range.end.line == line_index else len(text.rstrip())
    width = max(min(end, len(text)) - start, 1)
    number = str(line_index + 1)
    gutter = " " * len(number)
    bar = style.blue("|")
    return [
        f"  {gutter} {bar}",
        f"  {style.blue(number)} {bar} {text}",
        f"  {gutter} {bar} {' ' * start}{style.red('^' * width)}",
    ]


def summary(items: list[ReportItem], options: RenderOptions) -> list[str]:
    lines = _counts(items, options)
    if options.baselined:
        lines.append(f"{_plural(options.baselined)} accepted by the baseline not shown.")
    return lines


def _counts(items: list[ReportItem], options: RenderOptions) -> list[str]:
    if not items:
        if options.fixed:
            return [f"Found {_plural(options.fixed)} ({options.fixed} fixed, 0 remaining)."]
        return ["All checks passed!"]
    count = len(items)
    if options.fixed:
        lines = [f"Found {_plural(count + options.fixed)} ({options.fixed} fixed, {count} remaining)."]
    else:
        lines = [f"Found {_plural(count)}."]
    fixable = sum(1 for i in items if is_fixable(i.finding, options.unsafe_fixes))
    hidden = 0 if options.unsafe_fixes else sum(
        1 for i in items if i.finding.fix is not None and i.finding.fix.applicability is Applicability.UNSAFE)
    hint = ""
    if hidden:
        hint = f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option)"
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option{hint}.")
    elif hidden:
        lines.append(f"No fixes available{hint}.")
    return lines


def _plural(count: int) -> str:
    return f"{count} finding{'s' if count != 1 else ''}"
