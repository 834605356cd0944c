"""The CI recipes of docs/ci.md are valid: every `isolint` command in them runs on a sample
project and writes what the next step reads (SARIF for upload-sarif, Code Quality JSON for
GitLab's report, annotations, the markdown summary, the HTML report with its history)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

from tests.cli.conftest import SECRET, run_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"


def _pipelines() -> dict[str, dict]:
    blocks = re.findall(r"```yaml\n# (\S+)\n(.*?)```", DOC.read_text(), flags=re.S)
    return {name: yaml.safe_load(body) for name, body in blocks}


def _commands(pipeline: dict) -> list[str]:
    found = []
    for job in pipeline.get("jobs", {}).values():
        found += [step["run"] for step in job["steps"] if "run" in step]
    for job in pipeline.values():
        if isinstance(job, dict) and "script" in job:
            found += job["script"]
    return [command for command in found if command.startswith("isolint ")]


def _run_command(capsys, project: Path, command: str) -> tuple[int, str]:
    """Run one recipe command in-process; a `>> FILE` redirection appends stdout to FILE."""
    redirect = None
    if ">>" in command:
        command, redirect = (part.strip() for part in command.split(">>"))
    code, out, _ = run_cli(capsys, *shlex.split(command)[1:])
    if redirect:
        target = project / redirect.strip('"').replace("$GITHUB_STEP_SUMMARY", "summary.md")
        with target.open("a") as stream:
            stream.write(out)
    return code, out


def test_github_actions_recipe(project: Path, capsys) -> None:
    workflow = _pipelines()[".github/workflows/isolint.yml"]
    steps = workflow["jobs"]["isolint"]["steps"]
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert workflow["permissions"]["security-events"] == "write"
    results = {command: _run_command(capsys, project, command) for command in _commands(workflow)}
    sarif = json.loads((project / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 3
    assert all("isolint/v1" in r["partialFingerprints"] for r in sarif["runs"][0]["results"])
    assert (project / "summary.md").read_text().startswith("## isolint report")
    gate, annotations = results["isolint check --format github"]
    assert gate == 1 and annotations.startswith("::") and "title=ISO101" in annotations
    assert all(code == 0 for command, (code, _) in results.items() if "--exit-zero" in command)
    assert SECRET not in (project / "isolint.sarif").read_text() + annotations


def test_gitlab_recipe(project: Path, capsys) -> None:
    pipeline = _pipelines()[".gitlab-ci.yml"]
    results = {command: _run_command(capsys, project, command) for command in _commands(pipeline)}
    report = project / pipeline["isolint"]["artifacts"]["reports"]["codequality"]
    issues = json.loads(report.read_text())
    assert {issue["check_name"] for issue in issues} == {"ISO101", "ISO201", "ISO502"}
    assert all({"description", "fingerprint", "severity", "location"} <= set(issue) for issue in issues)
    assert results["isolint check --no-show-source"][0] == 1
    html = project / pipeline["isolint-metrics"]["artifacts"]["paths"][0]
    assert html.read_text().startswith("<!DOCTYPE html>")
    history = project / pipeline["isolint-metrics"]["cache"]["paths"][0]
    assert len(history.read_text().splitlines()) == 1
