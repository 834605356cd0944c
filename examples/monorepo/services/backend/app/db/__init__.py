from .session import AsyncSessionLocal, SessionLocal, get_async_db, get_db

__all__ = ["AsyncSessionLocal", "SessionLocal", "get_async_db", "get_db"]
