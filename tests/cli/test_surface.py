"""Command-line surface no other test exercises: --version, check -j, report's -o/--jobs/
--exit-zero, clean PATH, and the server's own flags."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isolint import __version__
from isolint.cli.main import main
from isolint.engine import pool
from tests.cli.conftest import run_cli, write_tree


def test_version_prints_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"isolint {__version__}"


def test_check_jobs_gives_the_output_of_one_process(project: Path, capsys, monkeypatch) -> None:
    code, one, _ = run_cli(capsys, "check", "--no-cache", "--format", "json", "-j", "1")
    monkeypatch.setattr(pool, "PARALLEL_THRESHOLD", 2)  # a threshold, not our logic: really fork
    parallel_code, two, _ = run_cli(capsys, "check", "--no-cache", "--format", "json", "--jobs", "2")
    assert code == parallel_code == 1
    assert json.loads(one) == json.loads(two) and json.loads(one)


def test_report_output_jobs_and_exit_zero(project: Path, capsys) -> None:
    code, printed, _ = run_cli(capsys, "report", "--no-cache", "--format", "json")
    assert code == 1  # the sample monorepo misses a target (a local host in production code)
    target = project / "out" / "report.json"
    target.parent.mkdir()
    code, out, _ = run_cli(capsys, "report", "--no-cache", "--format", "json", "-o", str(target), "--jobs", "2")
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(printed)
    code, out, _ = run_cli(capsys, "report", "--no-cache", "--format", "json", "--exit-zero")
    assert code == 0 and json.loads(out) == json.loads(printed)


def test_clean_removes_the_cache_of_the_given_project_only(tmp_path: Path, capsys, monkeypatch) -> None:
    files = {"pyproject.toml": "[tool.isolint]\n", "app/config.py": 'HOST = "localhost"\n'}
    first, second = write_tree(tmp_path / "first", files), write_tree(tmp_path / "second", files)
    for root in (first, second):
        run_cli(capsys, "check", str(root), "--exit-zero")
        assert (root / ".isolint_cache").is_dir()
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, "clean", str(first))
    assert code == 0
    assert not (first / ".isolint_cache").exists() and (second / ".isolint_cache").is_dir()


def _server(*flags: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "isolint", "server", *flags], input=stdin, capture_output=True,
                          timeout=60)


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_server_flags_are_listed() -> None:
    shown = _server("--help")
    assert shown.returncode == 0
    for flag in (b"--stdio", b"--tcp", b"--host", b"--port", b"--log-file", b"--log-level"):
        assert flag in shown.stdout


def test_server_log_file_and_level(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    ended = _server("--stdio", "--log-file", str(log), "--log-level", "INFO",
                    stdin=_message({"jsonrpc": "2.0", "method": "exit"}))
    assert ended.returncode == 1  # exit without shutdown: 1, as the protocol says
    assert ended.stderr == b""  # the log went to the file, not to stderr
    text = log.read_text(encoding="utf-8")
    assert " INFO " in text and " DEBUG " not in text


def test_server_rejects_an_unknown_log_level() -> None:
    refused = _server("--log-level", "LOUD")
    assert refused.returncode == 2 and b"invalid choice" in refused.stderr


@pytest.mark.parametrize("old, new, value", [
    ("contracts", "import_contracts", '[{ name = "x", type = "independence", modules = ["a", "b"] }]'),
    ("contract", "message_contract", '{ shared = "shared/messages.py" }'),
])
def test_a_renamed_option_is_read_under_its_old_name_with_a_warning(tmp_path: Path, caplog, old: str, new: str,
                                                                      value: str) -> None:
    from isolint.core.config import load_settings

    config = tmp_path / "old" / "pyproject.toml"
    config.parent.mkdir()
    config.write_text(f"[tool.isolint]\n{old} = {value}\n", encoding="utf-8")
    renamed = tmp_path / "new" / "pyproject.toml"
    renamed.parent.mkdir()
    renamed.write_text(f"[tool.isolint]\n{new.replace('_', '-')} = {value}\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="isolint.core.config"):
        settings = load_settings(config)
    assert getattr(settings, new) == getattr(load_settings(renamed), new) and getattr(settings, new)
    assert f"`{old}` is deprecated; it is now `{new.replace('_', '-')}`" in caplog.text
    assert f"{config}:2" in caplog.text


def test_an_option_set_under_both_names_is_an_error(tmp_path: Path) -> None:
    from isolint.core.config import ConfigError, load_settings

    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.isolint]\ncontract = { shared = "a.py" }\nmessage-contract = { shared = "b.py" }\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="renamed to `message-contract`, which is also set"):
        load_settings(config)
