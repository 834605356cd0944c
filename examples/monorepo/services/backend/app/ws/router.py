"""The backend's WebSocket endpoint: authenticate, then dispatch what the browser sends."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from .manager import ConnectionManager
from .messages import MessageType

router = APIRouter()
manager = ConnectionManager()


@router.websocket("/ws/{user_id}")
async def websocket_endpoint(websocket: WebSocket, user_id: str) -> None:
    await manager.connect(user_id, websocket)
    try:
        while True:
            message = await websocket.receive_json()
            await dispatch(websocket, user_id, message)
    except WebSocketDisconnect:
        manager.disconnect(user_id, websocket)


async def dispatch(websocket: WebSocket, user_id: str, message: dict) -> None:
    msg_type = message.get("type")
    if msg_type == MessageType.PING:
        await websocket.send_json({"type": MessageType.PONG})
    elif msg_type == MessageType.START_AGENT:
        await start_agent(user_id, message["payload"]["prompt"])
    elif msg_type == MessageType.STOP_AGENT:
        await stop_agent(user_id, message["payload"]["run_id"])
    elif msg_type == "resume_agent":  # error: ISO402
        await start_agent(user_id, message["payload"]["prompt"])
    else:
        await handle_chat(user_id, message)


async def handle_chat(user_id: str, message: dict) -> None:
    match message["type"]:
        case MessageType.USER_MESSAGE:
            await store_user_message(user_id, message["payload"]["text"])
        case _:
            await manager.send_to_user(user_id, {"type": MessageType.ERROR, "payload": {"code": "unknown_type"}})


async def start_agent(user_id: str, prompt: str) -> None:
    run_id = f"run-{user_id}"
    await manager.agent_started(user_id, run_id, "planner")


async def stop_agent(user_id: str, run_id: str) -> None:
    await manager.run_progress(user_id, run_id, 100)


async def store_user_message(user_id: str, text: str) -> None:
    await manager.thread_changed(user_id, {"id": user_id, "last_message": text})
