"""A broken configuration is reported at its file and line while everything else is still checked:
the real CLI in a subprocess, on a monorepo whose services each have their own ``[tool.isolint]``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import write_tree

LEAKY_CONFIG = '''
    import os

    REDIS_HOST = "localhost"
    DATABASE_URL = os.environ["DATABASE_URL"]
'''

VALID = '[project]\nname = "{name}"\n\n[tool.isolint]\nignore = ["ISO5"]\n'
#: line 5 is not TOML
SYNTAX_ERROR = '[project]\nname = "web"\n\n[tool.isolint]\nignore = ["ISO5"\n'
#: line 5 names a rule code that does not exist
UNKNOWN_CODE = '[project]\nname = "worker"\n\n[tool.isolint]\nignore = ["ISO999"]\n'


def monorepo(root: Path, web_config: str, worker_config: str, root_config: str = VALID.format(name="shop")) -> Path:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return write_tree(root, {
        "pyproject.toml": root_config,
        "libs/common/settings.py": LEAKY_CONFIG,
        "services/api/pyproject.toml": VALID.format(name="api"),
        "services/api/app/config.py": LEAKY_CONFIG,
        "services/web/pyproject.toml": web_config,
        "services/web/app/config.py": LEAKY_CONFIG,
        "services/worker/pyproject.toml": worker_config,
        "services/worker/app/config.py": LEAKY_CONFIG,
    })


def isolint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "isolint", "check", "--no-cache", *args], cwd=root,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300)


def findings_by_file(root: Path) -> tuple[int, str, dict[str, list[tuple[str, int]]]]:
    completed = isolint(root, "--format", "json")
    by_file: dict[str, list[tuple[str, int]]] = {}
    for finding in json.loads(completed.stdout):
        rel = Path(finding["filename"]).resolve().relative_to(root.resolve()).as_posix()
        by_file.setdefault(rel, []).append((finding["code"], finding["location"]["row"]))
    return completed.returncode, completed.stderr, by_file


@pytest.fixture
def healthy(tmp_path: Path) -> dict[str, list[tuple[str, int]]]:
    """Every file's findings when every configuration is valid: what the broken runs are held to."""
    code, err, by_file = findings_by_file(monorepo(tmp_path / "healthy", VALID.format(name="web"),
                                                   VALID.format(name="worker")))
    assert code == 1, err
    assert "services/api/app/config.py" in by_file and "services/web/app/config.py" in by_file
    return by_file


def test_broken_service_configs_are_reported_and_the_valid_service_is_fully_checked(tmp_path: Path, healthy) -> None:
    root = monorepo(tmp_path / "shop", SYNTAX_ERROR, UNKNOWN_CODE)
    code, err, by_file = findings_by_file(root)
    assert code == 2
    assert re.search(r"services/web/pyproject\.toml:5: invalid isolint configuration", err), err
    assert re.search(r"services/worker/pyproject\.toml:5: invalid isolint configuration `ignore`: `ISO999` matches no rule", err), err
    for valid_scope in ("services/api/app/config.py", "libs/common/settings.py"):
        assert by_file[valid_scope] == healthy[valid_scope]
    # the broken services fall back to the root's configuration (the same settings here): still checked
    assert by_file["services/web/app/config.py"] == healthy["services/web/app/config.py"]
    assert by_file["services/worker/app/config.py"] == healthy["services/worker/app/config.py"]


def test_broken_root_config_falls_back_to_the_defaults(tmp_path: Path, healthy) -> None:
    root = monorepo(tmp_path / "shop", VALID.format(name="web"), VALID.format(name="worker"),
                    root_config=SYNTAX_ERROR)
    code, err, by_file = findings_by_file(root)
    assert code == 2
    assert re.search(r"/shop/pyproject\.toml:5: invalid isolint configuration", err), err
    for service in ("api", "web", "worker"):
        assert by_file[f"services/{service}/app/config.py"] == healthy[f"services/{service}/app/config.py"]
    assert by_file.get("libs/common/settings.py"), "the root's own files are checked with the defaults"


@pytest.mark.parametrize("output_format", ["text", "grouped", "json", "sarif", "github", "gitlab"])
def test_every_output_format_reports_the_error_and_the_findings(tmp_path: Path, output_format: str) -> None:
    root = monorepo(tmp_path / "shop", SYNTAX_ERROR, VALID.format(name="worker"))
    completed = isolint(root, "--format", output_format)
    assert completed.returncode == 2, completed.stderr
    assert re.search(r"services/web/pyproject\.toml:5: invalid isolint configuration", completed.stderr)
    assert "services/api/app/config.py" in completed.stdout and "ISO101" in completed.stdout


def test_nothing_is_written_while_a_config_is_invalid(tmp_path: Path) -> None:
    root = monorepo(tmp_path / "shop", SYNTAX_ERROR, VALID.format(name="worker"))
    before = (root / "services/api/app/config.py").read_text()
    completed = isolint(root, "--add-ignore")
    assert completed.returncode == 2
    assert "nothing written while a configuration is invalid" in completed.stderr
    assert (root / "services/api/app/config.py").read_text() == before


def test_a_broken_scope_takes_the_nearest_valid_configuration_above_it(tmp_path: Path) -> None:
    import isolint.rules.registry  # noqa: F401  (the rules selectors are checked against)
    from isolint.engine.discovery import SettingsResolver

    root = monorepo(tmp_path / "shop", SYNTAX_ERROR, UNKNOWN_CODE,
                    root_config='[tool.isolint]\nignore = ["ISO101"]\n')
    resolver = SettingsResolver()
    web = resolver.for_path(root / "services/web/app/config.py")
    worker = resolver.for_path(root / "services/worker/app/config.py")
    api = resolver.for_path(root / "services/api/app/config.py")
    assert web.config_path == (root / "pyproject.toml").resolve() and web.ignore == ["ISO101"]
    assert worker is web
    assert api.config_path == (root / "services/api/pyproject.toml").resolve() and api.ignore == ["ISO5"]
    assert sorted((error.path.parent.name, error.line) for error in resolver.errors) == [("web", 5), ("worker", 5)]
