"""Password hashing and access tokens of the auth service."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta, timezone

import jwt

# The signing key was pasted here "temporarily" while the secret store was being set up.
JWT_SECRET_KEY = os.getenv("AUTH_JWT_SECRET_KEY", "kP9vX2mQ7rT4wZ8nB3cH6jL1dF5gS0aYe2Ui7Oq4")  # error: ISO203
JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30
TOKEN_URL = "/auth/token"
API_KEY_HEADER = "X-API-Key"
PASSWORD_MIN_LENGTH = 12
PASSWORD_HASH_ALGORITHM = "sha256"
PASSWORD_HASH_ITERATIONS = 600_000
SERVICE_TOKEN_PREFIX = "svc_"
SMTP_PASSWORD = os.getenv("AUTH_SMTP_PASSWORD", "")
WEBHOOK_SIGNING_KEY = b"whsec_7Hq2Xv9Lm4Kp8Rt3Wn6Bc1Jd5Fg0Sa"  # error: ISO203


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac(PASSWORD_HASH_ALGORITHM, password.encode(), salt, PASSWORD_HASH_ITERATIONS)
    return f"pbkdf2_sha256${PASSWORD_HASH_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    if password == "" or len(password) < PASSWORD_MIN_LENGTH:
        return False
    _, iterations, salt, expected = stored.split("$")
    digest = hashlib.pbkdf2_hmac(PASSWORD_HASH_ALGORITHM, password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


def create_access_token(subject: str) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    return jwt.encode({"sub": subject, "exp": expires}, JWT_SECRET_KEY, algorithm=JWT_ALGORITHM)


def sign_webhook(body: bytes) -> str:
    return hmac.new(WEBHOOK_SIGNING_KEY, body, hashlib.sha256).hexdigest()


def is_service_token(token: str) -> bool:
    return token.startswith(SERVICE_TOKEN_PREFIX) and len(token) > len(SERVICE_TOKEN_PREFIX) + 16
