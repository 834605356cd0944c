"""ISO401: a message type one side sends (or declares) that the other side never handles."""

from __future__ import annotations

from isolint.core.model import Severity
from isolint.rules.contract.catalogue import SHARED, Mismatch
from isolint.rules.contract.reporting import ROLE_WORDS, ContractRule, peer_label


class UnhandledMessageType(ContractRule):
    """A WebSocket message type one side sends or declares that the other side never mentions.

    ## What it does
    Flags a WebSocket message type that one side of the contract sends or declares (a member of
    the backend's message `Enum`, a `{"type": "…"}` dict passed to `send_json`, a member of the
    frontend's message-type union, an object with `type: '…'` passed to `ws.send`) that the
    other side never mentions: no `case`, no comparison, no handler, no declaration. Both sides
    are found without configuration (Python is the backend, TypeScript the frontend, production
    code with strong evidence of WebSocket traffic) or named in `[tool.isolint.message-contract]`, and
    sends through the project's own wrappers count (a function whose first parameter becomes the
    event name or the message `type`). The finding sits on the declaring line (the enum or union
    member) when there is one, else on each send site.

    ## Why is this bad?
    A message nobody handles is silently dropped: the backend reports progress the UI never
    shows, or the UI waits forever for an event the server calls something else. Nothing in
    either language's type checker can see across the boundary.

    ## Example
    ```python
    # services/backend/app/ws/messages.py
    from enum import Enum


    class MessageType(str, Enum):
        THREAD_CREATED = "thread_created"
        RUN_PROGRESS = "run_progress"   # the frontend has no case for it
    ```
    ```python
    # services/backend/app/ws/router.py
    from app.ws.messages import MessageType


    async def notify(websocket, thread_id: str, percent: int) -> None:
        await websocket.send_json({"type": MessageType.THREAD_CREATED, "id": thread_id})
        await websocket.send_json({"type": MessageType.RUN_PROGRESS, "percent": percent})
    ```
    ```typescript
    // frontend/src/ws/messages.ts
    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type) {
        case 'thread_created': return onThreadCreated(message.id);
      }
    }
    ```

    ## Use instead
    ```typescript
    // frontend/src/ws/messages.ts
    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type) {
        case 'thread_created': return onThreadCreated(message.id);
        case 'run_progress': return onRunProgress(message.percent);
      }
    }
    ```
    and handle every type the backend sends (or stop sending it).

    ## Known look-alikes
    - Another channel than the one the other side uses: each WebSocket route pairs with the
      frontend URLs that reach it, Socket.IO with Socket.IO; a file on no channel both sides use
      (a URL served outside the repository, a browser extension's runtime messages, the
      browser's DevTools protocol, an LLM provider's stream) is not reported.
    - Messages to someone else's server: a file that only opens client connections
      (`websockets.connect`, `ws_connect`, `websocket_connect`), or the upstream socket a proxy opened.
    - The transport's own events (`connect`, `disconnect`, `connect_failed`, ASGI's
      `websocket.disconnect`…).
    - Enums whose members no socket code sends or handles (`NotificationType` for e-mails), and
      states, statuses and reasons (`ConnectionStatus = 'connecting' | 'open'`).
    - With a `shared` contract file, each side is checked against it, not against the other.

    ## Options
    - `message-contract` (`backend`, `frontend`: globs of each side's files; `shared`: the contract file)
    """

    code = "ISO401"
    name = "unhandled-message-type"
    message = "Message type `{name}` is {role} by the {side} but {consequence}"
    severity = Severity.WARNING
    kind = "unknown"

    def report(self, mismatch: Mismatch, anchor, ctx, related=()) -> None:
        if mismatch.peer == SHARED:
            consequence = f"the {peer_label(mismatch)} does not define it"
        elif mismatch.role == "send":
            consequence = f"the {mismatch.peer} never handles it"
        else:
            consequence = f"the {mismatch.peer} never sends or handles it"
        ctx.report(self, anchor.range, name=mismatch.name, role=ROLE_WORDS[mismatch.role], side=mismatch.side,
                   consequence=consequence, data={"message_type": mismatch.name, "side": mismatch.side}, related=related)
