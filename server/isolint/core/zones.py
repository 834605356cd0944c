"""Zones: where a file's code runs, decided from its path with zero configuration.

Configured globs win over the heuristics, in the order generated → production → integration
tests → tests → development. The heuristics aim at the typical monorepo the audit describes:
tests by folder and name, launchers and scripts as development, everything else production.
Content-based refinement (pytest markers) happens in the engine, which sees the parse.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from isolint.core.config import Settings
from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Zone

if TYPE_CHECKING:  # imported where a spec is built: a warm run, whose zones the cache kept, builds none
    import pathspec

GENERATED_DIRS = frozenset({
    "node_modules", "vendor", "vendored", "third_party", "site-packages", ".venv", "venv",
    "__generated__", "generated", "_generated", "build", "dist", ".next", "out", "bower_components",
    # the asset folder of an exported Next.js build, wherever a server keeps the export it serves
    "_next",
})
#: generated and prebuilt files by name: protobuf stubs, ``*.generated.*``, declarations, and the
#: distributable builds a project serves as static assets (``*.min.js``, ``swagger-ui-bundle.js``,
#: ``redoc.standalone.js``: a bundler's output of third-party code, one minified line)
GENERATED_FILE_RE = re.compile(r"(_pb2(_grpc)?\.pyi?|\.generated\.\w+|\.gen\.\w+|\.min\.js|\.d\.ts|"
                               r"[.-]bundle\.m?js|\.standalone\.m?js)$")

TEST_DIRS = frozenset({
    "tests", "test", "testing", "__tests__", "__test__", "spec", "specs", "test_utils", "testutils",
    # the folders Jest and Vitest give meaning to: module mocks, fixtures, end-to-end suites
    "__mocks__", "__fixtures__", "__e2e__", "__integration__",
})
#: test-support packages named for what they hold: test_framework/, test_helpers/, testing_utils/,
#: api_tests/, tests-e2e/ (a name made of "test" words and another word joined by _ or -)
TEST_DIR_RE = re.compile(r"^(tests?|testing)[_-]\w+$|^\w+[_-](tests?|testing)$")
#: test modules by name; in TypeScript also the ones a runner's ``include`` glob names for a project
#: (``*.servertest.ts``, ``*.clienttest.ts``), never an English word ending in "test" (``config.latest.ts``)
TEST_FILE_RE = re.compile(
    r"^(test_.*\.py|.*_tests?\.py|conftest\.py|tests\.py|(integration|e2e)_tests?_.*\.py|"
    r".*\.(test|spec|cy)\.[cm]?[jt]sx?|.*\.(?!(la|con|pro|at|de)test\.)[a-z0-9]+(test|spec)\.[cm]?[jt]sx?)$"
)
INTEGRATION_DIRS = frozenset({
    "integration", "integrations_tests", "integration_tests", "integration-tests", "e2e", "e2e_tests",
    "e2e-tests", "end_to_end", "end-to-end", "endtoend", "acceptance", "system_tests", "smoke",
    "functional", "functional_tests", "live", "__e2e__", "__integration__",
})
INTEGRATION_FILE_RE = lazy_compile(
    r"^(test_(integration|e2e|end_to_end)(_.*)?\.py|.*_(integration|e2e|end_to_end)(_test)?\.py|"
    r"(integration|e2e|end_to_end|system)_tests?_.*\.py|"
    r".*\.(e2e|integration)\.(test|spec)?\.?[cm]?[jt]sx?|.*\.cy\.[cm]?[jt]sx?)$"
)
#: a test module that names its own tier: ``test_checkout_e2e.py``, ``test_redis_integration.py``,
#: ``test_e2e_login.py``. It is an integration test even under ``tests/unit/`` (a bare
#: ``test_integration.py`` or ``test_integration_helpers.py`` there is often a unit test of
#: "the integration with" something or of integration helpers).
NAMED_TIER_FILE_RE = re.compile(
    r"^(test_.+_(integration|e2e|end_to_end)(_tests?)?|test_(e2e|end_to_end)_.+)\.py$"
)
# Folder names that only ever hold integration tests, wherever they sit.
UNAMBIGUOUS_INTEGRATION_DIRS = frozenset({
    "integration_tests", "integration-tests", "tests_integration", "e2e", "e2e_tests", "e2e-tests",
    "end_to_end", "end-to-end", "endtoend", "system_tests",
    # Cypress's own folder (cypress/integration, cypress/e2e, cypress/support): browser end-to-end tests
    "cypress",
})
UNIT_DIRS = frozenset({"unit", "unit_tests", "unittests", "unit-tests"})
#: folders beside ``unit/`` in a test root that hold what the tests share, not another tier
TEST_SUPPORT_DIRS = frozenset({
    "fixtures", "fixture", "helpers", "helper", "utils", "util", "support", "data", "testdata", "test_data",
    "mocks", "mock", "fakes", "stubs", "factories", "resources", "assets", "common", "shared", "snapshots",
    "__snapshots__", "lib", "tools", "scripts", "benchmarks", "bench", "perf", "performance", "manual",
    "docs", "__pycache__",
})
#: test folders whose name is too short to trust below the top of the project or a service
#: (celery and kombu keep their suites in t/unit, t/integration)
TOP_LEVEL_ONLY_TEST_DIRS = frozenset({"t"})

#: continuous-integration folders (at the top of the project or a service): the compose stacks
#: and env files there are the throwaway environments CI brings up to run the tests
CI_DIRS = frozenset({".ci", "ci", ".github", ".gitlab", ".circleci", ".buildkite"})

DEV_DIRS = frozenset({
    "scripts", "script", "dev", "devtools", "dev_tools", "dev-tools", "dev_launcher", "launcher",
    "launchers", "local", "examples", "example", "samples", "docs", "benchmarks", "bench", "sandbox",
    "playground", "notebooks", "tools", "bin", "spike", "spikes",
})
#: script folders named for what they run (database_scripts/, db_scripts/, deploy-scripts/) and
#: documentation folders (internal_docs/, api_docs/, tutorials/) are development material wherever
#: they sit
DEV_DIR_RE = re.compile(r"^\w+[_-](scripts?|docs?)$|^(scripts?|docs?)[_-]\w+$|^tutorials?$|^api[_-]reference$|^cookbooks?$")
# tools/ and bin/ only count at the top of the project or a service: app/tools/ may be production.
TOP_LEVEL_ONLY_DEV_DIRS = frozenset({"tools", "bin", "local", "examples", "example", "samples"})
DEV_FILE_RE = re.compile(
    r"^(dev([_-].*)?\.py|.*_dev\.py|.*(_|-)local\.py|local_.*\.py|run_local.*\.py|.*launcher.*\.py|"
    r"setup_dev.*\.py|seed_.*\.py|noxfile\.py|fabfile\.py|manage_dev\.py|"
    r"examples?_.*\.py|.*_examples?\.py|"
    r"(settings|config)_(dev|development|local)\.py|(development|local)\.py|"
    r"docker-compose.*\.ya?ml)$"
)

#: invoke's task file, at the top of the project; ``tasks.py`` inside a package is the
#: production code of a Celery, Dramatiq or FastAPI module named for its tasks
TASK_RUNNER_FILE = "tasks.py"

# Environment of a dotenv-style file, from its name (.env.staging, production.env, …).
ENV_NAME_RE = re.compile(
    r"(?:^|[._-])(dev|development|local|test|testing|ci|stage|staging|preprod|prod|production|live)"
    r"(?:$|[._-])"
)
_ENV_CANON = {
    "dev": "development", "development": "development", "local": "development",
    "test": "test", "testing": "test", "ci": "test",
    "stage": "staging", "staging": "staging", "preprod": "staging",
    "prod": "production", "production": "production", "live": "production",
}
TEMPLATE_RE = re.compile(r"(\.|^|_|-)(example|sample|template|tmpl|dist|defaults?)($|\.|_|-)", re.IGNORECASE)


COMPOSE_NAME_RE = re.compile(r"(?:^|[._-])(?:docker-)?compose(?:[._-][\w.-]*)?\.ya?ml$")


def is_compose_name(lowered: str) -> bool:
    """A docker compose file, by its lower-case name."""
    return COMPOSE_NAME_RE.search(lowered) is not None


def env_file_environment(name: str) -> str | None:
    """The deployment environment a dotenv file's name names, if any."""
    lowered = name.lower()
    if TEMPLATE_RE.search(lowered):
        return None
    match = ENV_NAME_RE.search(lowered.replace(".env", "."))
    return _ENV_CANON[match.group(1)] if match else None


