"""Fixtures shared by the backend's unit and integration tests."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest


@pytest.fixture
def fake_auth_client():
    """A stand-in for the auth service (fine for unit tests)."""
    client = MagicMock()
    client.decode_token.return_value = {"sub": "user-1"}
    return client


@pytest.fixture
def thread_payload():
    return {"title": "Quarterly plan", "members": ["user-1", "user-2"]}
