"""The VS Code extension, for real: its Node unit tests and type check, then the built ``.vsix``
installed into a fresh code-server (VS Code 1.139 in a browser) and driven in headless Chromium.

The end-to-end session follows a new user on a machine where isolint was never installed: the
environment is scrubbed (own HOME, no virtualenv or PYTHONPATH; ``python3`` on PATH is Debian's
externally managed ``/usr/bin/python3``, and the test first proves ``import isolint`` fails for
it). With ``isolint.importStrategy: fromEnvironment`` the extension says, once, that isolint is
not installed there; back to the default ``useBundled``, the server bundled in the .vsix starts
on that same Python. Then: a seeded finding (squiggle, Problems entry), its hover (the rule's
documentation), the quick fix with Ctrl+. (the editor text changes), undo, ``isolint.ignore`` in
the workspace settings (the finding goes away, the server process stays the same), a finding in
a ``.env`` file, fix-all by command and on save, the debug info.

Everything installs from ``vscode-client/scripts/install.sh`` (code-server, Node 24, playwright-core
into the gitignored ``vscode-client/.e2e-cache``). A missing piece fails with that command;
``ISOLINT_SKIP_VSCODE_E2E=1`` skips instead. Screenshots land in ``tests/e2e/artifacts/vscode/``;
``ISOLINT_UPDATE_DOCS_SCREENSHOTS=1`` also copies them to ``docs/images/vscode/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CLIENT, CODE_SERVER, NODE24_BIN, ROOT

pytestmark = pytest.mark.e2e

SYSTEM_PYTHON = Path("/usr/bin/python3")
DRIVER = Path(__file__).resolve().parent / "vscode" / "driver.js"
MONOREPO = ROOT / "examples" / "monorepo"
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts" / "vscode"
DOCS_IMAGES = ROOT / "docs" / "images" / "vscode"
STEP_TIMEOUT_MS = 45_000
SESSION_TIMEOUT_S = 240


@dataclass(frozen=True)
class Target:
    """A seeded finding of examples/monorepo, found by its line's text (so edits elsewhere in the
    file do not break the test), and what fixing it must make of the lines around it."""

    rel_path: str
    code: str
    line_text: str  # the finding's line, exactly, before the fix
    fix_title: str  # regex matched against the quick-fix menu rows
    after_fix: dict[int, str]  # offset from the finding's line -> exact text after the fix
    hover_includes: tuple[str, ...] = ()  # rule documentation the hover must show

    def locate(self, workspace: Path) -> dict:
        """The driver's view: 1-based line numbers and the exact lines before and after."""
        lines = (workspace / self.rel_path).read_text().split("\n")
        matches = [n for n, text in enumerate(lines, start=1) if text == self.line_text]
        assert len(matches) == 1, f"{self.rel_path}: expected one line {self.line_text!r}, found {len(matches)}"
        line = matches[0]
        span = range(line + min(0, *self.after_fix), line + max(0, *self.after_fix) + 1)
        return {
            "relPath": self.rel_path, "code": self.code, "line": line, "fixTitle": self.fix_title,
            "firstLine": span.start, "lastLine": span.stop - 1,
            # JSON's string keys, as the report brings them back
            "beforeFix": {str(n): lines[n - 1] for n in span},
            "afterFix": {str(line + offset): text for offset, text in self.after_fix.items()},
        }


#: The quick-fix scenario: a hard-coded localhost in production code (ISO101).
QUICK_FIX = Target(
    rel_path="services/backend/app/config.py",
    code="ISO101",
    line_text='    host: str = "localhost"  # error: ISO101',
    fix_title=r"Read `DATABASE_HOST` from the environment",
    after_fix={0: '    host: str = os.environ["DATABASE_HOST"]  # error: ISO101'},
    hover_includes=("ISO101", "hardcoded-local-host", "What it does", "Use instead"),
)
#: A finding in a .env file: a development value in the production environment (ISO105).
ENV_FILE = Target(
    rel_path=".env.production",
    code="ISO105",
    line_text="DEBUG=true",
    fix_title="",
    after_fix={0: "DEBUG=true"},
)
#: The fix-all scenarios (command and on save): a safe fix, a missing `await` on commit (ISO306).
FIX_ALL = Target(
    rel_path="services/backend/app/repositories/threads.py",
    code="ISO306",
    line_text="        self.session.commit()  # error: ISO306",
    fix_title="",
    after_fix={0: "        await self.session.commit()  # error: ISO306"},
)


