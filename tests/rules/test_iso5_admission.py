"""ISO5xx admission: the byte-level prefilter that decides, before any parse, whether a test file
can hold an integration test (ISO501, ISO503), facts for the ``test_doubles`` index (a mock
fixture, an integration test) or a change of ``os.environ`` (ISO502). Every file admitted here is one where the rule reports or the
indexer extracts facts, in its tricky spellings; every file turned away is one where the rule,
run on the parsed file without the prefilter, finds nothing and the indexer returns None."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.core.config import Settings
from isolint.core.model import Language, Zone
from isolint.engine.cache import fact_kinds_read
from isolint.engine.project import ProjectIndex
from isolint.engine.python_runner import parse_python, run_python_rules
from isolint.engine.typescript_runner import parse_typescript, run_typescript_rules
from isolint.engine.selection import TokenScan
from isolint.core.source import SourceFile
from isolint.core.test_tiers import is_integration_module
from isolint.rules.test_isolation.environ_mutation_in_test import EnvironMutationInTest, EnvironPatchIndexer
from isolint.rules.test_isolation.mock_fixture_in_integration_test import MockFixtureInIntegrationTest
from isolint.rules.test_isolation.mock_in_integration_test import MockInIntegrationTest
from isolint.rules.test_isolation.patch_never_undone import PatchNeverUndone
from isolint.rules.test_isolation.shared_settings_left_changed import CachedGetterIndexer, SharedSettingsLeftChanged
from isolint.rules.test_isolation.test_doubles_indexer import TEST_DOUBLES, IntegrationDoublesIndexer

ROOT = Path("/p")
UNIT_PATH = "services/orders/tests/test_orders.py"


def _source(text: str, rel_path: str = UNIT_PATH, **settings) -> SourceFile:
    return SourceFile.from_text(ROOT / rel_path, text, Settings(root=ROOT, **settings), Language.PYTHON)


def _parsed(source: SourceFile):
    """The parse, with the zone refined from the content as the checker does."""
    tree = parse_python(source)
    if source.zone is Zone.TEST and is_integration_module(tree, source.settings.integration_test_markers):
        source.zone = Zone.INTEGRATION_TEST
    return tree


def _checked(rule: type, text: str, rel_path: str = UNIT_PATH, **settings) -> tuple[bool, list[str]]:
    """(admitted, codes the rule reports when run without the prefilter)."""
    source = _source(text, rel_path, **settings)
    admitted = TokenScan(source.raw).admits(rule.tokens) and rule.admits(source, None)
    findings, crashed = run_python_rules(source, _parsed(source), [rule()])
    assert not crashed
    return admitted, [finding.code for finding in findings]


def _iso501(text: str, rel_path: str = UNIT_PATH, **settings) -> tuple[bool, list[str]]:
    return _checked(MockInIntegrationTest, text, rel_path, **settings)


def _indexer(text: str, rel_path: str = UNIT_PATH, **settings) -> tuple[bool, object]:
    """(admitted, facts the indexer extracts when run without the prefilter)."""
    source = _source(text, rel_path, **settings)
    indexer = IntegrationDoublesIndexer()
    admitted = TokenScan(source.raw).admits(indexer.tokens) and indexer.admits(source, None)
    return admitted, indexer.extract(source, _parsed(source))


MOCK_IN_INTEGRATION = {
    "integration folder": (
        "from unittest import mock\n\ndef test_create():\n    db = mock.MagicMock()\n    assert db\n",
        "services/orders/tests/integration/test_orders.py", {},
    ),
    "configured integration path": (
        "from unittest.mock import patch\n\ndef test_create():\n    with patch('orders.db'):\n        pass\n",
        "services/orders/checks/test_orders.py", {"integration_test_paths": ["services/*/checks/**"]},
    ),
    "marker on the test": (
        "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.mark.integration\n"
        "def test_create():\n    db = MagicMock()\n",
        UNIT_PATH, {},
    ),
    "mark imported from pytest, e2e": (
        "from pytest import mark\nfrom unittest.mock import patch\n\n@mark.e2e\n"
        "def test_checkout():\n    with patch('orders.gateway'):\n        pass\n",
        UNIT_PATH, {},
    ),
    "module pytestmark list": (
        "import pytest\nfrom unittest import mock\n\npytestmark = [pytest.mark.slow, pytest.mark.integration]\n\n"
        "def test_create():\n    mock.patch.object(Orders, 'save').start()\n",
        UNIT_PATH, {},
    ),
    "class pytestmark": (
        "import pytest\nimport mock\n\nclass TestOrders:\n    pytestmark = pytest.mark.acceptance\n\n"
        "    def test_create(self):\n        db = mock.Mock()\n",
        UNIT_PATH, {},
    ),
    "marker after a line continuation": (
        "import pytest\nfrom unittest.mock import AsyncMock\n\npytestmark = pytest.mark.\\\n    integration\n\n"
        "async def test_create():\n    db = AsyncMock()\n",
        UNIT_PATH, {},
    ),
    "marker split by brackets and a comment": (
        "import pytest\nfrom unittest.mock import MagicMock\n\n@(pytest.mark  # the tier\n  .integration)\n"
        "def test_create():\n    db = MagicMock()\n",
        UNIT_PATH, {},
    ),
    "marker in fullwidth letters (Python folds identifiers to NFKC)": (
        "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.\uff4d\uff41rk.\uff49ntegration\n"
        "def test_create():\n    db = MagicMock()\n",
        UNIT_PATH, {},
    ),
    "configured marker": (
        "import pytest\nfrom unittest.mock import create_autospec\n\n@pytest.mark.contract\n"
        "def test_create():\n    db = create_autospec(Database)\n",
        UNIT_PATH, {"integration_test_markers": ["contract"]},
    ),
    "mock imported under another name": (
        "import pytest\nfrom unittest.mock import patch as swap\n\n@pytest.mark.integration\n"
        "def test_create():\n    with swap('orders.db'):\n        pass\n",
        UNIT_PATH, {},
    ),
    "pytest-mock's fixture": (
        "import pytest\n\n@pytest.mark.integration\ndef test_create(mocker):\n    mocker.patch('orders.gateway.charge')\n",
        UNIT_PATH, {},
    ),
    "relative import inside the mock package": (
        "import pytest\nfrom .. import patch\n\n@pytest.mark.integration\n"
        "def test_create():\n    with patch('orders.db'):\n        pass\n",
        "mock/tests/test_patching.py", {},
    ),
}

UNIT_TESTS_WITH_MOCKS = {
    "unit test with a mock": (
        "from unittest import mock\n\ndef test_create():\n    db = mock.MagicMock()\n    assert db\n", {},
    ),
    "markers that are not integration ones": (
        "import pytest\nfrom unittest.mock import patch\n\n@pytest.mark.slow\ndef test_create():\n"
        "    '''An integration of two parts, tested on one system.'''\n    with patch('orders.db'):\n"
        "        bookmark.integration = os.system\n",
        {},
    ),
    "integration marker not configured": (
        "import pytest\nfrom unittest.mock import patch\n\n@pytest.mark.integration\ndef test_create():\n"
        "    with patch('orders.db'):\n        pass\n",
        {"integration_test_markers": ["e2e"]},
    ),
}


@pytest.mark.parametrize(("text", "rel_path", "settings"), MOCK_IN_INTEGRATION.values(), ids=MOCK_IN_INTEGRATION.keys())
def test_iso501_admits_every_form_it_reports(text: str, rel_path: str, settings: dict) -> None:
    admitted, codes = _iso501(text, rel_path, **settings)
    assert "ISO501" in codes
    assert admitted


@pytest.mark.parametrize(("text", "settings"), UNIT_TESTS_WITH_MOCKS.values(), ids=UNIT_TESTS_WITH_MOCKS.keys())
def test_iso501_turns_away_unit_tests(text: str, settings: dict) -> None:
    admitted, codes = _iso501(text, **settings)
    assert not admitted
    assert codes == []


CYPRESS_STUB = 'it("lists", () => {\n  cy.route("**/api/data_sources", []);\n});\n'


@pytest.mark.parametrize(("rel_path", "reported"), [
    ("client/cypress/integration/data_sources_spec.js", True),
    ("client/src/api/data_sources.test.js", False),
])
def test_iso501_admits_browser_end_to_end_tests_only(rel_path: str, reported: bool) -> None:
    source = SourceFile.from_text(ROOT / rel_path, CYPRESS_STUB, Settings(root=ROOT), Language.TYPESCRIPT)
    admitted = TokenScan(source.raw).admits(MockInIntegrationTest.tokens) and MockInIntegrationTest.admits(source, None)
    findings, crashed = run_typescript_rules(source, parse_typescript(source, rel_path), [MockInIntegrationTest()])
    assert not crashed
    assert [f.code for f in findings] == (["ISO501"] if reported else [])
    assert admitted is reported


def test_iso501_turns_away_an_integration_test_without_a_mock_library() -> None:
    text = ("from django.dispatch import receiver\n\ndef test_signal():\n"
            "    dispatcher.patch(handler)\n")  # no mock library, no mock class, no star import
    admitted, codes = _iso501(text, "services/orders/tests/integration/test_signals.py")
    assert not admitted
    assert codes == []


@pytest.mark.parametrize("text", [
    "from test_framework.doubles import *\n\ndef test_x():\n    db = MagicMock()\n",
    "from test_framework.doubles import *\n\ndef test_x():\n    with patch('app.svc.Gateway'):\n        pass\n",
    "def test_x(monkeypatch):\n    monkeypatch.setattr('app.svc.fetch', lambda: 1)\n",
], ids=["star-imported MagicMock", "star-imported patch", "monkeypatch stand-in"])
def test_iso501_admits_mocks_named_without_a_mock_library_import(text: str) -> None:
    admitted, codes = _iso501(text, "services/orders/tests/integration/test_signals.py")
    assert admitted
    assert codes == ["ISO501"]


MOCK_FIXTURES = {
    "return MagicMock()": "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.fixture\n"
                          "def gateway():\n    return MagicMock()\n",
    "yield from a with patch": "import pytest\nfrom unittest import mock\n\n@pytest.fixture(scope='module')\n"
                               "def gateway():\n    with mock.patch('app.gateway') as fake:\n        yield fake\n",
    "fixture imported from pytest": "from pytest import fixture\nfrom unittest.mock import Mock\n\n@fixture\n"
                                    "def gateway():\n    return Mock()\n",
    "yield_fixture in brackets": "import pytest\nimport mock\n\n@(pytest.yield_fixture)\n"
                                 "def gateway():\n    fake = mock.MagicMock()\n    yield fake\n",
    "fixture in fullwidth letters": "import pytest  # fixtures\nfrom unittest.mock import MagicMock\n\n@pytest.\uff46ixture\n"
                                    "def gateway():\n    return MagicMock()\n",
    "mocker fixture": "import pytest\n\n@pytest.fixture\ndef gateway(mocker):\n"
                      "    return mocker.patch('app.gateway.charge')\n",
    "aliased factory, started patch": "import pytest\nfrom unittest.mock import patch as swap\n\nclass TestX:\n"
                                      "    @pytest.fixture\n    def gateway(self):\n"
                                      "        return swap('app.gateway').start()\n",
}


@pytest.mark.parametrize("text", MOCK_FIXTURES.values(), ids=MOCK_FIXTURES.keys())
def test_indexer_admits_every_mock_fixture(text: str) -> None:
    admitted, facts = _indexer(text, "services/orders/tests/conftest.py")
    assert facts and facts["mock_fixtures"] == {"gateway": text.splitlines().index(
        next(line for line in text.splitlines() if "def gateway" in line))}
    assert admitted


@pytest.mark.parametrize(("text", "rel_path"), [
    (MOCK_IN_INTEGRATION["marker on the test"][0], UNIT_PATH),
    ("def test_create(db):\n    assert db\n", "services/orders/tests/integration/test_orders.py"),
    ("import pytest\npytestmark = pytest.mark.e2e\n\ndef test_create(db):\n    assert db\n", UNIT_PATH),
], ids=["marked test", "integration folder", "marked module"])
def test_indexer_admits_files_holding_integration_tests(text: str, rel_path: str) -> None:
    admitted, facts = _indexer(text, rel_path)
    assert facts and facts["integration_tests"] == 1
    assert admitted


UNIT_TEST_FILES = {
    "Django fixtures with a mock": (
        "from unittest import mock\nfrom django.test import TestCase\n\nclass OrderTests(TestCase):\n"
        "    fixtures = ['orders.json']\n\n    def test_create(self):\n        with mock.patch('app.x'):\n"
        "            pass\n",
        UNIT_PATH,
    ),
    "fixture of a real object": (
        "import pytest\n\n@pytest.fixture\ndef orders(db):\n    return OrderRepository(db)\n\n"
        "def test_create(orders):\n    dispatcher.patch(orders)\n",
        UNIT_PATH,
    ),
    "production code": (
        "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.fixture\ndef gateway():\n"
        "    return MagicMock()\n",
        "services/orders/app/testing.py",
    ),
}


@pytest.mark.parametrize(("text", "rel_path"), UNIT_TEST_FILES.values(), ids=UNIT_TEST_FILES.keys())
def test_indexer_turns_away_files_without_facts(text: str, rel_path: str) -> None:
    admitted, facts = _indexer(text, rel_path)
    assert not admitted
    assert facts is None


def test_iso503_needs_a_project_and_an_integration_test() -> None:
    project = ProjectIndex(Settings(root=ROOT))
    marked = _source(MOCK_IN_INTEGRATION["marker on the test"][0])
    unit = _source("def test_create(gateway):\n    assert gateway\n")
    assert MockFixtureInIntegrationTest.admits(marked, project)
    assert not MockFixtureInIntegrationTest.admits(marked, None)
    assert not MockFixtureInIntegrationTest.admits(unit, project)
    assert TEST_DOUBLES in fact_kinds_read(marked, TokenScan(marked.raw), project)
    assert fact_kinds_read(unit, TokenScan(unit.raw), project) == ()
    # without the project (callers that cannot tell), every test file is kept for the facts
    assert TEST_DOUBLES in fact_kinds_read(unit, TokenScan(unit.raw))


def test_iso503_reported_end_to_end_only_where_an_integration_test_uses_the_fixture(tmp_path: Path) -> None:
    """The whole CLI path (admission, the fact phase, the check phase): the marked test in a unit
    folder gets its finding from the conftest's mock fixture; its unmarked neighbour does not."""
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    tests = tmp_path / "services/orders/tests"
    tests.mkdir(parents=True)
    (tests / "conftest.py").write_text(MOCK_FIXTURES["return MagicMock()"])
    (tests / "test_checkout.py").write_text(
        "import pytest\n\n@pytest.mark.integration\ndef test_checkout(gateway):\n    assert gateway\n\n"
        "def test_unit(gateway):\n    assert gateway\n"
    )
    (tests / "test_refunds.py").write_text("def test_refund(gateway):\n    assert gateway\n")
    run = lint_paths([tmp_path], jobs=1)
    found = sorted((r.source.rel_path, f.code, f.range.start.line) for r in run.results for f in r.findings)
    assert found == [("services/orders/tests/test_checkout.py", "ISO503", 3)]


