"""Every rule fixture: the findings are exactly the marked lines, the snapshot matches, and
applying all fixes (unsafe included) leaves code that still parses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from isolint.api import fix_source, lint_source
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.core.source import language_of
from tests.support.markers import parse_markers
from tests.support.snapshots import assert_snapshot, render_findings

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


@pytest.mark.parametrize(
    "path", [p for p in fixture_files() if language_of(p.name) is Language.PYTHON], ids=lambda p: p.name
)
def test_all_fixes_leave_parseable_code(path: Path) -> None:
    text, _, virtual, settings, result = lint_fixture(path)
    outcome = fix_source(text, VIRTUAL_ROOT / virtual, settings, unsafe=True)
    ast.parse(outcome.text)
