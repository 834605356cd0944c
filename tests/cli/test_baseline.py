"""Baseline and ratchet: `--write-baseline`, `--baseline`, the `baseline` setting, fingerprints
that survive unrelated edits, SARIF/GitLab fingerprints, `--fail-on`."""

from __future__ import annotations

import json
from pathlib import Path

from isolint.core.fingerprint import enclosing_scope, fingerprint_file
from isolint.core.model import Finding, Language, Range, Severity
from tests.cli.conftest import SECRET, run_cli

CONFIG = "services/api/app/config.py"


def _codes(out: str) -> list[str]:
    return sorted(item["code"] for item in json.loads(out))


def _baseline(project: Path, capsys) -> Path:
    code, _, err = run_cli(capsys, "check", "--no-cache", "--write-baseline", "isolint-baseline.json")
    assert code == 0 and "Recorded 3 finding(s)" in err
    return project / "isolint-baseline.json"


def test_baseline_reports_only_new_findings(project: Path, capsys) -> None:
    baseline = _baseline(project, capsys)
    data = json.loads(baseline.read_text())
    assert data["isolint_baseline"] == 1 and data["total"] == 3
    assert {entry["path"] for entry in data["findings"]} == {
        "services/api/.env.production", CONFIG, "services/api/tests/test_settings.py"}
    assert SECRET not in baseline.read_text()

    code, out, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json")
    assert code == 0 and "All checks passed!" in out and "3 findings accepted by the baseline" in out

    # lines inserted above, other code changed, the finding moved within its scope
    config = project / CONFIG
    text = config.read_text()
    config.write_text("\n" * 30 + "import sys\n" + text.replace("DATABASE_URL", "DB_URL"))
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json", "--format", "json")
    assert (code, out.strip()) == (0, "[]")

    # a new finding is reported, exactly that one
    config.write_text(config.read_text() + 'CACHE_URL = "http://localhost:6379"\n')
    new_line = len(config.read_text().splitlines())
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json", "--format", "json")
    assert code == 1
    assert [(f["code"], f["location"]["row"]) for f in json.loads(out)] == [("ISO101", new_line)]


def test_fix_and_diff_leave_baselined_findings_alone(project: Path, capsys) -> None:
    _baseline(project, capsys)
    config = project / CONFIG
    config.write_text(config.read_text() + 'CACHE_HOST = "localhost"\n')
    code, diff, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json",
                            "--diff", "--unsafe-fixes")
    assert 'CACHE_HOST = "localhost"' in diff and 'REDIS_HOST = "localhost"' not in diff
    run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json", "--fix", "--unsafe-fixes")
    text = config.read_text()
    assert 'REDIS_HOST = "localhost"' in text  # accepted by the baseline: not rewritten
    assert 'CACHE_HOST = "localhost"' not in text and 'os.environ["CACHE_HOST"]' in text

    code, out, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json", "--format", "json")
    assert (code, out.strip()) == (0, "[]")
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--no-baseline", "--format", "json", CONFIG)
    assert code == 1 and _codes(out) == ["ISO101"]  # REDIS_HOST, accepted, reported again
    run_cli(capsys, "check", "--no-cache", "--no-baseline", "--fix", "--unsafe-fixes", CONFIG)
    assert 'REDIS_HOST = "localhost"' not in config.read_text()


def test_identical_findings_are_counted(project: Path, capsys) -> None:
    _baseline(project, capsys)
    config = project / CONFIG
    config.write_text(config.read_text() + 'REDIS_HOST = "localhost"\n')  # the same line again
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--baseline", "isolint-baseline.json", "--format", "json")
    assert code == 1 and _codes(out) == ["ISO101"]


def test_setting_and_rewrite_drop_fixed_findings(project: Path, capsys) -> None:
    _baseline(project, capsys)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'baseline = "isolint-baseline.json"\n')
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "json")
    assert (code, out.strip()) == (0, "[]")

    (project / CONFIG).write_text('import os\n\nREDIS_HOST = os.environ["REDIS_HOST"]\n')
    code, _, err = run_cli(capsys, "check", "--no-cache", "--write-baseline", "isolint-baseline.json")
    assert code == 0 and "Recorded 2 finding(s)" in err
    # the fixed finding is gone: bringing it back reports it
    (project / CONFIG).write_text('REDIS_HOST = "localhost"\n')
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "json")
    assert code == 1 and _codes(out) == ["ISO101"]


def test_partial_rewrite_keeps_other_files(project: Path, capsys) -> None:
    baseline = _baseline(project, capsys)
    code, _, _ = run_cli(capsys, "check", "--no-cache", "--write-baseline", "isolint-baseline.json", CONFIG)
    assert code == 0
    assert json.loads(baseline.read_text())["total"] == 3


def test_unusable_baseline_exits_2(project: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "check", "--no-cache", "--baseline", "missing.json")
    assert code == 2 and "baseline file not found" in err
    (project / "old.json").write_text('{"isolint_baseline": 99, "findings": []}')
    code, _, err = run_cli(capsys, "check", "--no-cache", "--baseline", "old.json")
    assert code == 2 and "rewrite it with `isolint check --write-baseline old.json`" in err


def _finding(line: int, message: str = "m", code: str = "ISO101") -> Finding:
    return Finding(code, message, Range.of(line, 4, line, 9), Severity.WARNING)


