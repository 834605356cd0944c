"""Unit tests: mocks are the right tool here."""

from __future__ import annotations

import os
from unittest.mock import patch

import pytest


def test_guard_with_fake_client(fake_auth_client):
    assert fake_auth_client.decode_token("t") == {"sub": "user-1"}


def test_decode_is_patched():
    with patch("services.backend.app.api.auth_guard.decode_token", return_value={"sub": "u"}):
        assert True


def test_feature_flag_leaks():
    os.environ["AUTH_STRICT_MODE"] = "1"  # error: ISO502
    assert os.environ["AUTH_STRICT_MODE"] == "1"


def test_feature_flag_isolated(monkeypatch):
    monkeypatch.setenv("AUTH_STRICT_MODE", "1")
    assert os.environ["AUTH_STRICT_MODE"] == "1"
