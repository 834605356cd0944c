"""``isolint report --history FILE``: snapshots of the audit's metrics over time.

The file holds one JSON object per line (time, commit, isolint version, every metric's value
and per-service values), so appending never rewrites earlier snapshots and a CI job can keep
it as an artifact or commit it. The commit is read from ``.git`` directly: running ``git``
could run the workspace's own code (``core.fsmonitor``, hooks), which isolint never does.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from isolint import __version__
from isolint.core.metrics import MetricResult

_SHA_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


@dataclass
class Snapshot:
    time: str
    commit: str | None
    version: str
    #: metric key -> {"title", "value", "unit", "target", "comparison", "passed", "per_service"}
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, results: list[MetricResult], commit: str | None, now: datetime | None = None) -> "Snapshot":
        moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        metrics = {r.key: {"title": r.title, "value": r.value, "unit": r.unit, "target": r.target,
                           "comparison": r.comparison, "passed": r.passed, "per_service": dict(r.per_service)}
                   for r in results}
        return cls(moment.isoformat().replace("+00:00", "Z"), commit, __version__, metrics)

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "commit": self.commit, "version": self.version, "metrics": self.metrics}

    @property
    def label(self) -> str:
        """Short label for charts: the date and the abbreviated commit."""
        return self.time[:10] + (f" {self.commit[:7]}" if self.commit else "")


def load_history(path: Path) -> list[Snapshot]:
    """Snapshots in ``path`` (missing file: none); a line that is not a snapshot is skipped with
    a warning rather than losing the rest."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    snapshots = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            snapshots.append(Snapshot(str(data["time"]), data.get("commit"), str(data.get("version", "")),
                                      dict(data["metrics"])))
        except (ValueError, KeyError, TypeError) as exc:
            print(f"warning: {path}:{number}: not a report snapshot, skipped ({exc})", file=sys.stderr)
    return snapshots


def append_snapshot(path: Path, snapshot: Snapshot) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(snapshot.to_json(), sort_keys=True) + "\n")


def head_commit(start: Path) -> str | None:
    """The commit checked out in the repository holding ``start``, read from ``.git`` (worktrees,
    packed refs and detached heads included) without running git; None outside a repository."""
    start = start.resolve()
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return _commit_in(dot_git)
        if dot_git.is_file():
            match = re.match(r"gitdir:\s*(.+)", _read(dot_git) or "")
            return _commit_in((folder / match.group(1).strip()).resolve()) if match else None
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _commit_in(git_dir: Path) -> str | None:
    head = _read(git_dir / "HEAD")
    if not head:
        return None
    if not head.startswith("ref:"):
        return head if _SHA_RE.match(head) else None
    ref = head[4:].strip()
    common = _read(git_dir / "commondir")
    bases = [git_dir] + ([(git_dir / common).resolve()] if common else [])
    for base in bases:
        value = _read(base / ref)
        if value and _SHA_RE.match(value):
            return value
    for base in bases:
        for line in (_read(base / "packed-refs") or "").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref and _SHA_RE.match(parts[0]):
                return parts[0]
    return None
