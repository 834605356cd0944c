"""Auth service settings (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK = ("localhost", "127.0.0.1", "::1")


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")

    database_url: str = "postgresql://auth:auth@localhost:5432/auth"  # error: ISO101
    redis_url: str = Field(default="redis://localhost:6379/2")  # error: ISO101
    issuer: str = Field(..., description="Token issuer, e.g. http://localhost:8001 in development")
    public_url: str = Field(..., examples=["https://auth.acme.io", "http://localhost:8001"])
    token_expire_minutes: int = 30
    environment: str = "development"  # error: ISO102
    debug: bool = False
    bind_host: str = "0.0.0.0"

    @field_validator("issuer")
    @classmethod
    def issuer_is_not_local(cls, value: str) -> str:
        if any(host in value for host in LOOPBACK):
            raise ValueError("issuer must be the public URL, not localhost")
        return value
