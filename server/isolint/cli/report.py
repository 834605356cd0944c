"""``isolint report``: the audit's success metrics (``rules/registry.py`` ``METRICS``), per
service where possible, as text, JSON, markdown (a CI step summary) or one self-contained HTML
page; with ``--history FILE`` each run appends a snapshot and markdown/HTML show the trend."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from isolint.cli.common import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, check_jobs, emit, exit_code, lint

if TYPE_CHECKING:  # the engine and metrics load only when the command runs: `isolint --help` stays fast
    from isolint.api import LintRun
    from isolint.cli.report_history import Snapshot
    from isolint.core.metrics import MetricInput, MetricResult

log = logging.getLogger(__name__)

FORMATS = ("text", "json", "markdown", "html")
SPARKS = "▁▂▃▄▅▆▇█"


def add_parser(commands) -> None:
    report = commands.add_parser("report", help="the audit's success metrics, per service",
                                 description="Compute the audit's success metrics (per service where possible); "
                                             "exit 1 when one misses its target.")
    report.add_argument("paths", nargs="*", default=[Path(".")], type=Path, metavar="PATH")
    report.add_argument("--format", choices=FORMATS, default="text",
                        help="text, json, markdown (fits a CI step summary) or html (one self-contained file)")
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    report.add_argument("--history", type=Path, metavar="FILE",
                        help="append this run's snapshot (time, commit, version, numbers) to FILE; "
                             "markdown and html show the trend")
    report.add_argument("--jobs", type=int, default=None, metavar="N")
    report.add_argument("--no-cache", action="store_true")
    report.add_argument("--exit-zero", action="store_true", help="exit 0 even when a metric misses its target")


def run(args: argparse.Namespace) -> int:
    from isolint.cli.report_history import Snapshot, append_snapshot, head_commit, load_history

    check_jobs(args)
    run_ = lint(args)
    if run_ is None:
        return EXIT_ERROR
    results = compute(run_)
    root = next(iter(run_.projects), args.paths[0])
    snapshot = Snapshot.of(results, head_commit(Path(root)))
    history: list[Snapshot] = []
    if args.history is not None:
        history = load_history(args.history)
        try:
            append_snapshot(args.history, snapshot)
        except OSError as exc:
            print(f"error: cannot write the history {args.history}: {exc}", file=sys.stderr)
            return EXIT_ERROR
    emit(render(results, args.format, [*history, snapshot]), args.output)
    return exit_code(run_, EXIT_CLEAN if args.exit_zero or all(m.passed for m in results) else EXIT_FINDINGS)


def metric_input(run: "LintRun") -> MetricInput:
    from isolint.core.metrics import FileView, MetricInput

    files = [
        FileView(r.source.rel_path, r.source.settings.root, r.source.zone, r.source.service, r.source.language,
                 tuple(r.findings), r.source)
        for r in run.results
    ]
    return MetricInput(files, dict(run.projects))


def compute(run: "LintRun") -> list[MetricResult]:
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


def render(results: list[MetricResult], format_name: str, history: list[Snapshot] | None = None) -> str:
    """``history``: the snapshots so far, this run's last (at least this run's)."""
    from isolint.cli.report_history import Snapshot

    history = history or [Snapshot.of(results, None)]
    if format_name == "json":
        return json.dumps({"metrics": [r.to_json() for r in results], "passed": all(r.passed for r in results),
                           "commit": history[-1].commit, "history": len(history)}, indent=2) + "\n"
    if format_name == "markdown":
        return markdown(results, history)
    if format_name == "html":
        from isolint.cli.report_html import html_page

        return html_page(results, history)
    return text(results)


def _value(result: MetricResult, value: float) -> str:
    if result.unit == "%":
        return f"{value:g} %"
    return f"{value:g}"


def text(results: list[MetricResult]) -> str:
    lines = []
    for result in results:
        status = "PASS" if result.passed else "FAIL"
        lines.append(f"[{status}] {result.title}")
        lines.append(f"       value {_value(result, result.value)}, target {result.target_text}"
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


def series(history: list[Snapshot], key: str, service: str | None = None) -> list[float | None]:
    """One metric's values over the snapshots (None where a snapshot lacks it)."""
    values: list[float | None] = []
    for snapshot in history:
        metric = snapshot.metrics.get(key)
        if metric is None:
            values.append(None)
        elif service is None:
            values.append(float(metric["value"]))
        else:
            value = metric.get("per_service", {}).get(service)
            values.append(None if value is None else float(value))
    return values


def sparkline(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(" " if v is None else SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def trend(result: MetricResult, history: list[Snapshot], service: str | None = None, spark: bool = True) -> str:
    """``12 → 9 ▅▃▁`` against the previous snapshot that has the metric; empty without one."""
    values = series(history, result.key, service)
    previous = next((v for v in reversed(values[:-1]) if v is not None), None)
    if previous is None or values[-1] is None:
        return ""
    now = values[-1]
    better = (now < previous) if result.lower_is_better else (now > previous)
    arrow = "→" if now == previous else ("↘" if now < previous else "↗")
    mood = "" if now == previous else (" (better)" if better else " (worse)")
    return f"{_value(result, previous)} {arrow} {_value(result, now)}{mood} {sparkline(values) if spark else ''}".rstrip()


def _cell(text_: str) -> str:
    return text_.replace("|", "\\|").replace("\n", " ")


def markdown(results: list[MetricResult], history: list[Snapshot]) -> str:
    snapshot = history[-1]
    passed = sum(r.passed for r in results)
    lines = ["## isolint report", "",
             f"{passed} of {len(results)} metric(s) meet the audit's target"
             + (f" — commit `{snapshot.commit[:12]}`" if snapshot.commit else "")
             + (f", {len(history)} snapshots" if len(history) > 1 else "") + ".", ""]
    if not results:
        return "\n".join(lines + ["No metric applies to these files.", ""])
    lines += ["| | Metric | Value | Target | Trend |", "|---|---|---:|---:|---|"]
    for r in results:
        lines.append(f"| {'✅' if r.passed else '❌'} | {_cell(r.title)} | {_value(r, r.value)} | "
                     f"{r.target_text} | {_cell(trend(r, history))} |")
    services = sorted({service for r in results for service in r.per_service})
    if services:
        lines += ["", "### Per service", "", "| Service | " + " | ".join(_cell(r.key) for r in results) + " |",
                  "|---|" + "---:|" * len(results)]
        for service in services:
            cells = [(_value(r, r.per_service[service]) + _short_trend(r, history, service))
                     if service in r.per_service else "–" for r in results]
            lines.append(f"| {_cell(service)} | " + " | ".join(cells) + " |")
    details = [f"- **{_cell(r.key)}**: {_cell(r.detail)}" for r in results if r.detail]
    return "\n".join(lines + ([""] + details if details else []) + [""])


def _short_trend(result: MetricResult, history: list[Snapshot], service: str) -> str:
    spark = sparkline(series(history, result.key, service))
    return f" {spark}" if spark else ""
