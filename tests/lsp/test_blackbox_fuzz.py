"""The seeded fuzzer (tests/lsp/blackbox/fuzz.py) for a bounded time per session: random edits,
cancels, close/reopen churn and requests on unknown documents; the server never crashes, never
hangs, never publishes a stale version, and ends agreeing with a fresh run.

Longer runs by hand: ``.venv/bin/python -m tests.lsp.blackbox.fuzz --seconds 600 --sessions 5``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lsp.blackbox.fuzz import run_fuzz

#: (seed, offered encodings, pull) — 12 s of fuzzing each, about 50 s with start and checks
SESSIONS = [(1, ["utf-16"], False), (2, ["utf-8"], True), (5, None, False)]
SECONDS = 12.0


@pytest.mark.parametrize(("seed", "encodings", "pull"), SESSIONS,
                         ids=[f"seed{s}-{'+'.join(e) if e else 'none'}-{'pull' if p else 'push'}" for s, e, p in SESSIONS])
def test_fuzz(tmp_path: Path, seed: int, encodings: list[str] | None, pull: bool) -> None:
    stats = run_fuzz(tmp_path, SECONDS, seed, encodings, pull)
    assert stats.edits > 50 and stats.requests > 20 and stats.cancelled > 5, stats.summary()
