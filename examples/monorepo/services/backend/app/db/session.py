"""The backend's one place that creates engines and session factories.

Everything else imports `SessionLocal` / `AsyncSessionLocal` (or the `get_db` dependencies)
from here; isolint tracks the factories across modules, so a bare `SessionLocal()` elsewhere
is recognised as a session that needs a context manager.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from shared.env import get_env

env = get_env()

engine = create_engine(env.require("DATABASE_URL"), pool_pre_ping=True, pool_size=10)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


@lru_cache(maxsize=1)
def async_engine() -> AsyncEngine:
    return create_async_engine(env.require("ASYNC_DATABASE_URL"), pool_pre_ping=True)


AsyncSessionLocal = async_sessionmaker(async_engine(), expire_on_commit=False)


def get_db() -> Iterator[Session]:
    """FastAPI dependency for the sync routes: one session per request, always closed."""
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_async_db() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session
