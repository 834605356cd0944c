"""Zero-config zones for layouts met in real projects during precision QA (docs/… qa_report)."""

from __future__ import annotations

import pytest
from isolint.core.config import Settings
from isolint.core.model import Zone
from isolint.core.zones import classify, migration_folder


@pytest.mark.parametrize(
    ("path", "zone"),
    [
        # letta names its integration suites integration_test_*.py at the top of tests/
        ("tests/integration_test_modal.py", Zone.INTEGRATION_TEST),
        ("tests/e2e_test_checkout.py", Zone.INTEGRATION_TEST),
        ("services/api/integration_tests_helpers/db.py", Zone.PRODUCTION),
        # …and its unit tests stay unit tests
        ("tests/test_client.py", Zone.TEST),
        ("tests/unit/integration_test_helpers.py", Zone.TEST),
        # a test module that names its tier is one, even among unit tests (skyvern, openhands)
        ("tests/unit/test_iframe_e2e.py", Zone.INTEGRATION_TEST),
        ("tests/unit_tests/test_openrouter_integration.py", Zone.INTEGRATION_TEST),
        ("tests/unit/test_e2e_checkout.py", Zone.INTEGRATION_TEST),
        ("tests/unit/test_integration.py", Zone.TEST),
        ("tests/unit/test_integrations.py", Zone.TEST),
        ("tests/unit/test_integration_helpers.py", Zone.TEST),
        ("tests/unit/test_end_to_end_signup.py", Zone.INTEGRATION_TEST),
        ("tests/unit/integration_e2e.py", Zone.TEST),
        # "system" in a test's name is what it tests (a system prompt role, system stats), not a tier
        ("packages/evals/tests/adapters/test_system_role.py", Zone.TEST),
        ("tests/utils/test_system_stats.py", Zone.TEST),
        # example clients shipped next to the server are not production code (letta's ws_api)
        ("letta/server/ws_api/example_client.py", Zone.DEVELOPMENT),
        ("services/api/app/payments_example.py", Zone.DEVELOPMENT),
        # Alembic revisions wherever the migrations folder is (mlflow, prefect)
        ("mlflow/store/db_migrations/versions/2b4d017a5e9b_add_tables.py", Zone.GENERATED),
        ("src/prefect/server/database/_migrations/versions/sqlite/2024_01_01_x.py", Zone.GENERATED),
        ("services/api/app/versions/v2.py", Zone.PRODUCTION),
        # a migration tree deep in a service (agenta): its revisions are generated, its helpers
        # and data migrations are production code that the ISO3 placement rules treat as one-shot
        ("api/oss/databases/postgres/migrations/core/versions/0001_init.py", Zone.GENERATED),
        ("api/oss/databases/postgres/migrations/core/data_migrations/projects.py", Zone.PRODUCTION),
        ("billing/payment_migrations/versions/0002_x.py", Zone.GENERATED),
        # prebuilt third-party bundles served as static assets (langchain-chatchat's API docs page);
        # a source module that only has "bundle" in its name stays production code
        ("server/app/api_server/static/swagger-ui-bundle.js", Zone.GENERATED),
        ("server/app/api_server/static/redoc.standalone.js", Zone.GENERATED),
        ("web/public/vendor.bundle.mjs", Zone.GENERATED),
        ("web/src/lib/bundle.ts", Zone.PRODUCTION),
        ("web/src/lib/bundle_loader.js", Zone.PRODUCTION),
        ("server/app/bundle.py", Zone.PRODUCTION),
        # an exported Next.js build a Python server ships and serves (its compiled chunks)
        ("app/server/frontend_dist/_next/static/chunks/3528.ff9a1851.js", Zone.GENERATED),
        ("web/src/next/config.ts", Zone.PRODUCTION),
        # a test-named script in a documentation or examples folder is a vignette, not the suite
        # (phoenix's internal_docs/vignettes/postgresql_tls/test_connection.py checks TLS by hand);
        # a tests/ folder there, a conftest.py and a script folder's tests stay tests
        ("internal_docs/vignettes/postgresql_tls/test_connection.py", Zone.DEVELOPMENT),
        ("examples/python/chatbot/test_rag.py", Zone.DEVELOPMENT),
        ("docs/tests/test_snippets.py", Zone.TEST),
        ("docs/conftest.py", Zone.TEST),
        ("scripts/ci/test_helm.py", Zone.TEST),
        ("services/api/app/examples/test_handlers.py", Zone.TEST),
        # celery and kombu keep their suites in t/
        ("t/unit/security/__init__.py", Zone.TEST),
        ("t/integration/worker_config.py", Zone.INTEGRATION_TEST),
        ("app/t/helpers.py", Zone.PRODUCTION),
        # the compose stacks and env files of a CI folder are the environments CI brings up to
        # run the tests (redash's .ci/compose.cypress.yaml); a deployed one named so, the CI
        # folder's scripts and a ci/ package deep in the product keep their zones
        (".ci/compose.cypress.yaml", Zone.TEST),
        (".github/docker-compose.yml", Zone.TEST),
        ("backend/ci/.env", Zone.TEST),
        (".github/.env.production", Zone.PRODUCTION),
        (".ci/deploy.sh", Zone.PRODUCTION),
        ("app/builds/ci/compose.yaml", Zone.PRODUCTION),
        # a module merely named example (rule docs are linted as one) is production
        ("services/api/app/example.py", Zone.PRODUCTION),
        ("services/api/app/examples.py", Zone.PRODUCTION),
    ],
)
def test_zero_config_zones_of_real_layouts(path: str, zone: Zone) -> None:
    assert classify(path, Settings()) is zone


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("services/api/alembic/env.py", "alembic"),
        ("api/oss/databases/postgres/migrations/utils.py", "migrations"),
        ("api/oss/databases/postgres/migrations/core/data_migrations/projects.py", "migrations"),
        ("src/phoenix/db/migrations/data_migration_scripts/populate.py", "migrations"),
        ("mlflow/store/db_migrations/versions/2b4d017a5e9b_add_tables.py", "db_migrations"),
        ("app/data_migrations/backfill.py", "data_migrations"),
        ("billing/payment_migrations/versions/0002_x.py", "payment_migrations"),
        # a product feature named for migrating someone's data is request-path code
        ("server/polar/merchant_migration/service.py", None),
        ("server/polar/backoffice/merchant_migrations/endpoints.py", None),
        ("services/api/app/migrator.py", None),
    ],
)
def test_a_migration_tree_is_known_by_its_folder(path: str, folder: str | None) -> None:
    assert migration_folder([part.lower() for part in path.split("/")[:-1]]) == folder
