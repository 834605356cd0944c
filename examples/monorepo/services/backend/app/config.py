"""Backend settings, read once at start-up.

Seeded with the audit's configuration leaks: URL builders that fall back to localhost, a
property returning a development database URL, a conditional that picks localhost by
environment name — next to the validated settings they should look like.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from shared.env import LOCAL_HOSTS, get_env

logger = logging.getLogger(__name__)

env = get_env()

APP_ENV = env.get("APP_ENV", "development")  # error: ISO102
REDIS_HOST = env.get("REDIS_HOST", "localhost")  # error: ISO102
REDIS_PORT = int(env.get("REDIS_PORT", "6379"))  # Redis's own standard port: the host above is the leak
CLICKHOUSE_URL = os.environ.get("CLICKHOUSE_URL", "http://127.0.0.1:8123")  # error: ISO102
DEBUG = os.getenv("DEBUG", "true").lower() == "true"  # error: ISO102

# Validated settings: required, no development fallback.
SECRET_KEY_FILE = env.require("SECRET_KEY_FILE")
SENTRY_DSN = os.environ.get("SENTRY_DSN")
LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
WEB_CONCURRENCY = int(os.getenv("WEB_CONCURRENCY", "4"))
BIND_HOST = os.getenv("HOST", "0.0.0.0")  # where uvicorn listens inside the container


@dataclass
class DatabaseSettings:
    user: str = field(default_factory=lambda: env.require("POSTGRES_USER"))
    host: str = "localhost"  # error: ISO101
    port: int = 5432  # error: ISO103
    name: str = field(default_factory=lambda: env.require("POSTGRES_DB"))

    @property
    def url(self) -> str:
        return "postgresql+asyncpg://postgres:postgres@localhost:5432/app_dev"  # error: ISO101

    @property
    def sync_url(self) -> str:
        password = env.require("POSTGRES_PASSWORD")
        return f"postgresql://{self.user}:{password}@{self.host}:{self.port}/{self.name}"


def smtp_host() -> str:
    return "localhost" if APP_ENV in ("development", "testing") else ""  # error: ISO101


def allowed_origins() -> list[str]:
    configured = [origin for origin in (env.get("CORS_ORIGINS") or "").split(",") if origin]
    return configured or ["http://localhost:3000"]  # error: ISO101


def validate() -> None:
    """Refuse to start with development values outside development (e.g. REDIS_HOST=localhost)."""
    if APP_ENV == "development":
        return
    if REDIS_HOST in LOCAL_HOSTS or "localhost" in CLICKHOUSE_URL:
        raise RuntimeError(f"{APP_ENV} must not use localhost (REDIS_HOST={REDIS_HOST!r})")
    if CLICKHOUSE_URL.startswith(("http://127.0.0.1", "http://localhost")):
        raise RuntimeError("CLICKHOUSE_URL points at this machine")
    logger.info("settings validated; no localhost in %s", APP_ENV)
