"""Every message type that travels over the backend's WebSocket, in both directions."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel


class MessageType(str, Enum):
    # server -> client
    THREAD_CREATED = "thread_created"
    THREAD_UPDATE = "thread_update"  # error: ISO403
    AGENT_STARTED = "agent_started"
    AGENT_COMPLETED = "agent_completed"  # error: ISO403
    RUN_PROGRESS = "run_progress"  # error: ISO401
    ERROR = "error"
    PONG = "pong"
    # client -> server
    START_AGENT = "start_agent"
    STOP_AGENT = "stop_agent"
    USER_MESSAGE = "user_message"
    PING = "ping"


class ContentKind(str, Enum):
    """What a chat message holds; a value of the payload, not a message type."""

    TEXT = "text"
    MARKDOWN = "markdown"
    TOOL_OUTPUT = "tool_output"


class ErrorMessage(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message: str


class OutgoingMessage(BaseModel):
    type: MessageType
    payload: dict[str, Any] = {}
