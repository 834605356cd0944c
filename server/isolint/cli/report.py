"""``isolint report``: the audit's success metrics (``rules/registry.py`` ``METRICS``), per
service where possible, as text or JSON."""

from __future__ import annotations

import json
import logging

from isolint.api import LintRun
from isolint.core.metrics import FileView, MetricInput, MetricResult

log = logging.getLogger(__name__)


def metric_input(run: LintRun) -> MetricInput:
    files = [
        FileView(r.source.rel_path, r.source.settings.root, r.source.zone, r.source.service, r.source.language,
                 tuple(r.findings), r.source)
        for r in run.results
    ]
    return MetricInput(files, dict(run.projects))


def compute(run: LintRun) -> list[MetricResult]:
    from isolint.rules.registry import METRICS

    data = metric_input(run)
    results = []
    for metric in METRICS:
        try:
            result = metric(data)
        except Exception:  # one broken metric must not hide the others
            log.exception("metric %s failed", getattr(metric, "__name__", metric))
            continue
        if result is not None:
            results.append(result)
    return results


def _value(result: MetricResult, value: float) -> str:
    if result.unit == "%":
        return f"{value:g} %"
    return f"{value:g}"


def render(results: list[MetricResult], format_name: str) -> str:
    if format_name == "json":
        return json.dumps({"metrics": [r.to_json() for r in results],
                           "passed": all(r.passed for r in results)}, indent=2) + "\n"
    lines = []
    for result in results:
        status = "PASS" if result.passed else "FAIL"
        lines.append(f"[{status}] {result.title}")
        lines.append(f"       value {_value(result, result.value)}, target {result.target}"
                     + (f" — {result.detail}" if result.detail else ""))
        for service, value in result.per_service.items():
            lines.append(f"         {service:<24} {_value(result, value)}")
        for example in result.examples:
            lines.append(f"         e.g. {example}")
        lines.append("")
    if not results:
        lines.append("No metric applies to these files.")
    else:
        passed = sum(r.passed for r in results)
        lines.append(f"{passed} of {len(results)} metric(s) meet the audit's target.")
    return "\n".join(lines) + "\n"
