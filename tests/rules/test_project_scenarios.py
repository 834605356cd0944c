"""Multi-file scenarios under tests/fixtures/projects/: each folder is a small project (with its
own pyproject.toml) whose findings must be exactly its `# error:` markers, and whose messages and
fixes match its snapshot (tests/snapshots/projects/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.projects import assert_findings_match_markers
from tests.support.snapshots import assert_snapshot, render_findings

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@pytest.mark.parametrize("folder", sorted(p for p in PROJECTS.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_project_findings_are_exactly_the_marked_lines(folder: Path) -> None:
    assert (folder / "pyproject.toml").is_file(), "a scenario needs its own pyproject.toml with [tool.isolint]"
    run = assert_findings_match_markers(folder)
    pages = []
    for result in run.results:
        if result.findings:
            rel = result.source.path.resolve().relative_to(folder.resolve()).as_posix()
            pages.append(f"== {rel}\n" + render_findings(result.source.text, result.findings, rel))
    assert_snapshot(f"projects/{folder.name}", "".join(pages))
