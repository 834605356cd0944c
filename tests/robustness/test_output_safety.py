"""What isolint prints never shows a key in full, and its SARIF is valid URI syntax: a token in a
provider's format is masked in source snippets, fix diffs and messages even when it resembles a
documentation example (no rule reports it); SARIF ``uri``s are percent-encoded."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

from tests.robustness.hostile import build_tree, run_isolint

#: Stripe's live-key format; "EXAMPLE" makes the secrets rules take it for documentation
KEY = "sk_live_EXAMPLE4eC39HqLyjWDarjtT1zdp7dc"
CLIENT = f'import stripe\n\nclient = stripe.Client(api_key="{KEY}", host="localhost")\n'


def test_a_key_like_a_documentation_example_is_masked_in_snippets_and_diffs(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n", "app/client.py": CLIENT})
    masked = "sk" + "*" * (len(KEY) - 4) + "dc"  # to its length: carets under the line stay put
    runs = [(["check"], masked), (["check", "--diff", "--unsafe-fixes"], f'+client = stripe.Client(api_key="{masked}"'),
            *((["check", "--format", name], "ISO101") for name in ("grouped", "json", "sarif", "github"))]
    for args, shown in runs:
        result = run_isolint(root, *args, "--no-cache", ".")
        assert result.returncode == 1 and shown in result.stdout, result.stderr
        assert KEY not in result.stdout + result.stderr
    text = run_isolint(root, "check", "--no-cache", ".").stdout.splitlines()
    line = next(index for index, row in enumerate(text) if "client = stripe" in row)
    assert text[line][text[line + 1].index("^"):].startswith('"localhost"')


#: AWS's documented example secret key: no provider prefix, only its name says what it is
AWS_EXAMPLE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SETTINGS = (f'import os\nAWS_SECRET_ACCESS_KEY = "{AWS_EXAMPLE}"\n'
            'DB = os.getenv("DATABASE_URL", "postgresql://app@localhost:5432/app")\n'
            'MODE = "production_settings_v2"\n')


def test_a_value_bound_to_a_secret_name_is_masked_in_diff_context(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n", "app/settings.py": SETTINGS})
    result = run_isolint(root, "check", "--diff", "--unsafe-fixes", "--no-cache", ".")
    assert 'AWS_SECRET_ACCESS_KEY = "wJ' in result.stdout, result.stdout + result.stderr
    assert AWS_EXAMPLE not in result.stdout + result.stderr


def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    root = build_tree(tmp_path, {"pyproject.toml": "[tool.isolint]\n",
                                 "my app/日本 語.py": 'REDIS_HOST = "localhost"\n'})
    result = run_isolint(root, "check", "--no-cache", "--format", "sarif", ".")
    run = json.loads(result.stdout)["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20app/%E6%97%A5%E6%9C%AC%20%E8%AA%9E.py"
    assert unquote(uri) == "my app/日本 語.py"
    assert " " not in run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
