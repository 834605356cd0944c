"""ISO003 unused-ignore beyond the fixtures: TypeScript comments, a comment line of its own,
file-level directives, and the fix applied by `isolint check --fix`."""

from __future__ import annotations

from pathlib import Path

from isolint.api import fix_source, lint_source
from isolint.core.config import Settings

ROOT = Path("/isolint-unused-ignore")
SETTINGS = Settings(root=ROOT).with_overrides({"select": ["ISO003", "ISO1", "ISO4"]})


def _iso003(text: str, path: str) -> list[tuple[int, str]]:
    result = lint_source(text, ROOT / path, SETTINGS)
    return [(f.range.start.line, f.message) for f in result.findings if f.code == "ISO003"]


def test_comment_line_of_its_own_is_removed_whole() -> None:
    text = 'import os\n\n# isolint: ignore[ISO102]\nRETRIES = 3\n'
    assert [line for line, _ in _iso003(text, "services/api/app/settings.py")] == [2]
    fixed = fix_source(text, ROOT / "services/api/app/settings.py", SETTINGS)
    assert fixed.text == 'import os\n\nRETRIES = 3\n'


def test_file_level_directive_that_silences_nothing() -> None:
    text = '# isolint: ignore-file[ISO101]\nimport os\n\nHOST = os.environ["HOST"]\n'
    found = _iso003(text, "services/api/app/settings.py")
    assert [line for line, _ in found] == [0] and "ISO101 suppresses nothing" in found[0][1]
    used = '# isolint: ignore-file[ISO101]\nHOST = "localhost"\n'
    assert _iso003(used, "services/api/app/settings.py") == []


def test_typescript_comments() -> None:
    path = "frontend/src/api.ts"
    text = 'const url = "http://localhost:8000"; // isolint: ignore[ISO101]\nconst a = 1; // isolint: ignore[ISO999]\n'
    found = _iso003(text, path)
    assert [line for line, _ in found] == [1] and "ISO999 is not a rule code" in found[0][1]
    fixed = fix_source(text, ROOT / path, SETTINGS)
    assert fixed.text.splitlines()[1] == "const a = 1;"


def test_rule_off_for_the_zone_is_left_alone() -> None:
    # ISO101 does not apply to tests: an ignore for it there may serve another configuration
    text = 'HOST = "x"  # isolint: ignore[ISO101]\n'
    assert _iso003(text, "services/api/tests/test_api.py") == []
