"""Python 3.10 has no ``tomllib``: isolint reads its configuration with ``tomli`` there.

The suite runs on 3.11+, so a child interpreter is started with ``tomllib`` made unimportable
(a ``sys.meta_path`` finder that refuses it, as on 3.10) and must still load a valid config and
report a broken one with its line. A real Python 3.10 runs the bundled server in
tests/e2e/test_vscode_bundle.py when one is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"

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
