"""`isolint explain`: zone, service, test tier, configuration and rules of a file, with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_cli


def _explain(capsys, *paths: str) -> list[dict]:
    code, out, _ = run_cli(capsys, "explain", "--format", "json", *paths)
    assert code == 0
    return json.loads(out)


def test_heuristics_are_named(project: Path, capsys) -> None:
    config, env, test = _explain(capsys, "services/api/app/config.py", "services/api/.env.production",
                                 "services/api/tests/test_settings.py")
    assert config["zone"] == "production" and "production code by default" in config["zone_reason"]
    assert config["service"] == "api" and "`services/api/` holds `Dockerfile`" in config["service_reason"]
    assert config["config"] == str(project / "pyproject.toml")
    runs = {rule["code"]: rule for rule in config["rules"]}
    assert runs["ISO101"]["runs"] and not runs["ISO502"]["runs"]
    assert runs["ISO502"]["reason"] == "does not apply to production code"
    assert runs["ISO201"]["reason"] == "does not check python files"
    assert env["zone"] == "production" and "not named for development or tests" in env["zone_reason"]
    assert test["zone"] == "test" and test["test_tier"] == "unit" and "`tests/` folder" in test["zone_reason"]


def test_settings_and_content_are_named(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.isolint]\nproduction-paths = ["scripts/deploy/**"]\nservices = { web = "services/api" }\n'
        'ignore = ["ISO103"]\n')
    (project / "scripts/deploy").mkdir(parents=True)
    (project / "scripts/deploy/release.py").write_text("print(1)\n")
    (project / "services/api/tests/test_live.py").write_text(
        "import pytest\n\npytestmark = pytest.mark.integration\n")
    deploy, live = _explain(capsys, "scripts/deploy/release.py", "services/api/tests/test_live.py")
    assert deploy["zone"] == "production" and deploy["zone_reason"] == "matches `production-paths` in the configuration"
    assert live["zone"] == "integration-test" and live["test_tier"] == "integration"
    assert "pytestmark" in live["test_tier_reason"]
    assert live["service"] == "web" and "`services` in the configuration" in live["service_reason"]
    iso103 = next(rule for rule in deploy["rules"] if rule["code"] == "ISO103")
    assert not iso103["runs"] and "not selected" in iso103["reason"]


def test_text_output(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "explain", "services/api/app/config.py", "--all-rules")
    assert code == 0
    assert "  zone           production — " in out and "  service        api — " in out
    assert "ISO502 environ-mutation-in-test" in out and "off: does not apply to production code" in out
    assert run_cli(capsys, "explain", "nope.py")[0] == 2
    code, _, err = run_cli(capsys, "explain", "services")
    assert code == 2 and "takes files" in err


def test_a_unit_module_named_for_a_tier_that_stays_in_process_is_a_unit_test(project: Path, capsys) -> None:
    (project / "services/api/tests/unit").mkdir(parents=True)
    (project / "services/api/tests/unit/test_skills_e2e.py").write_text(
        '"""Skills end to end over the SDK layers. No network: the resolve endpoint is mocked."""\n')
    (project / "services/api/tests/unit/test_browser_e2e.py").write_text(
        '"""Against a real headless browser."""\n')
    in_process, real = _explain(capsys, "services/api/tests/unit/test_skills_e2e.py",
                                "services/api/tests/unit/test_browser_e2e.py")
    assert in_process["test_tier"] == "unit" and "stay in one process" in in_process["test_tier_reason"]
    assert real["zone"] == "integration-test" and real["test_tier"] == "integration"


def test_a_module_named_for_an_integration_it_does_not_run_is_a_unit_test(project: Path, capsys) -> None:
    (project / "services/api/tests/unit").mkdir(parents=True, exist_ok=True)
    (project / "services/api/tests/unit/test_slack_integration.py").write_text(
        "from integrations.slack.manager import SlackManager\n")
    (project / "services/api/tests/unit/test_billing_stripe_integration.py").write_text(
        "from unittest.mock import MagicMock\n\nfrom .mock_stripe import find_customer\n")
    (project / "services/api/tests/unit/test_orders_integration.py").write_text(
        "from unittest.mock import MagicMock\n\nfrom app.orders import create_order\n")
    feature, no_product, named = _explain(capsys, "services/api/tests/unit/test_slack_integration.py",
                                          "services/api/tests/unit/test_billing_stripe_integration.py",
                                          "services/api/tests/unit/test_orders_integration.py")
    assert feature["test_tier"] == "unit" and "`integrations.slack`" in feature["test_tier_reason"]
    assert no_product["test_tier"] == "unit" and "imports no code of the product" in no_product["test_tier_reason"]
    assert named["test_tier"] == "integration"
