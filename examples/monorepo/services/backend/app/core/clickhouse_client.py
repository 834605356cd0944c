"""Analytics queries against ClickHouse."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import clickhouse_connect

CLICKHOUSE_DATABASE = os.getenv("CLICKHOUSE_DB", "analytics_dev")  # error: ISO102
CLICKHOUSE_PASSWORD = "clickhouse"  # error: ISO103
REPORTING_DSN = "clickhouse://reporting:reporting@ch.internal:9000/reporting"  # error: ISO103


class ClickHouseSettings:
    host = os.environ["CLICKHOUSE_HOST"]
    port = 8123  # error: ISO103
    secure = os.getenv("CLICKHOUSE_SECURE", "false") == "true"


def client():
    settings = ClickHouseSettings()
    return clickhouse_connect.get_client(
        host=settings.host,
        port=settings.port,
        database=CLICKHOUSE_DATABASE,
        password=os.environ.get("CLICKHOUSE_PASSWORD", ""),
    )


def is_local_clickhouse(url: str) -> bool:
    return urlparse(url).hostname in ("localhost", "127.0.0.1") or url.endswith(":8123")
