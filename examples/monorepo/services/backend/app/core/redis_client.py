"""The backend's Redis connection pool."""

from __future__ import annotations

import logging

import redis

from app import config
from shared.env import get_env

logger = logging.getLogger(__name__)


def build_pool() -> redis.ConnectionPool:
    host = get_env().get("REDIS_HOST") or "localhost"  # error: ISO102
    return redis.ConnectionPool(host=host, port=6379, db=0, decode_responses=True)  # error: ISO103


def session_store() -> redis.Redis:
    return redis.Redis.from_url(f"redis://{config.REDIS_HOST}:{config.REDIS_PORT}/1")


def rate_limiter() -> redis.Redis:
    return redis.Redis(host="127.0.0.1", password="changeme")  # error: ISO101, ISO103


def ping(pool: redis.ConnectionPool) -> bool:
    try:
        return redis.Redis(connection_pool=pool).ping()
    except redis.ConnectionError:
        logger.warning("Redis unreachable; is it running on localhost:6379 in development?")
        return False