def is_template_file(name: str) -> bool:
    return TEMPLATE_RE.search(name.lower()) is not None


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matches_any(rel_path: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return bool(patterns) and _spec(tuple(patterns)).match_file(rel_path)


def classify(rel_path: str, settings: Settings) -> Zone:
    """The zone of a file, given its path relative to the project root (POSIX separators)."""
    return classify_with_reason(rel_path, settings)[0]


#: the setting behind each configured zone, in the order they are tried
ZONE_SETTINGS = (
    (Zone.GENERATED, "generated-paths"),
    (Zone.PRODUCTION, "production-paths"),
    (Zone.INTEGRATION_TEST, "integration-test-paths"),
    (Zone.TEST, "test-paths"),
    (Zone.DEVELOPMENT, "dev-paths"),
)


def classify_with_reason(rel_path: str, settings: Settings) -> tuple[Zone, str]:
    """The zone and the setting or heuristic that decided it (``isolint explain``)."""
    for zone, key in ZONE_SETTINGS:
        patterns = getattr(settings, key.replace("-", "_"))
        if matches_any(rel_path, patterns):
            return zone, f"matches `{key}` in the configuration"
    zone, why = classify_by_heuristics_with_reason(rel_path)
    if zone is Zone.TEST and (tier := _tier_beside_unit(rel_path, settings.root)) is not None:
        return Zone.INTEGRATION_TEST, f"{why}; `{tier[1]}/` sits beside `{tier[0]}/unit/`: another test tier (integration)"
    return zone, why


def _tier_beside_unit(rel_path: str, root: Path | None) -> tuple[str, str] | None:
    """A test root split into tiers (``tests/unit/``, ``tests/runtime/``, ``tests/sdk/``): the
    folders beside the unit tier, other than shared helpers and data, are the tiers that run
    against real services. Read from the disk (does the unit folder exist?), so a path alone
    never decides it."""
    if root is None:
        return None
    split = unit_tier_split(rel_path)
    if split is None or not has_unit_tier(root, split[0]):
        return None
    return split


@lru_cache(maxsize=65536)
def unit_tier_split(rel_path: str) -> tuple[str, str] | None:
    """(test folder, tier folder) when the file sits in a tier folder of a test root whose
    zone depends on whether that test root has a unit tier (``has_unit_tier``): the one thing
    on disk besides the path and the settings that ``classify`` reads (the result cache
    checks it again before it trusts a zone it kept)."""
    parts = PurePosixPath(rel_path).parts[:-1]
    for index, folder in enumerate(parts[:-1]):
        lowered = folder.lower()
        if lowered in TEST_DIRS or lowered in TOP_LEVEL_ONLY_TEST_DIRS and index == 0:
            tier = parts[index + 1]
            if tier.lower() in UNIT_DIRS or tier.lower() in TEST_SUPPORT_DIRS or tier.startswith((".", "_")):
                return None
            return "/".join(parts[:index + 1]), tier
    return None


def named_tier_under_unit(rel_path: str) -> bool:
    """A test module under a unit-test folder whose name claims an integration tier
    (``tests/unit/test_checkout_e2e.py``): the one integration-test zone where the name
    outranks the folder, so the module's own words may still settle which tier it is."""
    path = PurePosixPath(rel_path)
    return NAMED_TIER_FILE_RE.match(path.name.lower()) is not None \
        and _first([part.lower() for part in path.parts[:-1]], UNIT_DIRS) is not None


def tier_named_only(rel_path: str) -> bool:
    """A test module that is an integration test by its name alone: named for a tier under a
    unit-test folder (:func:`named_tier_under_unit`), or named for one (``test_integration.py``,
    ``test_redis_integration.py``) in no integration folder. Its own words may still settle that
    it stays in one process (``test_tiers.declared_in_process``)."""
    if named_tier_under_unit(rel_path):
        return True
    path = PurePosixPath(rel_path)
    dirs = [part.lower() for part in path.parts[:-1]]
    return path.suffix == ".py" and INTEGRATION_FILE_RE.match(path.name.lower()) is not None \
        and _first(dirs, INTEGRATION_DIRS) is None and _integration_named(dirs) is None


def has_unit_tier(root: Path, test_folder: str) -> bool:
    """Whether ``test_folder`` (relative to ``root``) holds a unit-test tier folder."""
    return any(os.path.isdir(os.path.join(root, test_folder, unit)) for unit in UNIT_DIRS)


def classify_by_heuristics(rel_path: str) -> Zone:
    return classify_by_heuristics_with_reason(rel_path)[0]


def _first(dirs: list[str], names: frozenset[str]) -> str | None:
    return next((d for d in dirs if d in names), None)


@lru_cache(maxsize=65536)
def classify_by_heuristics_with_reason(rel_path: str) -> tuple[Zone, str]:
    path = PurePosixPath(rel_path)
    dirs = [part.lower() for part in path.parts[:-1]]
    name = path.name
    lowered = name.lower()
    if (folder := _first(dirs, GENERATED_DIRS)) is not None:
        return Zone.GENERATED, f"inside a `{folder}/` folder (generated or vendored code)"
    if GENERATED_FILE_RE.search(lowered):
        return Zone.GENERATED, f"the file name `{name}` is that of generated code"
    if "versions" in dirs and (folder := migration_folder(dirs)) is not None:
        return Zone.GENERATED, f"a migration revision (`versions/` in the migration tree `{folder}/`)"
    test_folder = (_first(dirs, TEST_DIRS) or next((d for d in dirs if TEST_DIR_RE.match(d)), None)
                   or (dirs[0] if dirs[:1] and dirs[0] in TOP_LEVEL_ONLY_TEST_DIRS else None))
    if test_folder is None and lowered != "conftest.py" and TEST_FILE_RE.match(lowered) is not None \
            and (folder := _documentation_folder(dirs)) is not None:
        return Zone.DEVELOPMENT, (f"inside a `{folder}/` folder (documentation and examples): `{name}` "
                                  "is a vignette's or an example's script, not the project's test suite")
    if test_folder is not None or TEST_FILE_RE.match(lowered) is not None:
        why = f"inside a `{test_folder}/` folder" if test_folder is not None else f"the file name `{name}` is a test's"
        if (folder := _first(dirs, UNIT_DIRS)) is not None:
            if NAMED_TIER_FILE_RE.match(lowered):
                return Zone.INTEGRATION_TEST, f"{why}; `{name}` names an integration test, even under `{folder}/`"
            return Zone.TEST, f"{why}, under `{folder}/` (unit tests)"
        if (folder := _first(dirs, INTEGRATION_DIRS) or _integration_named(dirs)) is not None:
            return Zone.INTEGRATION_TEST, f"{why}, under `{folder}/` (integration tests)"
        if INTEGRATION_FILE_RE.match(lowered):
            return Zone.INTEGRATION_TEST, f"{why}, and `{name}` names an integration test"
        return Zone.TEST, why
    if name.endswith((".py", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")):
        folder = _first(dirs, UNAMBIGUOUS_INTEGRATION_DIRS) or (
            dirs[0] if dirs[:1] and dirs[0] in INTEGRATION_DIRS else None)
        if folder is not None:
            # e2e/, integration_tests/… hold tests even without "tests" in the path
            return Zone.INTEGRATION_TEST, f"inside an `{folder}/` folder (integration tests)"
    is_env_file = name.startswith(".env") or name.endswith(".env")
    if (is_env_file or is_compose_name(lowered)) and (folder := _ci_folder(dirs)) is not None \
            and env_file_environment(name) not in ("production", "staging"):
        return Zone.TEST, f"inside a `{folder}/` folder (CI): `{name}` describes an environment CI brings up for the tests"
    if is_env_file:
        environment = env_file_environment(name)
        if environment == "development":
            return Zone.DEVELOPMENT, f"the env file name `{name}` names a development environment"
        if environment == "test":
            return Zone.TEST, f"the env file name `{name}` names a test environment"
        return Zone.PRODUCTION, f"an env file (`{name}`) not named for development or tests is deployed"
    if (folder := _dev_folder(dirs)) is not None:
        return Zone.DEVELOPMENT, f"inside a `{folder}/` folder (development tooling)"
    if DEV_FILE_RE.match(lowered) or (lowered == TASK_RUNNER_FILE and not dirs):
        return Zone.DEVELOPMENT, f"the file name `{name}` is that of a development script or setting"
    return Zone.PRODUCTION, "no test, development or generated folder or name: production code by default"


#: folders that hold a migration tool's tree: its environment (Alembic's ``env.py``,
#: ``alembic.ini``), its revisions (``versions/``) and the schema and data migration code beside
#: them — ``alembic/``, ``migrations/`` (Alembic, Flask-Migrate, Django), ``migration/``,
#: ``_migrations/`` (prefect), ``db_migrations/`` (mlflow), ``data_migrations/``…
MIGRATION_DIR_RE = re.compile(r"^(alembic|_?migrations?|(db|database|data|schema|sql)[_-]migrations?)$")


def migration_folder(dirs: list[str]) -> str | None:
    """The folder of a migration tree among a path's (lowered) folders: one named like a
    migration tool's (``MIGRATION_DIR_RE``), or any ``*migrations`` folder with revisions
    (``versions/``) below it. Its code runs once per deployment or migration command, not per
    request: its revisions are generated code (``classify``), and the rules about where engines
    and sessions live treat the rest like a one-shot script."""
    for index, folder in enumerate(dirs):
        if MIGRATION_DIR_RE.match(folder) or (folder.endswith("migrations") and "versions" in dirs[index + 1:]):
            return folder
    return None


def _integration_named(dirs: list[str]) -> str | None:
    """A compound test folder name with an integration word in it: tests-e2e/, api_integration_tests/."""
    return next((d for d in dirs if TEST_DIR_RE.match(d) and not INTEGRATION_DIRS.isdisjoint(re.split(r"[_-]", d))), None)


#: development folders that hold documentation and examples rather than tooling
DOCUMENTATION_DIRS = frozenset({"docs", "doc", "examples", "example", "samples", "notebooks"})
DOCUMENTATION_DIR_RE = re.compile(r"^\w+[_-]docs?$|^docs?[_-]\w+$|^tutorials?$|^api[_-]reference$|^cookbooks?$")


def _documentation_folder(dirs: list[str]) -> str | None:
    """A documentation or examples folder (``docs/``, ``internal_docs/``, top-level ``examples/``)
    among the development folders of a path: a file named like a test there with no test
    folder around it is a vignette's or an example's script (``test_connection.py`` checking a
    TLS set-up by hand), not part of the suite the project runs."""
    folder = _dev_folder(dirs)
    if folder is not None and (folder in DOCUMENTATION_DIRS or DOCUMENTATION_DIR_RE.match(folder)):
        return folder
    return None


def _ci_folder(dirs: list[str]) -> str | None:
    """A CI folder (``.github/``, ``.ci/``, ``ci/``…) at the top of the project or a service: a
    deeper ``ci/`` may be a package of the product's own."""
    return next((folder for folder in dirs[:2] if folder in CI_DIRS), None)


def _dev_folder(dirs: list[str]) -> str | None:
    for depth, directory in enumerate(dirs):
        if directory in DEV_DIRS and (directory not in TOP_LEVEL_ONLY_DEV_DIRS or depth <= 1):
            return directory
        if DEV_DIR_RE.match(directory):
            return directory
    return None