ENVIRON_CHANGES = {
    "item assignment": 'import os\n\ndef test_a():\n    os.environ["A"] = "1"\n',
    "del": 'import os\n\ndef test_a():\n    del os.environ["A"]\n',
    "augmented assignment": 'import os\n\ndef test_a():\n    os.environ["PATH"] += ":/opt/bin"\n',
    "in a tuple target": 'import os\n\ndef test_a():\n    prev, os.environ["A"] = os.environ.get("A"), "1"\n',
    "bracketed subscript": 'import os\n\ndef test_a():\n    (os.environ)["A"] = "1"\n',
    "method over two lines": 'import os\n\ndef test_a():\n    (os.environ  # the process\n     .setdefault("A", "1"))\n',
    "update": 'import os\n\ndef test_a():\n    os.environ.update(A="1")\n',
    "__setitem__": 'import os\n\ndef test_a():\n    os.environ.__setitem__("A", "1")\n',
    "rebinding": 'import os\n\ndef test_a():\n    os.environ = {}\n',
    "os under another name": 'import os as system\n\ndef test_a():\n    system.environ.clear()\n',
    "environ imported": 'from os import environ\n\ndef test_a():\n    environ.pop("A")\n',
    "environ imported under another name": 'from os import (environ  # the process\n    as env)\n\n'
                                           'def test_a():\n    env["A"] = "1"\n',
    "putenv": 'import os\n\ndef test_a():\n    os.putenv("A", "1")\n',
    "unsetenv imported under another name": 'from os import unsetenv as drop\n\ndef test_a():\n    drop("A")\n',
    "a MonkeyPatch made by hand": 'from pytest import MonkeyPatch\n\nmp = MonkeyPatch()\nmp.setenv("A", "1")\n',
    "a MonkeyPatch context entered by hand": 'import pytest\n\nmp = pytest.MonkeyPatch.context().__enter__()\n'
                                             'mp.delenv("A")\n',
}

