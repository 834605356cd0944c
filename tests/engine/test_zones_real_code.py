"""Zero-config zones for layouts met in real projects during precision QA (docs/… qa_report)."""

from __future__ import annotations

import pytest
from isolint.core.config import Settings
from isolint.core.model import Zone
from isolint.core.zones import classify


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
        # celery and kombu keep their suites in t/
        ("t/unit/security/__init__.py", Zone.TEST),
        ("t/integration/worker_config.py", Zone.INTEGRATION_TEST),
        ("app/t/helpers.py", Zone.PRODUCTION),
        # a module merely named example (rule docs are linted as one) is production
        ("services/api/app/example.py", Zone.PRODUCTION),
        ("services/api/app/examples.py", Zone.PRODUCTION),
    ],
)
def test_zero_config_zones_of_real_layouts(path: str, zone: Zone) -> None:
    assert classify(path, Settings()) is zone
