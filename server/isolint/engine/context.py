"""What every rule sees, whatever the language: the source, settings, project and ``report``."""

from __future__ import annotations

from typing import Any, Mapping

from isolint.core.model import Finding, Fix, Range
from isolint.core.rule import Rule
from isolint.engine.sources import SourceFile


class RuleContext:
    def __init__(self, source: SourceFile, project: Any = None) -> None:
        self.source = source
        self.settings = source.settings
        self.project = project
        self.findings: list[Finding] = []
        #: per-file scratch space for rules, keyed by rule code
        self.state: dict[str, Any] = {}

    def report(
        self,
        rule: type[Rule] | Rule,
        where: Any,
        *,
        fix: Fix | None = None,
        data: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Finding:
        """Record a finding at ``where`` (a Range, or a node the language context can place);
        the message is the rule's template filled with ``fields``."""
        range_ = where if isinstance(where, Range) else self.range(where)
        finding = Finding(
            code=rule.code,
            message=rule.message.format(**fields) if fields else rule.message,
            range=range_,
            severity=rule.severity,
            fix=fix,
            path=self.source.rel_path,
            data=dict(data or {}),
        )
        self.findings.append(finding)
        return finding

    def range(self, node: Any) -> Range:  # overridden per language
        raise TypeError(f"cannot place a finding at {type(node).__name__}")
