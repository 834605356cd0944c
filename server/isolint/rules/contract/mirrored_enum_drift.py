"""ISO405: an enum one side mirrors from the other has a member the mirror lacks."""

from __future__ import annotations

from isolint.core.model import Severity
from isolint.rules.contract.catalogue import Mismatch
from isolint.rules.contract.reporting import ContractRule


class MirroredEnumDrift(ContractRule):
    """A member of an enum that the other side's copy of the enum does not have.

    ## What it does
    Flags a member of a backend enum that the frontend mirrors — same name, give or take an
    `Enum` suffix (`ExecutionStatus` / `ExecutionStatusEnum`), and at least two values and half
    of the smaller one's values in common — when the mirror has no member of that value, on
    either side. Only enums of which one side's file is on a message channel both sides use
    (a WebSocket route and the frontend URL that reaches it) are compared.

    ## Why is this bad?
    The two enums are one vocabulary of the messages: a status the backend streams that the
    frontend's copy never names falls through every `switch` (a cancelled run shows as still
    running), and an event type only the frontend declares is waited for in vain.

    ## Example
    ```python
    # backend/app/kernels/stream.py
    class ExecutionStatus(str, Enum):
        CANCELLED = "cancelled"
        RUNNING = "running"
        SUCCESS = "success"

    @router.websocket("/ws/events")
    async def events(websocket: WebSocket) -> None:
        await websocket.send_json({"type": "execution", "status": ExecutionStatus.RUNNING})
    ```
    ```typescript
    // web/src/stream.ts
    export enum ExecutionStatusEnum {
      RUNNING = 'running',
      SUCCESS = 'success',
    }
    const socket = new WebSocket(`${base}/ws/events`);
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'execution') show(message.status as ExecutionStatusEnum);
    };
    ```

    ## Use instead
    ```typescript
    // web/src/stream.ts
    export enum ExecutionStatusEnum {
      CANCELLED = 'cancelled',
      RUNNING = 'running',
      SUCCESS = 'success',
    }
    const socket = new WebSocket(`${base}/ws/events`);
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'execution') show(message.status as ExecutionStatusEnum);
    };
    ```

    ## Known look-alikes
    - Enums named alike where neither file is on a message channel (a UI's `ItemType`).
    - Enums that share a name but one value or less (`ColumnType` of a data grid and of a
      schema): another vocabulary.
    - A member the other side already has under a near-miss spelling, or one ISO401 reports.

    ## Options
    - `message-contract` (`backend`, `frontend`: globs of each side's files; `shared`: the contract file)
    """

    code = "ISO405"
    name = "mirrored-enum-drift"
    message = "`{name}` is a member of `{enum}` here, but the {peer}'s mirror `{peer_enum}` ({peer_path}) has none"
    severity = Severity.WARNING
    kind = "mirror"

    def report(self, mismatch: Mismatch, anchor, ctx, related=()) -> None:
        ctx.report(self, anchor.range, name=mismatch.name, enum=mismatch.reason, peer=mismatch.peer,
                   peer_enum=mismatch.peer_name, peer_path=mismatch.peer_path,
                   data={"message_type": mismatch.name, "enum": mismatch.reason, "peer_enum": mismatch.peer_name})
