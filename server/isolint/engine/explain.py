"""``isolint explain PATH``: what isolint decides about one file, and why — its project root and
configuration, zone (the setting or heuristic that chose it), service, test tier, and which
rules run on it. Every answer comes from the same functions a check uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isolint.core.config import Settings, settings_for
from isolint.core.model import Language, Zone
from isolint.core.source import SourceFile, UnreadableSource, decode_source, language_of, relative_path
from isolint.core.test_tiers import (
    declared_in_process, is_integration_module, says_in_process, tested_integrations_package,
)
from isolint.core.zones import classify_with_reason, tier_named_only
from isolint.engine.project import ServiceMap, detect_services
from isolint.engine.python_runner import parse_python
from isolint.engine.runners import ParseFailure
from isolint.engine.selection import rule_statuses


@dataclass
class RuleStatus:
    code: str
    name: str
    runs: bool
    reason: str


@dataclass
class Explanation:
    path: str
    root: str
    config: str | None
    language: str | None
    zone: str
    zone_reason: str
    service: str | None
    service_reason: str
    test_tier: str | None
    test_tier_reason: str
    rules: list[RuleStatus] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rules"] = [rule.__dict__ for rule in self.rules]
        return data


def explain_file(path: Path, settings: Settings | None = None) -> Explanation:
    path = Path(path).absolute()
    settings = settings or settings_for(path)
    rel = relative_path(path, settings.root)
    zone, zone_reason = classify_with_reason(rel, settings)
    services = detect_services(settings)
    service = services.service_of(rel)
    source = SourceFile.from_text(path, _read(path), settings, service=service, rel_path=rel)
    tier, tier_reason = _test_tier(source, zone, zone_reason)
    if tier == "integration" and zone is Zone.TEST:
        source.zone = Zone.INTEGRATION_TEST  # the content refinement a check makes after the parse
        zone, zone_reason = source.zone, tier_reason
    statuses = [RuleStatus(rule.code, rule.name, why is None, why or "runs (when the file holds what it looks for)")
                for rule, why in rule_statuses(source)]
    return Explanation(
        path=rel, root=str(settings.root), config=str(settings.config_path) if settings.config_path else None,
        language=language_of(rel).value if language_of(rel) else None, zone=zone.value, zone_reason=zone_reason,
        service=service, service_reason=_service_reason(services, settings, rel, service),
        test_tier=tier, test_tier_reason=tier_reason, rules=statuses)


def _read(path: Path) -> str:
    try:
        return decode_source(path.read_bytes(), language_of(path.name))
    except (OSError, UnreadableSource):
        return ""


def _test_tier(source: SourceFile, zone: Zone, zone_reason: str) -> tuple[str | None, str]:
    if zone is Zone.INTEGRATION_TEST:
        tree = _parsed(source) if source.language is Language.PYTHON and tier_named_only(source.rel_path) else None
        if tree is not None and declared_in_process(source, tree):
            package = tested_integrations_package(source, tree)
            why = ("its docstring says its tests stay in one process (no network, no live service)"
                   if says_in_process(tree) else
                   f"it tests the product's `{package}` package: its name names that feature, not a tier"
                   if package else "it imports no code of the product")
            return "unit", f"{zone_reason}; but {why}, so the test-isolation rules treat it as a unit test"
        return "integration", zone_reason
    if zone is not Zone.TEST:
        return None, "not test code"
    markers = source.settings.integration_test_markers
    if source.language is Language.PYTHON:
        tree = _parsed(source)
        if tree is not None and is_integration_module(tree, markers):
            return "integration", (f"a module-level `pytestmark` carries an integration marker "
                                   f"(`integration-test-markers`: {', '.join(markers)})")
    return "unit", f"{zone_reason}; no module-level integration marker"


def _parsed(source: SourceFile):
    try:
        return parse_python(source)
    except ParseFailure:
        return None


def _service_reason(services: ServiceMap, settings: Settings, rel: str, service: str | None) -> str:
    if service is None:
        shared = next((folder for folder in services.shared if rel.startswith(folder.rstrip("/") + "/")), None)
        if shared is not None:
            why = services.reasons.get(shared)
            return f"inside the shared package `{shared}/` (every service may import it{'; ' + why if why else ''})"
        return "not inside any service folder"
    folder = services.services[service]
    if settings.services:
        return f"`services` in the configuration maps `{service}` to `{folder}/`"
    why = services.reasons.get(service, f"`{folder}/` was detected as a service")
    roots = [f"`{root}/` ({services.reasons.get(root, 'learned')})" for root in services.source_roots
             if folder.startswith(root + "/")]
    imported = f"; imported from the source root {', '.join(roots)}" if roots else ""
    return f"{why} (zero-config service detection){imported}"
