"""``[tool.isolint]`` settings: loading, validation with file/line/key errors, discovery.

Like ruff, the nearest ``pyproject.toml`` with a ``[tool.isolint]`` table (or an
``isolint.toml`` / ``.isolint.toml``) governs a file; its directory is the project root that
relative globs are matched against. Editors may layer overrides on top (``with_overrides``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from isolint.core.files import read_regular
from isolint.core.gitignore import pattern_problem
from isolint.core.model import Severity
from isolint.core.selectors import selector_problem

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, published as tomli (a dependency there)
    import tomli as tomllib  # type: ignore[no-redef]

log = logging.getLogger(__name__)

CONFIG_FILE_NAMES = ("isolint.toml", ".isolint.toml", "pyproject.toml")
#: a configuration file larger than this is refused (an error naming it), never read whole
MAX_CONFIG_BYTES = 2 * 1024 * 1024
DEFAULT_ENV_ACCESSOR = "os.environ[{name!r}]"


class ConfigError(Exception):
    """A broken configuration, pointing at the file, line and key responsible."""

    def __init__(self, path: Path | str, line: int, key: str, message: str) -> None:
        self.path = Path(path)
        self.line = line  # 1-based; 0 when unknown
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        key = f" `{self.key}`" if self.key else ""
        return f"{where}: invalid isolint configuration{key}: {self.message}"


def _list_of_str(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _map_of_str_lists(value: Any) -> dict[str, list[str]] | None:
    if isinstance(value, dict) and all(
        isinstance(k, str) and _list_of_str(v) is not None for k, v in value.items()
    ):
        return {k: list(v) for k, v in value.items()}
    return None


def _map_of_str(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None


def _services(value: Any) -> dict[str, str] | None:
    """``services`` is either ``{name = "path"}`` or a list of paths (name = last part)."""
    if (as_list := _list_of_str(value)) is not None:
        return {Path(p).name: p for p in as_list}
    return _map_of_str(value)


def _table(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, dict) else None


def _list_of_tables(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return [dict(item) for item in value]
    return None


@dataclass(frozen=True)
class Option:
    key: str  # the TOML key (kebab-case)
    parse: Callable[[Any], Any]  # returns None when the value has the wrong shape
    expected: str  # for the error message
    default: Any
    doc: str


# THE list of options. The Settings dataclass below mirrors it (attribute = key with "_").
OPTIONS: tuple[Option, ...] = (
    Option("select", _list_of_str, "a list of rule codes or prefixes", None,
           "Rules to enable (codes, prefixes such as `ISO1`, or names). Default: every rule enabled by default."),
    Option("extend-select", _list_of_str, "a list of rule codes or prefixes", [],
           "Rules to enable on top of `select`."),
    Option("ignore", _list_of_str, "a list of rule codes or prefixes", [], "Rules to disable."),
    Option("per-file-ignores", _map_of_str_lists, "a table of glob = [codes]", {},
           "Rules to disable for files matching a glob, e.g. `\"scripts/*\" = [\"ISO1\"]`."),
    Option("severity", _map_of_str, "a table of code = \"error|warning|info|hint\"", {},
           "Per-rule (or prefix) severity overrides."),
    Option("exclude", _list_of_str, "a list of globs", None,
           "Globs of files never checked; replaces the default list (VCS, venvs, node_modules, build outputs, legacy folders nothing runs: `archive/`, `archived/`, `legacy/`, `deprecated/`, and read-only reference copies: `_reference/`)."),
    Option("extend-exclude", _list_of_str, "a list of globs", [], "Globs excluded on top of `exclude`."),
    Option("respect-gitignore", _bool, "true or false", True, "Skip files that `.gitignore` excludes."),
    Option("production-paths", _list_of_str, "a list of globs", [],
           "Globs forced into the production zone (wins over the zero-config heuristics)."),
    Option("dev-paths", _list_of_str, "a list of globs", [],
           "Globs of development-only code (launchers, scripts, local settings)."),
    Option("test-paths", _list_of_str, "a list of globs", [], "Globs of test code."),
    Option("integration-test-paths", _list_of_str, "a list of globs", [],
           "Globs of integration and end-to-end tests."),
    Option("generated-paths", _list_of_str, "a list of globs", [], "Globs of generated or vendored code."),
    Option("integration-test-markers", _list_of_str, "a list of pytest marker names",
           ["integration", "e2e", "end_to_end", "system", "acceptance"],
           "pytest markers that make a test an integration test."),
    Option("config-modules", _list_of_str, "a list of globs or dotted module names", [],
           "Where environment access is allowed; elsewhere ISO104 flags it. Empty disables ISO104."),
    Option("env-accessor", _str, "a string with a {name!r} placeholder", DEFAULT_ENV_ACCESSOR,
           "Expression template the quick fixes use to read an environment variable."),
    Option("env-accessor-import", _str, "an import statement", None,
           "Import the accessor needs (default: `import os` for the default accessor)."),
    Option("services", _services, "a table of name = \"path\" or a list of paths", {},
           "Services of the monorepo (default: detected)."),
    Option("shared", _list_of_str, "a list of paths", None,
           "Shared packages every service may import (default: detected: shared, common, libs…)."),
    Option("check-test-imports", _bool, "true or false", True,
           "Flag cross-service imports in a service's own tests (ISO6xx): inside its folder, or unit tests in a test "
           "tree that names it (`tests/unit/model_server/`); end-to-end and integration suites outside every service "
           "are never checked."),
    Option("import-contracts", _list_of_tables, "an array of tables", [],
           "Explicit import contracts (import-linter vocabulary: independence, layers, forbidden). "
           "The old name `contracts` is still read, with a deprecation warning."),
    Option("engine-modules", _list_of_str, "a list of globs or dotted module names", [],
           "Modules allowed to create database engines (ISO3xx)."),
    Option("message-contract", _table, "a table", {},
           "Where the WebSocket message contract lives (ISO4xx): `backend`, `frontend`, `shared`. "
           "The old name `contract` is still read, with a deprecation warning."),
    Option("baseline", _str, "a path", None,
           "Baseline file (relative to the project root) of accepted findings: only findings not in it are "
           "reported. Write it with `isolint check --write-baseline FILE`."),
)
OPTION_BY_KEY = {option.key: option for option in OPTIONS}
#: keys renamed for clarity, still read (with a warning) under their old name
RENAMED_KEYS = {"contracts": "import-contracts", "contract": "message-contract"}


def _attr(key: str) -> str:
    return key.replace("-", "_")


#: settings that never change a file's findings (the baseline filters them after the check)
_NOT_FINDINGS = frozenset({"config_path", "baseline"})


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one project root. Immutable: editors derive new ones."""

    root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    production_paths: list[str] = field(default_factory=list)
    dev_paths: list[str] = field(default_factory=list)
    test_paths: list[str] = field(default_factory=list)
    integration_test_paths: list[str] = field(default_factory=list)
    generated_paths: list[str] = field(default_factory=list)
    integration_test_markers: list[str] = field(
        default_factory=lambda: list(OPTION_BY_KEY["integration-test-markers"].default)
    )
    config_modules: list[str] = field(default_factory=list)
    env_accessor: str = DEFAULT_ENV_ACCESSOR
    env_accessor_import: str | None = None
    services: dict[str, str] = field(default_factory=dict)
    shared: list[str] | None = None
    check_test_imports: bool = True
    import_contracts: list[dict[str, Any]] = field(default_factory=list)
    engine_modules: list[str] = field(default_factory=list)
    message_contract: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None

    def fingerprint(self) -> str:
        """Stable hash of everything that can change findings (cache key)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _NOT_FINDINGS}
        data["root"] = str(self.root)
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any], source: str = "editor settings") -> "Settings":
        """Layer editor settings (same keys as the TOML table) on top; invalid keys raise."""
        values = _validate(overrides, Path(source), text=None)
        return dataclasses.replace(self, **values)

    @property
    def baseline_path(self) -> Path | None:
        """The configured baseline file, resolved against the project root."""
        return self.root / self.baseline if self.baseline else None

    @property
    def accessor_import(self) -> str | None:
        if self.env_accessor_import is not None:
            return self.env_accessor_import or None
        return "import os" if self.env_accessor.startswith("os.") else None

    def severity_for(self, code: str, default: Severity) -> Severity:
        best = ""
        for selector in self.severity:
            if code.startswith(selector) and len(selector) > len(best):
                best = selector
        return Severity(self.severity[best]) if best else default


_TOML_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


_KEY_PATH_RE = re.compile(r"""^\s*((?:[\w-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[\w-]+|"[^"]*"|'[^']*'))*)\s*=""")
_HEADER_RE = re.compile(r"^\s*\[\[?([^\]]*)\]")


def _key_path(written: str) -> str:
    """``tool . "isolint"`` → ``tool.isolint``; ``extend_select`` → ``extend-select``."""
    return ".".join(part.strip().strip("\"'") for part in written.split(".")).replace("_", "-")


def _within(path: str, wanted: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + ".") for prefix in wanted)


