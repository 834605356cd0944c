"""dotenv (``KEY=VALUE``) files: a tolerant parser with exact ranges, and the rule runner.

Follows python-dotenv's reading: optional ``export``, single/double/unquoted values, ``#``
comments (inline only after whitespace for unquoted values), multi-line double-quoted values.
Lines that are not assignments are kept as ``invalid`` instead of raising.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from isolint.core.context import DotenvContext, DotenvDocument, DotenvEntry
from isolint.core.model import Finding, Range
from isolint.core.rule import Rule
from isolint.core.source import SourceFile, is_compose_name, is_shell_name
from isolint.core.suppression import scan_line_comments
from isolint.engine.runners import LanguageRunner

log = logging.getLogger(__name__)

_ASSIGN_RE = re.compile(r"^(?P<indent>\s*)(?P<export>export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>=|:)\s?")
#: a compose file also lists ``environment:`` entries as YAML items: ``- KEY=value``
_COMPOSE_ASSIGN_RE = re.compile(
    r"^(?P<indent>\s*(?:-\s+)?)(?P<export>)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>=|:)\s?")


#: a shell assignment: ``NAME=value``, ``export NAME="value"``, ``local``/``readonly``/``declare -x``
_SHELL_ASSIGN_RE = re.compile(r"^\s*(?:(?:export|local|readonly|typeset|declare(?:\s+-\w+)*)\s+)?"
                              r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=")
#: a shell parameter expansion with a default: ``${NAME:-value}``, ``${NAME-value}``
_SHELL_DEFAULT_RE = re.compile(r"\$\{(?P<key>[A-Za-z_][A-Za-z0-9_]*):?-[^${}\n]*\}")
#: where an unquoted shell word ends
_SHELL_WORD_END_RE = re.compile(r"[\s;&|)`]")


def parse_dotenv(source: SourceFile) -> DotenvDocument:
    """The entries of an env file, of a compose file (its ``KEY: value`` and ``- KEY=value``
    lines; the other YAML lines are entries nothing reports, or invalid lines), or of a shell
    script (:func:`parse_shell`)."""
    if is_shell_name(source.name.lower()):
        return parse_shell(source)
    document = DotenvDocument()
    lines = source.lines
    assign_re = _COMPOSE_ASSIGN_RE if is_compose_name(source.name.lower()) else _ASSIGN_RE
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        match = assign_re.match(line)
        if not match or match.group("op") == ":" and not match.group("export") and "=" in line[: match.end()]:
            document.invalid_lines.append(index)
            index += 1
            continue
        key_start = match.start("key")
        key_range = Range.of(index, key_start, index, match.end("key"))
        rest_start = match.end()
        rest = line[rest_start:]
        lead = len(rest) - len(rest.lstrip(" \t"))
        value_start_col = rest_start + lead
        rest = rest.lstrip(" \t")
        quote = rest[:1] if rest[:1] in ("'", '"') else ""
        comment = ""
        if quote:
            value, end_line, end_col, comment = _quoted_value(lines, index, value_start_col, quote)
        else:
            value, comment = _unquoted_value(rest)
            end_line, end_col = index, value_start_col + len(value)
        document.entries.append(
            DotenvEntry(
                key=match.group("key"),
                value=value,
                line=index,
                key_range=key_range,
                value_range=Range.of(index, value_start_col, end_line, end_col),
                quote=quote,
                comment=comment,
            )
        )
        index = end_line + 1
    return document


def parse_shell(source: SourceFile) -> DotenvDocument:
    """A shell script's values: each assignment at the start of a line (``export SECRET_KEY=…``,
    its value one quoted string or unquoted word on that line) and each defaulted expansion
    anywhere (``"${SECRET_KEY:-…}"``, its whole text the value, so the default is judged under
    the variable's name). Everything else a script does is not read."""
    document = DotenvDocument()
    for index, line in enumerate(source.lines):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#") or "=" not in line and "${" not in line:
            continue
        taken: tuple[int, int] | None = None
        match = _SHELL_ASSIGN_RE.match(line)
        if match is not None:
            start = match.end()
            quote = line[start:start + 1] if line[start:start + 1] in ("'", '"') else ""
            if quote:
                close = line.find(quote, start + 1)
                end = close + 1 if close > start else len(line)
                value = line[start + 1:close] if close > start else line[start + 1:]
            else:
                word_end = _SHELL_WORD_END_RE.search(line, start)
                end = word_end.start() if word_end else len(line)
                value = line[start:end]
            taken = (start + len(quote), start + len(quote) + len(value))
            document.entries.append(DotenvEntry(
                key=match.group("key"), value=value, line=index,
                key_range=Range.of(index, match.start("key"), index, match.end("key")),
                value_range=Range.of(index, start, index, end), quote=quote, comment=""))
        for reference in _SHELL_DEFAULT_RE.finditer(line):
            if taken == (reference.start(), reference.end()):
                continue  # SECRET_KEY="${SECRET_KEY:-…}": the assignment's own value, read once
            document.entries.append(DotenvEntry(
                key=reference.group("key"), value=reference.group(0), line=index,
                key_range=Range.of(index, reference.start("key"), index, reference.end("key")),
                value_range=Range.of(index, reference.start(), index, reference.end()), quote="", comment=""))
    return document


def _unquoted_value(rest: str) -> tuple[str, str]:
    comment_at = re.search(r"\s#", rest)
    if comment_at:
        return rest[: comment_at.start()].rstrip(), rest[comment_at.start():].strip()
    return rest.rstrip(), ""


def _quoted_value(lines: list[str], line: int, column: int, quote: str) -> tuple[str, int, int, str]:
    """Scan from the opening quote to the closing one (possibly on a later line)."""
    chars: list[str] = []
    current, col = line, column + 1
    while current < len(lines):
        text = lines[current]
        while col < len(text):
            char = text[col]
            if char == "\\" and quote == '"' and col + 1 < len(text):
                chars.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(text[col + 1], "\\" + text[col + 1]))
                col += 2
                continue
            if char == quote:
                tail = text[col + 1 :]
                comment = tail.strip() if tail.strip().startswith("#") else ""
                return "".join(chars), current, col + 1, comment
            chars.append(char)
            col += 1
        if quote == "'":
            break  # single-quoted values do not span lines
        chars.append("\n")
        current, col = current + 1, 0
    # unterminated: treat the rest of the first line as the value
    text = lines[line]
    return text[column + 1 :], line, len(text), ""


def run_dotenv_rules(source: SourceFile, document: DotenvDocument, rules: list[Rule],
                     project: Any = None) -> tuple[list[Finding], list[str]]:
    ctx = DotenvContext(source, document, project)
    crashed: list[str] = []
    for rule in rules:
        try:
            rule.check_dotenv(document, ctx)
        except Exception:
            log.exception("rule %s crashed on %s", rule.code, source.rel_path)
            crashed.append(rule.code)
    return ctx.findings, crashed


def dotenv_suppressions(source: SourceFile):
    return scan_line_comments(source.text, "#")


RUNNER = LanguageRunner(parse_dotenv, run_dotenv_rules, lambda source, document: dotenv_suppressions(source))
