"""ISO6xx on repositories laid out as real monorepos lay them out (tests/support/service_layouts.py):
services found where images, manifests and packages show them, imports resolved from the folders
the code is really imported from, every marked cross-service import found and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from isolint.api import lint_paths
from isolint.core.config import Settings
from isolint.engine.images import read_image
from isolint.engine.project import ProjectIndex, ServiceMap, detect_services

from tests.robustness.hostile import build_tree
from tests.support.projects import assert_findings_match_markers, related_markers
from tests.support.service_layouts import (
    GIT,
    LAYOUTS,
    OWN_DOCKERFILE_SERVICES,
    PACKAGED_LIBS,
    SOURCE_ROOT_SERVICES,
    TOP_LEVEL_SERVICES,
)

ISO6 = {"select": ["ISO601", "ISO602"]}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_cross_service_import_of_a_real_layout_is_found_and_nothing_else(layout: str, tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", LAYOUTS[layout])
    run = assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))
    # a module's further imports of the same service are its finding's related locations, and
    # nothing else is
    related = {(r.source.rel_path, place.range.start.line, f.code) for r in run.results for f in r.findings
               for place in f.related}
    assert related == related_markers(root)


def test_top_level_services_and_their_support_folders(tmp_path: Path) -> None:
    detected = detect_services(Settings(root=build_tree(tmp_path, TOP_LEVEL_SERVICES)))
    # test_framework/ and dev_launcher/ (with a __main__.py) are test and development code
    assert detected.services == {"chat_backend": "chat_backend", "auth_service": "auth_service"}
    assert detected.shared == ["shared"]


def test_a_libs_folder_of_distributions_is_no_shared_package(tmp_path: Path) -> None:
    detected = detect_services(Settings(root=build_tree(tmp_path, PACKAGED_LIBS)))
    assert detected.services == {"chat-server": "libs/chat-server", "chat-sdk": "libs/chat-sdk"}
    assert detected.shared == ["common"]


def test_a_libs_folder_of_plain_packages_is_one_shared_package(tmp_path: Path) -> None:
    # one distribution inside libs/ beside plain packages: libs/ is still what every service imports
    tree = {**{path: text for path, text in PACKAGED_LIBS.items() if not path.startswith("libs/chat-sdk/")},
            "libs/textutils/__init__.py": "", "backend/main.py": "from textutils import clean\n"}
    detected = detect_services(Settings(root=build_tree(tmp_path, tree)))
    assert "libs" in detected.shared and "libs/chat-server" not in detected.services.values()


@pytest.mark.parametrize("tree", [SOURCE_ROOT_SERVICES, OWN_DOCKERFILE_SERVICES], ids=["parent-dockerfiles", "own-dockerfiles"])
def test_services_side_by_side_under_a_source_root(tree: dict[str, str], tmp_path: Path) -> None:
    root = build_tree(tmp_path, tree)
    detected = detect_services(Settings(root=root))
    assert detected.services == {"app_a": "backend/app_a", "model_server": "backend/model_server"}
    assert detected.shared == ["backend/shared_configs"]
    assert detected.source_roots == ["backend"]
    project = ProjectIndex(Settings(root=root), indexers=())
    importer = "backend/app_a/search/pipeline.py"
    assert project.resolve_module("model_server.constants", importer) == "backend/model_server/constants.py"
    assert project.resolve_module("app_a.utils.logger", importer) == "backend/app_a/utils/logger.py"
    assert project.resolve_module("requests", importer) is None


def test_an_image_named_for_a_service_in_its_parent_folder_splits_it(tmp_path: Path) -> None:
    build_tree(tmp_path, {**GIT, "backend/Dockerfile.model_server": SOURCE_ROOT_SERVICES["backend/Dockerfile.model_server"]})
    build_tree(tmp_path, {path: text for path, text in SOURCE_ROOT_SERVICES.items() if path.startswith("backend/")
                          and not path.startswith("backend/Dockerfile")})
    # one image only: backend/ is one service holding both packages
    assert detect_services(Settings(root=tmp_path)).services == {"backend": "backend"}


@pytest.mark.parametrize(
    ("dockerfile", "expected_service", "expected_roots"),
    [
        # a folder copied to WORKDIR/<its name>: imported by name, its parent is the source root
        ("FROM python\nWORKDIR /app\nCOPY ./svc /app/svc\nCMD [\"uvicorn\", \"svc.main:app\"]\n", "backend/svc", ["backend"]),
        # a folder copied into WORKDIR itself: its own modules are top-level
        ("FROM python\nWORKDIR /app\nCOPY svc .\nENTRYPOINT [\"gunicorn\", \"main:app\"]\n", "backend/svc", ["backend/svc"]),
        # python -m, and a later stage is what ships (the builder stage's copies do not count)
        ("FROM node AS ui\nCOPY other /ui\nFROM python\nWORKDIR /srv\nCOPY svc /srv/svc\nCMD python -m svc.main\n",
         "backend/svc", ["backend"]),
        # a single file and a build stage are not the image's code
        ("FROM python\nWORKDIR /app\nCOPY ./svc/main.py /app/main.py\nCOPY --from=build /out /app\n", None, []),
    ],
)
def test_what_an_image_runs_and_where_its_code_is_imported_from(
        dockerfile: str, expected_service: str | None, expected_roots: list[str], tmp_path: Path) -> None:
    build_tree(tmp_path, {"backend/Dockerfile": dockerfile, "backend/svc/__init__.py": "", "backend/svc/main.py": "",
                          "backend/other/__init__.py": ""})
    image = read_image(tmp_path, "backend/Dockerfile")
    assert image is not None

    def is_python(rel: str) -> bool:
        return (tmp_path / f"{rel}.py").is_file() or (tmp_path / rel / "__init__.py").is_file()

    assert image.service_folder(is_python) == expected_service
    assert image.source_roots() == expected_roots


def test_the_repositorys_own_distribution_run_by_an_image_stays_a_library(tmp_path: Path) -> None:
    # the root pyproject ships core/; an extension service declares it as a dependency
    build_tree(tmp_path, {
        **GIT,
        "pyproject.toml": '[tool.poetry]\nname = "core-ai"\npackages = [{ include = "core/**/*" }]\n',
        "containers/server/Dockerfile": 'FROM python\nWORKDIR /app\nCOPY ./core /app/core\nCMD ["uvicorn", "core.server:app"]\n',
        "core/__init__.py": "", "core/server.py": "",
        "enterprise/Dockerfile": "FROM python\n", "enterprise/server.py": "from core.server import app\n",
        "worker/Dockerfile": "FROM python\n", "worker/main.py": "",
    })
    assert detect_services(Settings(root=tmp_path)).services == {"enterprise": "enterprise", "worker": "worker"}


SYS_PATH_TREE = {
    **GIT,
    "api/__init__.py": "", "api/main.py": "", "api/requirements.txt": "",
    "auth/main.py": "", "auth/requirements.txt": "", "auth/tokens.py": "def decode(t): ...\n",
    "api/vendor_path.py": "",
}


@pytest.mark.parametrize(
    ("module", "marked"),
    [
        ("import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'auth'))\n"
         "from tokens import decode  # error: ISO601\n", True),
        ("import os, sys\n\nROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"
         "sys.path.append(os.path.join(ROOT, 'auth'))\nimport tokens  # error: ISO601\n", True),
        # look-alikes: a path from the working directory, the importer's own folder, no sys.path at all
        ("import os, sys\n\nsys.path.insert(0, os.path.join(os.getcwd(), 'auth'))\nfrom tokens import decode\n", False),
        ("import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).parent))\nfrom vendor_path import x\n", False),
        ("from tokens import decode\n", False),
    ],
)
def test_a_folder_put_on_sys_path_resolves_the_imports_after_it(module: str, marked: bool, tmp_path: Path) -> None:
    root = build_tree(tmp_path, {**SYS_PATH_TREE, "api/bridge.py": module})
    run = assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))
    assert bool(run.findings) is marked


def test_explain_names_the_image_and_the_source_root(tmp_path: Path) -> None:
    from isolint.engine.explain import explain_file

    root = build_tree(tmp_path, SOURCE_ROOT_SERVICES)
    model = explain_file(root / "backend/model_server/encoders.py", Settings(root=root))
    assert model.service == "model_server"
    assert "`backend/Dockerfile.model_server` builds an image that runs `backend/model_server/`" in model.service_reason
    assert "source root `backend/`" in model.service_reason
    configs = explain_file(root / "backend/shared_configs/enums.py", Settings(root=root))
    assert configs.service is None and "2 images copy `backend/shared_configs/`" in configs.service_reason


def test_a_dockerfile_that_splits_a_service_is_seen_by_a_cached_run(tmp_path: Path) -> None:
    # no checked file changes; the second image makes backend/ two services
    tree = {path: text for path, text in SOURCE_ROOT_SERVICES.items() if path != "backend/Dockerfile.model_server"}
    root = build_tree(tmp_path / "repo", tree)
    assert not lint_paths([root], overrides=ISO6, jobs=1, cache=True).findings
    build_tree(root, {"backend/Dockerfile.model_server": SOURCE_ROOT_SERVICES["backend/Dockerfile.model_server"]})
    assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1, cache=True))


def test_dockerfiles_and_manifests_that_are_no_regular_files_are_never_read(tmp_path: Path) -> None:
    import os

    root = build_tree(tmp_path, OWN_DOCKERFILE_SERVICES)
    os.mkfifo(root / "backend/Dockerfile")  # open() on it would wait forever
    if os.path.exists("/dev/zero"):  # a read of it would never end
        (root / "backend/Dockerfile.worker").symlink_to("/dev/zero")
        (root / "backend/app_a/pyproject.toml").symlink_to("/dev/zero")
        (root / "pyproject.toml").symlink_to("/dev/zero")
    detected = detect_services(Settings(root=root))
    assert detected.services == {"app_a": "backend/app_a", "model_server": "backend/model_server"}


LIBRARY_PACKAGES = {
    **GIT,
    "analyzer/pyproject.toml": '[project]\nname = "acme_analyzer"\nversion = "2.2.0"\nlicense = "MIT"\nreadme = "README.md"\n',
    "analyzer/Dockerfile": "FROM python\n", "analyzer/app.py": "",
    "analyzer/acme_analyzer/__init__.py": "class AnalyzerEngine: ...\n",
    "analyzer/acme_analyzer/llm_utils/auth_helper.py": "def credential(): ...\n",
    # declares the analyzer's distribution (another spelling of its name): library use
    "redactor/pyproject.toml": '[project]\nname = "acme-redactor"\ndependencies = ["acme-analyzer (>=2.2.0,<3.0.0)"]\n',
    "redactor/Dockerfile": "FROM python\n",
    "redactor/acme_redactor/__init__.py": "from acme_analyzer import AnalyzerEngine\n",
    "redactor/tests/test_engine.py": "from acme_analyzer.llm_utils.auth_helper import credential\n",
    # a requirements file, and a Poetry path dependency, say the same
    "structured/requirements.txt": "pandas\nAcme.Analyzer==2.2\n", "structured/main.py": "",
    "structured/acme_structured/__init__.py": "import acme_analyzer\n",
    "enterprise/pyproject.toml": '[tool.poetry.dependencies]\nanalyzer = { path = "../analyzer", develop = true }\n',
    "enterprise/main.py": "from acme_analyzer import AnalyzerEngine\n",
    # declares the API's workspace package, which is not published: a worker reaching into it
    "api/pyproject.toml": ('[project]\nname = "acme-api"\nversion = "0.1.0"\ndescription = "backend API"\n'
                           'readme = "README.md"\ndependencies = ["acme-core"]\n'),
    "api/Dockerfile": "FROM python\n", "api/acme_api/__init__.py": "", "api/acme_api/brain_service.py": "",
    "worker/pyproject.toml": '[project]\nname = "acme-worker"\ndependencies = ["acme-api"]\n',
    "worker/Dockerfile": "FROM python\n", "worker/acme_worker/__init__.py": "",
    "worker/acme_worker/process.py": "from acme_api.brain_service import BrainService  # error: ISO601\n",
    # a workspace library with a pyproject but no image or entry point, declared by the API
    "core/pyproject.toml": '[project]\nname = "acme-core"\nversion = "0.1.0"\nreadme = "README.md"\n',
    "core/acme_core/__init__.py": "", "core/acme_core/config.py": "",
    "api/acme_api/config.py": "from acme_core.config import RetrievalConfig\n",
    # declares the extensions, which declare the core library: installing it installs the core
    "ext/pyproject.toml": '[project]\nname = "acme-ext"\nversion = "0.1.0"\ndependencies = ["acme-core"]\n',
    "ext/acme_ext/__init__.py": "", "ext/acme_ext/stores.py": "from acme_core.config import RetrievalConfig\n",
    "serve/pyproject.toml": '[project]\nname = "acme-serve"\ndependencies = ["acme-ext"]\n',
    "serve/Dockerfile": "FROM python\n", "serve/acme_serve/__init__.py": "",
    "serve/acme_serve/views.py": "from acme_core.config import RetrievalConfig\nfrom acme_ext.stores import RetrievalConfig\n",
    # the core library reaching back into the serve layer it never declares
    "core/acme_core/loader.py": "def load():\n    from acme_serve.views import RetrievalConfig  # error: ISO601\n",
    # declares nothing: reaching into the analyzer is coupling
    "anonymizer/pyproject.toml": '[project]\nname = "acme_anonymizer"\ndependencies = ["cryptography"]\n',
    "anonymizer/Dockerfile": "FROM python\n",
    "anonymizer/acme_anonymizer/__init__.py": "",
    "anonymizer/acme_anonymizer/surrogate.py": (
        "try:\n    from acme_analyzer.llm_utils.auth_helper import credential  # error: ISO601\n"
        "except ImportError:\n    credential = None\n"),
}


def test_a_service_that_declares_another_as_a_dependency_uses_it_as_a_library(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", LIBRARY_PACKAGES)
    assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))


#: the API declares the deploy service's package and links it into its own folder
#: (``api/jockey -> ../deploy/jockey``); the package's ``__init__`` lists what it exports
LINKED_LIBRARY = {
    **GIT,
    "app/api/pyproject.toml": ('[project]\nname = "api"\ndependencies = ["fastapi", "jockey"]\n\n'
                               '[tool.uv.sources]\njockey = { path = "jockey", editable = true }\n'),
    "app/api/Dockerfile": "FROM python\n",
    "app/api/api/__init__.py": "",
    "app/api/api/views.py": (
        "import jockey\n"
        "from jockey import TaskType, queue_task\n"
        "from jockey.config import TaskType as Kind\n"  # an exported name, spelled from its module
        "from jockey.backend.models.image import Image  # error: ISO601\n"
        "from jockey.backend.models.job import Job  # related: ISO601\n"
    ),
    "app/api/tests/test_views.py": "from jockey import queue_task\n",
    "app/deploy/jockey/pyproject.toml": '[project]\nname = "jockey"\nversion = "0.1.0"\n',
    "app/deploy/jockey/__init__.py": ('from jockey.config import TaskType\nfrom jockey.queue import queue_task\n\n'
                                      '__all__ = ["TaskType", "queue_task"]\n'),
    "app/deploy/jockey/config.py": "class TaskType: ...\n",
    "app/deploy/jockey/queue.py": "def queue_task(): ...\n",
    "app/deploy/jockey/backend/__init__.py": "",
    "app/deploy/jockey/backend/models/__init__.py": "",
    "app/deploy/jockey/backend/models/image.py": "class Image: ...\n",
    "app/deploy/jockey/backend/models/job.py": "class Job: ...\n",
    "app/deploy/jockey/worker/__init__.py": "",
    "app/deploy/jockey/worker/__main__.py": "from jockey.backend.models.job import Job\n",  # its own package
    # the deploy worker's image runs the package as a service of its own
    "app/deploy/jockey/worker/Dockerfile": ("FROM python\nENV PYTHONPATH=/app\nWORKDIR /app\nCOPY jockey /app/jockey\n"
                                            'CMD ["python", "-m", "jockey.worker"]\n'),
    "app/pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n',
    "app/landing/Dockerfile": "FROM node\n",
}


def test_a_declared_library_is_used_through_what_its_package_exports(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", LINKED_LIBRARY)
    (root / "app/api/jockey").symlink_to("../deploy/jockey", target_is_directory=True)
    run = assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))
    related = {(r.source.rel_path, place.range.start.line, f.code) for r in run.results for f in r.findings
               for place in f.related}
    assert related == related_markers(root)
    project = ProjectIndex(Settings(root=root), indexers=())
    # the link is followed: the import loads the deploy service's file
    assert project.resolve_module("jockey.queue", "app/api/api/views.py") == "app/deploy/jockey/queue.py"


#: one application at the root (its ``setup.py`` ships ``acme_app``) with a shared layer inside
#: the package, and two separately packaged parts beside it
APPLICATION_LAYERS = {
    **GIT,
    "setup.py": "import setuptools\n\nsetuptools.setup(name='acme-app', packages=setuptools.find_packages('.'))\n",
    "acme_app/__init__.py": "",
    "acme_app/settings/__init__.py": "LOG_LEVEL = 'INFO'\n",
    "acme_app/db/__init__.py": "", "acme_app/db/models.py": "class BaseModel: ...\n",
    "acme_app/pipelines/__init__.py": "", "acme_app/pipelines/constants.py": "class BlockType: ...\n",
    "acme_app/io_utils.py": "def to_table(rows): ...\n",
    "acme_app/logger.py": "import logging\n\nlogger = logging.getLogger('acme')\n",
    "acme_app/shared/__init__.py": "",
    "acme_app/shared/text.py": "def clean(text): ...\n",
    "acme_app/shared/parsers.py": (
        "import json\n\n"
        "from acme_app.shared.text import clean\n"  # its own layer
        "from acme_app.settings import LOG_LEVEL\n"  # the package's configuration
        "from acme_app.logger import logger\n"  # a logging helper
        "from acme_app.pipelines.constants import BlockType  # error: ISO602\n"
        "from acme_app.db.models import BaseModel  # related: ISO602\n"
        "from . import text\n"
        "from ..db import models  # related: ISO602\n"
    ),
    "acme_app/shared/queues.py": "from acme_app.settings import LOG_LEVEL\n",
    # the right way round
    "acme_app/server.py": "from acme_app.shared.parsers import clean\nfrom acme_app.db.models import BaseModel\n",
    # shared by the pipelines' modules only: their neighbours, not the whole package
    "acme_app/pipelines/shared/__init__.py": "",
    "acme_app/pipelines/shared/helpers.py": "from acme_app.db.models import BaseModel\n",
    # a separately packaged library of the repository that does not depend on the application
    "integrations/setup.py": "import setuptools\n\nsetuptools.setup(name='acme-integrations', install_requires=['requests'])\n",
    "integrations/acme_integrations/__init__.py": "",
    "integrations/acme_integrations/base.py": "class Destination: ...\n",
    "integrations/acme_integrations/table.py": (
        "from acme_integrations.base import Destination\n"
        "from acme_app.io_utils import to_table  # error: ISO601\n"
    ),
    # one that declares it
    "plugins/pyproject.toml": '[project]\nname = "acme-plugins"\ndependencies = ["acme-app>=1.0"]\n',
    "plugins/acme_plugins/__init__.py": "from acme_app.io_utils import to_table\n",
}


def test_the_repositorys_application_keeps_its_shared_layer_and_its_packages_apart(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", APPLICATION_LAYERS)
    run = assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))
    related = {(r.source.rel_path, place.range.start.line, f.code) for r in run.results for f in r.findings
               for place in f.related}
    assert related == related_markers(root)
    (finding,) = [f for f in run.findings if f.code == "ISO601"]
    assert "`acme_app.io_utils`" in finding.message and "`acme-app`" in finding.message


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("backend/tests/unit/model_server/test_encoders.py", "model_server"),
        ("tests/app_a/search/test_pipeline.py", "app_a"),
        ("backend/tests/unit/test_settings.py", None),  # names no service
        ("tests/app_a/model_server/test_both.py", None),  # names two
        ("backend/app_a/test_helpers.py", None),  # no test folder above it
    ],
)
def test_the_service_a_mirrored_test_tree_names(path: str, owner: str | None) -> None:
    services = ServiceMap({"app_a": "backend/app_a", "model_server": "backend/model_server"})
    assert services.test_owner(path) == owner


def test_a_cross_service_import_is_named_as_the_code_spells_it(tmp_path: Path) -> None:
    """`from app_a.utils.logger import …` under the source root `backend/` is reported as
    `app_a.utils.logger`, what the reader sees in the file, not `backend.app_a.utils.logger`."""
    root = build_tree(tmp_path / "repo", SOURCE_ROOT_SERVICES)
    run = lint_paths([root], overrides=ISO6, jobs=1)
    messages = {f.message for r in run.results for f in r.findings
                if r.source.rel_path == "backend/model_server/encoders.py" and f.code == "ISO601"}
    assert messages == {"Service `model_server` imports `app_a.utils.logger`, an internal module of service `app_a`"}


#: two images install a data library the way they install any distribution; a third folder is
#: copied by both images too but runs on its own (its own entry point)
INSTALLED_LIBRARY = {
    "backend/requirements.txt": "fastapi\n", "backend/main.py": "from dataset.schemas import Tree\n",
    "inference/pyproject.toml": "[project]\nname = 'inference'\n",
    "inference/main.py": "from dataset.schemas import Tree\nfrom relay.main import forward  # error: ISO601\n",
    "dataset/pyproject.toml": "[project]\nname = 'dataset'\n", "dataset/dataset/__init__.py": "",
    "dataset/dataset/schemas.py": "class Tree: ...\n",
    "relay/pyproject.toml": "[project]\nname = 'relay'\n", "relay/main.py": "def forward(): ...\n",
    "docker/Dockerfile.backend": "FROM python\nCOPY ./dataset /dataset\nRUN pip install -e /dataset\n"
                                 "COPY ./relay /relay\nCOPY ./backend /app\nWORKDIR /app\nCMD [\"uvicorn\", \"main:app\"]\n",
    "docker/Dockerfile.inference": "FROM python\nCOPY ./dataset /lib/dataset\nRUN pip install /lib/dataset\n"
                                   "COPY ./relay /relay\nCOPY ./inference /app\nWORKDIR /app\nCMD [\"python\", \"main.py\"]\n",
}


def test_a_distribution_images_copy_to_install_is_a_library_not_a_service(tmp_path: Path) -> None:
    root = build_tree(tmp_path, INSTALLED_LIBRARY)
    detected = detect_services(Settings(root=root))
    assert "dataset" in detected.shared and "dataset" not in detected.services.values()
    assert detected.services.get("relay") == "relay"  # copied by both images, but runs on its own
    assert_findings_match_markers(root, lint_paths([root], overrides=ISO6, jobs=1))
