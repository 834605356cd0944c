"""Notification channels offered in the admin UI: localized labels and delivery endpoints.

Labels are shown as written (French, Japanese, emoji); endpoints come from the environment,
except the push gateway, still hard-wired to a developer's laptop.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.env import get_env

env = get_env()


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    endpoint: str


CHANNELS = (
    Channel("email", "Courriel — reçu 📬", env.require("SMTP_RELAY_URL")),
    Channel("push", "Café 🎉 プッシュ通知", endpoint="http://localhost:8088/push"),  # error: ISO101
    Channel("sms", "SMS 短信 ✉️", env.require("SMS_GATEWAY_URL")),
)

# Shown next to the "localhost" badge in the admin UI when a developer runs the stack locally.
LOCAL_BADGE = "🧪 本地 — local"


def channel(key: str) -> Channel:
    return next(c for c in CHANNELS if c.key == key)