def test_fingerprint_ignores_lines_and_messages_and_counts_repeats() -> None:
    lines = ["class Api:", "    def get(self):", "        x = 'localhost'", "        x = 'localhost'"]
    first = fingerprint_file([_finding(2, "old wording"), _finding(3)], lines, Language.PYTHON)
    moved = fingerprint_file([_finding(12, "new wording"), _finding(13)], [""] * 10 + lines, Language.PYTHON)
    assert first == moved
    assert [fp.occurrence for fp in first] == [0, 1] and first[0].key == first[1].key
    other_scope = fingerprint_file([_finding(2)], ["class Api:", "    def put(self):", "        x = 'localhost'"],
                                   Language.PYTHON)
    assert other_scope[0].key != first[0].key


def test_enclosing_scope_python_and_typescript() -> None:
    python = ["import os", "class A:", "    async def b(self):", "        if x:", "            y = 1", "z = 2"]
    assert enclosing_scope(python, 4, Language.PYTHON) == "A.b"
    assert enclosing_scope(python, 5, Language.PYTHON) == ""
    typescript = ["export class Socket {", "  handle(msg: Msg): void {", "    if (a) {", "      send(x);",
                  "    }", "  }", "}", "export const onOpen = () => {", "  go();", "};"]
    assert enclosing_scope(typescript, 3, Language.TYPESCRIPT) == "Socket.handle"
    assert enclosing_scope(typescript, 8, Language.TYPESCRIPT) == "onOpen"


def test_sarif_fingerprints_and_security_severity(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    fingerprints = {r["ruleId"]: r["partialFingerprints"]["isolint/v1"] for r in run["results"]}
    baseline = json.loads(_baseline(project, capsys).read_text())
    assert {(e["code"], e["fingerprint"] + ":0") for e in baseline["findings"]} == set(fingerprints.items())
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "json")
    assert {(f["code"], f["fingerprint"]) for f in json.loads(out)} == set(fingerprints.items())
    rules = {rule["id"]: rule["properties"] for rule in run["tool"]["driver"]["rules"]}
    assert rules["ISO201"]["security-severity"] == "8.0" and "security" in rules["ISO201"]["tags"]
    assert "security-severity" not in rules["ISO101"] and "security" not in rules["ISO101"]["tags"]


def test_gitlab_code_quality(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "gitlab")
    issues = json.loads(out)
    assert code == 1 and len(issues) == 3
    by_code = {issue["check_name"]: issue for issue in issues}
    assert by_code["ISO101"]["location"] == {"path": CONFIG, "lines": {"begin": 3, "end": 3}}
    assert by_code["ISO201"]["severity"] == "critical" and by_code["ISO201"]["categories"] == ["Security"]
    assert len({issue["fingerprint"] for issue in issues}) == 3
    assert SECRET not in out


def test_fail_on(project: Path, capsys) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'severity = { ISO = "hint" }\n')
    code, out, _ = run_cli(capsys, "check", "--no-cache")
    assert code == 0 and "ISO101" in out  # hints are shown but never fail by default
    assert run_cli(capsys, "check", "--no-cache", "--fail-on", "hint")[0] == 1
    pyproject.write_text(pyproject.read_text().replace('"hint"', '"warning"'))
    assert run_cli(capsys, "check", "--no-cache", "--fail-on", "warning")[0] == 1
    assert run_cli(capsys, "check", "--no-cache", "--fail-on", "error")[0] == 0


def test_add_ignore_silences_every_finding_and_merges(project: Path, capsys) -> None:
    config = project / CONFIG
    config.write_text(config.read_text() + 'CACHE_URL = "http://localhost:6379"  # isolint: ignore[ISO102]\n'
                      'BROKER = """\nredis://localhost:6379/0\n"""\n')
    code, _, err = run_cli(capsys, "check", "--no-cache", "--add-ignore")
    assert code == 0 and "Added 4 ignore comment(s) to 3 file(s)" in err
    assert "ends inside a string" in err  # the line inside the triple-quoted string is left alone
    text = config.read_text()
    assert 'REDIS_HOST = "localhost"  # isolint: ignore[ISO101]' in text
    assert 'CACHE_URL = "http://localhost:6379"  # isolint: ignore[ISO101, ISO102]' in text
    assert "JWT_SECRET_KEY=" in (project / "services/api/.env.production").read_text()
    assert (project / "services/api/.env.production").read_text().splitlines()[0].endswith(
        " # isolint: ignore[ISO201]")
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "json")
    # left: the line inside the string, and the unused ISO102 (`--fix` removes it; no ignore is added for it)
    assert [(f["code"], f["location"]["row"]) for f in json.loads(out)] == [("ISO003", 9), ("ISO101", 10)]


def test_findings_for_editor(project: Path, capsys) -> None:
    from isolint.api import findings_for_editor, lint_source
    from isolint.core.config import settings_for

    _baseline(project, capsys)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'baseline = "isolint-baseline.json"\n')
    path = project / CONFIG
    text = path.read_text() + 'CACHE_HOST = "localhost"\n'
    result = lint_source(text, path, settings_for(path))
    assert [f.severity.value for f in result.findings] == ["warning", "warning"]
    hinted = findings_for_editor(result, "hint")
    assert [(f.severity.value, f.data.get("baselined", False)) for f in hinted] == [("hint", True), ("warning", False)]
    assert [f.range.start.line for f in findings_for_editor(result, "hide")] == [len(text.splitlines()) - 1]
    assert findings_for_editor(result, "show") == result.findings
    (project / "isolint-baseline.json").write_text("broken")
    assert findings_for_editor(result, "hide") == result.findings  # an unreadable baseline hides nothing
