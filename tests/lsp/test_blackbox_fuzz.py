"""The seeded fuzzer (tests/lsp/blackbox/fuzz.py) for a fixed number of steps per session: random edits,
cancels, close/reopen churn and requests on unknown documents; the server never crashes, never
hangs, never publishes a stale version, and ends agreeing with a fresh run.

Longer runs by hand: ``.venv/bin/python -m tests.lsp.blackbox.fuzz --seconds 600 --sessions 5``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lsp.blackbox.fuzz import run_fuzz

#: (seed, offered encodings, pull) — a fixed step count, so a failure replays with its seed
SESSIONS = [(1, ["utf-16"], False), (2, ["utf-8"], True), (5, None, False)]
STEPS = 400


@pytest.mark.parametrize(("seed", "encodings", "pull"), SESSIONS,
                         ids=[f"seed{s}-{'+'.join(e) if e else 'none'}-{'pull' if p else 'push'}" for s, e, p in SESSIONS])
def test_fuzz(tmp_path: Path, seed: int, encodings: list[str] | None, pull: bool) -> None:
    stats = run_fuzz(tmp_path, seed, encodings, pull, steps=STEPS)
    assert stats.edits > 150 and stats.requests > 50 and stats.cancelled > 5, stats.summary()
