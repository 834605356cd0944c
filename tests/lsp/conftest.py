"""A client per test, connected to a fresh ``isolint server`` process over stdio; a small
multi-service workspace per test (servers read config and facts from disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.support import SERVER_COMMAND, make_client, write_tree

# A test module that changes os.environ directly (ISO502, an unsafe fix), an integration test
# using a fixture that hands out a mock from a conftest (ISO503, a cross-file fact), and
# production code with nothing to report.
WORKSPACE = {
    "pyproject.toml": """
        [project]
        name = "shop"

        [tool.isolint]
        """,
    "services/api/Dockerfile": "FROM python:3.11-slim\n",
    "services/api/app/__init__.py": "",
    "services/api/app/main.py": "from app.config import REDIS_HOST\n",
    "services/api/app/config.py": """
        import os

        REDIS_HOST = os.environ["REDIS_HOST"]
        """,
    "services/api/tests/test_settings.py": """
        import os


        def test_redis_host():
            os.environ["REDIS_HOST"] = "cache.internal"
            assert os.environ["REDIS_HOST"] == "cache.internal"
        """,
    "services/api/tests/integration/conftest.py": """
        from unittest.mock import MagicMock

        import pytest


        @pytest.fixture
        def payment_gateway():
            return MagicMock()
        """,
    "services/api/tests/integration/test_checkout.py": """
        def test_checkout(payment_gateway):
            assert payment_gateway.charge(10)
        """,
}
TEST_MODULE = "services/api/tests/test_settings.py"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "shop", WORKSPACE)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()
