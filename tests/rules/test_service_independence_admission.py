"""The ISO6xx prefilter: a file is parsed for the service-boundary rules only when its bytes can
hold an import that loads another service's file. Every crossing form below is checked end to
end (the rule must report, which it cannot if the file was not admitted); the quiet files are
checked on the prefilter itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from isolint.api import lint_paths
from isolint.core.config import Settings
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile
from isolint.rules.service_independence.cross_service_import import CrossServiceImport
from isolint.rules.service_independence.import_contract import ImportContractViolation
from isolint.rules.service_independence.shared_imports_service import SharedImportsService

from tests.robustness.hostile import build_tree

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"

#: file name → source of a backend module (services/backend/app/) importing auth's internals
CROSSING = {
    "plain.py": "import services.auth.app.security\n",
    "aliased.py": "import services.auth.app.security as security\n",
    "second_name.py": "import os, services.auth.app.security\n",
    "after_alias.py": "import json as j, services.auth.app.models as models\n",
    "continued.py": "import os, \\\n    services.auth.app.models\n",
    "from_continued.py": "from \\\n    services.auth.app.models import User\n",
    "spaced_dots.py": "from services . auth . app . models import User\n",
    "star.py": "from services.auth.app.models import *\n",
    "parenthesized.py": "from services.auth.app.security import (\n    verify_token,\n    hash_password,\n)\n",
    "in_function.py": "def login(token):\n    from services.auth.app.security import verify_token\n    return verify_token(token)\n",
    "in_class.py": "class Gate:\n    import services.auth.app.security as security\n",
    "guarded.py": "try:\n    from services.auth.app import models\nexcept ImportError:\n    models = None\n",
    "after_semicolon.py": "x = 1; import services.auth.app.security\n",
    "relative.py": "from ...auth.app.models import User\n",
    "relative_spaced.py": "from . . . auth.app import models\n",
    "relative_package.py": "from ... import auth\n",
    "dynamic.py": 'import importlib\nmodels = importlib.import_module("services.auth.app.models")\n',
    "dynamic_alias.py": 'from importlib import import_module as load\nmodels = load(\n    "services.auth.app.models"\n)\n',
    "dynamic_concat.py": 'import importlib\nmodels = importlib.import_module("serv" "ices.auth.app.models")\n',
    "dynamic_escape.py": 'import importlib\nmodels = importlib.import_module("\\x73ervices.auth.app.models")\n',
    "dynamic_relative.py": 'import importlib\nsecurity = importlib.import_module(".security", package="services.auth.app")\n',
    "dynamic_overshoot.py": 'import importlib\nmodels = importlib.import_module("....services.auth.app.models", package="app")\n',
    "dunder_import.py": 'security = __import__("services.auth.app.security")\n',
    "nfkc.py": "import ｓervices.auth.app.security\n",
    "uppercase_comment.py": "# Auth\nfrom services.auth.app.security import verify_token  # noqa: F401\n",
}

#: backend modules whose imports stay inside the backend or go to third parties / shared code
QUIET = {
    "own_app.py": "from app.db.models import User\nimport os\n",
    "relative_own.py": "from . import config\nfrom ..app.db import models\n",
    "third_party.py": "import json\nfrom fastapi import APIRouter\nimport sqlalchemy as sa\n",
    "shared.py": "from shared.shared.env import get_env\n",
    "look_alike.py": "import services_registry\nfrom servicesx import y\nimport my.services.auth\n",
    "prose.py": '"""Talks to the auth service over HTTP; never imports it."""\nimport httpx\n',
    "dynamic_own.py": 'import importlib\nhandlers = importlib.import_module("app.handlers")\n',
    "string_mention.py": 'import logging\nlog = logging.getLogger("services.auth")\n',
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("admission") / "iso6_services"
    shutil.copytree(PROJECTS / "iso6_services", root, ignore=shutil.ignore_patterns(".isolint_cache"))
    for name, text in {**CROSSING, **QUIET}.items():
        (root / "services" / "backend" / "app" / name).write_text(text, encoding="utf-8")
    return root


def _source(root: Path, rel_path: str, text: str, **settings) -> tuple[SourceFile, ProjectIndex]:
    config = Settings(root=root, **settings)
    return SourceFile.from_text(root / rel_path, text, config, rel_path=rel_path), ProjectIndex(config, indexers=())


def test_every_crossing_form_is_admitted_and_reported(project: Path) -> None:
    run = lint_paths([project / "services" / "backend" / "app"], overrides={"select": ["ISO601"]}, jobs=1)
    reported = {Path(f.path).name for f in run.findings if f.code == "ISO601"}
    assert sorted(set(CROSSING) - reported) == []
    assert sorted(reported & set(QUIET)) == []


@pytest.mark.parametrize("name", sorted(QUIET))
def test_a_module_without_a_crossing_import_is_not_parsed_for_iso601(project: Path, name: str) -> None:
    source, index = _source(project, f"services/backend/app/{name}", QUIET[name])
    assert not CrossServiceImport.admits(source, index)


@pytest.mark.parametrize("name", sorted(CROSSING))
def test_a_crossing_form_is_admitted_in_unsaved_text(project: Path, name: str) -> None:
    # the LSP checks the editor's text, which is not on disk
    source, index = _source(project, "services/backend/app/unsaved.py", CROSSING[name])
    assert CrossServiceImport.admits(source, index)


def test_names_into_services_follow_first_root_wins() -> None:
    index = ProjectIndex(Settings(root=PROJECTS / "iso6_services"), indexers=())
    # `services` holds auth; `app` is the backend's own package; `shared` holds no service
    assert index.names_into_services("services/backend/app/main.py", exempt="backend") == {"services"}
    installed = ProjectIndex(Settings(root=PROJECTS / "iso6_installed_services"), indexers=())
    names = installed.names_into_services("services/backend/app/main.py", exempt="backend")
    # auth is pip-installable: its package counts; the worker's bare modules never shadow
    # `import celery` / `import config` in the backend
    assert "auth_core" in names and not names & {"celery", "config", "redis", "app"}
    toplevel = ProjectIndex(Settings(root=PROJECTS / "iso6_toplevel_packages"), indexers=())
    assert toplevel.names_into_services("chat_backend/app/main.py", exempt="chat_backend") == {"auth_service"}


def test_relative_imports_need_enough_dots_to_reach_another_service() -> None:
    index = ProjectIndex(Settings(root=PROJECTS / "iso6_services"), indexers=())
    # services.backend.app → services.backend (still the backend) → services (holds auth)
    assert index.relative_reach_level("services.backend.app.api", "services/backend/app/api/x.py", "backend") == 4
    assert index.relative_reach_level("services.backend.app", "services/backend/app/x.py", "backend") == 3
    # from shared code every service counts
    assert index.relative_reach_level("shared.shared", "shared/shared/x.py", None) == 3


def test_a_package_created_later_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    shutil.copytree(PROJECTS / "iso6_installed_services", root)
    index = ProjectIndex(Settings(root=root), indexers=())
    importer = "services/backend/app/main.py"
    assert "billing_core" not in index.names_into_services(importer, exempt="backend")
    package = root / "services" / "auth" / "billing_core"
    package.mkdir()
    (package / "__init__.py").write_text("")
    clock = [1000.0]
    monkeypatch.setattr("isolint.engine.project.time.monotonic", lambda: clock[0])
    index.invalidate_files()
    assert "billing_core" in index.names_into_services(importer, exempt="backend")
    # without an explicit invalidation, a changed search root is re-listed within a second
    newer = root / "services" / "auth" / "ledger_core"
    newer.mkdir()
    (newer / "__init__.py").write_text("")
    assert "ledger_core" not in index.names_into_services(importer, exempt="backend")
    clock[0] += 1.5
    assert "ledger_core" in index.names_into_services(importer, exempt="backend")


def test_shared_code_is_parsed_for_iso602_only_when_it_can_import_a_service() -> None:
    root = PROJECTS / "iso6_services"
    loud, index = _source(root, "shared/shared/notify.py", "from services.backend.app.config import DEBUG\n")
    assert SharedImportsService.admits(loud, index)
    quiet, index = _source(root, "shared/shared/notify.py", "import os\nfrom shared.shared.env import get_env\n")
    assert not SharedImportsService.admits(quiet, index)


@pytest.mark.parametrize(
    ("text", "admitted"),
    [
        ("from acme_app.db import models\n", True),
        ("from ..db import models\n", True),  # climbs out of the layer
        ("import json\nfrom .text import clean\nfrom acme_apps import x\n", False),
    ],
)
def test_a_packages_shared_layer_is_parsed_for_iso602_only_when_it_can_import_its_package(
        text: str, admitted: bool, tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"acme_app/__init__.py": "", "acme_app/shared/__init__.py": ""})
    source, index = _source(root, "acme_app/shared/parsers.py", text)
    assert SharedImportsService.admits(source, index) is admitted


def test_iso603_parses_only_modules_on_a_contracts_source_side() -> None:
    root = PROJECTS / "iso6_services"
    contracts = [
        {"name": "layers", "type": "layers", "containers": ["services.backend.app"], "layers": ["api", "db"]},
        {"name": "no auth", "type": "forbidden", "source_modules": ["scripts"], "forbidden_modules": ["services.auth"]},
        {"name": "apart", "type": "independence", "modules": ["services.auth.app.models", "services.auth.client"]},
    ]
    text = "from services.backend.app.api import routes\n"

    def admitted(rel_path: str) -> bool:
        source, index = _source(root, rel_path, text, import_contracts=contracts)
        return ImportContractViolation.admits(source, index)

    assert admitted("services/backend/app/db/models.py")  # a lower layer: may import upwards
    assert admitted("scripts/seed.py")
    assert admitted("services/auth/client/api.py")
    assert not admitted("services/backend/app/api/routes.py")  # the top layer breaks nothing
    assert not admitted("services/backend/app/main.py")
    assert not admitted("services/auth/app/security.py")