ENVIRON_READS = {
    "get and membership": 'import os\n\ndef test_a():\n    assert os.environ.get("A") or "B" in os.environ\n',
    "copies and comparisons": 'import os\n\ndef test_a():\n    saved = dict(os.environ)\n'
                              '    assert os.environ.copy() == saved and os.environ != {}\n',
    "monkeypatch": 'def test_a(monkeypatch):\n    monkeypatch.setenv("A", "1")\n    assert request.environ\n',
    "the fixture annotated": 'from pytest import MonkeyPatch\n\ndef test_a(monkeypatch: MonkeyPatch):\n'
                             '    monkeypatch.setattr("a.b", 1)\n',
}


@pytest.mark.parametrize("text", ENVIRON_CHANGES.values(), ids=ENVIRON_CHANGES.keys())
def test_iso502_admits_every_change_it_reports(text: str) -> None:
    admitted, codes = _checked(EnvironMutationInTest, text)
    assert codes == ["ISO502"]
    assert admitted


@pytest.mark.parametrize("text", ENVIRON_READS.values(), ids=ENVIRON_READS.keys())
def test_iso502_turns_away_reads(text: str) -> None:
    admitted, codes = _checked(EnvironMutationInTest, text)
    assert not admitted
    assert codes == []


HAND_MADE_PATCHES = {
    "on the class": "from pytest import MonkeyPatch\nimport os\n\nclass TestA:\n    mp = MonkeyPatch()\n\n"
                    "    def test_a(self):\n        self.mp.setattr(os.path, 'exists', lambda p: True)\n",
    "on the instance": "import pytest\n\nclass TestA:\n    def setup_method(self):\n"
                       "        self.mp = pytest.MonkeyPatch()\n        self.mp.syspath_prepend('/opt')\n",
    "a context entered by hand": "import pytest\nfrom app import registry\n\ndef test_a():\n"
                                 "    mp = pytest.MonkeyPatch.context().__enter__()\n"
                                 "    mp.setitem(registry.HANDLERS, 'csv', None)\n",
    "a mock patcher started": "from unittest import TestCase, mock\n\nclass TestA(TestCase):\n"
                              "    def setUp(self):\n        self.p = mock.patch('app.client')\n"
                              "        self.p . start ( )\n",
    "a patch started inline": "from unittest.mock import patch\n\ndef test_a():\n    patch('app.client').start()\n",
}

