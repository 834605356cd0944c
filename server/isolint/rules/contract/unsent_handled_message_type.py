"""ISO402: a message type one side handles that the other side never sends."""

from __future__ import annotations

from isolint.core.model import Severity
from isolint.rules.contract.catalogue import Mismatch
from isolint.rules.contract.reporting import ContractRule


class UnsentHandledMessageType(ContractRule):
    """A WebSocket message type one side handles that the other side never sends or declares.

    ## What it does
    Flags a message type one side handles (a `case 'agent_done':`, an `if msg_type == "…"`
    branch, a handler registration, an `EventSource`'s `addEventListener('…', …)`, a
    subscription on the emitter a stream hook returns, a dispatch table looked up by the
    received key) that the other side never sends, declares or handles on that channel — dead
    or drifted handling code.
    A handled type is a comparison on a message this code *receives*; types the peer sends
    through its own wrapper functions count as sent (see [ISO401](ISO401.md)); a backend enum or
    `Literal` alias named after another channel that no send or handler refers to (a webhook's
    event types) is that channel's vocabulary and does not.
    A kind declared only by message models no code builds (`TerminateRequest` with
    `request_type: Literal["terminate"]`, and not one `TerminateRequest(…)`) is never sent: that
    also checks a WebSocket between two Python services of the repository (a route one serves
    and a client that connects to it).

    ## Why is this bad?
    The handler waits for a message that never arrives: usually the sender renamed the type
    or stopped sending it, and the feature behind the handler is quietly broken.

    ## Example
    ```python
    # services/backend/app/ws/router.py
    async def dispatch(websocket, message) -> None:
        if message["type"] == "start_run":
            await websocket.send_json({"type": "run_started", "id": message["id"]})
        elif message["type"] == "resume_run":   # the frontend never sends it
            await websocket.send_json({"type": "run_started", "id": message["id"]})
    ```
    ```typescript
    // frontend/src/ws/client.ts
    export function startRun(socket: WebSocket, id: string) {
      socket.send(JSON.stringify({ type: 'start_run', id }));
    }

    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      if (message.type === 'run_started') showRun(message.id);
    }
    ```

    ## Use instead
    ```python
    # services/backend/app/ws/router.py
    async def dispatch(websocket, message) -> None:
        if message["type"] == "start_run":
            await websocket.send_json({"type": "run_started", "id": message["id"]})
    ```

    ## Known look-alikes
    - The `type` of a payload inside the handler of one specific event
      (`socket.on('toast', (data) => … data.type === 'info')`).
    - Elements in an array callback (`elements.filter((e) => e.type === 'tasklist')`), a
      `type` bound from no message (`route.params`), a lookup only returning per `type`.
    - Another server's replies; a transport's or router's own events.
    - A `type` field's default in an abstract base or under a wider alias; a type the backend
      publishes to its own broker or queues; a key kept in a constant the backend publishes.
    - Another channel (see [ISO401](ISO401.md)), a backend `type` dispatch on an HTTP stream,
      and registrations on an object that is no socket (`cdp_session.on("Page.load", …)`).
    - A model built by `parse_obj`/`model_validate`, or named with no message word
      (`…Request`, `…Response`, `…Update`…): not all its builds are read.

    ## Options
    - `message-contract` (`backend`, `frontend`: globs of each side's files; `shared`: the contract file)
    """

    code = "ISO402"
    name = "unsent-handled-message-type"
    message = "Message type `{name}` is handled by the {side} but {never_sent}"
    severity = Severity.WARNING
    kind = "unsent"

    def report(self, mismatch: Mismatch, anchor, ctx, related=()) -> None:
        if mismatch.side == mismatch.peer:  # both ends are services of one language
            side, never_sent = "service here", f"nothing in the repository sends it ({mismatch.reason} is never built)"
        else:
            side, never_sent = mismatch.side, f"the {mismatch.peer} never sends it"
        ctx.report(self, anchor.range, name=mismatch.name, side=side, never_sent=never_sent,
                   data={"message_type": mismatch.name, "side": mismatch.side}, related=related)
