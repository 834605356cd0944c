"""The audit's success metrics computed from findings and zones (``isolint report``).

Metrics 1 and 5 (configuration isolation, environment safety) are counted from the ISO1xx
findings, so they inherit the rules' precision: a comparison that *checks* for localhost is
not a reference, a development launcher is not production code. Metric 4 adapts the test
isolation family's ``mock_share_in_integration_tests``. Families add theirs to
``registry.METRICS``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from isolint.core.lazy_regex import lazy_compile
from isolint.core.metrics import MetricInput, MetricResult
from isolint.core.model import Language, Zone
from isolint.core.source import is_compose_name, is_shell_name

LOCAL_HOST_RE = lazy_compile(r"localhost|127\.0\.0\.1|0\.0\.0\.0|\[?::1\]?(?![0-9a-f:])", re.IGNORECASE)
#: zones whose code runs outside a developer's machine
DEPLOYED_ZONES = frozenset({Zone.PRODUCTION})
CONFIG_MODULE_RE = lazy_compile(r"(^|/)(config|configs|settings|conf)(/|\.py$)|(_|^)(config|settings)\.py$")
MAX_EXAMPLES = 10


def _count_per_service(pairs) -> tuple[int, dict[str, float], tuple[str, ...]]:
    per_service: Counter[str] = Counter()
    examples: list[str] = []
    for view, finding in pairs:
        per_service[view.scope] += 1
        if len(examples) < MAX_EXAMPLES:
            examples.append(f"{view.rel_path}:{finding.range.start.line + 1} {finding.code}")
    return sum(per_service.values()), {k: float(v) for k, v in sorted(per_service.items())}, tuple(examples)


def localhost_references(run: MetricInput) -> MetricResult:
    """Audit metric 1: 0 localhost references in non-development code."""

    def pairs():
        for view, finding in run.findings("ISO1"):
            if view.zone not in DEPLOYED_ZONES or view.source is None:
                continue
            if LOCAL_HOST_RE.search(view.source.text_in(finding.range)) or LOCAL_HOST_RE.search(finding.message):
                yield view, finding

    count, per_service, examples = _count_per_service(pairs())
    checked = sum(1 for view in run.files if view.zone in DEPLOYED_ZONES)
    return MetricResult(
        key="localhost-references",
        title="Configuration isolation: localhost references in non-development code",
        value=float(count), unit="count", target=0, passed=count == 0, per_service=per_service,
        detail=f"{count} local-host value(s) found by ISO1xx in {checked} production file(s)",
        examples=examples,
    )


def is_deployed_configuration(view) -> bool:
    """Staging/production configuration: env files of a deployed environment and the config
    modules of production code (``config-modules``, or config/settings modules by name)."""
    if view.zone not in DEPLOYED_ZONES:
        return False
    if view.language is Language.DOTENV:  # compose files and shell scripts are read for secrets only (ISO201)
        name = PurePosixPath(view.rel_path).name.lower()
        return not is_compose_name(name) and not is_shell_name(name)
    if view.language is not Language.PYTHON:
        return False
    configured = getattr(view.source, "settings", None)
    if configured is not None and configured.config_modules:
        from isolint.core.zones import matches_any

        patterns = [p for p in configured.config_modules if "/" in p or "*" in p]
        modules = {p for p in configured.config_modules if p not in patterns}
        module = getattr(view.source, "module", "")
        if matches_any(view.rel_path, patterns) or module in modules or any(
                module.startswith(m + ".") for m in modules):
            return True
    return CONFIG_MODULE_RE.search(PurePosixPath(view.rel_path).as_posix()) is not None


def development_defaults(run: MetricInput) -> MetricResult:
    """Audit metric 5: 0 development defaults in staging/production configuration."""
    pairs = ((view, finding) for view, finding in run.findings("ISO1") if is_deployed_configuration(view))
    count, per_service, examples = _count_per_service(pairs)
    checked = sum(1 for view in run.files if is_deployed_configuration(view))
    return MetricResult(
        key="development-defaults",
        title="Environment safety: development defaults in staging/production configuration",
        value=float(count), unit="count", target=0, passed=count == 0, per_service=per_service,
        detail=f"{count} development value(s) found by ISO1xx in {checked} staging/production configuration file(s)",
        examples=examples,
    )


def integration_test_mock_share(run: MetricInput) -> MetricResult | None:
    """Audit metric 4: < 5 % mock usage in integration tests (from the ISO5xx facts)."""
    from isolint.rules.test_isolation.metrics import TARGET_PERCENT, mock_share_in_integration_tests

    fixture_uses: Counter[str] = Counter(view.rel_path for view, _ in run.findings("ISO503"))
    per_service: dict[str, float] = {}
    tests = mocked = 0
    for project in run.projects.values():
        for share in mock_share_in_integration_tests(project, dict(fixture_uses)):
            if share.scope == "(all)":
                tests += share.integration_tests
                mocked += share.mocked
            elif share.integration_tests:
                per_service[share.scope] = round(share.percent, 1)
    if not tests:
        return None
    percent = 100.0 * mocked / tests
    examples = tuple(f"{view.rel_path}:{finding.range.start.line + 1} {finding.code}"
                     for view, finding in run.findings("ISO50") if finding.code in ("ISO501", "ISO503"))
    return MetricResult(
        key="integration-test-mocks",
        title="Test quality: mock usage in integration tests",
        value=round(percent, 1), unit="%", target=TARGET_PERCENT, comparison="<", passed=percent < TARGET_PERCENT,
        per_service=per_service, detail=f"{mocked} of {tests} integration test(s) use mocks",
        examples=examples[:MAX_EXAMPLES],
    )