@pytest.fixture(scope="module")
def toolchain(vscode_toolchain: dict[str, str]) -> dict[str, str]:
    return vscode_toolchain


def _npm(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], check=False, cwd=CLIENT, env=env, capture_output=True, text=True, timeout=timeout)


def test_extension_typechecks(toolchain: dict[str, str]) -> None:
    result = _npm(["run", "-s", "typecheck"], toolchain)
    assert result.returncode == 0, result.stdout + result.stderr


def test_extension_unit_tests(toolchain: dict[str, str]) -> None:
    node = str(NODE24_BIN / "node")
    build = subprocess.run([node, "esbuild.mjs", "--tests"], check=False, cwd=CLIENT, env=toolchain, capture_output=True, text=True,
                           timeout=120)
    assert build.returncode == 0, build.stdout + build.stderr
    result = subprocess.run([node, "--test", "--test-reporter=tap", "out/test/**/*.test.js"], check=False, cwd=CLIENT, env=toolchain,
                            capture_output=True, text=True, timeout=300)
    counts = dict(re.findall(r"^# (pass|fail) (\d+)$", result.stdout, re.MULTILINE))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert int(counts.get("fail", "-1")) == 0 and int(counts.get("pass", "0")) >= 30, counts


@pytest.fixture(scope="module")
def vsix(packaged_vsix: Path) -> Path:
    return packaged_vsix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CodeServer:
    """A private code-server: own HOME/XDG, user data and extensions dirs, loopback only,
    no gallery or telemetry traffic, ended by its process group id (we started it)."""

    def __init__(self, base: Path, *, trust: bool = False) -> None:
        self.base = base
        self.trust = trust
        self.home = base / "home"
        self.user_data = base / "user-data"
        self.extensions = base / "extensions"
        self.port = _free_port()
        self.log_path = base / "code-server.log"
        self.process: subprocess.Popen[bytes] | None = None
        # python3 on PATH is Debian's /usr/bin/python3, without isolint (system_python proves it)
        self.env = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "PATH": f"{NODE24_BIN}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            # The gallery (open-vsx.org) is asked at startup: point it at a closed loopback port.
            "EXTENSIONS_GALLERY": json.dumps({"serviceUrl": "http://127.0.0.1:9/vscode/gallery",
                                              "itemUrl": "http://127.0.0.1:9/vscode/item"}),
        }
        settings = {
            "files.autoSave": "off",  # web VS Code saves after 1 s by default
            "chat.disableAIFeatures": True,  # no "Fix"/"Explain" AI rows in the quick-fix menu
            "telemetry.telemetryLevel": "off",
            "update.mode": "none",
            "extensions.autoCheckUpdates": False,
            "extensions.autoUpdate": False,
            "workbench.startupEditor": "none",
            "workbench.enableExperiments": False,
            "workbench.tips.enabled": False,
            # Trust off: every folder is trusted. On: the folder opens in Restricted Mode, unasked.
            "security.workspace.trust.enabled": trust,
            "security.workspace.trust.startupPrompt": "never",
            "editor.hover.delay": 300,
            "workbench.secondarySideBar.defaultVisibility": "hidden",
        }
        (self.user_data / "User").mkdir(parents=True)
        (self.user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
        self.config = base / "config.yaml"
        self.config.write_text(f"bind-addr: 127.0.0.1:{self.port}\nauth: none\ncert: false\n")

    def argv(self, *extra: str) -> list[str]:
        return [str(CODE_SERVER), "--config", str(self.config), "--user-data-dir", str(self.user_data),
                "--extensions-dir", str(self.extensions), *extra]

    def install(self, vsix: Path) -> str:
        result = subprocess.run(self.argv("--install-extension", str(vsix), "--force"), check=False, env=self.env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            self.argv("--bind-addr", f"127.0.0.1:{self.port}", "--auth", "none", "--disable-telemetry",
                      "--disable-update-check", "--disable-getting-started-override",
                      *([] if self.trust else ["--disable-workspace-trust"]), str(folder)),
            env=self.env, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise AssertionError(f"code-server did not come up:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own session: code-server, extension host, isolint
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def _copy_monorepo(base: Path) -> Path:
    workspace = base / "monorepo"
    shutil.copytree(MONOREPO, workspace, ignore=shutil.ignore_patterns(".isolint_cache", "__pycache__", ".vscode"))
    return workspace


def _drive(server: CodeServer, vsix: Path, workspace: Path, toolchain: dict[str, str], config: dict) -> dict:
    """Installs the .vsix, starts code-server on ``workspace``, runs the browser driver with
    ``config``, stops code-server, and returns the driver's report plus the logs."""
    installed = server.install(vsix)
    report_path = server.base / "report.json"
    config = {
        **config,
        "url": f"http://127.0.0.1:{server.port}/?folder={workspace}",
        "clientDir": str(CLIENT),
        "chromium": str(CHROMIUM),
        "artifacts": str(ARTIFACTS),
        "report": str(report_path),
        "timeoutMs": STEP_TIMEOUT_MS,
        "workspace": str(workspace),
    }
    config_path = server.base / "driver.json"
    server.start(workspace)
    try:
        assert server.process is not None
        config["codeServerPid"] = server.process.pid
        config_path.write_text(json.dumps(config, indent=2))
        driver = subprocess.run([str(NODE24_BIN / "node"), str(DRIVER), str(config_path)], check=False, env=toolchain,
                                capture_output=True, text=True, timeout=SESSION_TIMEOUT_S)
    finally:
        server.stop()
    report = json.loads(report_path.read_text()) if report_path.exists() else {"steps": [], "ok": False}
    report["driverOutput"] = driver.stdout[-3000:] + driver.stderr[-3000:]
    report["installOutput"] = installed
    report["codeServerLog"] = server.log_path.read_text(errors="replace")[-3000:]
    logs = sorted(server.user_data.glob("logs/**/*isolint*.log"))
    report["extensionLog"] = "\n".join(log.read_text(errors="replace") for log in logs)[-6000:]
    return report


@pytest.fixture(scope="module")
def artifacts() -> Iterator[Path]:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    yield ARTIFACTS
    if os.environ.get("ISOLINT_UPDATE_DOCS_SCREENSHOTS") == "1" and not (ARTIFACTS / "failure.png").exists():
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        for shot in ARTIFACTS.glob("*.png"):
            shutil.copy2(shot, DOCS_IMAGES / shot.name)


def _import_isolint(python: Path, server: CodeServer) -> subprocess.CompletedProcess[str]:
    """``import isolint`` with the environment code-server (and so the extension) runs in."""
    server.home.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(python), "-c", "import isolint"], env=server.env, cwd=server.home, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def session(toolchain: dict[str, str], vsix: Path, artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The new-user session in a trusted workspace, run once; each test checks one part of it."""
    base = tmp_path_factory.mktemp("vscode")
    workspace = _copy_monorepo(base)
    quick_fix, fix_all, env_file = QUICK_FIX.locate(workspace), FIX_ALL.locate(workspace), ENV_FILE.locate(workspace)
    original = (workspace / QUICK_FIX.rel_path).read_text()
    server = CodeServer(base)
    proof = _import_isolint(SYSTEM_PYTHON, server)
    assert proof.returncode != 0 and "No module named 'isolint'" in proof.stderr, \
        f"{SYSTEM_PYTHON} must lack isolint for this test: {proof.stderr}"
    (workspace / ".vscode").mkdir()
    (workspace / ".vscode" / "settings.json").write_text(json.dumps({"isolint.importStrategy": "fromEnvironment"}))
    report = _drive(server, vsix, workspace, toolchain, {
        "python": str(SYSTEM_PYTHON),
        "settingsFile": str(workspace / ".vscode" / "settings.json"),
        "target": quick_fix,
        "fixAllTarget": fix_all,
        "envTarget": env_file,
    })
    report["fileOnDiskUnchanged"] = (workspace / QUICK_FIX.rel_path).read_text() == original
    report["targets"] = {"quickFix": quick_fix, "fixAll": fix_all}
    (artifacts / "report.json").write_text(json.dumps(report, indent=2))
    return report


@pytest.fixture(scope="module")
def untrusted_session(toolchain: dict[str, str], vsix: Path, artifacts: Path,
                      tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A cloned repository whose .vscode/settings.json names its own "interpreter": a script
    that leaves a marker file and then starts a real isolint server (so using it would look
    like success). Opened in Restricted Mode, it must never run."""
    base = tmp_path_factory.mktemp("vscode-untrusted")
    workspace = _copy_monorepo(base)
    marker = base / "workspace-interpreter-ran"
    planted = workspace / "tools" / "python"
    planted.parent.mkdir()
    planted.write_text(f"#!/bin/sh\ntouch '{marker}'\nexec '{sys.executable}' \"$@\"\n")
    planted.chmod(0o755)
    (workspace / ".vscode").mkdir()
    (workspace / ".vscode" / "settings.json").write_text(json.dumps({"isolint.interpreter": ["./tools/python"]}))
    report = _drive(CodeServer(base, trust=True), vsix, workspace, toolchain, {
        "scenario": "untrusted",
        "python": str(SYSTEM_PYTHON),
        "markerFile": str(marker),
    })
    report["markerExistsAfterSession"] = marker.exists()
    (artifacts / "report-untrusted.json").write_text(json.dumps(report, indent=2))
    return report


def step(report: dict, name: str) -> dict:
    """One step's record; fails with the whole story when the session never got there."""
    for entry in report["steps"]:
        if entry["name"].startswith(name):
            assert entry.get("ok"), f"step {entry['name']!r} failed: {entry.get('error')}\n{_story(report)}"
            return entry
    pytest.fail(f"the session stopped before {name!r}\n{_story(report)}")


def _story(report: dict) -> str:
    steps = "\n".join(f"  {'ok ' if s.get('ok') else 'FAIL'} {s['name']} ({s['ms']} ms) {s.get('error', '')}"
                      for s in report["steps"])
    return (f"steps:\n{steps}\nerror: {report.get('error')}\ntoasts: {report.get('toasts')}\n"
            f"driver: {report.get('driverOutput')}\nisolint output channel: {report.get('extensionLog')}\n"
            f"code-server log: {report.get('codeServerLog')}")


def test_from_environment_without_isolint_gives_one_message(session: dict) -> None:
    entry = step(session, "fromEnvironment without isolint")
    assert "python3" in entry["notification"] and "useBundled" in entry["notification"], entry
    assert "-m pip install isolint" in entry["notification"], entry
    assert len(entry["isolintNotifications"]) == 1, f"popup spam: {entry['isolintNotifications']}"


def test_bundled_server_starts_on_the_system_python(session: dict) -> None:
    entry = step(session, "useBundled (the default)")
    assert len(entry["serverPids"]) == 1, entry
    assert entry["status"] == "isolint: ready", entry
    python, isolated, launcher = entry["commandLine"][:3]  # the driver matched the process by its executable
    assert python in ("python3", str(SYSTEM_PYTHON)) and isolated == "-I", entry["commandLine"]
    assert launcher.endswith("/bundled/tool/isolint_server.py") and "/extensions/" in launcher, launcher


def test_env_file_finding_appears(session: dict) -> None:
    entry = step(session, ".env file")
    assert entry["squiggle"]["width"] > 0
    assert entry["line"] == ENV_FILE.line_text


def test_finding_shows_as_squiggle_and_problems_entry(session: dict) -> None:
    target = session["targets"]["quickFix"]
    entry = step(session, "open the file")
    assert entry["squiggle"]["width"] > 0
    assert entry["lines"][str(target["line"])] == QUICK_FIX.line_text, entry["lines"]
    rows = [r for r in entry["problems"] if QUICK_FIX.code in r]
    assert any(f"[Ln {target['line']}," in row for row in rows), entry["problems"]


def test_hover_shows_the_rule_documentation(session: dict) -> None:
    entry = step(session, "hover")
    for text in QUICK_FIX.hover_includes:
        assert text in entry["hover"], entry["hover"]


def test_quick_fix_from_ctrl_dot_changes_the_text(session: dict) -> None:
    target = session["targets"]["quickFix"]
    entry = step(session, "quick fix")
    assert re.search(QUICK_FIX.fix_title, entry["chosen"]), entry["menu"]
    assert {n: entry["lines"][n] for n in target["afterFix"]} == target["afterFix"]
    assert entry["squiggleAfterFix"] is None, "the finding is still underlined after its fix"
    assert session["fileOnDiskUnchanged"], "the session saved the file (autosave must be off)"


def test_undo_restores_the_finding(session: dict) -> None:
    target = session["targets"]["quickFix"]
    entry = step(session, "undo")
    assert entry["lines"] == target["beforeFix"]


def test_ignore_setting_applies_without_a_restart(session: dict) -> None:
    entry = step(session, "isolint.ignore")
    assert entry["serverPidsBefore"] and entry["serverPidsBefore"] == entry["serverPidsAfter"], entry
    assert not any(QUICK_FIX.code in row for row in entry["problems"]), entry["problems"]


def test_fix_all_command_applies_the_safe_fixes(session: dict) -> None:
    target = session["targets"]["fixAll"]
    entry = step(session, "isolint: Fix All command")
    assert {n: entry["lines"][n] for n in target["afterFix"]} == target["afterFix"]


def test_fix_all_on_save_through_code_actions_on_save(session: dict) -> None:
    target = session["targets"]["fixAll"]
    entry = step(session, "fix all on save")
    on_disk = entry["fileOnDisk"].split("\n")
    for line, text in target["afterFix"].items():
        assert on_disk[int(line) - 1] == text, on_disk[int(line) - 3:int(line) + 2]


def test_debug_info_shows_the_server_view_of_the_settings(session: dict) -> None:
    entry = step(session, "isolint: Show Debug Info")
    # written by the server for the active file: the workspace's isolint.ignore arrived as an override
    assert "overrides={'ignore': ['ISO101']}" in entry["text"], entry["text"]
    assert "position encoding: utf-16" in entry["text"], entry["text"]


def test_restart_command_replaces_the_server_process(session: dict) -> None:
    entry = step(session, "isolint: Restart Server")
    assert entry["before"] and entry["after"] and not set(entry["before"]) & set(entry["after"]), entry
    assert entry["status"] == "isolint: ready"


def test_show_output_command_opens_the_isolint_channel(session: dict) -> None:
    entry = step(session, "isolint: Show Output")
    assert "isolint" in entry["channel"].lower() and any(line.strip() for line in entry["lines"]), entry


def test_untrusted_workspace_never_runs_its_own_interpreter(untrusted_session: dict) -> None:
    entry = step(untrusted_session, "workspace interpreter ignored")
    assert entry["restrictedModeShown"], "the folder did not open in Restricted Mode"
    assert not entry["markerExists"] and not untrusted_session["markerExistsAfterSession"], \
        "the extension ran the interpreter named by an untrusted workspace's settings"
    # the bundled server runs on python3 from PATH instead
    assert entry["commandLine"][0] == "python3", entry["commandLine"]
