"""Live transcription: the browser streams audio here, we relay it to the speech provider's
realtime API and store the final transcript as the user's chat message.

Two sockets, two protocols: the browser's is our message contract, the provider's is theirs
(its `{"type": "input_audio_buffer.append"}` events are nothing the frontend should handle).
"""

from __future__ import annotations

import json

import websockets
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from .router import manager, store_user_message

router = APIRouter()


@router.websocket("/ws/{user_id}/transcribe")
async def transcribe(websocket: WebSocket, user_id: str) -> None:
    await websocket.accept()
    provider_url = websocket.app.state.speech_api_url
    async with websockets.connect(provider_url) as provider:
        await provider.send(json.dumps({"type": "transcription_session.update", "language": "en"}))
        try:
            while True:
                chunk = await websocket.receive_bytes()
                await provider.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk.hex()}))
                event = json.loads(await provider.recv())
                if event["type"] == "transcription.completed":
                    await store_user_message(user_id, event["transcript"])
                elif event["type"] == "transcription.failed":
                    await manager.error(websocket, "transcription_failed", event["message"])
        except WebSocketDisconnect:
            await provider.close()
