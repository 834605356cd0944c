"""The audit's third metric: WebSocket message mismatches between backend and frontend (target 0).

Counted from the merged catalogue, not from findings, so one drifted type counts once however
many lines the rules flag for it: a near-miss pair (`thread_update`/`thread_updated`) is one
mismatch, a payload field read but never set is one per (type, field).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from isolint.core.metrics import MetricInput, MetricResult
from isolint.rules.contract.catalogue import BACKEND, FRONTEND, SHARED, Mismatch, catalogue_of

MAX_EXAMPLES = 10


@dataclass(frozen=True)
class MessageAlignment:
    """Message mismatches of one project."""

    mismatches: int
    by_kind: dict[str, int] = field(default_factory=dict)
    #: distinct message types each side knows (strong evidence only)
    types_per_side: dict[str, int] = field(default_factory=dict)
    #: one line per mismatch: ``path:line kind `name` …``
    details: tuple[str, ...] = ()
    #: whether both sides of a contract were found at all (else there is nothing to measure)
    measured: bool = False


def _identity(mismatch: Mismatch) -> tuple:
    if mismatch.kind == "near-miss":
        return ("near-miss", frozenset({(mismatch.side, mismatch.name), (mismatch.peer, mismatch.peer_name)}))
    if mismatch.kind == "payload":
        return ("payload", mismatch.side, mismatch.name, mismatch.field)
    return (mismatch.kind, mismatch.side, mismatch.name)


def _describe(mismatch: Mismatch) -> str:
    anchor = mismatch.anchors[0]
    line = (mismatch.read_range or anchor.range).start.line + 1
    extra = f" vs `{mismatch.peer_name}`" if mismatch.peer_name else f" field `{mismatch.field}`" if mismatch.field else ""
    return f"{anchor.path}:{line} {mismatch.kind} `{mismatch.name}`{extra} ({mismatch.side})"


def count_message_mismatches(project) -> MessageAlignment:
    """Mismatches in ``project`` (a ProjectIndex whose indexing phase has run)."""
    catalogue = catalogue_of(project)
    seen: dict[tuple, Mismatch] = {}
    for mismatch in catalogue.mismatches:
        seen.setdefault(_identity(mismatch), mismatch)
    kinds = Counter(key[0] for key in seen)
    types = {name: sum(1 for items in side.by_name.values() if any(item.strong for item in items))
             for name, side in catalogue.sides.items()}
    measured = types.get(BACKEND, 0) > 0 and (types.get(FRONTEND, 0) > 0 or types.get(SHARED, 0) > 0) or \
        types.get(SHARED, 0) > 0
    return MessageAlignment(len(seen), dict(sorted(kinds.items())), types,
                            tuple(_describe(m) for m in seen.values()), measured)


def message_mismatches(run: MetricInput) -> MetricResult | None:
    """Audit metric 3: 0 WebSocket message mismatches (None when no contract was found)."""
    total = 0
    kinds: Counter[str] = Counter()
    examples: list[str] = []
    measured = False
    for project in run.projects.values():
        alignment = count_message_mismatches(project)
        measured = measured or alignment.measured
        total += alignment.mismatches
        kinds.update(alignment.by_kind)
        examples.extend(alignment.details)
    if not measured:
        return None
    breakdown = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "none"
    return MetricResult(
        key="message-mismatches",
        title="Message alignment: WebSocket message mismatches between backend and frontend",
        value=float(total), unit="count", target=0, passed=total == 0,
        detail=f"{total} mismatch(es): {breakdown}",
        examples=tuple(examples[:MAX_EXAMPLES]),
    )
