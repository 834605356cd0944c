"""ISO403: the two sides spell one message type differently (case, tense, a typo)."""

from __future__ import annotations

from isolint.core.model import Applicability, Fix, Fixability, Severity
from isolint.fixers.rename_literal import rename_string_literals
from isolint.rules.contract.catalogue import BACKEND, SHARED, Mismatch, catalogue_of
from isolint.rules.contract.reporting import ContractRule, peer_label


class NearMissMessageType(ContractRule):
    """A message type the peer spells slightly differently (`thread_update` / `thread_updated`).

    ## What it does
    Flags a WebSocket message type that the other side of the contract knows under a near-miss
    spelling: the same words in another case (`agentCompleted` / `agent_completed`), another
    tense or number (`thread_update` / `thread_updated`), or a one-letter slip. Both sides are
    flagged, on their declaring lines.

    ## Why is this bad?
    The sender and the receiver mean the same event but the strings differ, so the message is
    dropped on arrival — the audit's most common drift, and invisible to both type checkers.

    ## Example
    ```typescript
    // frontend/src/ws/types.ts
    export type ServerMessageType = 'thread_created' | 'thread_update';

    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type as ServerMessageType) {
        case 'thread_created': return addThread(message.thread);
        case 'thread_update': return updateThread(message.thread);
      }
    }
    ```
    ```python
    # services/backend/app/ws/threads.py
    async def created(websocket, thread: dict) -> None:
        await websocket.send_json({"type": "thread_created", "thread": thread})


    async def updated(websocket, thread: dict) -> None:
        await websocket.send_json({"type": "thread_updated", "thread": thread})
    ```

    ## Use instead
    ```typescript
    // frontend/src/ws/types.ts
    export type ServerMessageType = 'thread_created' | 'thread_updated';

    export function onMessage(socket: WebSocket, raw: string) {
      const message = JSON.parse(raw);
      switch (message.type as ServerMessageType) {
        case 'thread_created': return addThread(message.thread);
        case 'thread_updated': return updateThread(message.thread);
      }
    }
    ```

    ## Fix safety
    The fix renames every literal spelling of the type in the file (declaration, `case`
    labels, sends) to the peer's spelling. It changes what goes over the wire, so it is
    unsafe. The backend is the source of truth: on the frontend the fix renames to the
    backend's spelling; on the backend it is display-only (applying both would swap the
    spellings). With a `shared` contract file both sides are renamed to the contract's spelling.

    ## Known look-alikes
    - Names that differ only in a number (`v1`/`v2`): different types.
    - A one-letter difference in a name shorter than six letters, and a name with two equally
      close spellings on the other side (an ambiguous rename): [ISO401](ISO401.md) or
      [ISO402](ISO402.md) reports them instead.

    ## Options
    - `message-contract` (`backend`, `frontend`: globs of each side's files; `shared`: the contract file)
    """

    code = "ISO403"
    name = "near-miss-message-type"
    message = "Message type `{name}` does not match `{peer_name}` in the {peer} ({reason})"
    fix_title = "Rename to `{peer_name}` (the spelling in the {peer})"
    fixable = Fixability.ALWAYS
    severity = Severity.WARNING
    kind = "near-miss"

    def report(self, mismatch: Mismatch, anchor, ctx) -> None:
        peer = peer_label(mismatch)
        side = catalogue_of(ctx.project).sides[mismatch.side]
        literals = [item.range for item in side.by_name.get(mismatch.name, ())
                    if item.path == ctx.source.rel_path and item.entry.get("literal")]
        edits = rename_string_literals(literals, mismatch.peer_name)
        fix = None
        if edits:
            applicability = Applicability.DISPLAY_ONLY if mismatch.side == BACKEND and mismatch.peer != SHARED \
                else Applicability.UNSAFE
            fix = Fix(self.fix_title.format(peer_name=mismatch.peer_name, peer=peer), applicability, edits)
        ctx.report(self, anchor.range, fix=fix, name=mismatch.name, peer=peer, peer_name=mismatch.peer_name,
                   reason=mismatch.reason,
                   data={"message_type": mismatch.name, "peer_spelling": mismatch.peer_name, "side": mismatch.side})
