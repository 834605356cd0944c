"""A check runs without the cyclic garbage collector and gives it back as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

from isolint.core.config import Settings
from isolint.engine.checker import check_source
from isolint.core.source import SourceFile

TEXT = 'import os\n\nREDIS_HOST = os.getenv("REDIS_HOST", "localhost")\n'


def _check() -> list[str]:
    source = SourceFile.from_text(Path("/p/services/api/app/config.py"), TEXT, Settings(root=Path("/p")))
    return [finding.code for finding in check_source(source).findings]


def test_the_collector_is_paused_during_a_check_and_resumed_after() -> None:
    seen: list[bool] = []
    original = SourceFile.position_from_ast

    def spy(self, lineno, col_offset):  # runs while the rules report
        seen.append(gc.isenabled())
        return original(self, lineno, col_offset)

    SourceFile.position_from_ast = spy  # type: ignore[method-assign]
    try:
        assert _check() == ["ISO102"]
    finally:
        SourceFile.position_from_ast = original  # type: ignore[method-assign]
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_collector_the_host_switched_off_stays_off() -> None:
    gc.disable()
    try:
        assert _check() == ["ISO102"]
        assert not gc.isenabled()
    finally:
        gc.enable()
