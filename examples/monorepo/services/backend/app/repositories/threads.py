"""Thread persistence: the async repository used by the WebSocket handlers."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import AsyncSessionLocal


class ThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, thread_id: int):
        return await self.session.get(Thread, thread_id)

    async def rename(self, thread_id: int, title: str) -> None:
        await self.session.execute(update(Thread).where(Thread.id == thread_id).values(title=title))
        self.session.commit()  # error: ISO306

    async def archive(self, thread: "Thread") -> None:
        thread.archived = True
        self.session.add(thread)
        await self.session.commit()


async def unread_count(user_id: int) -> int:
    session = AsyncSessionLocal()  # error: ISO301
    count = await session.scalar(select(func.count(Message.id)).where(Message.user_id == user_id))
    await session.close()
    return count


async def mark_read(user_id: int, thread_id: int) -> None:
    # bound first, entered two lines later: the session is managed
    session = AsyncSessionLocal()
    statement = update(Message).where(Message.thread_id == thread_id).values(read=True)
    async with session:
        await session.execute(statement)
        await session.commit()


async def latest_threads(limit: int = 20) -> list:
    async with AsyncSessionLocal() as session:
        result = await session.scalars(select(Thread).order_by(Thread.updated_at.desc()).limit(limit))
        return list(result)
