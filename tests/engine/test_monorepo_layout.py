"""Projects, zones and services as real monorepos lay them out, with zero configuration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.core.config import Settings, find_project_root
from isolint.core.model import Zone
from isolint.core.zones import classify
from isolint.engine.project import detect_services
from tests.robustness.hostile import build_tree

MONOREPO = Path(__file__).resolve().parents[2] / "examples" / "monorepo"


def findings_of(root: Path) -> list[tuple[str, int, str]]:
    run = lint_paths([root], jobs=1)
    return sorted((r.source.rel_path, f.range.start.line, f.code) for r in run.results for f in r.findings)


@pytest.fixture(scope="module")
def unconfigured_monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example monorepo with no [tool.isolint] anywhere: a root pyproject.toml without it."""
    root = tmp_path_factory.mktemp("layout") / "monorepo"
    shutil.copytree(MONOREPO, root, ignore=shutil.ignore_patterns(".isolint_cache"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().split("[tool.isolint]")[0])
    return root


def test_a_service_pyproject_without_isolint_settings_starts_no_project(unconfigured_monorepo: Path) -> None:
    before = findings_of(unconfigured_monorepo)
    assert any(code.startswith("ISO4") for _, _, code in before) and any(code.startswith("ISO6") for _, _, code in before)
    (unconfigured_monorepo / "services/backend/pyproject.toml").write_text('[project]\nname = "backend"\n')
    try:
        assert find_project_root(unconfigured_monorepo / "services/backend/app") == unconfigured_monorepo
        assert findings_of(unconfigured_monorepo) == before
    finally:
        (unconfigured_monorepo / "services/backend/pyproject.toml").unlink()


@pytest.mark.parametrize("root_manifest", ["package.json", None], ids=["javascript-workspace-root", "no-manifest"])
def test_without_a_repository_a_service_manifest_starts_no_project(
        unconfigured_monorepo: Path, tmp_path: Path, root_manifest: str | None) -> None:
    """No ``.git`` (an unpacked archive) and no ``pyproject.toml`` at the top, only a JavaScript
    workspace's ``package.json`` or nothing: the services' own manifests still do not split
    the monorepo into projects whose contracts are never paired."""
    expected = findings_of(unconfigured_monorepo)
    root = tmp_path / "monorepo"
    shutil.copytree(unconfigured_monorepo, root, ignore=shutil.ignore_patterns(".isolint_cache"))
    (root / "pyproject.toml").unlink()
    if root_manifest is not None:
        (root / root_manifest).write_text('{"private": true, "workspaces": ["frontend"]}\n')
    (root / "services/backend/pyproject.toml").write_text('[project]\nname = "backend"\n')
    assert findings_of(root) == expected
    if root_manifest is not None:
        assert find_project_root(root / "services/backend/app") == root


def test_the_repository_root_is_the_project_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "backend/api").mkdir(parents=True)
    (repo / "backend/api/pyproject.toml").write_text('[project]\nname = "api"\n')
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert find_project_root(repo / "backend/api") == repo


@pytest.mark.parametrize(
    ("path", "zone"),
    [
        ("backend/test_framework/fixtures.py", Zone.TEST),
        ("test_utils/factories.py", Zone.TEST),
        ("services/api/testing_helpers/db.py", Zone.TEST),
        ("tests-e2e/checkout.py", Zone.INTEGRATION_TEST),
        # browser end-to-end suites: Cypress's folder and spec names, JavaScript as well
        ("client/cypress/integration/data-source/create_data_source_spec.js", Zone.INTEGRATION_TEST),
        ("client/cypress/support/commands.js", Zone.INTEGRATION_TEST),
        ("web/src/checkout.cy.ts", Zone.INTEGRATION_TEST),
        ("web/e2e/login.js", Zone.INTEGRATION_TEST),
        # the folders and names Jest and Vitest give meaning to
        ("web/src/__mocks__/config.ts", Zone.TEST),
        ("web/lib/api/__test__/useOnboarding.ts", Zone.TEST),
        ("web/src/__e2e__/checkout.ts", Zone.INTEGRATION_TEST),
        ("web/src/features/traces.servertest.ts", Zone.TEST),
        ("web/src/features/panel.clienttest.tsx", Zone.TEST),
        ("database_scripts/seed_users.py", Zone.DEVELOPMENT),
        ("backend/db_scripts/reset.py", Zone.DEVELOPMENT),
        ("internal_docs/examples/client.py", Zone.DEVELOPMENT),
        ("tutorials/quickstart.py", Zone.DEVELOPMENT),
        # look-alikes: words that merely contain "test" or "docs"
        ("app/contest/scoring.py", Zone.PRODUCTION),
        ("app/latest/feed.py", Zone.PRODUCTION),
        ("app/testimonials/views.py", Zone.PRODUCTION),
        ("app/dockers/compose.py", Zone.PRODUCTION),
        ("web/src/cypress_theme.ts", Zone.PRODUCTION),
        ("web/src/config.latest.ts", Zone.PRODUCTION),
        ("web/src/mocks.ts", Zone.PRODUCTION),
        ("web/src/manifest.ts", Zone.PRODUCTION),
        ("services/api/integration_tests_helpers/db.py", Zone.PRODUCTION),
        # tools/ deep in a service can be production
        ("services/api/app/tools/search.py", Zone.PRODUCTION),
    ],
)
def test_zones_of_monorepo_folders(path: str, zone: Zone) -> None:
    assert classify(path, Settings()) is zone


