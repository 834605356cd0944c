"""The audit's success metrics (``isolint report``): what a metric receives and returns.

A metric is a plain function ``(MetricInput) -> MetricResult | None`` listed in
``rules/registry.py`` ``METRICS``; None means "nothing to measure in this codebase". Metrics
read the run's findings, zones and services and the ProjectIndex facts — they never re-parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from isolint.core.model import Finding, Language, Zone

NO_SERVICE = "(no service)"


@dataclass(frozen=True)
class FileView:
    """One checked file as metrics see it."""

    rel_path: str
    root: Path
    zone: Zone
    service: str | None
    language: Language
    findings: tuple[Finding, ...]
    #: the engine's SourceFile (text, lines, settings) for metrics that look at a finding's text
    source: Any = None

    @property
    def scope(self) -> str:
        return self.service or NO_SERVICE


@dataclass
class MetricInput:
    files: list[FileView]
    #: project root → ProjectIndex (cross-file facts, service map)
    projects: dict[Path, Any] = field(default_factory=dict)

    def findings(self, code_prefix: str = "") -> Iterator[tuple[FileView, Finding]]:
        for view in self.files:
            for finding in view.findings:
                if finding.code.startswith(code_prefix):
                    yield view, finding


@dataclass(frozen=True)
class MetricResult:
    #: stable identifier (JSON key), e.g. ``localhost-references``
    key: str
    #: the audit's wording
    title: str
    value: float
    #: ``count`` or ``%``
    unit: str
    #: the audit's target, a number compared with ``comparison``: ``0`` with ``==``, ``5`` with ``<``
    target: float
    passed: bool
    #: the same value per service (``(no service)`` for files outside every service)
    per_service: dict[str, float] = field(default_factory=dict)
    #: one sentence on what was counted (``12 of 40 session creations use a context manager``)
    detail: str = ""
    #: a few ``path:line`` examples of what breaks the target
    examples: tuple[str, ...] = ()
    #: how ``value`` must compare with ``target``: ``==``, ``<``, ``<=``, ``>`` or ``>=``
    comparison: str = "=="

    @property
    def target_text(self) -> str:
        """The audit's wording of the target: ``0``, ``100 %``, ``< 5 %``."""
        suffix = " %" if self.unit == "%" else ""
        prefix = "" if self.comparison == "==" else f"{self.comparison} "
        return f"{prefix}{self.target:g}{suffix}"

    @property
    def lower_is_better(self) -> bool:
        return self.comparison in ("<", "<=") or (self.comparison == "==" and self.target == 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "value": self.value, "unit": self.unit,
            "target": self.target, "comparison": self.comparison, "target_text": self.target_text,
            "passed": self.passed, "per_service": dict(self.per_service),
            "detail": self.detail, "examples": list(self.examples),
        }


Metric = Callable[[MetricInput], "MetricResult | None"]
