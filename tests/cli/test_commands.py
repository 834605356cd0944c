"""`isolint rules`, `isolint rule`, `isolint report`."""

from __future__ import annotations

import json
from pathlib import Path

from isolint.rules.registry import RULES
from tests.cli.conftest import run_cli, write_tree


def test_rules_lists_every_rule(capsys) -> None:
    code, out, _ = run_cli(capsys, "rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [rule.code for rule in RULES]
    code, out, _ = run_cli(capsys, "rules", "--format", "json")
    data = json.loads(out)
    assert [r["code"] for r in data] == [rule.code for rule in RULES]
    assert all({"name", "summary", "fixable", "severity", "zones", "languages", "url"} <= set(r) for r in data)


def test_rule_prints_its_documentation(capsys) -> None:
    code, out, _ = run_cli(capsys, "rule", "ISO101")
    assert code == 0
    assert out.startswith("# hardcoded-local-host (ISO101)")
    assert "### What it does" in out and "### Example" in out
    code, same, _ = run_cli(capsys, "rule", "hardcoded-local-host")
    assert same == out
    code, out, _ = run_cli(capsys, "rule", "iso101", "--format", "json")
    assert json.loads(out)["doc"].startswith("## What it does")


def test_unknown_rule_is_an_error(capsys) -> None:
    code, out, err = run_cli(capsys, "rule", "ISO999")
    assert code == 2 and out == "" and "unknown rule 'ISO999'" in err


def test_report_counts_the_audit_metrics_per_service(tmp_path: Path, monkeypatch, capsys) -> None:
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11\n",
        "services/api/app/cache.py": 'REDIS_HOST = "localhost"\n',
        "services/api/app/settings.py": 'import os\n\nREDIS_URL = os.getenv("REDIS_URL", "redis://localhost:6379/0")\n',
        "services/auth/Dockerfile": "FROM python:3.11\n",
        "services/auth/app/main.py": 'import os\n\nSECRET = os.environ["AUTH_SECRET"]\n',
        "scripts/dev_launcher.py": 'HOST = "localhost"\n',
    })
    monkeypatch.chdir(root)
    code, out, _ = run_cli(capsys, "report", "--format", "json", "--no-cache")
    assert code == 1
    report = json.loads(out)
    metrics = {m["key"]: m for m in report["metrics"]}
    assert report["passed"] is False
    local = metrics["localhost-references"]
    assert local["value"] == 2 and local["passed"] is False  # the dev launcher does not count
    assert local["per_service"] == {"api": 2}
    assert all(example.startswith("services/api/app/") for example in local["examples"])
    defaults = metrics["development-defaults"]
    assert defaults["value"] == 1 and defaults["per_service"] == {"api": 1}
    assert defaults["examples"] == ["services/api/app/settings.py:3 ISO102"]
    code, text, _ = run_cli(capsys, "report", "--no-cache")
    assert "[FAIL] Configuration isolation: localhost references in non-development code" in text
    assert "metric(s) meet the audit's target." in text


def test_report_passes_on_a_clean_project(clean_project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "report", "--format", "json", "--no-cache")
    assert code == 0
    assert all(metric["passed"] for metric in json.loads(out)["metrics"])
