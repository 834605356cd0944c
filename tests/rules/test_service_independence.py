"""ISO6xx beyond the marker scenarios: zero-config service detection, the test-imports switch,
contract validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from isolint.api import lint_paths
from isolint.core.config import ConfigError, Settings, load_settings
from isolint.engine.project import ProjectIndex, detect_services

from tests.support.projects import assert_findings_match_markers

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@pytest.mark.parametrize(
    ("scenario", "services", "shared"),
    [
        ("iso6_services", {"backend": "services/backend", "auth": "services/auth"}, ["shared"]),
        ("iso6_toplevel_packages", {"chat_backend": "chat_backend", "auth_service": "auth_service"}, ["shared"]),
    ],
)
def test_zero_config_detects_services_and_shared(scenario: str, services: dict, shared: list) -> None:
    detected = detect_services(Settings(root=PROJECTS / scenario))
    assert detected.services == services
    assert detected.shared == shared


def test_declared_services_replace_detection() -> None:
    root = PROJECTS / "iso6_services"
    detected = detect_services(Settings(root=root, services={"api": "services/backend"}, shared=["shared"]))
    assert detected.services == {"api": "services/backend"} and detected.shared == ["shared"]


def test_module_resolution_follows_pythons_first_root_wins() -> None:
    project = ProjectIndex(Settings(root=PROJECTS / "iso6_services"), indexers=())
    backend_file = "services/backend/app/api/routes.py"
    auth_file = "services/auth/app/security.py"
    assert project.resolve_module("app.db.models", backend_file) == "services/backend/app/db/models.py"
    assert project.resolve_module("app.models", auth_file) == "services/auth/app/models.py"
    # `app` is the backend's own package: a name missing there is an attribute of that package,
    # never auth's `app.security`
    assert project.resolve_module("app.security", backend_file) == "services/backend/app/__init__.py"
    assert project.resolve_module("fastapi", backend_file) is None


def test_a_services_own_tests_are_checked_and_repository_level_tests_only_when_asked() -> None:
    root = PROJECTS / "iso6_toplevel_packages"
    default = lint_paths([root / "chat_backend" / "tests", root / "tests"], jobs=1)
    # the backend's own test must hold for the backend alone; the end-to-end suite at the top
    # drives both services on purpose
    assert [(f.path, f.code) for f in default.findings if f.code == "ISO601"] == [
        ("chat_backend/tests/test_threads.py", "ISO601")
    ]
    quiet = lint_paths([root / "chat_backend" / "tests"], overrides={"check-test-imports": False}, jobs=1)
    assert not [f for f in quiet.findings if f.code == "ISO601"]


def test_broken_contract_config_points_at_its_table(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.isolint]\n\n[[tool.isolint.import-contracts]]\nname = "x"\ntype = "layered"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert info.value.line == 3 and "type must be one of" in info.value.message


def test_other_services_modules_do_not_shadow_third_party_imports() -> None:
    # services/worker/celery.py must not turn the backend's `import celery` into a cross-service
    # import; an installed service's package (auth_core, pip install -e services/auth) still counts
    assert_findings_match_markers(PROJECTS / "iso6_installed_services")


CROSSING_IMPORT = "from services.auth.app.security import verify_token\n"


def _admitted(root: Path, rel_path: str, text: str = CROSSING_IMPORT, **settings) -> set[str]:
    from isolint.engine.selection import prefilter, rules_for
    from isolint.core.source import SourceFile

    config = Settings(root=root, **settings)
    project = ProjectIndex(config, indexers=())
    source = SourceFile.from_text(root / rel_path, text, config, rel_path=rel_path)
    return {rule.code for rule in prefilter(rules_for(source), source.raw, source, project)} & {"ISO601", "ISO602", "ISO603"}


def test_project_shape_admits_iso6_rules_only_where_they_can_report() -> None:
    """A file is parsed for ISO601 only inside a service of a multi-service project, for ISO602
    only in shared code, for ISO603 only when contracts are configured — each only when its
    bytes can hold an import that matters (tests/rules/test_service_independence_admission.py)."""
    root = PROJECTS / "iso6_services"
    assert _admitted(root, "services/backend/app/main.py") == {"ISO601"}
    assert _admitted(root, "shared/shared/util.py") == {"ISO602"}
    assert _admitted(root, "main.py") == set()
    one_service = {"services": {"backend": "services/backend"}, "shared": []}
    assert _admitted(root, "services/backend/app/main.py", **one_service) == set()
    contracts = [{"name": "layers", "type": "layers", "containers": ["services.backend"], "layers": ["api", "app"]}]
    assert _admitted(root, "services/backend/app/main.py", import_contracts=contracts, **one_service) == {"ISO603"}