#: text → admitted (the fixture's annotation alone is turned away before the parse)
HAND_MADE_LOOK_ALIKES = {
    "the fixture annotated": ("from pytest import MonkeyPatch\n\ndef test_a(monkeypatch: MonkeyPatch):\n"
                              "    monkeypatch.setattr('a.b', 1)\n", False),
    "a context in a with": ("from pytest import MonkeyPatch\n\ndef test_a():\n"
                            "    with MonkeyPatch.context() as mp:\n        mp.setattr('a.b', 1)\n", True),
    "a patch in a with, a server started": ("from unittest.mock import patch\n\ndef test_a(server):\n"
                                            "    with patch('app.client'):\n        server.start()\n", True),
    "no patch": ("def test_a(server):\n    server.start()\n", False),
}


@pytest.mark.parametrize("text", HAND_MADE_PATCHES.values(), ids=HAND_MADE_PATCHES.keys())
def test_iso505_admits_every_patch_it_reports(text: str) -> None:
    admitted, codes = _checked(PatchNeverUndone, text)
    assert codes == ["ISO505"]
    assert admitted


@pytest.mark.parametrize(("text", "admits"), HAND_MADE_LOOK_ALIKES.values(), ids=HAND_MADE_LOOK_ALIKES.keys())
def test_iso505_reports_no_patcher_that_undoes_itself(text: str, admits: bool) -> None:
    admitted, codes = _checked(PatchNeverUndone, text)
    assert codes == []
    assert admitted == admits


