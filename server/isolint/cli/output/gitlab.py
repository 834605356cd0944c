"""GitLab Code Quality report (``artifacts: reports: codequality``): a JSON array of issues with
``description``, ``check_name``, ``fingerprint``, ``severity`` and ``location`` (path relative to
the repository, 1-based begin line). The fingerprint is the baseline's (``core/fingerprint.py``)
with the path, so GitLab matches an issue across commits after unrelated edits."""

from __future__ import annotations

import hashlib
import json

from isolint.cli.output import RenderOptions, ReportItem, fingerprints
from isolint.core.model import Severity

#: GitLab's scale: info, minor, major, critical, blocker
SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor",
              Severity.HINT: "info"}


def render(items: list[ReportItem], options: RenderOptions) -> str:
    prints = fingerprints(items)
    issues = []
    for item in items:
        finding = item.finding
        identity = f"{item.path}\x1f{finding.code}\x1f{prints[id(finding)]}"
        issues.append({
            "type": "issue",
            "check_name": finding.code,
            "description": f"{finding.code} {finding.message}",
            "categories": ["Security"] if finding.code.startswith("ISO2") else ["Bug Risk"],
            "severity": SEVERITIES[finding.severity],
            "fingerprint": hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32],
            "location": {"path": item.path, "lines": {"begin": finding.range.start.line + 1,
                                                     "end": finding.range.end.line + 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
