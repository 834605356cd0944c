"""ISO404: a handler reads a payload field the other side's sender never sets (data vs payload)."""

from __future__ import annotations

from isolint.core.model import Severity
from isolint.rules.contract.catalogue import Mismatch
from isolint.rules.contract.reporting import ContractRule


class UnsetPayloadField(ContractRule):
    """A message field the handler reads but no send sets (`data` sent, `payload` read).

    ## What it does
    Flags a field that a handler reads from a received message (`message.payload` inside
    `case 'thread_updated':`, `message["payload"]` inside `if message["type"] == "…"`) when
    every place the other side sends that message type is a literal whose keys are all
    visible and none of them sets the field — `data` sent, `payload` read.

    ## Why is this bad?
    The handler reads `undefined` (or raises `KeyError`): the UI renders nothing, or the
    backend drops the request. The mismatch only shows up at run time, in production.

    ## Example
    ```typescript
    // frontend/src/ws/client.ts
    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type) {
        case 'thread_updated': store.updateThread(message.payload); break;
      }
    }
    ```
    ```python
    # services/backend/app/ws/threads.py
    async def updated(websocket, thread: dict) -> None:
        await websocket.send_json({"type": "thread_updated", "data": thread})
    ```

    ## Use instead
    ```typescript
    // frontend/src/ws/client.ts
    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type) {
        case 'thread_updated': store.updateThread(message.data); break;
      }
    }
    ```
    or make the backend send `payload`.

    ## Known look-alikes
    - A send whose keys are not all visible (a payload built elsewhere, `**extra`): the field
      may be set there, so nothing is reported.
    - A field that at least one send of the type sets.

    ## Options
    - `message-contract` (`backend`, `frontend`: globs of each side's files; `shared`: the contract file)
    """

    code = "ISO404"
    name = "unset-payload-field"
    message = "`{field}` is read from `{name}` messages, but the {peer} never sets it (it sends {sent})"
    severity = Severity.WARNING
    kind = "payload"

    def report(self, mismatch: Mismatch, anchor, ctx) -> None:
        sent = ", ".join(f"`{field}`" for field in mismatch.sent_fields)
        ctx.report(self, mismatch.read_range or anchor.range, name=mismatch.name, field=mismatch.field,
                   peer=mismatch.peer, sent=sent,
                   data={"message_type": mismatch.name, "field": mismatch.field, "sent_fields": list(mismatch.sent_fields)})
