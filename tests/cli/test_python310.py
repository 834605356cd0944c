"""isolint runs on Python 3.10 (``requires-python``, and the VS Code extension's bundled server).

The suite itself runs on 3.11+, so what 3.10 lacks is checked here without a 3.10: no 3.11 syntax
in the package, no regular expression with 3.11-only constructs (atomic groups, possessive
quantifiers: ``re`` on 3.10 rejects them at import), and the configuration read with ``tomli``
where ``tomllib`` is missing (a child interpreter where a ``sys.meta_path`` finder refuses
``tomllib``, as on 3.10). A real Python 3.10, when installed, runs the bundled server in
tests/e2e/test_vscode_bundle.py.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
MODULES = sorted((SERVER / "isolint").rglob("*.py"))
#: ``(?>…)``, and ``*+ ++ ?+ }+`` not escaped and not the last member of a character class
PYTHON311_REGEX = re.compile(r"\(\?>|(?<![\\\[])[*+?}]\+(?!\])")


def test_package_parses_as_python_310() -> None:
    assert MODULES
    for path in MODULES:
        ast.parse(path.read_text(encoding="utf-8"), str(path), feature_version=(3, 10))


def test_no_regular_expression_needs_python_311() -> None:
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
                found += [f"{path.relative_to(SERVER)}:{node.lineno}: {text!r}" for _ in PYTHON311_REGEX.finditer(text)]
    assert not found, "3.11-only regex syntax (re.error on Python 3.10):\n" + "\n".join(found)

CHILD = r"""
import importlib.abc, json, sys
from pathlib import Path

class NoTomllib(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tomllib":
            raise ModuleNotFoundError("No module named 'tomllib'", name="tomllib")
        return None

sys.meta_path.insert(0, NoTomllib())
from isolint.core import config

good, bad = Path(sys.argv[1]), Path(sys.argv[2])
settings = config.load_settings(good)
try:
    config.load_settings(bad)
    error = None
except config.ConfigError as exc:
    error = {"line": exc.line, "message": str(exc)}
print(json.dumps({"parser": config.tomllib.__name__, "ignore": settings.ignore, "error": error}))
"""


def test_config_loads_with_tomli_when_tomllib_is_missing(tmp_path: Path) -> None:
    pytest.importorskip("tomli", reason="tomli is in the dev extras (pip install -e '.[dev]')")
    good = tmp_path / "good" / "isolint.toml"
    good.parent.mkdir()
    good.write_text('ignore = ["ISO101"]\n')
    bad = tmp_path / "bad" / "isolint.toml"
    bad.parent.mkdir()
    bad.write_text('select = ["ISO1"]\nignore = [,]\nrespect-gitignore = true\n')
    result = subprocess.run([sys.executable, "-c", CHILD, str(good), str(bad)], capture_output=True, text=True,
                            timeout=60, env={"PYTHONPATH": str(SERVER), "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["parser"] == "tomli"
    assert report["ignore"] == ["ISO101"]
    assert report["error"] is not None and report["error"]["line"] == 2, report
    assert "TOML syntax error" in report["error"]["message"], report
