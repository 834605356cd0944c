"""The Python package is publishable: its wheel builds from the repository and carries the
metadata an index shows (license file, project URLs, classifiers, Python versions) and every
module of the ``isolint`` package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                            capture_output=True, text=True, timeout=600, check=False)
    wheels = list(out.glob("isolint-*.whl"))
    assert result.returncode == 0 and len(wheels) == 1, result.stdout[-2000:] + result.stderr[-2000:]
    return wheels[0]


def test_wheel_metadata_is_publish_ready(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
        license_names = [n for n in names if "/licenses/" in n]
        assert license_names and b"MIT License" in archive.read(license_names[0])
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Issues", "Documentation"} <= urls.keys(), urls
    classifiers = metadata.get_all("Classifier")
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    # Python 3.10 reads TOML with tomli (no tomllib there)
    assert 'tomli>=2.0; python_version < "3.11"' in metadata.get_all("Requires-Dist")


def test_wheel_holds_every_module_and_the_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    sources = {p.relative_to(ROOT / "server").as_posix() for p in (ROOT / "server" / "isolint").rglob("*.py")}
    assert sources and sources <= names, sorted(sources - names)[:10]
    templates = {p.relative_to(ROOT / "server").as_posix() for p in (ROOT / "server" / "isolint").rglob("templates/*")}
    assert templates and templates <= names, sorted(templates - names)  # the docs generator reads them
    assert "isolint = isolint.__main__:main" in entry_points
