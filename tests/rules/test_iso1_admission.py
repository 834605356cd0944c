"""ISO102/ISO103 admission: the byte-level prefilter that decides, before any parse, whether a
file can hold what the rule reports. Every file it admits in these tests is one the rule really
reports on (the tricky spellings of each form), and every file it turns away is one where the
rule, run on the parsed file without the prefilter, finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.engine.python_runner import parse_python, run_python_rules
from isolint.engine.selection import TokenScan
from isolint.core.source import SourceFile
from isolint.rules.config_isolation.dev_default_env_fallback import DevDefaultEnvFallback
from isolint.rules.config_isolation.hardcoded_connection_value import HardcodedConnectionValue

ROOT = Path("/p")


def _source(text: str) -> SourceFile:
    return SourceFile.from_text(ROOT / "services/api/app/module.py", text, Settings(root=ROOT), Language.PYTHON)


def _admitted(rule: type, text: str) -> bool:
    source = _source(text)
    return TokenScan(source.raw).admits(rule.tokens) and rule.admits(source, None)


def _codes_without_prefilter(rule: type, text: str) -> list[str]:
    source = _source(text)
    findings, crashed = run_python_rules(source, parse_python(source), [rule()])
    assert not crashed
    return [finding.code for finding in findings]


ISO103_REPORTED = {
    "keyword port": "import redis\ncache = redis.Redis(host=HOST, port=6379)\n",
    "digit grouping": "REDIS_PORT = 6_379\n",
    "zero-padded digit string": 'DB_PORT = "05432"\n',
    "port in a URL": 'BROKER = f"amqp://{host}:5672//"\n',
    "port beside a host": 'import socket\nsocket.create_connection(("cache", 6379))\n',
    "password in a URL over two lines": 'DSN = (\n    "postgresql://app:"\n    "app@db/app"\n)\n',
    "user-info in an f-string": 'URL = f"postgresql://app:app@{host}/app"\n',
    "scheme-less user-info": 'HOSTS = ["example.com:dr.frankenstein@evil.tld:80"]\n',
    "scheme-less user-info broken over two lines": 'ADDRESS = (\n    "app:s3cret@"\n    "db.internal:6000"\n)\n',
    "password keyword": 'connect(host=HOST, password="postgres")\n',
    "short password name": 'DB_PASS = "postgres"\n',
    "camel-case password name": 'dbPass = "changeme"\n',
    "pwd dict key": 'OPTIONS = {"PWD": "password"}\n',
    "ODBC DSN": 'CONN = "Driver=x;Server=db.internal;PWD=changeme"\n',
    "subscript target": 'cfg = {}\ncfg["password"] = "postgres"\n',
    "annotated field": "class Db:\n    password: str = 'postgres'\n",
    "line continuation": 'DB_PASSWORD \\\n    = "postgres"\n',
    "returned by a getter": 'def get_db_password():\n    return "changeme"\n',
}

ISO103_TURNED_AWAY = {
    "pass statements and docstring URLs": (
        'class Handler:\n    """See https://docs.example.com/handlers/ and @decorators."""\n\n'
        "    def run(self):\n        pass\n"
    ),
    "numbers that only contain a service port": "TIMEOUT = 16379\nRATIO = 6379.5\nname = pg_5432\n",
    "a web URL without user-info": 'API = "https://api.example.com/v1"\n',
    "passwords handled, never bound to a value": (
        "def change(user, form, raw):\n    user.set_password(raw)\n    if check_password(raw, user.password):\n"
        "        pass\n    password1 = form.cleaned_data['password1']\n    return password1\n"
    ),
}


@pytest.mark.parametrize("text", ISO103_REPORTED.values(), ids=ISO103_REPORTED.keys())
def test_iso103_admits_every_form_it_reports(text: str) -> None:
    assert "ISO103" in _codes_without_prefilter(HardcodedConnectionValue, text)
    assert _admitted(HardcodedConnectionValue, text)


@pytest.mark.parametrize("text", ISO103_TURNED_AWAY.values(), ids=ISO103_TURNED_AWAY.keys())
def test_iso103_turns_away_files_it_cannot_report_on(text: str) -> None:
    assert not _admitted(HardcodedConnectionValue, text)
    assert _codes_without_prefilter(HardcodedConnectionValue, text) == []


ISO102_REPORTED = {
    "os.getenv": 'import os\nHOST = os.getenv("REDIS_HOST", "localhost")\n',
    "getenv imported under another name": 'from os import getenv as read\nHOST = read("REDIS_HOST", "localhost")\n',
    "environ imported under another name": 'from os import environ as E\nHOST = E.get("REDIS_HOST", "localhost")\n',
    "os imported under another name": 'import os as o\nHOST = o.environ.get("REDIS_HOST", "localhost")\n',
    "a WSGI environ read like the environment": (
        'def app(environ, start_response):\n    host = environ.get("REDIS_HOST", "localhost")\n'
    ),
    "or-fallback over two lines": 'import os\nURL = (\n    os.environ.get("CACHE_URL")\n    or "redis://localhost:6379/0"\n)\n',
    "receiver in upper case": 'ENV.get("REDIS_HOST", "localhost")\n',
    "project getter": 'from app.util import get_env\nHOST = get_env("REDIS_HOST", "localhost")\n',
    "django-environ callable": 'HOST = env("REDIS_HOST", default="localhost")\n',
    "flask config with an env-style key": 'HOST = app.config.get("REDIS_HOST", "localhost")\n',
    "settings receiver returned by a call": 'HOST = get_settings().get("REDIS_HOST", "localhost")\n',
    "decouple config with a computed key": 'from decouple import config\nHOST = config(name, default="localhost")\n',
    "pydantic settings class with bases on two lines": (
        "from pydantic_settings import BaseSettings\n\n\nclass Settings(\n    BaseSettings,\n):\n"
        '    APP_ENV: str = "development"\n'
    ),
}

ISO102_TURNED_AWAY = {
    "django settings attributes and English words": (
        "from django.conf import settings\n\n\ndef f():\n"
        '    """Uses the environment configured in settings."""\n    return settings.DEBUG, settings.INSTALLED_APPS\n'
    ),
    "a parsed configuration with lower-case keys": 'region = conf.get("region", "localhost")\n',
    "an environment word inside another": "def inventory(envelope):\n    return envelope\n",
    "a WSGI environ indexed, a template environment": (
        "def app(environ, start_response):\n    path = environ['PATH_INFO']\n"
        "    return self.env.get_template('index.html').render(path=path, host='localhost')\n"
    ),
}


@pytest.mark.parametrize("text", ISO102_REPORTED.values(), ids=ISO102_REPORTED.keys())
def test_iso102_admits_every_form_it_reports(text: str) -> None:
    assert "ISO102" in _codes_without_prefilter(DevDefaultEnvFallback, text)
    assert _admitted(DevDefaultEnvFallback, text)


@pytest.mark.parametrize("text", ISO102_TURNED_AWAY.values(), ids=ISO102_TURNED_AWAY.keys())
def test_iso102_turns_away_files_it_cannot_report_on(text: str) -> None:
    assert not _admitted(DevDefaultEnvFallback, text)
    assert _codes_without_prefilter(DevDefaultEnvFallback, text) == []
