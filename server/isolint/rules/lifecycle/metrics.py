"""The audit's metric 2 — "100 % of database operations use context managers" — measured as
the share of session/connection creations in production code whose cleanup is guaranteed.

Numerator: creations entered with ``with`` / ``async with`` (or closed in a ``finally``),
counted by the ``session-factories`` indexer; imported callees it could not type alone are
resolved here against the other files' definitions. Denominator: those plus the unmanaged
creations ISO301 and ISO307 report — so the metric inherits their cross-file resolution and
precision, and needs them enabled.
"""

from __future__ import annotations

from collections import Counter

from isolint.core.metrics import MetricInput, MetricResult
from isolint.core.model import Zone
from isolint.rules.lifecycle.model import FACT_KIND, ProjectFactories

UNMANAGED_CODES = ("ISO301", "ISO307")
MAX_EXAMPLES = 10


def _managed_in(view, project) -> int:
    if project is None:
        return 0
    facts = project.facts(FACT_KIND).get(view.rel_path)
    if not facts:
        return 0
    creations = facts.get("with_creations", {})
    count = int(creations.get("known", 0))
    pending = creations.get("pending", ())
    if pending:
        lookup = ProjectFactories.of(project)
        for callee in pending:
            fact = lookup.definition(callee, view.rel_path) if lookup else None
            if fact and (fact.get("kind") == "session-factory"
                         or (fact.get("function") and fact.get("kind") in ("session", "connection", "client"))):
                count += 1
    return count


def session_context_managers(run: MetricInput) -> MetricResult | None:
    """Audit metric 2, per service: managed / (managed + unmanaged) creations, in %."""
    managed: Counter[str] = Counter()
    unmanaged: Counter[str] = Counter()
    examples: list[str] = []
    for view in run.files:
        if view.zone is not Zone.PRODUCTION:
            continue
        managed[view.scope] += _managed_in(view, run.projects.get(view.root))
        for finding in view.findings:
            if finding.code in UNMANAGED_CODES:
                unmanaged[view.scope] += 1
                if len(examples) < MAX_EXAMPLES:
                    examples.append(f"{view.rel_path}:{finding.range.start.line + 1} {finding.code}")
    total_managed, total_unmanaged = sum(managed.values()), sum(unmanaged.values())
    total = total_managed + total_unmanaged
    if not total:
        return None
    per_service = {
        scope: round(100.0 * managed[scope] / (managed[scope] + unmanaged[scope]), 1)
        for scope in sorted(set(managed) | set(unmanaged)) if managed[scope] + unmanaged[scope]
    }
    value = round(100.0 * total_managed / total, 1)
    return MetricResult(
        key="session-context-managers",
        title="Session management: database sessions and connections opened with a context manager",
        value=value, unit="%", target=100, passed=total_unmanaged == 0, per_service=per_service,
        detail=f"{total_managed} of {total} session/connection creation(s) in production code use a context "
               f"manager or a finally",
        examples=tuple(examples),
    )
