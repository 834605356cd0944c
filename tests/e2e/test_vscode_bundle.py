"""The .vsix that ``npm run package`` builds, unpacked and checked the way a reviewer would: a
publish-ready manifest, the server bundled for CPython 3.10-3.13, and that server — started with
Debian's own ``/usr/bin/python3``, which has no isolint and refuses ``pip install`` (PEP 668) —
driven by an independent LSP client (tests/lsp/blackbox: its own JSON-RPC and position
arithmetic) through diagnostics, a quick fix and hover, in UTF-16 and UTF-8 positions. Its
diagnostics must equal what a fresh ``isolint`` run reports for the same texts.

Other VS Code targets are built from their published wheels and their contents checked (they
cannot run here): win32-x64 always, the others with ``ISOLINT_BUNDLE_ALL_TARGETS=1``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import CLIENT, ROOT, TARGET
from tests.lsp.blackbox.session import BlackboxSession, expected_diagnostics, normalised

pytestmark = pytest.mark.e2e

SYSTEM_PYTHON = Path("/usr/bin/python3")
MONOREPO = ROOT / "examples" / "monorepo"
PYTHON_TAGS = ("cp310", "cp311", "cp312", "cp313")
#: the quick-fix target, with non-ASCII text before the finding on its line (UTF-8 and UTF-16
#: columns differ there)
HOST_LINE = '    host: str = "localhost"  # error: ISO101'
HOST_LINE_NON_ASCII = '    label: str = "é🎉"; host: str = "localhost"  # error: ISO101'
FIXED = 'os.environ["DATABASE_HOST"]'


def scrubbed_env(home: Path) -> dict[str, str]:
    """No virtualenv, PYTHONPATH or user site: a machine where isolint was never installed."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


@pytest.fixture(scope="module")
def extension(packaged_vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vsix")
    with zipfile.ZipFile(packaged_vsix) as archive:
        archive.extractall(out)
    return out / "extension"


@pytest.fixture(scope="module")
def system_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Debian's /usr/bin/python3, proven to lack isolint before anything runs on it."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"{SYSTEM_PYTHON} is missing (apt-get install python3)")
    home = tmp_path_factory.mktemp("home")
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import isolint"], capture_output=True, text=True,
                           env=scrubbed_env(home), cwd=home, timeout=60, check=False)
    assert probe.returncode != 0 and "No module named 'isolint'" in probe.stderr, (probe.returncode, probe.stderr)
    return SYSTEM_PYTHON


def launcher_command(python: Path | str, extension: Path, home: Path) -> list[str]:
    """What the extension runs (src/launch.ts): `python -I bundled/tool/isolint_server.py`,
    here under `env -i` so that nothing of the test's environment reaches the server."""
    env = [f"{k}={v}" for k, v in scrubbed_env(home).items()]
    return ["/usr/bin/env", "-i", *env, str(python), "-I", str(extension / "bundled" / "tool" / "isolint_server.py")]


