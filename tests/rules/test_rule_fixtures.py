"""Every rule fixture: the findings are exactly the marked lines, the snapshot matches, and
applying all fixes (unsafe included) applies each of them, leaves no fixable finding, and leaves
code that still parses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from isolint.api import FixResult, fix_source, lint_source
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.core.source import language_of
from tests.support.markers import parse_markers
from tests.support.snapshots import SNAPSHOT_DIR, assert_snapshot, render_findings, updating_snapshots

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
VIRTUAL_ROOT = Path("/isolint-fixture-root")
DEFAULT_DIRS = {Language.PYTHON: "services/api/app", Language.DOTENV: "services/api",
                Language.TYPESCRIPT: "frontend/src"}


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and re.match(r"ISO\d{3}", p.name))


def lint_fixture(path: Path):
    text = path.read_text(encoding="utf-8")
    spec = parse_markers(text)
    language = language_of(path.name)
    virtual = spec.path or f"{DEFAULT_DIRS.get(language, 'services/api')}/{path.name}"
    code = re.match(r"ISO\d{3}", path.name).group(0)
    codes = sorted({code} | {c for _, c in spec.expected})
    settings = Settings(root=VIRTUAL_ROOT).with_overrides({"select": codes, **spec.settings})
    return text, spec, virtual, settings, lint_source(text, VIRTUAL_ROOT / virtual, settings)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_findings_are_exactly_the_marked_lines(path: Path) -> None:
    text, spec, _, _, result = lint_fixture(path)
    found = {(f.range.start.line, f.code) for f in result.findings}
    lines = text.splitlines()
    missing = sorted(spec.expected - found)
    unexpected = sorted(found - spec.expected)
    assert not missing and not unexpected, (
        "\nmissed (false negatives):\n" + "\n".join(f"  {l + 1}: {c}  {lines[l].strip()}" for l, c in missing)
        + "\nunexpected (false positives):\n" + "\n".join(f"  {l + 1}: {c}  {lines[l].strip()}" for l, c in unexpected)
    )


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_snapshot(path: Path) -> None:
    text, _, virtual, _, result = lint_fixture(path)
    assert_snapshot(f"rules/{path.name}", render_findings(text, result.findings, virtual))


def fix_problems(outcome: FixResult) -> list[str]:
    """What is wrong with applying every fix of a fixture: a fix that failed or was reverted
    (``fix_source`` reverts one that breaks parsing, so the result alone always parses), and a
    fixable finding still there when nothing more applies."""
    problems = [f"{finding.code} line {finding.range.start.line + 1}: {reason}" for finding, reason in outcome.failed]
    problems += [f"{finding.code} line {finding.range.start.line + 1}: still there after fixing"
                 for finding in outcome.remaining if finding.fix is not None]
    return problems


def test_every_snapshot_has_its_fixture() -> None:
    """A snapshot whose fixture was renamed or removed would never be compared again."""
    fixtures = {path.name for path in fixture_files()}
    orphans = sorted(snap.name for snap in (SNAPSHOT_DIR / "rules").glob("*.snap") if snap.name[:-5] not in fixtures)
    assert orphans == []


@pytest.mark.parametrize("environ, updates", [
    ({}, False),
    ({"ISOLINT_UPDATE_SNAPSHOTS": "1"}, True),
    ({"ISOLINT_UPDATE_SNAPSHOTS": "1", "CI": "false"}, True),
    ({"ISOLINT_UPDATE_SNAPSHOTS": "0", "CI": "true"}, False),
])
def test_snapshots_are_updated_only_when_asked(environ: dict[str, str], updates: bool) -> None:
    assert updating_snapshots(environ) is updates


def test_updating_snapshots_is_refused_under_ci() -> None:
    with pytest.raises(AssertionError, match="refused under CI"):
        updating_snapshots({"ISOLINT_UPDATE_SNAPSHOTS": "1", "CI": "true"})


@pytest.mark.parametrize(
    "path", [p for p in fixture_files() if language_of(p.name) is Language.PYTHON], ids=lambda p: p.name
)
def test_all_fixes_apply_and_leave_parseable_code(path: Path) -> None:
    text, _, virtual, settings, _ = lint_fixture(path)
    outcome = fix_source(text, VIRTUAL_ROOT / virtual, settings, unsafe=True)
    assert fix_problems(outcome) == []
    ast.parse(outcome.text)


def test_a_reverted_or_leftover_fix_is_a_problem() -> None:
    text = "import os\n\nHOST = os.getenv('DB_HOST', 'localhost')\n"
    path = VIRTUAL_ROOT / "services/api/app/settings.py"
    settings = Settings(root=VIRTUAL_ROOT).with_overrides({"select": ["ISO102"]})
    finding = next(f for f in lint_source(text, path, settings).findings if f.fix is not None)
    reverted = FixResult(text, failed=[(finding, "fix produced code that does not parse; reverted")])
    leftover = FixResult(text, remaining=[finding])
    assert fix_problems(reverted) == ["ISO102 line 3: fix produced code that does not parse; reverted"]
    assert fix_problems(leftover) == ["ISO102 line 3: still there after fixing"]
