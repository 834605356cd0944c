"""Structured audit events, shared by every service."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

logger = logging.getLogger("audit")


def record_event(name: str, **fields: str) -> None:
    logger.info("%s %s", name, {"at": datetime.now(timezone.utc).isoformat(), **fields})


def record_backend_metrics() -> None:
    # Shared code reaching into a service: every service now depends on the backend.
    from services.backend.app.api.auth_guard import auth_plugins  # error: ISO602

    logger.info("auth plugins loaded: %s", auth_plugins.__name__)
