"""Output formats of ``isolint check``.

Every format renders the same list of :class:`ReportItem` (a finding plus where to show it);
``FORMATS`` maps a ``--format`` name to its renderer. Paths are shown relative to the working
directory when the file is below it (clickable in terminals and CI logs), absolute otherwise.
Source text shown by any format goes through ``core.masking`` (``mask_line``, then
``mask_secret_shapes``): a secret never appears in full.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from isolint.core.fingerprint import Fingerprint, fingerprint_file
from isolint.core.masking import mask_line, mask_secret_shapes, secrets_by_line
from isolint.core.model import Edit, Finding, Severity

if TYPE_CHECKING:
    from isolint.api import LintRun
    from isolint.core.source import SourceFile



class MaskedLines:
    """A file's lines as isolint shows them: every secret its findings point at masked, then
    any value in a secret's shape. Each line is masked once, however many findings show it (the
    one line of a minified bundle can carry thousands)."""

    def __init__(self, source: "SourceFile", findings: Iterable[Finding]) -> None:
        self._source = source
        self._secrets = secrets_by_line(findings)
        self._masked: dict[int, str] = {}

    def line(self, index: int) -> str:
        masked = self._masked.get(index)
        if masked is None:
            masked = self._masked[index] = mask_secret_shapes(
                mask_line(self._source.line(index), index, self._secrets.get(index, ())))
        return masked


@dataclass(frozen=True)
class ReportItem:
    path: str  # as shown: POSIX, relative to the working directory when below it
    absolute_path: str
    source: "SourceFile"
    finding: Finding
    #: every finding of the file (baselined ones included): fingerprints are computed per file
    file_findings: tuple[Finding, ...] = ()
    #: the file's lines masked by all of ``file_findings`` (a line may hold several secrets,
    #: each masked by its own finding), shared by the file's items
    masked_lines: MaskedLines | None = None

    def source_line(self, index: int | None = None) -> str:
        """A line of the file (default: the finding's first), with any secret masked."""
        line_index = self.finding.range.start.line if index is None else index
        lines = self.masked_lines or MaskedLines(self.source, (self.finding, *self.file_findings))
        return lines.line(line_index)


@dataclass
class RenderOptions:
    show_source: bool = True
    unsafe_fixes: bool = False
    color: bool = False
    quiet: bool = False
    #: findings fixed by --fix in this run (text summary)
    fixed: int = 0
    #: findings a baseline accepted, not shown (text summary)
    baselined: int = 0
    cwd: Path = field(default_factory=Path.cwd)


def display_path(path: Path, cwd: str) -> tuple[str, str]:
    absolute = os.path.abspath(path)
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        shown = os.path.relpath(absolute, cwd)
    else:
        shown = absolute
    return shown.replace(os.sep, "/"), absolute


def report_items(run: "LintRun", cwd: Path | None = None) -> list[ReportItem]:
    """Findings of a run, in output order (path, position, code)."""
    base = os.path.abspath(cwd or Path.cwd())
    items: list[ReportItem] = []
    for result in run.results:
        if not result.findings:
            continue
        shown, absolute = display_path(result.source.path, base)
        file_findings = (*result.findings, *result.baselined)
        masked_lines = MaskedLines(result.source, file_findings)
        items.extend(ReportItem(shown, absolute, result.source, f, file_findings, masked_lines)
                     for f in result.findings)
    items.sort(key=lambda i: (i.path, i.finding.range.start, i.finding.code))
    return items


def fingerprints(items: list[ReportItem]) -> dict[int, Fingerprint]:
    """Each item's fingerprint (``core/fingerprint.py``, as baselines use), by ``id(finding)``:
    computed per file over every finding of the file, baselined ones included."""
    out: dict[int, Fingerprint] = {}
    done: set[int] = set()
    for item in items:
        if id(item.source) in done:
            continue
        done.add(id(item.source))
        file_findings = item.file_findings or (item.finding,)
        for finding, fingerprint in zip(file_findings, fingerprint_file(file_findings, item.source.lines,
                                                                        item.source.language)):
            out[id(finding)] = fingerprint
    return out


def fix_edits(item: ReportItem) -> tuple[Edit, ...] | None:
    """The concrete edits of an item's fix (lazy builders are materialized); None when the fix
    no longer applies."""
    from isolint.engine.fixing import materialize

    if item.finding.fix is None:
        return None
    try:
        return materialize(item.finding.fix, item.source.text)
    except Exception:  # a fix builder that fails must not break the report
        return None


def is_fixable(finding: Finding, unsafe_fixes: bool) -> bool:
    from isolint.engine.fixing import fix_allowed

    return fix_allowed(finding.fix, unsafe_fixes)


SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def _renderers() -> dict[str, Callable[[list[ReportItem], RenderOptions], str]]:
    from isolint.cli.output import github, gitlab, grouped, json_report, sarif, text

    return {"text": text.render, "grouped": grouped.render, "json": json_report.render,
            "sarif": sarif.render, "github": github.render, "gitlab": gitlab.render}


FORMATS = ("text", "grouped", "json", "sarif", "github", "gitlab")


def render(format_name: str, items: list[ReportItem], options: RenderOptions) -> str:
    return _renderers()[format_name](items, options)