SHARED_SETTINGS_CHANGES = {
    "a cache rebuilt": "from app.config import get_settings\n\ndef test_a(monkeypatch):\n"
                       "    monkeypatch.setenv('A', '1')\n    get_settings.cache_clear()\n    assert get_settings()\n",
    "an imported settings object": "from app.config import settings\n\ndef test_a():\n    settings.DEBUG = True\n",
    "augmented": "from app.config import settings\n\ndef test_a():\n    settings.RETRIES += 1\n",
    "annotated": "from app.config import settings\n\ndef test_a():\n    settings.DEBUG: bool = True\n",
    "a settings module renamed": "import app.settings as s\n\ndef test_a():\n    s.DEBUG = True\n",
    "a Config class": "from app import AppConf\nfrom app import Config\n\ndef test_a():\n    Config.DEBUG = True\n",
}

SHARED_SETTINGS_READS = {
    "reads": "from app.config import settings\n\ndef test_a():\n    assert settings.DEBUG == True\n",
    "no settings": "from app import client\n\ndef test_a():\n    client.timeout = 3\n",
}


@pytest.mark.parametrize("text", SHARED_SETTINGS_CHANGES.values(), ids=SHARED_SETTINGS_CHANGES.keys())
def test_iso504_admits_every_change_it_reports(text: str) -> None:
    admitted, codes = _checked(SharedSettingsLeftChanged, text)
    assert codes == ["ISO504"]
    assert admitted


