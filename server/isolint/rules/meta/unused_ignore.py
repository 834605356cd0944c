from __future__ import annotations

from typing import Iterable

from isolint.core.model import Applicability, Edit, Finding, Fix, Fixability, Language, Range, Severity
from isolint.core.rule import ALL_ZONES, Rule
from isolint.core.source import SourceFile
from isolint.core.suppression import ALL, SuppressionComment, Suppressions

_MARKERS = ("#", "//")


class UnusedIgnore(Rule):
    """An ignore comment that silences nothing, or names a code no rule has.

    ## What it does
    Reports an `isolint: ignore` directive that suppresses no finding on its line (or, for
    `ignore-file`, in its file), or that names an unknown code — ruff's `RUF100`.

    ## Why is this bad?
    An ignore comment outlives the finding it silenced: the code gets fixed or moves, and the
    comment stays, ready to hide the next real finding on that line. A misspelt code
    (`ISO1O1`) silences nothing at all while looking as if it did.

    ## Example
    ```python
    import os

    DATABASE_URL = os.environ["DATABASE_URL"]  # isolint: ignore[ISO102]
    ```

    ## Use instead
    ```python
    import os

    DATABASE_URL = os.environ["DATABASE_URL"]
    ```

    ## Fix safety
    The fix removes the unused codes from the directive, or the whole comment when nothing
    else is in it. A comment never changes behaviour, so the fix is safe.

    ## Known look-alikes
    - A code whose rule is off for the file (by `select`, `ignore` or the file's zone): another
      configuration may need it, so it is left alone.
    - `isolint: ignore[ISO003]` itself, which silences this report on its line.
    - The words inside a string rather than a comment.
    """

    code = "ISO003"
    name = "unused-ignore"
    message = "Unused ignore comment: {detail}"
    fix_title = "Remove the unused ignore"
    fixable = Fixability.ALWAYS
    severity = Severity.WARNING
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT, Language.DOTENV})
    zones = ALL_ZONES
    tokens = (b"isolint:",)

    @classmethod
    def findings_for(cls, source: SourceFile, suppressions: Suppressions, used: set[tuple[int, str]],
                     known_codes: Iterable[str], enabled_codes: set[str]) -> list[Finding]:
        """One finding per directive with unknown or unused selectors. ``used``: the
        (comment index, selector) pairs that silenced a finding."""
        known = tuple(known_codes)
        findings = []
        for index, comment in enumerate(suppressions.comments):
            unknown, unused = [], []
            for selector in comment.codes or (ALL,):
                if (index, selector) in used or cls.code.startswith(selector) and selector != ALL:
                    continue
                if selector != ALL and not any(code.startswith(selector) for code in known):
                    unknown.append(selector)
                elif selector == ALL or any(code.startswith(selector) for code in enabled_codes):
                    unused.append(selector)
            if not unknown and not unused:
                continue
            if _silenced(suppressions, comment):
                continue
            findings.append(cls._finding(source, comment, unknown, unused))
        return findings

    @classmethod
    def _finding(cls, source: SourceFile, comment: SuppressionComment, unknown: list[str],
                 unused: list[str]) -> Finding:
        parts = []
        if unused:
            verb = "suppresses" if len(unused) == 1 else "suppress"
            parts.append("suppresses nothing" if unused == [ALL] else f"{', '.join(unused)} {verb} nothing here")
        if unknown:
            parts.append(f"{', '.join(unknown)} is not a rule code (`isolint rules` lists them)")
        range_ = Range.of(comment.line, comment.column, comment.line, comment.end_column)
        fix = Fix(cls.fix_title, Applicability.SAFE, _removal(source, comment, {*unknown, *unused}))
        return Finding(cls.code, cls.message.format(detail="; ".join(parts)), range_,
                       source.settings.severity_for(cls.code, cls.severity), fix, source.rel_path)


def _silenced(suppressions: Suppressions, comment: SuppressionComment) -> bool:
    """An explicit ``ignore[ISO003]`` (not a bare ignore, which is what is being reported)."""
    return any(UnusedIgnore.code.startswith(selector)
               for other in suppressions.comments if other.file_level or other.line == comment.line
               for selector in other.codes)


def _removal(source: SourceFile, comment: SuppressionComment, dropped: set[str]) -> tuple[Edit, ...]:
    line = comment.line
    text = source.line(line)
    kept = [code for code in comment.codes if code not in dropped]
    if kept:
        kind = "ignore-file" if comment.file_level else "ignore"
        return (Edit(Range.of(line, comment.column, line, comment.end_column),
                     f"isolint: {kind}[{', '.join(kept)}]"),)
    before = text[:comment.column].rstrip()
    after = text[comment.end_column:]
    marker = next((m for m in _MARKERS if before.endswith(m)), None)
    if marker is None or after.strip():
        # the directive shares its comment with other words: take out the directive only
        end = comment.end_column + len(after) - len(after.lstrip())
        return (Edit(Range.of(line, comment.column, line, end), ""),)
    start = len(before) - len(marker)
    if not text[:start].strip():  # a line of its own: remove the line
        return (Edit(Range.of(line, 0, line + 1, 0), ""),) if line + 1 < len(source.lines) else \
            (Edit(Range.of(line, 0, line, len(text)), ""),)
    start = len(text[:start].rstrip())
    return (Edit(Range.of(line, start, line, len(text)), ""),)
