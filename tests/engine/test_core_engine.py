"""Engine foundations: positions, zones, suppressions, configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.api import lint_source
from isolint.core.config import ConfigError, Settings, load_settings
from isolint.core.model import Position, Zone, mask_secret
from isolint.core.suppression import Suppressions, add_code_to_comment
from isolint.core.zones import classify
from isolint.engine.python_runner import parse_python
from isolint.core.source import SourceFile


def test_ast_byte_columns_become_code_points_on_non_ascii_lines() -> None:
    text = 'x = "é🎉中文"; y = "localhost"\n'
    source = SourceFile.from_text("a.py", text, Settings(root=Path("/r")))
    tree = parse_python(source)
    target = tree.body[1].value  # "localhost"
    position = source.position_from_ast(target.lineno, target.col_offset)
    assert text[position.column :].startswith('"localhost"')
    assert position == Position(0, text.index('"localhost"'))


def test_lines_split_like_ast_not_like_str_splitlines() -> None:
    source = SourceFile.from_text("a.py", "a = 1\x0cb = 2\r\nc = 3\rd", Settings(root=Path("/r")))
    assert source.lines == ["a = 1\x0cb = 2", "c = 3", "d"]


@pytest.mark.parametrize(
    ("path", "zone"),
    [
        ("services/backend/app/config.py", Zone.PRODUCTION),
        ("services/backend/tests/test_config.py", Zone.TEST),
        ("services/backend/tests/integration/test_db.py", Zone.INTEGRATION_TEST),
        ("tests/e2e/test_login.py", Zone.INTEGRATION_TEST),
        ("tests/unit/test_integration_helpers.py", Zone.TEST),
        ("services/backend/integration_tests/helpers.py", Zone.INTEGRATION_TEST),
        ("services/backend/app/integrations/slack.py", Zone.PRODUCTION),
        ("services/backend/app/integration/client.py", Zone.PRODUCTION),
        ("scripts/dev_launcher.py", Zone.DEVELOPMENT),
        ("dev_launcher.py", Zone.DEVELOPMENT),
        ("services/backend/app/devices.py", Zone.PRODUCTION),
        ("services/backend/app/tools/search.py", Zone.PRODUCTION),
        ("tools/seed.py", Zone.DEVELOPMENT),
        ("integrations/sources/mongodb/spikes/pymongo_spike.py", Zone.DEVELOPMENT),  # exploratory code
        ("integrations/sources/mongodb/spike_detector.py", Zone.PRODUCTION),
        ("tasks.py", Zone.DEVELOPMENT),
        ("services/backend/app/api/v1/tasks.py", Zone.PRODUCTION),
        ("app/tasks.py", Zone.PRODUCTION),
        ("node_modules/x/index.ts", Zone.GENERATED),
        ("services/api/alembic/versions/001_init.py", Zone.GENERATED),
        (".env.development", Zone.DEVELOPMENT),
        (".env.production", Zone.PRODUCTION),
        ("frontend/src/ws.test.ts", Zone.TEST),
        ("services/auth/conftest.py", Zone.TEST),
    ],
)
def test_zero_config_zones(path: str, zone: Zone) -> None:
    assert classify(path, Settings()) is zone


def test_configured_globs_win_over_heuristics() -> None:
    settings = Settings(production_paths=["scripts/deploy/**"], dev_paths=["services/*/app/local_*"])
    assert classify("scripts/deploy/run.py", settings) is Zone.PRODUCTION
    assert classify("services/api/app/local_settings.py", settings) is Zone.DEVELOPMENT


def test_suppression_comments_merge_and_match_prefixes() -> None:
    suppressions = Suppressions()
    suppressions.add_comment(3, 10, "# isolint: ignore[ISO1, ISO201]")
    assert suppressions.is_suppressed("ISO101", 3)
    assert suppressions.is_suppressed("ISO201", 3)
    assert not suppressions.is_suppressed("ISO301", 3)
    assert not suppressions.is_suppressed("ISO101", 4)
    assert add_code_to_comment("# isolint: ignore[ISO201]", "ISO101") == "# isolint: ignore[ISO101, ISO201]"
    assert add_code_to_comment("# isolint: ignore", "ISO101") == "# isolint: ignore"
    assert add_code_to_comment("# keep me", "ISO101") == "# keep me  # isolint: ignore[ISO101]"


def test_invalid_config_names_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[project]\nname = "x"\n\n[tool.isolint]\nselect = ["ISO1"]\nignore = "ISO101"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert info.value.line == 6 and info.value.key == "ignore"
    assert str(info.value).startswith(f"{config}:6: invalid isolint configuration `ignore`")


def test_unknown_option_suggests_the_closest(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.isolint]\n\nexclud = []\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert info.value.line == 3 and "did you mean `exclude`" in info.value.message


def test_toml_syntax_error_reports_its_line(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.isolint]\nselect = [\"ISO1\"\nignore = []\n")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert info.value.line >= 2 and "TOML syntax error" in info.value.message


def test_mask_secret_never_shows_the_whole_value() -> None:
    secret = "sk_live_51HxYzAbCdEfGhIjKlMnOp"
    masked = mask_secret(secret)
    assert secret not in masked and masked[:2] == "sk" and "*" in masked
    assert mask_secret("short") == "*****"


def test_unparsable_python_is_not_a_crash() -> None:
    result = lint_source("def broken(:\n    localhost = 1\n", "/r/services/api/app/x.py", Settings(root=Path("/r")))
    assert result.findings == [] or all(f.code == "ISO001" for f in result.findings)


def test_a_content_test_asked_by_several_rules_runs_once_per_text(tmp_path) -> None:
    from isolint.core.config import Settings
    from isolint.core.scratch import Key, Lifetime
    from isolint.core.source import SourceFile

    calls = []
    websocket_key: Key[bool] = Key("ws", Lifetime.TEXT)

    def expensive(source):
        calls.append(source.rel_path)
        return b"websocket" in source.raw

    source = SourceFile.from_text(tmp_path / "app.py", "ws = websocket\n", Settings(root=tmp_path))
    assert source.memo(websocket_key, expensive) is True and source.memo(websocket_key, expensive) is True
    assert calls == ["app.py"]
    edited = SourceFile.from_text(tmp_path / "app.py", "ws = None\n", Settings(root=tmp_path))
    assert edited.memo(websocket_key, expensive) is False and len(calls) == 2
    import dataclasses

    fixed = dataclasses.replace(source, text="ws = None\n")  # what `--fix` does between rounds
    assert fixed.memo(websocket_key, expensive) is False and len(calls) == 3


def test_the_rules_a_file_gets_follow_its_zone_when_content_moves_it() -> None:
    from isolint.engine.selection import rules_for

    source = SourceFile.from_text(Path("/p/tests/test_orders.py"), "x = 1\n", Settings(root=Path("/p")))
    assert source.zone is Zone.TEST
    as_unit_test = rules_for(source)
    source.zone = Zone.INTEGRATION_TEST  # a module-level pytestmark moves it (checker's refine_zone)
    as_integration_test = rules_for(source)
    source.zone = Zone.TEST
    assert as_integration_test != as_unit_test
    assert rules_for(source) == as_unit_test
    assert all(Zone.INTEGRATION_TEST in rule.zones for rule in as_integration_test if not rule.has_custom_reach())


@pytest.mark.parametrize("text", ["", "a", "a\n", "\n\n", "a\nbc\n\nd", "a\r\nb\rc\nd\r\n", "é\n€\n"])
def test_line_offsets_start_each_line_as_lines_splits_them(text: str) -> None:
    source = SourceFile.from_text(Path("/p/app/m.py"), text, Settings(root=Path("/p")))
    assert len(source.line_offsets) == len(source.lines)
    for offset, line in zip(source.line_offsets, source.lines):
        assert text[offset:offset + len(line)] == line
    assert source.line_offsets[0] == 0 and all(text[o - 1] in "\r\n" for o in source.line_offsets[1:])
