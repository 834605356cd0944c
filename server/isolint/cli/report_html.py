"""``isolint report --format html``: one self-contained page — inline CSS and inline SVG charts,
no script, no font, no image or link to fetch — so it opens offline and can be kept as a CI
artifact. A chart per metric (its trend over the history, with the target, and its value per
service) and a chart per service (each metric's trend in that service)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from isolint.cli.report import _value, series, trend

if TYPE_CHECKING:
    from isolint.cli.report_history import Snapshot
    from isolint.core.metrics import MetricResult

WIDTH, HEIGHT, PAD = 420, 150, 34
RIGHT = WIDTH - 48  # room for the "target" label
PASS, FAIL, INK, GRID, LINE = "#1a7f37", "#cf222e", "#24292f", "#d0d7de", "#0969da"

STYLE = f"""
body {{ font: 14px/1.45 system-ui, sans-serif; color: {INK}; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }}
h1 {{ font-size: 1.6rem; margin-bottom: .2rem; }} h2 {{ margin-top: 2.2rem; }}
.meta {{ color: #57606a; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1rem; }}
.card {{ border: 1px solid {GRID}; border-radius: 8px; padding: .8rem 1rem; }}
.card h3 {{ font-size: 1rem; margin: 0 0 .3rem; }}
.status {{ font-weight: 600; }} .pass {{ color: {PASS}; }} .fail {{ color: {FAIL}; }}
.detail {{ color: #57606a; font-size: .9rem; }}
svg text {{ font: 11px system-ui, sans-serif; fill: #57606a; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .2rem .6rem; border-bottom: 1px solid {GRID}; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
"""


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return HEIGHT - PAD + (PAD * 2 - HEIGHT) * (value - low) / span


def line_chart(values: list[float | None], labels: list[str], target: float | None, title: str) -> str:
    """An SVG line chart of ``values`` over the snapshots, with a dashed target line."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low = min(known + ([target] if target is not None else []) + [0.0])
    high = max(known + ([target] if target is not None else [])) or 1.0
    step = (RIGHT - PAD) / max(len(values) - 1, 1)
    points = [(PAD + i * step, _y(v, low, high), v) for i, v in enumerate(values) if v is not None]
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}"><title>{escape(title)}</title>',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{RIGHT}" y2="{HEIGHT - PAD}" stroke="{GRID}"/>',
             f'<text x="4" y="{_y(high, low, high) + 4:.1f}">{high:g}</text>',
             f'<text x="4" y="{_y(low, low, high) + 4:.1f}">{low:g}</text>']
    if target is not None:
        y = _y(target, low, high)
        parts.append(f'<line class="target" x1="{PAD}" y1="{y:.1f}" x2="{RIGHT}" y2="{y:.1f}" '
                     f'stroke="{PASS}" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{RIGHT + 3}" y="{y + 4:.1f}">target</text>')
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(f'<polyline class="trend" fill="none" stroke="{LINE}" stroke-width="2" points="{path}"/>')
    for x, y, v in points:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}"><title>{v:g}</title></circle>')
    for i, label in enumerate(labels):
        if i in (0, len(labels) - 1) or len(labels) <= 4:
            anchor = "start" if i == 0 and len(labels) > 1 else "end" if i == len(labels) - 1 else "middle"
            parts.append(f'<text x="{PAD + i * step:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: list[tuple[str, float]], unit: str, title: str) -> str:
    """Horizontal SVG bars, one per service."""
    if not items:
        return ""
    high = max(value for _, value in items) or 1.0
    row = 20
    height = row * len(items) + 10
    label_width = 150
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        width = (WIDTH - label_width - 60) * value / high
        parts.append(f'<text x="0" y="{y + 13}">{escape(label[:24])}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y + 2}" width="{width:.1f}" height="{row - 6}" '
                     f'fill="{LINE}"/>')
        parts.append(f'<text x="{label_width + width + 4:.1f}" y="{y + 13}">{value:g}{" %" if unit == "%" else ""}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _metric_card(result: MetricResult, history: list[Snapshot]) -> str:
    status = '<span class="status pass">PASS</span>' if result.passed else '<span class="status fail">FAIL</span>'
    labels = [snapshot.label for snapshot in history]
    change = trend(result, history, spark=False)
    services = sorted(result.per_service.items())
    return "".join([
        f'<div class="card metric" id="metric-{escape(result.key)}"><h3>{escape(result.title)}</h3>',
        f"<p>{status} value <b>{escape(_value(result, result.value))}</b>, target {escape(result.target_text)}",
        f" — trend {escape(change)}" if change else "", "</p>",
        line_chart(series(history, result.key), labels, result.target, f"{result.title}: trend"),
        bar_chart(services, result.unit, f"{result.title}: per service") if services else "",
        f'<p class="detail">{escape(result.detail)}</p>' if result.detail else "",
        "</div>",
    ])


def _service_card(service: str, results: list[MetricResult], history: list[Snapshot]) -> str:
    labels = [snapshot.label for snapshot in history]
    rows, charts = [], []
    for result in results:
        if service not in result.per_service:
            continue
        rows.append(f"<tr><td>{escape(result.key)}</td><td>{escape(_value(result, result.per_service[service]))}</td>"
                    f"<td>{escape(trend(result, history, service, spark=False))}</td></tr>")
        charts.append(line_chart(series(history, result.key, service), labels, result.target,
                                 f"{service}: {result.key}"))
    return (f'<div class="card service" id="service-{escape(service)}"><h3>{escape(service)}</h3>'
            f"<table><tr><th>metric</th><th>value</th><th>trend</th></tr>{''.join(rows)}</table>"
            f"{''.join(charts)}</div>")


def html_page(results: list[MetricResult], history: list[Snapshot]) -> str:
    snapshot = history[-1]
    passed = sum(r.passed for r in results)
    services = sorted({service for r in results for service in r.per_service})
    meta = f"{escape(snapshot.time)}" + (f" · commit {escape(snapshot.commit[:12])}" if snapshot.commit else "") + \
        f" · isolint {escape(snapshot.version)} · {len(history)} snapshot(s)"
    body = [f"<h1>isolint report</h1><p class=\"meta\">{meta}</p>",
            f"<p><b>{passed} of {len(results)}</b> metric(s) meet the audit's target.</p>",
            "<h2>Metrics</h2><div class=\"grid\">", *(_metric_card(r, history) for r in results), "</div>"]
    if services:
        body += ["<h2>Services</h2><div class=\"grid\">",
                 *(_service_card(service, results, history) for service in services), "</div>"]
    if not results:
        body.append("<p>No metric applies to these files.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>isolint report</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")
