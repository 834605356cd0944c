"""Request authentication for the backend's HTTP and WebSocket routes."""

from __future__ import annotations

import importlib

from fastapi import Header, HTTPException

from services.auth.app.tokens import decode_token  # error: ISO601
from shared.audit_log import record_event

# A plugin hook that reaches into the auth service by name at run time.
auth_plugins = importlib.import_module("services.auth.app.tokens")  # related: ISO601


async def current_user_id(authorization: str = Header(...)) -> str:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status_code=401, detail="missing bearer token")
    claims = decode_token(token)
    record_event("auth.checked", subject=claims.get("sub", "?"))
    return claims["sub"]
