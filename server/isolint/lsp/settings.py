"""Editor settings (the ``isolint`` section of the client's configuration).

Two kinds of keys arrive together: server behaviour (``enable``, ``run``, ``baselinedFindings``) and overrides of
``[tool.isolint]`` options, spelled in the editor's camelCase (``extendSelect``) or the TOML's
kebab-case (``extend-select``), and ``configuration``: a config file used instead of the nearest
one (an absolute path; its relative paths are matched from the workspace folder). Keys the server does not know (``interpreter``, ``path``,
``trace``… belong to the editor extension) are ignored; an override with a wrong value is
reported once and dropped, so one typo never disables linting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isolint.api import BASELINED_MODES
from isolint.core.config import OPTION_BY_KEY, RENAMED_KEYS, ConfigError, Settings

RUN_ON_TYPE, RUN_ON_SAVE = "onType", "onSave"
SECTION = "isolint"


def _kebab(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).replace("_", "-").lower()


@dataclass(frozen=True)
class EditorSettings:
    enable: bool = True
    run: str = RUN_ON_TYPE
    #: findings the project's baseline accepts: ``hint`` (shown faded), ``hide`` or ``show``
    baselined_findings: str = "hint"
    #: ``[tool.isolint]`` overrides, already validated, keyed by TOML key
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: ``isolint.configuration``: the config file for every file of the folder (None: the nearest)
    configuration: Path | None = None
    #: problems found while reading the settings (shown to the user once)
    problems: tuple[str, ...] = ()

    def apply(self, settings: Settings) -> Settings:
        return settings.with_overrides(self.overrides) if self.overrides else settings


def unwrap(raw: Any) -> Mapping[str, Any]:
    """Clients send the section itself, ``{"isolint": {...}}`` or ``{"settings": {...}}``
    (ruff's initializationOptions shape); accept each."""
    if not isinstance(raw, Mapping):
        return {}
    for key in (SECTION, "settings"):
        inner = raw.get(key)
        if isinstance(inner, Mapping):
            return unwrap(inner) if SECTION in inner else inner
    return raw


def parse_editor_settings(raw: Any) -> EditorSettings:
    values = unwrap(raw)
    problems: list[str] = []
    enable = values.get("enable", True)
    if not isinstance(enable, bool):
        problems.append(f"isolint.enable must be true or false, got {enable!r}")
        enable = True
    run = values.get("run", RUN_ON_TYPE)
    if run not in (RUN_ON_TYPE, RUN_ON_SAVE):
        problems.append(f"isolint.run must be {RUN_ON_TYPE!r} or {RUN_ON_SAVE!r}, got {run!r}")
        run = RUN_ON_TYPE
    baselined = values.get("baselinedFindings", "hint")
    if baselined not in BASELINED_MODES:
        problems.append(f"isolint.baselinedFindings must be one of {', '.join(BASELINED_MODES)}, got {baselined!r}")
        baselined = "hint"
    configuration = _configuration_file(values.get("configuration"), problems)
    overrides: dict[str, Any] = {}
    for key, value in values.items():
        option = _kebab(str(key))
        option = RENAMED_KEYS.get(option, option)  # an editor's settings may still use an old name
        if option not in OPTION_BY_KEY or value is None:
            continue
        try:
            Settings().with_overrides({option: value})
        except ConfigError as exc:
            problems.append(f"isolint.{key}: {exc.message}")
            continue
        overrides[option] = value
    return EditorSettings(enable=enable, run=run, baselined_findings=baselined, overrides=overrides,
                          configuration=configuration, problems=tuple(problems))


def _configuration_file(value: Any, problems: list[str]) -> Path | None:
    """An existing file named by an absolute path (the editor resolves its variables and
    relative paths against the workspace folder); anything else is reported and ignored, so
    the nearest config file stays in force."""
    if value is None or value == "":
        return None
    path = Path(value).expanduser() if isinstance(value, str) else None
    if path is None or not path.is_absolute():
        problems.append(f"isolint.configuration must be an absolute path to a config file, got {value!r}")
        return None
    if not path.is_file():
        problems.append(f"isolint.configuration: no such file: {path}")
        return None
    return path.resolve()