# -- the package ------------------------------------------------------------------------------
def test_manifest_is_publish_ready(extension: Path) -> None:
    manifest = json.loads((extension / "package.json").read_text())
    assert manifest["repository"]["url"].startswith("https://github.com/"), manifest.get("repository")
    assert manifest["license"] == "MIT" and (extension / "LICENSE.txt").is_file()
    assert (extension / "changelog.md").is_file() or (extension / "CHANGELOG.md").is_file()
    assert {"Linters"} <= set(manifest["categories"]) and len(manifest["keywords"]) >= 5
    icon = (extension / manifest["icon"]).read_bytes()
    assert icon[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", icon[16:24]) == (128, 128)
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["isolint.importStrategy"]["default"] == "useBundled"
    assert settings["isolint.importStrategy"]["enum"] == ["useBundled", "fromEnvironment"]
    assert settings["isolint.logLevel"]["default"] == "warning"
    assert settings["isolint.configuration"]["type"] == "string"


def test_vsix_targets_this_platform(packaged_vsix: Path) -> None:
    with zipfile.ZipFile(packaged_vsix) as archive:
        manifest = archive.read("extension.vsixmanifest").decode()
    assert f'TargetPlatform="{TARGET}"' in manifest, manifest[:800]


def test_server_is_bundled_per_python_version(extension: Path) -> None:
    build = json.loads((extension / "bundled" / "build.json").read_text())
    assert build["target"] == TARGET
    assert sorted(build["libs"]) == list(PYTHON_TAGS)
    pins = {tag: {k: v for k, v in libs.items() if k not in ("tomli", "exceptiongroup", "pyyaml", "pyyaml-ft")}
            for tag, libs in build["libs"].items()}
    assert all(p == pins["cp311"] for p in pins.values()), "the same versions for every Python"
    assert "tomli" in build["libs"]["cp310"] and "tomli" not in build["libs"]["cp311"]
    for tag in PYTHON_TAGS:
        libs = extension / "bundled" / "libs" / tag
        assert (libs / "isolint" / "__main__.py").is_file()
        version = f"{tag[2]}{tag[3:]}"
        assert list((libs / "libcst").glob(f"native.cpython-{version}-x86_64-linux-gnu.so")), tag
        assert list((libs / "tree_sitter").glob(f"_binding.cpython-{version}-x86_64-linux-gnu.so")), tag
        assert not list(libs.rglob("__pycache__")) and not (libs / "bin").exists()


# -- the bundled server on the system Python --------------------------------------------------
def test_probe_on_the_system_python(extension: Path, system_python: Path, tmp_path: Path) -> None:
    result = subprocess.run([*launcher_command(system_python, extension, tmp_path), "--probe"], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    status, isolint_version, python_version = result.stdout.split()[1:4]
    assert status == "ok" and python_version.startswith("3."), result.stdout
    assert isolint_version == json.loads((extension / "bundled" / "build.json").read_text())["isolint"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "monorepo"
    shutil.copytree(MONOREPO, root, ignore=shutil.ignore_patterns(".isolint_cache", "__pycache__", ".vscode"))
    return root


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_bundled_server_diagnoses_fixes_and_hovers(extension: Path, system_python: Path, workspace: Path,
                                                   tmp_path: Path, encoding: str) -> None:
    session = BlackboxSession(workspace, tmp_path / "server.log", [encoding],
                              command=launcher_command(system_python, extension, tmp_path))
    assert session.encoding == encoding
    config = workspace / "services/backend/app/config.py"
    text = config.read_text()
    assert text.count(HOST_LINE) == 1
    document = session.open(config, text.replace(HOST_LINE, HOST_LINE_NON_ASCII))
    dotenv = session.open(workspace / ".env.production")

    # diagnostics: the same as a fresh isolint run on these texts, in this encoding
    got = {d.uri: normalised(session.diagnostics(d)) for d in (document, dotenv)}
    assert got == expected_diagnostics(workspace, [document, dotenv], session.units)
    assert any(code == "ISO105" for code, *_ in got[dotenv.uri]), got[dotenv.uri]
    line_number = document.text.split("\n").index(HOST_LINE_NON_ASCII)
    host = next(d for d in session.diagnostics(document) if d["code"] == "ISO101"
                and d["range"]["start"]["line"] == line_number)
    column = HOST_LINE_NON_ASCII.index('"localhost"')
    assert host["range"]["start"]["character"] == session.units.length(HOST_LINE_NON_ASCII[:column])

    # hover: the rule's documentation
    hover = session.hover(document, host["range"]["start"])
    assert hover and "ISO101" in json.dumps(hover["contents"])

    # the quick fix, applied by the client's own arithmetic
    actions = session.code_actions(document, host["range"], [host], only=["quickfix"])
    fix = next(a for a in actions if "DATABASE_HOST" in a["title"])
    session.apply_workspace_edit(session.resolve(fix)["edit"])
    fixed_line = document.text.split("\n")[line_number]
    assert fixed_line == HOST_LINE_NON_ASCII.replace('"localhost"', FIXED), fixed_line
    after = normalised(session.diagnostics(document))
    assert not any(code == "ISO101" and line == line_number for code, line, *_ in after), after
    session.finish()


def _interpreter(version: str) -> Path | None:
    found = shutil.which(f"python{version}")
    candidates = [Path(found)] if found else []
    candidates += sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    for candidate in candidates:
        check = subprocess.run([str(candidate), "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60, check=False)
        if check.returncode == 0 and check.stdout.strip() == f"({version.replace('.', ', ')})":
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.10", "3.12", "3.13"])
def test_bundled_server_runs_on_other_python_versions(extension: Path, workspace: Path, tmp_path: Path,
                                                      version: str) -> None:
    """Each libs folder on its own CPython (3.10 reads TOML with tomli): the same diagnostics as
    a fresh run. Skipped for a version this machine does not have."""
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} here")
    session = BlackboxSession(workspace, tmp_path / "server.log", ["utf-16"],
                              command=launcher_command(python, extension, tmp_path))
    documents = [session.open(workspace / "services/backend/app/config.py"), session.open(workspace / ".env.production")]
    got = {d.uri: normalised(session.diagnostics(d)) for d in documents}
    assert got == expected_diagnostics(workspace, documents, session.units)
    assert all(got.values())
    log = session.finish()
    assert "Traceback" not in log


def test_unsupported_python_is_named(extension: Path, tmp_path: Path) -> None:
    """A Python the bundle has no folder for is reported by the probe, not crashed on."""
    python = _interpreter("3.9") or _interpreter("3.8")
    if python is None:
        pytest.skip("no Python 3.8/3.9 here")
    result = subprocess.run([*launcher_command(python, extension, tmp_path), "--probe"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.startswith("ISOLINT_PROBE unsupported-python 3."), result
    assert result.stdout.split()[-1] == ",".join(PYTHON_TAGS)


# -- other targets: built from their published wheels, contents checked ------------------------
OTHER_TARGETS = {
    "win32-x64": r"\.cp3\d+-win_amd64\.pyd$",
    "darwin-arm64": r"\.cpython-3\d+-darwin\.so$",
    "darwin-x64": r"\.cpython-3\d+-darwin\.so$",
    "linux-arm64": r"\.cpython-3\d+-aarch64-linux-gnu\.so$",
}


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(OTHER_TARGETS))
def test_other_targets_bundle_the_same_versions(target: str, tmp_path: Path) -> None:
    if target != "win32-x64" and os.environ.get("ISOLINT_BUNDLE_ALL_TARGETS") != "1":
        pytest.skip("set ISOLINT_BUNDLE_ALL_TARGETS=1 to build every target (win32-x64 is always built)")

    out = tmp_path / target
    result = subprocess.run([sys.executable, str(CLIENT / "scripts" / "bundle.py"), "--target", target, "--out", str(out)],
                            capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    build = json.loads((out / "build.json").read_text())
    assert build["target"] == target and sorted(build["libs"]) == list(PYTHON_TAGS)
    pins = (CLIENT / "scripts" / "bundled-requirements.txt").read_text()
    for tag, libs in build["libs"].items():
        for name, version in libs.items():
            assert name == "isolint" or f"{name}=={version}" in pins.replace("_", "-").lower(), (tag, name, version)
        native = [p.name for p in (out / "libs" / tag / "libcst").rglob("native*")]
        assert native and all(re.search(OTHER_TARGETS[target], n) for n in native), (tag, native)
        assert all(tag[2:] in n for n in native), (tag, native)  # cp310 / cpython-310
