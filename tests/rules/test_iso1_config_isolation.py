"""ISO1xx (configuration isolation): the value reader, the development-value verdicts, the
config-modules matcher, the one-finding-per-literal policy, fixes end to end, masking, and the
rule docs as tests. Fixture files cover the per-rule true positives and look-alikes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from isolint.api import fix_source, lint_source
from isolint.core.config import Settings
from isolint.rules.config_isolation.env_access_outside_config import in_config_modules
from isolint.rules.config_isolation.typescript_values import is_tooling_file
from isolint.rules.config_isolation.values import classify_dev_value, is_dev_credential, parse_value

ROOT = Path("/isolint-iso1-root")


def lint(code: str, path: str = "services/api/app/settings.py", **overrides):
    settings = Settings(root=ROOT).with_overrides({"select": ["ISO1", "ISO2"], **overrides})
    return lint_source(textwrap.dedent(code), ROOT / path, settings).findings


def codes(code: str, **kwargs) -> list[str]:
    return [finding.code for finding in lint(code, **kwargs)]


# -- reading values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("localhost", [("localhost", "local")]),
        ("http://localhost:3000/api", [("localhost", "local")]),
        ("postgresql+asyncpg://postgres:postgres@localhost:5432/app_dev", [("localhost", "local")]),
        ("localhost:9092,127.0.0.1:9093", [("localhost", "local"), ("127.0.0.1", "local")]),
        ("http://localhost:3000, https://app.example.com", [("localhost", "local"), ("app.example.com", None)]),
        ("mongodb://localhost:27017,localhost:27018/db", [("localhost", "local"), ("localhost", "local")]),
        ("[::1]:8000", [("[::1]", "local")]),
        ("127.0.1.1", [("127.0.1.1", "local")]),
        ("api.localhost", [("api.localhost", "local")]),
        ("host.docker.internal:5432", [("host.docker.internal", "local")]),
        ("0.0.0.0", [("0.0.0.0", "bind-all")]),
        ("http://0.0.0.0:8000", [("0.0.0.0", "bind-all")]),
        ("host=localhost port=5432 dbname=app", [("localhost", "local")]),
        ("Server=localhost;Database=app;User Id=sa;Password=x;", [("localhost", "local")]),
        ("\x00://localhost:\x00/", [("localhost", "local")]),  # f"{scheme}://localhost:{port}/"
        ("localhost:\x00", [("localhost", "local")]),  # f"localhost:{port}": a host with a run-time port
        ("\x00:\x00", []),  # f"{host}:{port}"
        ("redis://\x00:6379/0", [("\x00", None)]),  # the host is interpolated
        ("db.internal:5432", [("db.internal", None)]),
        # not values: prose, patterns, e-mail addresses, plain words
        ("cannot connect to localhost", []),
        (r"^https?://localhost(:\d+)?$", []),
        (r"http://localhost:\d+", []),
        ("localhost.*", []),
        ("noreply@localhost", []),
        ("local", []),
        ("sqlite:///./app.db", []),
    ],
)
def test_parse_value_reads_hosts_only_where_a_value_names_them(text: str, hosts: list) -> None:
    assert [(ref.host, ref.kind) for ref in parse_value(text).refs] == hosts


def test_parse_value_keeps_literal_passwords_and_drops_interpolated_ones() -> None:
    assert parse_value("postgresql://app:s3cret@db/app").passwords == ("s3cret",)
    assert parse_value("postgresql://app:${DB_PASSWORD}@db/app").passwords == ()
    assert parse_value("postgresql://app:\x00@db/app").passwords == ()
    assert parse_value("postgresql://app:****@db/app").passwords == ()


@pytest.mark.parametrize(
    ("name", "value", "kinds"),
    [
        ("REDIS_HOST", "localhost", ["local-host"]),
        ("REDIS_HOST", "0.0.0.0", ["bind-all"]),
        ("HOST", "0.0.0.0", []),  # where a server listens
        ("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app_dev", ["local-host", "credential", "database"]),
        ("DATABASE_URL", "postgresql://app@db.internal:5432/app", []),
        ("DATABASE_URL", "sqlite:///./app.db", ["sqlite"]),
        ("DEBUG", "true", ["debug"]),
        ("DEBUG", "false", []),
        ("FLASK_DEBUG", True, ["debug"]),
        ("APP_ENV", "development", ["environment"]),
        ("APP_ENV", "production", []),
        ("DB_NAME", "app_dev", ["database"]),
        ("DB_NAME", "app", []),
        ("DB_PASSWORD", "postgres", ["credential"]),
        ("DB_PASSWORD", "Xk29fjs82Kaq", []),  # real-looking: the secrets family's
        ("REDIS_PORT", "6379", []),  # the service's own standard port: its protocol's default
        ("REDIS_PORT", 6379, []),
        ("REDIS_PORT", "5432", ["service-port"]),  # another service's port
        ("CACHE_REDIS_PORT", 3306, ["service-port"]),
        ("PORT", "8000", []),
        ("LOG_LEVEL", "DEBUG", []),
        ("TOKEN_EXPIRE_MINUTES", "30", []),
    ],
)
def test_development_values(name: str, value: object, kinds: list[str]) -> None:
    assert [reason.kind for reason in classify_dev_value(name, value).reasons] == kinds


def test_ports_are_not_development_values_in_deployed_env_files() -> None:
    assert not classify_dev_value("REDIS_PORT", "6379", include_ports=False)


def test_development_value_messages_never_show_the_password() -> None:
    dev = classify_dev_value("DATABASE_URL", "postgresql://postgres:devpass-42@localhost:5432/app")
    assert "devpass-42" not in dev.shown and dev.shown.startswith("postgresql://postgres:")


@pytest.mark.parametrize("value", ["postgres", "changeme", "dev-secret-change-in-production", "Password", "insecure",
                                   "super secret jwt secret"])
def test_dev_credentials(value: str) -> None:
    assert is_dev_credential(value)


@pytest.mark.parametrize("value", ["", "${DB_PASSWORD}", "<password>", "Xk29fjs82Kaq", "developer-portal-7f2",
                                   "correct-Horse7-battery"])
def test_not_dev_credentials(value: str) -> None:
    assert not is_dev_credential(value)


# -- config-modules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel_path", "module", "patterns", "inside"),
    [
        ("services/api/app/config.py", "services.api.app.config", ["app.config"], True),
        ("services/api/app/config/redis.py", "services.api.app.config.redis", ["app.config"], True),
        ("services/api/app/configuration.py", "services.api.app.configuration", ["app.config"], False),
        ("services/api/app/settings.py", "services.api.app.settings", ["services/*/app/settings.py"], True),
        ("services/api/app/settings.py", "services.api.app.settings", ["app/settings.py"], True),
        ("services/api/app/settings.py", "services.api.app.settings", ["/app/settings.py"], False),
        ("services/api/app/core/env.py", "services.api.app.core.env", ["*.core.env"], True),
        ("services/api/app/api/routes.py", "services.api.app.api.routes", ["app.config", "**/settings.py"], False),
    ],
)
def test_config_modules_match_globs_and_dotted_names(rel_path: str, module: str, patterns: list[str], inside: bool) -> None:
    assert in_config_modules(rel_path, module, patterns) is inside


def test_env_access_rule_is_off_without_config_modules_and_in_tests() -> None:
    code = "import os\nX = os.environ['X']\n"
    assert codes(code, path="services/api/app/routes.py") == []
    assert codes(code, path="services/api/app/routes.py", **{"config-modules": ["app.config"]}) == ["ISO104"]
    assert codes(code, path="services/api/tests/test_routes.py", **{"config-modules": ["app.config"]}) == []


# -- one finding per literal -----------------------------------------------------------------------


def test_a_local_url_with_a_password_is_one_iso101_finding_naming_the_password() -> None:
    code = 'DATABASE_URL = "postgresql://app:devpass@localhost:5432/app"\n'
    findings = lint(code)
    assert [f.code for f in findings] == ["ISO101"]
    assert "password" in findings[0].message and "devpass" not in findings[0].message
    start = code.index("devpass")
    assert findings[0].data["secret_range"] == [0, start, 0, start + len("devpass")]  # exactly the password


def test_an_env_default_is_iso102s_not_iso101s_or_iso103s() -> None:
    assert codes('import os\nURL = os.getenv("REDIS_URL", "redis://localhost:6379/0")\n') == ["ISO102"]
    assert codes('import os\nPORT = os.getenv("REDIS_PORT", "5432")\n') == ["ISO102"]
    # the service's own standard port is no development value, and no other rule reports it either
    assert codes('import os\nPORT = os.getenv("REDIS_PORT", "6379")\n') == []


def test_an_env_default_that_is_not_a_dev_value_is_left_to_the_other_rules() -> None:
    assert codes('import os\nURL = os.getenv("DSN", "postgresql://app:hunter2@db.internal/app")\n') == ["ISO103"]


def test_a_real_looking_url_password_is_the_secrets_familys() -> None:
    assert codes('DSN = "postgresql://app:s3cr3t-Reporting-7f2kQz@db.internal/app"\n') == ["ISO203"]


def test_development_and_test_zones_are_quiet() -> None:
    code = 'import os\nREDIS = os.getenv("REDIS_HOST", "localhost")\nHOST = "localhost"\nPORT = 6379\n'
    assert codes(code, path="scripts/dev_launcher.py") == []
    assert codes(code, path="services/api/tests/test_cache.py") == []
    assert sorted(codes(code)) == ["ISO101", "ISO102", "ISO103"]


def test_suppression_comment_silences_one_rule_on_its_line() -> None:
    assert codes('HOST = "localhost"  # isolint: ignore[ISO101]\nOTHER = "127.0.0.1"\n') == ["ISO101"]


# -- fixes -----------------------------------------------------------------------------------------


def fixed(code: str, path: str = "services/api/app/settings.py", **overrides) -> str:
    settings = Settings(root=ROOT).with_overrides({"select": ["ISO1"], **overrides})
    return fix_source(textwrap.dedent(code), ROOT / path, settings, unsafe=True).text


def test_fix_replaces_a_local_host_with_a_named_lookup_and_adds_the_import() -> None:
    code = '''\
        """Settings."""
        import redis


        class RedisSettings:
            host = "localhost"


        def client():
            return redis.Redis(host="127.0.0.1", decode_responses=True)
        '''
    assert fixed(code) == textwrap.dedent('''\
        """Settings."""
        import os

        import redis


        class RedisSettings:
            host = os.environ["REDIS_HOST"]


        def client():
            return redis.Redis(host=os.environ["REDIS_HOST"], decode_responses=True)
        ''')


def test_fix_uses_the_configured_accessor() -> None:
    overrides = {"env-accessor": "get_env().require({name!r})", "env-accessor-import": "from shared.env import get_env"}
    result = fixed('import os\nREDIS = os.getenv("REDIS_HOST", "localhost")\n', **overrides)
    assert result == 'import os\nfrom shared.env import get_env\nREDIS = get_env().require("REDIS_HOST")\n'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('os.getenv("REDIS_HOST", "localhost")', 'os.environ["REDIS_HOST"]'),
        ('os.environ.get("DEBUG", default="true")', 'os.environ["DEBUG"]'),
        ('os.getenv("BROKER_URL") or "amqp://localhost//"', 'os.environ["BROKER_URL"]'),
        ('int(os.getenv("REDIS_PORT", 5432))', 'int(os.environ["REDIS_PORT"])'),
        ('config("REDIS_HOST", default="localhost", cast=str)', 'config("REDIS_HOST", cast=str)'),
        ('env.str("REDIS_HOST", "localhost")', 'env.str("REDIS_HOST")'),
        ('os.environ.setdefault("REDIS_HOST", "localhost")', 'os.environ.setdefault("REDIS_HOST", "localhost")'),
    ],
)
def test_fix_drops_the_development_default(before: str, after: str) -> None:
    header = "import os\nfrom decouple import config\nfrom environs import Env\nenv = Env()\n"
    assert fixed(f"{header}VALUE = {before}\n") == f"{header}VALUE = {after}\n"


def test_port_fix_converts_to_int_and_names_the_service() -> None:
    code = "import os\nimport clickhouse_connect\nclient = clickhouse_connect.get_client(host=os.environ['H'], port=8123)\n"
    assert "port=int(os.environ['CLICKHOUSE_PORT'])" in fixed(code)


def test_no_fix_when_nothing_names_the_value() -> None:
    findings = lint('import redis\nredis.Redis("localhost")\nORIGINS = ["http://localhost:3000"]\n')
    assert [f.code for f in findings] == ["ISO101", "ISO101"]
    assert all(f.fix is None for f in findings)


# -- masking through the CLI -------------------------------------------------------------------------


def test_cli_output_never_contains_a_password(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    app = tmp_path / "services" / "api" / "app"
    app.mkdir(parents=True)
    (app / "settings.py").write_text(
        'import os\n'
        'DB = os.getenv("DATABASE_URL", "postgresql://postgres:devpass-9k@localhost:5432/app_dev")\n'
        'LEGACY = "postgresql://app:hunter2@db.internal/app"\n'
        'PASSWORD = os.getenv("DB_PASSWORD", "changeme-dev-only")\n'
    )
    (tmp_path / ".env.production").write_text("DATABASE_URL=postgresql://app:app-dev-pw@localhost/app\n")
    for output_format in ("text", "json"):
        completed = subprocess.run(
            [sys.executable, "-m", "isolint", "check", str(tmp_path), "--no-cache", "--select", "ISO1",
             "--format", output_format],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert completed.returncode == 1, completed.stderr
        for secret in ("devpass-9k", "hunter2", "changeme-dev-only", "app-dev-pw"):
            assert secret not in completed.stdout, (output_format, secret)
    findings = json.loads(completed.stdout)
    assert sorted(f["code"] for f in findings) == ["ISO102", "ISO102", "ISO103", "ISO105"]


# -- test support beside production code -------------------------------------------------------


PROVISION = """
    from {module} import generate_driver_url


    def _format_url(url, driver):
        return url.set(password="test", drivername=f"sqlite+{{driver}}", host="localhost")
