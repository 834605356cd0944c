"""Every in-process test fails when a rule or an indexer crashes.

The engine isolates a crashing rule or indexer (it logs the exception and goes on), which is
what a user needs; in a test the same isolation would hide the bug behind a fixture that merely
lost a few findings. Tests that crash a rule on purpose say so with ``@pytest.mark.crashes``.
"""

from __future__ import annotations

import logging

import pytest

_CRASH_MESSAGES = ("rule %s crashed on %s", "indexer %s crashed on %s")


class _CrashRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg in _CRASH_MESSAGES:
            self.crashes.append(record.getMessage())


@pytest.fixture(autouse=True)
def _fail_on_rule_or_indexer_crash(request: pytest.FixtureRequest):
    recorder = _CrashRecorder()
    logger = logging.getLogger("isolint")
    logger.addHandler(recorder)
    try:
        yield
    finally:
        logger.removeHandler(recorder)
    if recorder.crashes and request.node.get_closest_marker("crashes") is None:
        pytest.fail("a rule or an indexer crashed: " + "; ".join(recorder.crashes[:5]), pytrace=False)
