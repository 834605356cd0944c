"""The bundled demo: every seeded leak is found (marked `# error: ISOxxx` in its file) and every
look-alike stays quiet — through the same CLI a user runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.projects import assert_findings_match_markers, expected_markers

MONOREPO = Path(__file__).resolve().parents[2] / "examples" / "monorepo"


def test_findings_are_exactly_the_seeded_leaks() -> None:
    assert_findings_match_markers(MONOREPO)


def test_every_rule_family_is_seeded() -> None:
    families = {code[:4] for _, _, code in expected_markers(MONOREPO)}
    assert families >= {"ISO1", "ISO2", "ISO5", "ISO6"}, families


def test_cli_on_the_monorepo_exits_1_and_prints_findings() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "isolint", "check", str(MONOREPO)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1, completed.stderr
    assert "ISO1" in completed.stdout and "Found" in completed.stdout