"""


@pytest.mark.parametrize("module", ["...testing.provision", "pytest"])
def test_a_module_importing_a_testing_package_is_test_support(module: str) -> None:
    assert codes(PROVISION.format(module=module)) == []


def test_the_same_code_importing_production_helpers_is_reported() -> None:
    assert sorted(codes(PROVISION.format(module="app.provision"))) == ["ISO101", "ISO103"]


MIGRATION = """
    from django.db import migrations, models


    class Migration(migrations.Migration):
        operations = [migrations.AddField("mlbackend", "url", models.TextField(default="http://localhost:8999"))]
"""


LOCAL_TOOL = """\
import os
import socket

API = os.environ.get("API_BASE_URL", "http://localhost:8000")
DB_PORT = 5432


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    return socket.create_connection((host, port), timeout=0.5) is not None
"""


@pytest.mark.parametrize("path", ["services/agent/app/cli/status.py", "packages/acme-cli/src/acme_cli/doctor.py",
                                  "tools_cli/wizard.py"])
def test_a_command_line_tools_package_is_local_first(path: str) -> None:
    assert codes(LOCAL_TOOL, path=path) == []


def test_the_same_code_outside_a_command_line_tool_is_reported() -> None:
    assert sorted(codes(LOCAL_TOOL, path="services/agent/app/client/status.py")) == ["ISO101", "ISO102", "ISO103"]
    assert sorted(codes(LOCAL_TOOL, path="services/agent/app/clinic/status.py")) == ["ISO101", "ISO102", "ISO103"]


def test_a_settings_fields_fix_keeps_the_settings_class_and_requires_the_field() -> None:
    code = textwrap.dedent("""\
        from pydantic import Field
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            REDIS_HOST: str = "localhost"
            PUBLIC_URL: str = Field("http://localhost:8000", description="public address")
            DB_PASSWORD: str = Field(description="database password", default="acme")
            DEBUG: bool = True
        """)
    settings = Settings(root=ROOT).with_overrides({"select": ["ISO1"]})
    fixed = fix_source(code, ROOT / "services/api/app/settings.py", settings, unsafe=True).text
    assert "os.environ" not in fixed and "import os" not in fixed
    assert "    REDIS_HOST: str\n" in fixed and "    DEBUG: bool\n" in fixed
    assert 'PUBLIC_URL: str = Field(description="public address")' in fixed
    assert 'DB_PASSWORD: str = Field(description="database password")' in fixed


@pytest.mark.parametrize(("rel_path", "tooling"), [
    ("frontend/vite.config.ts", True), ("ui/src/utilities/testing.ts", True),
    # Next.js applies next.config's rewrites and env in the deployed app: run-time configuration
    ("apps/web/next.config.mjs", False), ("apps/web/examples/next.config.mjs", True),
    ("packages/app-cli/src/config.ts", True), ("frontend/src/Button.stories.tsx", True),
    ("clients/apps/web/src/utils/config.ts", False), ("frontend/src/api/client.ts", False),
])
def test_frontend_tooling_files_and_a_frontends_own_config_module(rel_path: str, tooling: bool) -> None:
    assert is_tooling_file(rel_path) is tooling


def test_a_schema_migration_is_not_checked_but_the_same_code_elsewhere_is() -> None:
    assert codes(MIGRATION, path="services/api/app/ml/migrations/0002_url.py") == []
    assert codes(MIGRATION, path="services/api/app/ml/schema.py") == ["ISO101"]
