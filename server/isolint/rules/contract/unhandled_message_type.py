"""ISO401: a message type one side sends (or declares) that the other side never handles."""

from __future__ import annotations

from isolint.core.model import Severity
from isolint.rules.contract.catalogue import SHARED, Mismatch
from isolint.rules.contract.reporting import ROLE_WORDS, ContractRule, peer_label


class UnhandledMessageType(ContractRule):
    """A message type one side sends or declares that the other side never mentions.

    ## What it does
    Flags a message type that one side of a channel sends or declares (a member of the
    backend's message `Enum`, a message model's `Literal` discriminator, a member of a `…Type`
    enum that event classes are tagged with (`observation: str = ObservationType.RUN`) when the
    frontend mirrors that enum and switches on that field, a `{"type": "…"}` dict
    passed to `send_json` or yielded to a `StreamingResponse`/`EventSourceResponse`, an object
    with `type: '…'` passed to `ws.send`) that the other side never mentions on the same channel
    (a WebSocket route, Socket.IO, or an HTTP stream, paired by path), or that a module
    publishes through another module's publisher (`publish_event("invoice.refunded", …)`, where
    `publish(key, …)` builds the event a streaming endpoint of its package serves): no `case`,
    no comparison, no handler, no declaration. Both sides are found without configuration (Python is the
    backend, TypeScript the frontend) or named in `[tool.isolint.message-contract]`; sends
    through the project's own wrappers count; the finding sits on the declaring line (the enum
    member, the model's discriminator) when there is one, with the other mentions in that file
    as related locations.

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
    - Another channel: a WebSocket route pairs with the frontend URLs that reach it, an HTTP
      stream with the files that read it, Socket.IO with Socket.IO; a file on no channel both
      sides use (another host, DevTools, an LLM provider's stream) is quiet.
    - On an HTTP stream messages only go out: a backend `type` dispatch there is no handler.
    - Messages to someone else's server; the transport's own events (`connect`); what a
      validator returns; a publisher-named helper whose package serves no stream.
    - A key one of the backend's own stream endpoints reads back (`event.get("key") == "…"`):
      it serves a client outside the repository.
    - Enum members nothing sends, message models nothing builds, states, statuses and reasons.
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
