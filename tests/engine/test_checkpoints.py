"""Checkpoints: a host (the language server) may pause a check or abandon it between its
steps; a host that only watches changes nothing, and without a host nothing happens."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from isolint.core.config import Settings
from isolint.core.source import SourceFile
from isolint.engine.checker import check_source
from isolint.engine.checkpoints import Superseded, checkpoints
from isolint.engine.project import ProjectIndex

ROOT = Path("/p")
TEXT = "import os\n\n" + "".join(
    f'def handler_{i}():\n    return os.getenv("URL_{i}", "http://localhost:{8000 + i}")\n\n\n' for i in range(20))


def _check(project: ProjectIndex | None = None):
    source = SourceFile.from_text(ROOT / "services/api/app/config.py", TEXT, Settings(root=ROOT))
    return check_source(source, project)


def test_a_watching_host_sees_every_function_and_changes_nothing() -> None:
    plain = _check()
    calls = []
    with checkpoints(lambda: calls.append(1)):
        watched = _check()
    assert watched.findings == plain.findings and len(plain.findings) == 20
    assert len(calls) >= 20, "one checkpoint per function of the walk, at least"


def test_a_host_abandons_a_check_midway_and_the_next_check_is_whole() -> None:
    calls = []

    def abandon_at_the_fifth() -> None:
        calls.append(1)
        if len(calls) == 5:
            raise Superseded

    project = ProjectIndex(Settings(root=ROOT))
    with checkpoints(abandon_at_the_fifth), pytest.raises(Superseded):
        _check(project)
    assert len(calls) == 5
    assert len(_check(project).findings) == 20


def test_checkpoints_belong_to_the_thread_that_installed_them() -> None:
    seen = []
    with checkpoints(lambda: seen.append(threading.current_thread().name)):
        other = threading.Thread(target=_check, name="elsewhere")
        other.start()
        other.join()
    assert seen == []
