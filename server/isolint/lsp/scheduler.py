"""Per-document analysis: off the event loop, newest version only, never a stale publish.

Each open document has at most one analysis in flight. Every trigger (an edit, a save, a
settings change, a change of facts the document's rules read) bumps the document's
``wanted`` generation; the analysis loop always checks the newest snapshot, and a result whose
generation is no longer wanted is dropped instead of published. An analysis overtaken that way
(or whose document was closed) is abandoned at the engine's next checkpoint
(:mod:`isolint.engine.checkpoints`), so the newest text's analysis starts within a few
milliseconds instead of after a whole check of an older one. Requests that need the current
findings (pull diagnostics, code actions, hover) await ``current()``; the client cancelling
such a request cancels only the wait, never the shared analysis.

While a text does not parse, the findings of the last text that did are kept, carried
through the edits since (``documents.shift_findings``), so diagnostics neither flicker nor
jump; their fixes are dropped because their edits no longer match the text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from isolint.core.model import Finding
from isolint.lsp.analysis import Outcome, Snapshot, analyse
from isolint.lsp.documents import Document, TextChange, shift_findings
from isolint.rules.meta.parse_error import ParseError

log = logging.getLogger(__name__)


@dataclass
class DocumentState:
    #: True when ``findings`` come from an analysis of exactly the current text
    fresh: bool = False
    wanted: int = 0
    done: int = -1
    running: asyncio.Task | None = None
    waiters: list[asyncio.Future] = field(default_factory=list)
    reads_facts: frozenset[str] = frozenset()
    #: fact kinds that analyses whose results were discarded (the text changed meanwhile) still
    #: wrote to the project index: the next accepted result announces them to the readers
    unannounced_facts: set[str] = field(default_factory=set)
    _findings: list[Finding] = field(default_factory=list)
    #: edits not yet carried into ``_findings``: carrying is deferred until someone needs the
    #: old findings (a parse error, onSave mode), since a fresh analysis usually replaces them
    _pending: list[TextChange] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Findings shown for the document's current text (fresh, or carried through edits)."""
        for change in self._pending:
            self._findings = shift_findings(self._findings, change)
        self._pending.clear()
        return self._findings

    @findings.setter
    def findings(self, findings: list[Finding]) -> None:
        self._findings = findings
        self._pending.clear()

    def follow(self, change: TextChange) -> None:
        self._pending.append(change)
        self.fresh = False


class Scheduler:
    def __init__(
        self,
        executor: Executor,
        snapshot_of: Callable[[Document], Snapshot | None],
        document_of: Callable[[str], Document | None],
        on_result: Callable[[Document, DocumentState, Outcome | None], None],
    ) -> None:
        self.executor = executor
        self.snapshot_of = snapshot_of
        self.document_of = document_of
        self.on_result = on_result
        self.states: dict[str, DocumentState] = {}
        #: analyses of open documents in flight; background work yields while there are any
        self.analysing = 0

    def state(self, uri: str) -> DocumentState:
        return self.states.setdefault(uri, DocumentState())

    def request(self, uri: str) -> None:
        """Ask for an analysis of the document's current text (coalesced with one in flight)."""
        state = self.state(uri)
        state.wanted += 1
        if state.running is None or state.running.done():
            state.running = asyncio.ensure_future(self._run(uri, state))

    def forget(self, uri: str) -> None:
        state = self.states.pop(uri, None)
        if state is None:
            return
        if state.running is not None:
            state.running.cancel()
        # Requests waiting for this document's findings are answered (the document is gone,
        # so with nothing), not cancelled: only the client cancels its requests.
        self._wake(state)

    async def current(self, uri: str) -> DocumentState | None:
        """The document's state once every requested analysis has landed."""
        state = self.states.get(uri)
        while (state is not None and state.done != state.wanted and self.states.get(uri) is state
               and self.document_of(uri) is not None):
            if state.running is None or state.running.done():
                state.running = asyncio.ensure_future(self._run(uri, state))
            waiter = asyncio.get_running_loop().create_future()
            state.waiters.append(waiter)
            await asyncio.shield(waiter)
        return state

    async def _run(self, uri: str, state: DocumentState) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.states.get(uri) is state and state.done != state.wanted:
                document = self.document_of(uri)
                if document is None:
                    return
                generation = state.wanted
                snapshot = self.snapshot_of(document)
                outcome = None
                if snapshot is not None:
                    snapshot = dataclasses.replace(snapshot, superseded=self._superseded_test(uri, state, generation))
                    self.analysing += 1
                    try:
                        outcome = await loop.run_in_executor(self.executor, analyse, snapshot)
                    except Exception:
                        log.exception("analysis of %s failed", uri)
                        outcome = Outcome(snapshot)
                    finally:
                        self.analysing -= 1
                if outcome is not None:
                    state.unannounced_facts |= outcome.changed_facts
                    log.info("analysed %s version %s: %.1f ms CPU, %s", snapshot.path.name, snapshot.version,
                             outcome.cpu_ms, "superseded" if outcome.superseded else f"{len(outcome.findings)} findings")
                if self.states.get(uri) is not state or self.document_of(uri) is not document:
                    return  # closed (or closed and reopened) meanwhile
                if state.wanted != generation or (snapshot is not None and document.version != snapshot.version):
                    continue  # the text or the settings changed: this result is stale
                self._accept(state, outcome)
                if outcome is not None:
                    outcome.changed_facts, state.unannounced_facts = state.unannounced_facts, set()
                state.done = generation
                self.on_result(document, state, outcome)
        finally:
            self._wake(state)

    def _superseded_test(self, uri: str, state: DocumentState, generation: int) -> Callable[[], bool]:
        """Read from the analysis thread: a newer generation is wanted, or the document is gone."""
        return lambda: state.wanted != generation or self.states.get(uri) is not state

    def _accept(self, state: DocumentState, outcome: Outcome | None) -> None:
        if outcome is None:
            state.findings = []
            state.reads_facts = frozenset()
        elif outcome.parse_error is None:
            state.findings = outcome.findings
            state.reads_facts = outcome.reads_facts
        else:
            carried = [f for f in state.findings if f.code != ParseError.code]
            state.findings = sorted(carried + outcome.findings, key=Finding.sort_key)
        state.fresh = True

    def _wake(self, state: DocumentState) -> None:
        waiters, state.waiters = state.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