def test_services_deployed_side_by_side_under_one_folder_are_separate(tmp_path: Path) -> None:
    build_tree(tmp_path, {
        "backend/pyproject.toml": "[project]\nname='backend'\n",
        "backend/app_a/Dockerfile": "FROM python\n", "backend/app_a/main.py": "",
        "backend/model_server/pyproject.toml": "", "backend/model_server/main.py": "",
        "backend/shared/util.py": "",
    })
    assert detect_services(Settings(root=tmp_path)).services == {
        "app_a": "backend/app_a", "model_server": "backend/model_server"}


def test_one_service_with_an_app_package_stays_one_service(tmp_path: Path) -> None:
    build_tree(tmp_path, {
        "backend/pyproject.toml": "", "backend/app/main.py": "", "backend/worker/main.py": "",
    })
    assert detect_services(Settings(root=tmp_path)).services == {"backend": "backend"}


def test_legacy_folders_are_excluded_by_default(tmp_path: Path) -> None:
    leak = 'import os\nDB = os.getenv("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app")\n'
    build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n", "app/settings.py": leak,
                      "archive/old_settings.py": leak, "app/legacy/settings.py": leak,
                      "deprecated/settings.py": leak, "app/archived/settings.py": leak,
                      "web/_reference/old-sdk/settings.py": leak, "app/reference/settings.py": leak})
    assert {path for path, _, _ in findings_of(tmp_path)} == {"app/settings.py", "app/reference/settings.py"}


def test_a_virtual_environment_is_known_by_its_marker_not_its_name(tmp_path: Path) -> None:
    """``env/`` is a virtual environment's name and a frontend's settings module's (create-t3-app's
    ``src/env/schema.mjs``): the folder holding ``pyvenv.cfg`` is skipped whatever its name, and a
    source folder named ``env/`` is checked."""
    leak_py = 'import os\nDB = os.getenv("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app")\n'
    leak_ts = 'export const API = process.env.API_URL || "http://localhost:8000";\n'
    build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n", "web/src/env/schema.ts": leak_ts,
                          "env/pyvenv.cfg": "home = /usr/bin\n", "env/lib/pkg/settings.py": leak_py,
                          "tools-venv/pyvenv.cfg": "home = /usr/bin\n", "tools-venv/settings.py": leak_py})
    assert {path for path, _, _ in findings_of(tmp_path)} == {"web/src/env/schema.ts"}


def test_test_folders_beside_unit_are_other_tiers(tmp_path: Path) -> None:
    """A test root split into tiers (OpenHands' tests/unit, tests/runtime, tests/e2e; Skyvern's
    tests/unit, tests/sdk): the folders beside unit/ run against real services, the shared
    helpers do not; a tests/runtime/ with no unit/ beside it mirrors a package and stays unit."""
    build_tree(tmp_path, {
        "pyproject.toml": "", "tests/unit/test_a.py": "", "tests/runtime/test_b.py": "",
        "tests/runtime/utils/test_c.py": "", "tests/helpers/test_d.py": "", "tests/test_top.py": "",
        "lib/tests/runtime/test_e.py": "",
    })
    settings = Settings(root=tmp_path)
    zones = {path: classify(path, settings) for path in (
        "tests/unit/test_a.py", "tests/runtime/test_b.py", "tests/runtime/utils/test_c.py",
        "tests/helpers/test_d.py", "tests/test_top.py", "lib/tests/runtime/test_e.py")}
    assert zones == {
        "tests/unit/test_a.py": Zone.TEST, "tests/runtime/test_b.py": Zone.INTEGRATION_TEST,
        "tests/runtime/utils/test_c.py": Zone.INTEGRATION_TEST, "tests/helpers/test_d.py": Zone.TEST,
        "tests/test_top.py": Zone.TEST, "lib/tests/runtime/test_e.py": Zone.TEST,
    }
