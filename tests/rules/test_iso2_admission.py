"""ISO203's admission (``may_hold_secret``): every shape the rule reports in is admitted — tricky
syntax included — and typical modules without a secret are not parsed for it."""

from __future__ import annotations

import pytest

from isolint.api import lint_source
from isolint.rules.secrets.code_admission import may_hold_secret

REPORTED = {
    "assignment": 'JWT_SECRET = "4be0643f1d98573b97cdca98a65347dd"\n',
    "camel_case": 'apiKey = "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "title_case_key": 'APIKey = "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "joined_words": 'color_api_keyword = "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "annotated": 'class S:\n    db_password: "Optional[str]" = "Summer2024!x"\n',
    "attribute": 'self.smtp_pass = "Summer2024!x"\n',
    "subscript": 'os.environ["STRIPE_KEY"] = "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "keyword_multiline": 'client = Client(\n    base_url=base,\n    api_key=(\n        # the vendor key\n        "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n    ),\n)\n',
    "dict_key": 'CONFIG = {\n    "X-Api-Key":\n        "Zq8rT2vLx9Wm4Kp7Ys3Nd6",\n}\n',
    "default_argument": 'def connect(host, password: str = "Summer2024!x"):\n    pass\n',
    "env_default": 'SECRET = os.getenv("JWT_SECRET", "4be0643f1d98573b97cdca98a65347dd")\n',
    "or_fallback": 'TOKEN = os.environ.get("GITHUB_TOKEN") or "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "implicit_concatenation": 'API_TOKEN = ("Zq8rT2vLx9"\n             "Wm4Kp7Ys3Nd6")\n',
    "prefixed_bytes": "SIGNING_KEY = rb'Zq8rT2vLx9Wm4Kp7Ys3Nd6'\n",
    "escape": 'db_pwd = "Summer\\x32024!x"\n',
    "triple_quoted": 'DB_PASSWORD = """Summer2024!x"""\n',
    "comparison": 'if password == "Summer2024!x":\n    grant()\n',
    "reversed_comparison": 'if "Summer2024!x" == user.password:\n    grant()\n',
    "getter": 'def get_api_key():\n    """The key."""\n    log.debug("looking it up")\n    return "Zq8rT2vLx9Wm4Kp7Ys3Nd6"\n',
    "signing_call": 'import jwt\n\ntoken = jwt.encode(payload, "4be0643f1d98573b97cdca98a65347dd")\n',
    "known_format": 'HEADERS = {"x": "ghp_' + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"[:36] + '"}\n',
    "authorization": 'headers = {"Authorization": "Bearer Zq8rT2vLx9Wm4Kp7Ys3Nd6"}\n',
    "url_password": 'DSN = "postgresql://app:Xk9vQ2mL7pZ4@db.internal:5432/app"\n',
}

QUIET = {
    "no_literal_near_a_name": "def keys(self):\n    return sorted(self._data, key=len)\n\n\ndef tokenize(s):\n    pass\n",
    "messages": 'TOKEN_HELP = "Paste the token you were given"\npassword_label = "Your password"\n',
    "short_values": 'API_KEY = os.environ["API_KEY"]\npassword = "hunter"\n',
    "plain_module": 'import os\n\n\ndef main():\n    print("Building the project index", os.getcwd())\n',
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_files_where_iso203_reports_are_admitted(name: str) -> None:
    text = REPORTED[name]
    assert may_hold_secret(text.encode())
    # the shape really is reported (the admission is checked against the rule, not a guess)
    codes = [f.code for f in lint_source(text, "/isolint-admission/app/settings.py").findings]
    assert "ISO203" in codes, codes


@pytest.mark.parametrize("name", sorted(QUIET))
def test_files_without_a_possible_secret_are_not_admitted(name: str) -> None:
    assert not may_hold_secret(QUIET[name].encode())


def test_non_ascii_text_is_admitted_conservatively() -> None:
    assert may_hold_secret('mot_de_passe_pw = "été2024!Été"\n'.encode())
