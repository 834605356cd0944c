"""Token decoding inside the auth service (an internal module: other services call the auth API)."""

from __future__ import annotations

import base64
import json


def decode_token(token: str) -> dict:
    """Decode the payload of a signed token (signature checked by the caller)."""
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))
