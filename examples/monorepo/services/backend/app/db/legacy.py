"""Helpers left over from the first version of the backend (before `app.db.session`)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from app.db import SessionLocal
from shared.env import get_env

# A module-level session shared by every request that imports this module.
db = SessionLocal()  # error: ISO307


def table_sizes() -> dict[str, int]:
    reporting = create_engine(get_env().require("DATABASE_URL"))  # error: ISO303
    with reporting.connect() as conn:
        rows = conn.execute(text("SELECT relname, n_live_tup FROM pg_stat_user_tables")).all()
    return {name: size for name, size in rows}


def get_session():
    """Kept for old callers; they own (and must close) the session it returns."""
    return SessionLocal()