@pytest.mark.parametrize("text", SHARED_SETTINGS_READS.values(), ids=SHARED_SETTINGS_READS.keys())
def test_iso504_turns_away_files_without_a_change(text: str) -> None:
    admitted, codes = _checked(SharedSettingsLeftChanged, text)
    assert not admitted
    assert codes == []


ENVIRON_PATCHING_FILES = {
    "monkeypatch.setenv": "def test_a(monkeypatch):\n    monkeypatch.setenv('A', '1')\n",
    "patch.dict of the environment": "import os\nfrom unittest import mock\n\n"
                                     "@mock.patch.dict(os.environ, {'A': '1'})\ndef test_a():\n    pass\n",
    "patch.dict named by string": "from unittest import mock\n\ndef test_a():\n"
                                  "    with mock.patch.dict('os.environ', {'A': '1'}):\n        pass\n",
    "a write": "import os\n\ndef test_a():\n    os.environ['A'] = '1'\n",
}
ENVIRON_KEEPING_FILES = {
    "reads": "import os\n\nKEY = os.environ.get('KEY')\n",
    "a .env loaded": "from dotenv import load_dotenv\n\nload_dotenv()\n",
    "patch.dict of a registry": "from unittest import mock\n\ndef test_a():\n"
                                "    with mock.patch.dict(REGISTRY, {'a': 1}):\n        pass\n",
}


@pytest.mark.parametrize("text", ENVIRON_PATCHING_FILES.values(), ids=ENVIRON_PATCHING_FILES.keys())
def test_environ_patch_facts_name_files_that_change_the_environment(text: str) -> None:
    source = _source(text)
    indexer = EnvironPatchIndexer()
    assert TokenScan(source.raw).admits(indexer.tokens) and indexer.admits(source, None)
    assert indexer.extract(source, _parsed(source)) is True


@pytest.mark.parametrize("text", ENVIRON_KEEPING_FILES.values(), ids=ENVIRON_KEEPING_FILES.keys())
def test_environ_patch_facts_leave_out_files_that_keep_it(text: str) -> None:
    source = _source(text)
    indexer = EnvironPatchIndexer()
    assert not indexer.admits(source, None)
    assert indexer.extract(source, _parsed(source)) is None


def test_cached_getter_facts_are_zero_argument_functions_under_a_cache() -> None:
    text = ("import functools\nfrom functools import lru_cache\n\n"
            "@lru_cache\ndef get_settings():\n    return 1\n\n"
            "@functools.cache\ndef get_config():\n    return 2\n\n"
            "@lru_cache(maxsize=8)\ndef lookup(key):\n    return key\n\n"
            "def build_settings():\n    return 3\n")
    source = _source(text, "services/orders/app/config.py")
    indexer = CachedGetterIndexer()
    assert TokenScan(source.raw).admits(indexer.tokens) and indexer.admits(source, None)
    assert indexer.extract(source, _parsed(source)) == ["get_settings", "get_config"]
    assert not indexer.admits(_source("CACHE_TTL = 3\n", "services/orders/app/config.py"), None)
    assert not indexer.admits(_source(text), None)  # a test file's caches are the suite's own
