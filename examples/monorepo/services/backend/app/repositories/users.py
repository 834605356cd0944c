"""User persistence for the sync (threadpool) routes and the admin CLI."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionLocal, get_db
from app.db.legacy import get_session

router = APIRouter()


def rename_user(user_id: int, name: str) -> None:
    session = SessionLocal()  # error: ISO301
    user = session.get(User, user_id)
    user.name = name
    session.commit()
    session.close()


def deactivate(user_id: int) -> None:
    session = get_session()  # error: ISO301
    session.get(User, user_id).active = False
    session.commit()


@router.get("/users/{user_id}")
async def read_user(user_id: int, db: Session = Depends(get_db)):  # error: ISO305
    return db.get(User, user_id)


@router.get("/users")
def list_users(db: Session = Depends(get_db)):
    # a sync route runs in FastAPI's threadpool: a sync session is right here
    return db.scalars(select(User)).all()


def find_by_email(email: str):
    with SessionLocal() as session, session.begin():
        return session.scalar(select(User).where(User.email == email))


def update_email(db: Session, user_id: int, email: str) -> None:
    # the session belongs to the caller (a dependency closes it): commit without a finally is fine
    db.get(User, user_id).email = email
    db.commit()
