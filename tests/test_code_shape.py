"""The shape of the code a newcomer reads: no function longer than a screen and a half.

A long function is several steps under one name; splitting it names the steps. The limit counts
every line from ``def`` to the function's last line (docstring and comments included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "isolint"
MAX_FUNCTION_LINES = 80
#: packages still being split
NOT_YET: tuple[str, ...] = ()
#: modules that gathered everything once, and the size they must stay under
MAX_MODULE_LINES = {"lsp/server.py": 300}


def long_functions(root: Path, limit: int, skipped: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in skipped:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found.append(f"{relative.as_posix()}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_the_limit() -> None:
    assert long_functions(PACKAGE, MAX_FUNCTION_LINES, NOT_YET) == []


@pytest.mark.parametrize(("module", "limit"), MAX_MODULE_LINES.items())
def test_modules_that_gathered_everything_stay_small(module: str, limit: int) -> None:
    assert len((PACKAGE / module).read_text(encoding="utf-8").splitlines()) <= limit


@pytest.mark.parametrize("lines, expected", [(MAX_FUNCTION_LINES, False), (MAX_FUNCTION_LINES + 1, True)])
def test_the_measure_counts_from_def_to_the_last_line(tmp_path: Path, lines: int, expected: bool) -> None:
    body = "".join(f"    x{index} = {index}\n" for index in range(lines - 1))
    (tmp_path / "module.py").write_text(f"def long():\n{body}", encoding="utf-8")
    assert bool(long_functions(tmp_path, MAX_FUNCTION_LINES)) is expected