def _locate_key(text: str | None, key: str) -> int:
    """1-based line of ``key`` of the isolint table (tomllib keeps no positions): its own
    ``[tool.isolint.KEY]`` header or ``KEY =`` line, however the table is spelt
    (``[tool.isolint]``, dotted ``tool.isolint.KEY``, ``isolint.KEY`` under ``[tool]``, the top
    level of an ``isolint.toml``); a key inside an inline ``isolint = {…}`` table gets that
    table's line. 0 when not found."""
    if not text:
        return 0
    key = key.replace("_", "-")
    wanted = (f"tool.isolint.{key}", key)  # in a pyproject.toml, in an isolint.toml
    table, inline_table = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER_RE.match(line)
        if header is not None:
            table = _key_path(header.group(1))
            if _within(table, wanted):
                return number
            continue
        match = _KEY_PATH_RE.match(line)
        if match is None:
            continue
        full = ".".join(part for part in (table, _key_path(match.group(1))) if part)
        if _within(full, wanted):
            return number
        if full == "tool.isolint" and not inline_table:
            inline_table = number
    return inline_table


def _validate(table: Mapping[str, Any], path: Path, text: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        option = OPTION_BY_KEY.get(key) or OPTION_BY_KEY.get(key.replace("_", "-")) or _renamed(key, table, path, text)
        if option is None:
            close = [o.key for o in OPTIONS if _similar(o.key, key)]
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(path, _locate_key(text, key), key, f"unknown option{hint}")
        named = key if option.key != key.replace("_", "-") else option.key  # an old name: as written
        parsed = option.parse(raw)
        if parsed is None and raw is not None:
            raise ConfigError(path, _locate_key(text, key), named,
                              f"expected {option.expected}, got {json.dumps(raw, default=str)}")
        _check_value(option, parsed, path, text, named)
        values[_attr(option.key)] = parsed
    return values


def _renamed(key: str, table: Mapping[str, Any], path: Path, text: str | None) -> Option | None:
    """The option an old key names now (a deprecation warning, once per file and key)."""
    new = RENAMED_KEYS.get(key.replace("_", "-"))
    if new is None:
        return None
    if new in table or new.replace("-", "_") in table:
        raise ConfigError(path, _locate_key(text, key), key, f"renamed to `{new}`, which is also set: keep only `{new}`")
    if (str(path), key) not in _warned_renames:
        _warned_renames.add((str(path), key))
        where = f"{path}:{_locate_key(text, key)}" if _locate_key(text, key) else str(path)
        log.warning("%s: isolint option `%s` is deprecated; it is now `%s`", where, key, new)
    return OPTION_BY_KEY[new]


_warned_renames: set[tuple[str, str]] = set()

Fail = Callable[[str], None]


def _check_value(option: Option, value: Any, path: Path, text: str | None, named: str) -> None:
    def fail(message: str) -> None:
        raise ConfigError(path, _locate_key(text, named), named, message)

    check = _VALUE_CHECKS.get(option.key)
    if check is not None and value is not None:
        check(value, fail)


def _check_selectors(selectors: list[str], fail: Fail) -> None:
    for selector in selectors:
        problem = selector_problem(selector)
        if problem is not None:
            fail(problem)


def _check_globs(patterns: Iterable[str], fail: Fail) -> None:
    for pattern in patterns:
        problem = pattern_problem(pattern)
        if problem is not None:
            fail(f"{pattern!r} is not a valid glob ({problem})")


def _check_per_file_ignores(value: dict[str, list[str]], fail: Fail) -> None:
    _check_globs(value, fail)
    for codes in value.values():
        _check_selectors(codes, fail)


def _check_severity(value: dict[str, str], fail: Fail) -> None:
    _check_selectors(list(value), fail)
    for code, level in value.items():
        if level not in {s.value for s in Severity}:
            fail(f"severity of {code} must be one of error, warning, info, hint; got {level!r}")


def _check_env_accessor(value: str, fail: Fail) -> None:
    try:
        value.format(name="X")
    except (KeyError, IndexError, ValueError) as exc:
        fail(f"template must use only the {{name}} placeholder ({exc})")
    if "{name" not in value:
        fail("template must contain a {name!r} placeholder")


def _check_contracts(value: list[dict[str, Any]], fail: Fail) -> None:
    required = {"forbidden": ("source_modules", "forbidden_modules"), "independence": ("modules",),
                "layers": ("layers",)}
    for number, contract in enumerate(value, start=1):
        kind = contract.get("type")
        if kind not in required:
            fail(f"contract #{number}: type must be one of {', '.join(required)}; got {kind!r}")
        for key in required[kind]:
            if _list_of_str(contract.get(key)) is None:
                fail(f"contract #{number} ({kind}): `{key}` must be a list of module names")


def _check_contract(value: dict[str, Any], fail: Fail) -> None:
    for key, entry in value.items():
        if key not in ("backend", "frontend", "shared"):
            fail(f"unknown key `{key}`; expected backend, frontend or shared")
        if key == "shared":
            if not isinstance(entry, str) or not entry.endswith((".py", ".pyi", ".ts", ".tsx", ".mts", ".cts")):
                fail(f"`shared` must be the path of one .py or .ts file, got {json.dumps(entry, default=str)}")
        elif not (isinstance(entry, str) or _list_of_str(entry) is not None) or not entry:
            fail(f"`{key}` must be a glob or a list of globs of {key} files, got {json.dumps(entry, default=str)}")
        else:
            _check_globs([entry] if isinstance(entry, str) else entry, fail)


#: what a value must satisfy beyond its shape (``Option.parse``), by option
_VALUE_CHECKS: dict[str, Callable[[Any, Fail], None]] = {
    "select": _check_selectors,
    "extend-select": _check_selectors,
    "ignore": _check_selectors,
    "per-file-ignores": _check_per_file_ignores,
    "severity": _check_severity,
    "env-accessor": _check_env_accessor,
    "import-contracts": _check_contracts,
    "message-contract": _check_contract,
    **{key: _check_globs for key in ("exclude", "extend-exclude", "production-paths", "dev-paths", "test-paths",
                                     "integration-test-paths", "generated-paths", "config-modules",
                                     "engine-modules")},
}


def _similar(a: str, b: str) -> bool:
    a, b = a.replace("_", "-"), b.replace("_", "-")
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2:
        return False
    # cheap edit-distance bound: at most two differing positions after alignment
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


def read_isolint_table(path: Path) -> tuple[dict[str, Any], str] | None:
    """The ``[tool.isolint]`` table of a config file, or None if it has none.

    Raises ConfigError (with the TOML parser's line) when the file is not valid TOML.
    """
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except OSError as exc:  # FileRefused says why (a FIFO, too large)
        raise ConfigError(path, 0, "", f"cannot read: {exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, 0, "", f"not UTF-8: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POS_RE.search(str(exc))
        # "at end of document" (an unclosed array or string): the document's last line
        line = int(match.group(1)) if match else len(text.splitlines()) if "end of document" in str(exc) else 0
        raise ConfigError(path, line, "", f"TOML syntax error: {exc}") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "isolint" not in tool:
            return None
        table = tool["isolint"]
    else:
        table = data.get("tool", {}).get("isolint", data) if "tool" in data else data
    if not isinstance(table, dict):
        raise ConfigError(path, _locate_key(text, "isolint"), "tool.isolint", "must be a table")
    return table, text


#: ``select = []`` written by a user is a mistake (every rule off); the API may still ask for it
EMPTY_SELECT = ("selects no rule: name at least one rule code, prefix or name, or leave `select` out for the "
                "default rules")


def load_settings(config_path: Path) -> Settings:
    found = read_isolint_table(config_path)
    table, text = found if found else ({}, "")
    values = _validate(table, config_path, text)
    if values.get("select") == []:
        raise ConfigError(config_path, _locate_key(text, "select"), "select", EMPTY_SELECT)
    return Settings(root=config_path.parent.resolve(), config_path=config_path.resolve(), **values)


def find_config_file(start: Path) -> Path | None:
    """Nearest config file with an isolint table, walking up from ``start``."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILE_NAMES:
            candidate = folder / name
            if candidate.is_file() and _has_isolint_table(candidate):
                return candidate
    return None


def _has_isolint_table(path: Path) -> bool:
    """Whether a ``pyproject.toml`` configures isolint, in any TOML spelling (``[tool.isolint]``,
    dotted keys, an inline ``isolint = {…}`` under ``[tool]``). One isolint cannot read, or one
    that mentions isolint but is not valid TOML, counts: loading it then reports the error
    (with its line) instead of the configuration being skipped without a word."""
    if path.name != "pyproject.toml":
        return True
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return False
    except OSError:  # unreadable or refused (a FIFO, too large): loading it reports why
        return True
    if b"isolint" not in raw:
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "isolint" in tool


#: files that say "a project's top folder may be here" when there is no repository: a Python
#: package's or a JavaScript workspace's manifest (a monorepo's root often has only the latter)
PROJECT_MANIFESTS = ("pyproject.toml", "package.json")


def find_project_root(start: Path) -> Path:
    """Root used when no config exists: the repository the path is in (the nearest folder with
    ``.git``), else the outermost folder above it holding a project manifest
    (``PROJECT_MANIFESTS``). A service's own ``pyproject.toml`` or ``package.json`` never starts
    a project of its own: a monorepo's services are checked against each other (contracts,
    imports) only when they share one root."""
    directory = (start if start.is_dir() else start.parent).resolve()
    outermost_manifest: Path | None = None
    for folder in (directory, *directory.parents):
        if (folder / ".git").exists():
            return folder
        if any((folder / name).is_file() for name in PROJECT_MANIFESTS):
            outermost_manifest = folder
    return outermost_manifest or directory


def settings_for(path: Path) -> Settings:
    config = find_config_file(path)
    if config is not None:
        return load_settings(config)
    return Settings(root=find_project_root(path))
