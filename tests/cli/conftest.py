"""A small real monorepo on disk for the CLI tests (no mocks: the real engine and rules run)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from isolint.cli.main import main

SECRET = "9f8c2b7e4d1a6f3e0b5c8d2a7e4f1b6c9d3a0e5f"

FILES = {
    "pyproject.toml": """
        [project]
        name = "shop"

        [tool.isolint]
    """,
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/__init__.py": "",
    "services/api/app/config.py": '''
        import os

        REDIS_HOST = "localhost"
        DATABASE_URL = os.environ["DATABASE_URL"]


        def is_local(host: str) -> bool:
            return host == "localhost"
    ''',
    "services/api/.env.production": f"""
        JWT_SECRET_KEY={SECRET}
        TOKEN_EXPIRE_MINUTES=30
    """,
    "services/api/tests/__init__.py": "",
    "services/api/tests/test_settings.py": '''
        import os


        def test_reads_redis_host():
            os.environ["REDIS_HOST"] = "redis.internal"
            assert os.environ["REDIS_HOST"] == "redis.internal"
    ''',
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The monorepo above, with the working directory set to its root."""
    root = write_tree(tmp_path / "shop", FILES)
    monkeypatch.chdir(root)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return root


@pytest.fixture
def clean_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_tree(tmp_path / "clean", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/app/config.py": 'import os\n\nREDIS_HOST = os.environ["REDIS_HOST"]\n',
    })
    monkeypatch.chdir(root)
    return root


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
