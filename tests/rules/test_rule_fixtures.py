"""Every rule fixture: the findings are exactly the marked lines, the snapshot matches, and
applying all fixes (unsafe included) applies each of them, leaves no fixable finding, and leaves
code that still parses."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from isolint.api import FixResult, fix_source, lint_source
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.core.source import language_of
from tests.support.markers import MarkerError, parse_markers
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
def test_fixture_findings_are_exactly_the_marked_lines_counts_and_columns(path: Path) -> None:
    text, spec, _, _, result = lint_fixture(path)
    found = Counter((f.range.start.line, f.code) for f in result.findings)
    lines = text.splitlines()
    missing = sorted((spec.counts - found).elements())
    unexpected = sorted((found - spec.counts).elements())
    assert not missing and not unexpected, (
        "\nmissed (false negatives):\n" + "\n".join(f"  {l + 1}: {c}  {lines[l].strip()}" for l, c in missing)
        + "\nunexpected (false positives):\n" + "\n".join(f"  {l + 1}: {c}  {lines[l].strip()}" for l, c in unexpected)
    )
    columns = Counter((f.range.start.line, f.code, f.range.start.column + 1) for f in result.findings)
    wrong = spec.column_mismatches(columns)
    assert not wrong, "\n".join(
        f"  {l + 1}: {c} marked at column {col}, found at {sorted(k for (fl, fc, k) in columns if (fl, fc) == (l, c))}"
        for l, c, col in wrong)


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
    fixtures = {f"rules/{path.name}" for path in fixture_files()}
    fixtures |= {f"projects/{path.name}" for path in (FIXTURES.parent / "projects").iterdir() if path.is_dir()}
    snapshots = {snap.relative_to(SNAPSHOT_DIR).as_posix()[:-5] for snap in SNAPSHOT_DIR.rglob("*.snap")}
    assert sorted(snapshots - fixtures) == []


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


def test_markers_count_each_code_as_often_as_it_is_listed() -> None:
    spec = parse_markers('a = 1  # error: ISO203, ISO203\n# error: ISO201\nB=2\nc = 3  # error: ISO101 - a note\n')
    assert spec.counts == {(0, "ISO203"): 2, (2, "ISO201"): 1, (3, "ISO101"): 1}
    assert not spec.columns


def test_a_related_marker_expects_a_related_location_not_a_finding() -> None:
    spec = parse_markers("import a.x  # error: ISO601\nimport a.y  # related: ISO601\nb = 1\n")
    assert spec.counts == {(0, "ISO601"): 1} and spec.related == {(1, "ISO601")}


def test_markers_carry_an_optional_column() -> None:
    text = ('a = f(x)  # error: ISO203@5, ISO203\n# error: ISO201@1\nB=2\n'
            'c = 3  # note # error: ISO101@5\nconst d = 1;  // error: ISO101@7\n# error: ISO102@3')
    text += "\ne = 4\n"
    spec = parse_markers(text)
    assert spec.counts == {(0, "ISO203"): 2, (2, "ISO201"): 1, (3, "ISO101"): 1, (4, "ISO101"): 1, (6, "ISO102"): 1}
    assert spec.columns == {(0, "ISO203", 5): 1, (2, "ISO201", 1): 1, (3, "ISO101", 5): 1, (4, "ISO101", 7): 1,
                            (6, "ISO102", 3): 1}
    assert spec.column_mismatches(Counter({(0, "ISO203", 5): 1, (0, "ISO203", 9): 1, (2, "ISO201", 1): 1,
                                           (3, "ISO101", 5): 1, (4, "ISO101", 7): 1, (6, "ISO102", 3): 1})) == []
    assert spec.column_mismatches(Counter({(0, "ISO203", 6): 2, (2, "ISO201", 1): 1, (3, "ISO101", 5): 1,
                                           (4, "ISO101", 7): 1, (6, "ISO102", 3): 1})) == [(0, "ISO203", 5)]


@pytest.mark.parametrize("text", [
    "a = 1  # error: ISO1O1\n",                 # not ISO and three digits
    "# a note, then # error: ISO101\nb = 2\n",  # a marker after other comment text
    "a = 1\n# error: ISO101\n",                 # a comment-line marker with no code line after it
    "a = 1  # error: ISO101 ISO102\n",          # codes not separated by commas
    "a = 1  # error: ISO101@\n",                # a column sign with no column
    "a = 1  # error: ISO101@x\n",               # a column that is not a number
    "a = 1  # error: ISO101 @5\n",              # a column apart from its code
    "a = 1\n# error: ISO101@3",                  # a column on a last line with no code after it
    "a = 1  # see above # error: ISO101@3 x\n", # trailing text after a marker in a later comment
])
def test_an_unreadable_marker_is_an_error(text: str) -> None:
    with pytest.raises(MarkerError):
        parse_markers(text)
