"""The project's environment accessor: one place that reads ``os.environ``.

Services call ``get_env().get("NAME", default)`` or ``get_env().require("NAME")``. The
accessor itself is fine; what isolint flags is *how it is called* — with development
defaults (ISO102) — in production code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TRUTHY = frozenset({"1", "true", "yes", "on"})


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""


class Env:
    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._values.get(name, default)

    def require(self, name: str) -> str:
        value = self._values.get(name)
        if value is None or value == "":
            raise MissingSetting(f"{name} must be set (e.g. REDIS_HOST=redis.internal, not localhost)")
        return value

    def flag(self, name: str) -> bool:
        return (self._values.get(name) or "").strip().lower() in TRUTHY

    def require_remote_host(self, name: str) -> str:
        """Like :meth:`require`, and refuses loopback hosts outside development."""
        host = self.require(name)
        if self.get("APP_ENV") != "development" and host in LOCAL_HOSTS:
            raise MissingSetting(f"{name}={host} points at this machine; set a real host")
        return host


@lru_cache(maxsize=1)
def get_env() -> Env:
    return Env(os.environ)
