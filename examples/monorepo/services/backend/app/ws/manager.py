"""Fan-out of server events to the WebSocket connections of a user."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from fastapi import WebSocket

from .messages import ContentKind, ErrorMessage, MessageType

log = logging.getLogger(__name__)


class ConnectionManager:
    def __init__(self) -> None:
        self._connections: dict[str, set[WebSocket]] = defaultdict(set)

    async def connect(self, user_id: str, websocket: WebSocket) -> None:
        await websocket.accept()
        self._connections[user_id].add(websocket)

    def disconnect(self, user_id: str, websocket: WebSocket) -> None:
        self._connections[user_id].discard(websocket)

    async def send_to_user(self, user_id: str, message: dict[str, Any]) -> None:
        for websocket in list(self._connections[user_id]):
            await websocket.send_json(message)

    async def thread_created(self, user_id: str, thread: dict[str, Any]) -> None:
        await self.send_to_user(user_id, {"type": MessageType.THREAD_CREATED, "payload": thread})

    async def thread_changed(self, user_id: str, thread: dict[str, Any]) -> None:
        message = {"type": MessageType.THREAD_UPDATE, "payload": thread}
        await self.send_to_user(user_id, message)

    async def agent_started(self, user_id: str, run_id: str, agent: str) -> None:
        # the frontend reads `payload`; this sends `data`
        await self.send_to_user(user_id, {"type": MessageType.AGENT_STARTED, "data": {"run_id": run_id, "agent": agent}})

    async def agent_completed(self, user_id: str, run_id: str, result: dict[str, Any]) -> None:
        await self.send_to_user(user_id, {"type": MessageType.AGENT_COMPLETED, "payload": {"run_id": run_id, **result}})

    async def run_progress(self, user_id: str, run_id: str, percent: int) -> None:
        await self.send_to_user(user_id, {"type": MessageType.RUN_PROGRESS, "payload": {"run_id": run_id, "percent": percent}})

    async def error(self, websocket: WebSocket, code: str, text: str) -> None:
        await websocket.send_json(ErrorMessage(code=code, message=text).model_dump())

    @staticmethod
    def chat_block(text: str) -> dict[str, Any]:
        # a content block inside a payload: its "type" is a ContentKind, not a message type
        return {"type": ContentKind.MARKDOWN, "text": text}
