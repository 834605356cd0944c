"""`isolint check`: exit codes, every output format, masking, statistics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import SECRET, run_cli

FORMATS = ("text", "grouped", "json", "sarif", "github")


def test_findings_exit_1_and_clean_exit_0(project: Path, clean_project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "check", str(project), "--no-cache")
    assert code == 1 and "ISO101" in out
    code, out, _ = run_cli(capsys, "check", "--no-cache")  # cwd is the clean project
    assert code == 0
    assert out.strip() == "All checks passed!"


def test_exit_zero_keeps_the_report(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "check", "--exit-zero", "--no-cache")
    assert code == 0 and "ISO101" in out


def test_unknown_path_is_a_usage_error(project: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "check", "does/not/exist")
    assert code == 2
    assert "does/not/exist: no such file or directory" in err


def test_invalid_config_exits_2_naming_file_line_and_key(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\n\n[tool.isolint]\nignore = "ISO101"\n')
    code, out, err = run_cli(capsys, "check")
    assert code == 2
    assert "ISO101" in out  # checked with the defaults: the broken `ignore` does not apply
    assert re.search(r"pyproject\.toml:5: invalid isolint configuration `ignore`", err), err


def test_bad_arguments_exit_2() -> None:
    completed = subprocess.run([sys.executable, "-m", "isolint", "check", "--format", "yaml"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "invalid choice" in completed.stderr


def test_text_format_is_ruff_like(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache")
    lines = out.splitlines()
    headline = next(line for line in lines if " ISO101" in line)
    assert headline == "services/api/app/config.py:3:14: ISO101 Hard-coded local host `localhost` in production code"
    at = lines.index(headline)
    assert lines[at + 2] == '  3 | REDIS_HOST = "localhost"'
    assert lines[at + 3] == "    |              ^^^^^^^^^^^"
    assert re.match(r"  = help: .*REDIS_HOST", lines[at + 4])
    assert "services/api/app/config.py:8" not in out  # the comparison look-alike stays quiet
    assert "Found 3 findings." in lines
    assert any("hidden fix" in line and "--unsafe-fixes" in line for line in lines)


def test_no_show_source_and_quiet(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--no-show-source", "--quiet")
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(re.match(r"^[\w/.]+:\d+:\d+: ISO\d{3} ", line) for line in lines)


def test_select_and_ignore(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--select", "ISO2", "--format", "json")
    assert {f["code"] for f in json.loads(out)} == {"ISO201"}
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--ignore", "ISO2,ISO5", "--format", "json")
    assert {f["code"] for f in json.loads(out)} == {"ISO101"}
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--select", "ISO2", "--extend-select", "ISO101",
                        "--format", "json")
    assert {f["code"] for f in json.loads(out)} == {"ISO101", "ISO201"}


def test_json_format(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "json")
    findings = json.loads(out)
    assert code == 1
    by_code = {f["code"]: f for f in findings}
    local = by_code["ISO101"]
    assert local["path"] == "services/api/app/config.py"
    assert Path(local["filename"]) == project / "services/api/app/config.py"
    assert local["location"] == {"row": 3, "column": 14}
    assert local["end_location"] == {"row": 3, "column": 25}
    assert local["severity"] in {"error", "warning", "info", "hint"}
    assert local["zone"] == "production" and local["service"] == "api"
    assert local["url"].endswith("/docs/rules/ISO101.md")
    fix = local["fix"]
    assert fix["applicability"] in {"safe", "unsafe"}
    assert fix["edits"] and all({"content", "location", "end_location"} <= set(e) for e in fix["edits"])
    assert by_code["ISO502"]["zone"] == "test"


def test_sarif_format(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    (run,) = sarif["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    driver = run["tool"]["driver"]
    assert driver["name"] == "isolint"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    for rule in rules.values():
        assert {"id", "name", "shortDescription", "fullDescription", "helpUri", "defaultConfiguration"} <= set(rule)
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"ISO101", "ISO201", "ISO502"}
    for result in results:
        assert result["ruleId"] in rules
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith("/")
        assert (project / artifact["uri"]).is_file()
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
    local = next(r for r in results if r["ruleId"] == "ISO101")
    assert local["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 14, "endLine": 3, "endColumn": 25}
    (fix,) = local["fixes"]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert "deletedRegion" in replacement and "text" in replacement["insertedContent"]


def test_github_format(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "github")
    lines = out.splitlines()
    assert len(lines) == 3
    pattern = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                         r"title=ISO\d{3}::ISO\d{3} .+$")
    assert all(pattern.match(line) for line in lines), lines
    assert "::warning file=services/api/app/config.py,line=3,col=14,endLine=3,endColumn=25,title=ISO101::" in out \
        or "file=services/api/app/config.py,line=3,col=14,endLine=3,endColumn=25,title=ISO101::" in out


def test_grouped_format(project: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "grouped")
    assert "services/api/app/config.py:\n  3:14 ISO101 " in out


@pytest.mark.parametrize("format_name", FORMATS)
def test_secret_is_masked_in_every_format(project: Path, capsys, format_name: str) -> None:
    code, out, err = run_cli(capsys, "check", "--no-cache", "--format", format_name)
    assert code == 1 and "ISO201" in out
    assert SECRET not in out and SECRET not in err
    assert SECRET[:12] not in out and SECRET[-12:] not in out


def test_output_file(project: Path, capsys, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "isolint.sarif"
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["runs"][0]["results"]


def test_statistics(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "check", "--no-cache", "--statistics", "--unsafe-fixes")
    assert code == 1
    rows = [line.split("\t") for line in out.splitlines()]
    assert {row[1] for row in rows} == {"ISO101", "ISO201", "ISO502"}
    assert all(row[0].strip() == "1" for row in rows)
    assert any(row[1] == "ISO101" and row[2].startswith("[*] hardcoded-local-host") for row in rows)
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--statistics", "--format", "json")
    table = json.loads(out)
    assert {row["code"]: row["count"] for row in table} == {"ISO101": 1, "ISO201": 1, "ISO502": 1}


def test_paths_are_relative_to_the_working_directory(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(project / "services")
    _, out, _ = run_cli(capsys, "check", "--no-cache", "--quiet", "--no-show-source", "api/app")
    assert out.startswith("api/app/config.py:3:14: ISO101")


def test_a_selector_that_matches_no_rule_is_an_error_with_a_suggestion(project: Path, capsys) -> None:
    code, out, err = run_cli(capsys, "check", "--no-cache", "--select", "ISO9,ISO101", "--quiet", "--no-show-source")
    assert (code, out) == (2, "")
    assert "--select: `ISO9` matches no rule; did you mean ISO0, ISO1" in err
    assert "ISO101` matches" not in err


def test_an_empty_folder_is_clean_but_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "check")
    assert code == 0 and "All checks passed!" in out
    assert "no files to check" in err
