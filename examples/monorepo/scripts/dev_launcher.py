"""Start the whole stack on a laptop: Postgres, Redis and ClickHouse in Docker, then the
backend and auth services with auto-reload. Development-only: local hosts are the point."""

from __future__ import annotations

import os
import subprocess
import sys

DEV_ENV = {
    "APP_ENV": "development",
    "DATABASE_URL": "postgresql+asyncpg://postgres:postgres@localhost:5432/app_dev",
    "REDIS_HOST": "localhost",
    "CLICKHOUSE_URL": "http://127.0.0.1:8123",
}


def main() -> int:
    subprocess.run(["docker", "compose", "up", "-d", "postgres", "redis", "clickhouse"], check=True)
    env = {**os.environ, **DEV_ENV}
    backend = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "8000", "--reload"],
        cwd="services/backend", env=env,
    )
    auth = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "8001", "--reload"],
        cwd="services/auth", env=env,
    )
    print("backend on http://localhost:8000, auth on http://localhost:8001")
    return backend.wait() or auth.wait()


if __name__ == "__main__":
    raise SystemExit(main())
