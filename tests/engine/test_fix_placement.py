"""Fixes that fit the project: the accessor a module reads its configuration through, and where
an added import goes in the file's own import block."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from isolint.api import fix_source
from isolint.core.config import Settings
from isolint.fixers.env_lookup import learned_accessor
from isolint.fixers.imports import insertion_point

ROOT = Path("/nonexistent/project")


def _learned(code: str) -> str | None:
    accessor = learned_accessor(ast.parse(textwrap.dedent(code)))
    return accessor.template if accessor is not None else None


def test_the_accessor_is_learned_from_the_module_s_own_lookups() -> None:
    assert _learned('from app.config import get_config\nA = get_config("DB_URL")\nB = get_config("ENV", "DEV")\n') \
        == "get_config({name!r})"
    assert _learned('from app.env import env\nA = env.require("DB_URL")\n') == "env.require({name!r})"
    assert _learned('from app.env import env\nA = env["DB_URL"]\n') == "env[{name!r}]"


def test_a_module_reading_os_at_least_as_often_keeps_os_environ() -> None:
    code = 'import os\nfrom app.config import get_config\nA = get_config("A_URL")\nB = os.getenv("B_URL")\n'
    assert _learned(code) is None


def test_writers_settings_mappings_and_local_names_are_no_accessor() -> None:
    assert _learned('from app.env import set_env\nset_env("DB_URL", "x")\n') is None
    assert _learned('from app import app\nA = app.config["DB_URL"]\n') is None  # Flask's mapping, maybe filled here
    assert _learned('def f():\n    env = load()\n    return env["DB_URL"]\n') is None  # not bound at module level


def test_a_module_defined_accessor_is_used_only_inside_functions_after_it() -> None:
    code = textwrap.dedent('''\
        DEFAULTS = {"MODE": "PROD"}
        def load_env(name, required=False):
            return DEFAULTS.get(name)
        class Config:
            def __init__(self):
                self.MODE = load_env("MODE", required=True)
        ''')
    accessor = learned_accessor(ast.parse(code))
    assert accessor is not None and accessor.template == "load_env({name!r}, required=True)"
    assert accessor.usable_at(5) and not accessor.usable_at(0)


def test_a_configured_accessor_wins_over_the_learned_one() -> None:
    settings = Settings(root=ROOT).with_overrides({"select": ["ISO101"], "env-accessor": "cfg.require({name!r})",
                                                  "env-accessor-import": "from app.cfg import cfg"})
    text = 'from app.config import get_config\n\nENV = get_config("ENV")\n\n\nclass Cache:\n    host = "localhost"\n'
    outcome = fix_source(text, ROOT / "services/api/app/cache.py", settings, unsafe=True)
    assert 'host = cfg.require("CACHE_HOST")' in outcome.text


@pytest.mark.parametrize(("block", "expected"), [
    # isort's order within the standard-library section: `import x` lines, then `from x import`
    ("import json\nimport sys\nfrom datetime import date\n\nimport redis\n", (1, False)),
    # force_sort_within_sections: by module whatever the kind
    ("import json\nfrom pathlib import Path\nimport sys\n", (1, False)),
    # no standard-library section yet: a new one above the others, kept apart by a blank line
    ("from __future__ import annotations\n\nimport redis\n\nfrom app import x\n", (2, True)),
    # ... unless the block runs its sections together
    ("from __future__ import annotations\nimport redis\n", (1, False)),
    # an unsorted section: after its last import
    ("import sys\nimport json\n\nimport redis\n", (2, False)),
    # no import block: after the docstring
    ('"""Doc."""\nX = 1\n', (1, False)),
])
def test_import_os_goes_where_the_block_puts_it(block: str, expected: tuple[int, bool]) -> None:
    assert insertion_point(ast.parse(block), "import os") == expected


def test_a_third_party_import_goes_after_its_section() -> None:
    block = "import os\n\nimport redis\nimport requests\n\nfrom app import x\n"
    assert insertion_point(ast.parse(block), "import httpx") == (2, False)
    assert insertion_point(ast.parse(block), "from app.env import get_env") == (6, False)


def test_the_fixed_file_parses_and_a_second_fix_changes_nothing() -> None:
    text = textwrap.dedent('''\
        """Broker."""
        import json

        import redis


        class BrokerSettings:
            host = "localhost"
        ''')
    settings = Settings(root=ROOT).with_overrides({"select": ["ISO101"]})
    path = ROOT / "services/backend/app/core/broker.py"
    first = fix_source(text, path, settings, unsafe=True)
    assert first.text.startswith('"""Broker."""\nimport json\nimport os\n\nimport redis\n')
    ast.parse(first.text)
    second = fix_source(first.text, path, settings, unsafe=True)
    assert second.text == first.text and not second.applied
