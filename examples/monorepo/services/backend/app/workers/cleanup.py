"""Nightly cleanup job (run by the scheduler inside the backend container)."""

from __future__ import annotations

import asyncpg

from shared.env import get_env


async def purge_expired_sessions() -> int:
    conn = await asyncpg.connect(get_env().require("DATABASE_URL"))  # error: ISO301
    deleted = await conn.execute("DELETE FROM auth_sessions WHERE expires_at < now()")
    await conn.close()
    return int(deleted.split()[-1])


async def vacuum(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("VACUUM ANALYZE auth_sessions")
