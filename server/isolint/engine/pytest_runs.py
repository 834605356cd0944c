"""Where a project's pytest runs look for tests: the ``testpaths`` its pytest configurations
name. A module under a test folder that those paths leave out, and that defines no test, is a
script someone runs by hand (``tests/manual/``): no pytest session imports it, so what it does
to its process reaches no later test (ISO502 reads this through the service map).

Configurations are looked for where a monorepo keeps them — the root, its top-level folders and
the folders inside those (``api/pytest.ini``, ``sdks/python/pyproject.toml``) — in pytest's own
order of precedence within a folder.
"""

from __future__ import annotations

import configparser
import os
import posixpath
import shlex
from pathlib import Path, PurePosixPath, PureWindowsPath

from isolint.core.config import tomllib
from isolint.core.files import FileRefused, read_regular_text

#: pytest's configuration files in its order of precedence, each with the section that makes it
#: pytest's (``pytest.ini`` counts even without one)
CONFIG_FILES = (("pytest.ini", "pytest"), ("pyproject.toml", "tool.pytest.ini_options"), ("tox.ini", "pytest"),
                ("setup.cfg", "tool:pytest"))
#: the names of those files: a change of one can change which files pytest runs reach (the
#: language server reloads the project's layout when one changes)
CONFIG_FILE_NAMES = tuple(name for name, _ in CONFIG_FILES)
#: how deep below the root configurations are looked for (the root is depth 0)
MAX_DEPTH = 2
#: a configuration file larger than this is not read
MAX_CONFIG_BYTES = 1 << 20
#: folders that hold no project of their own
SKIPPED = frozenset({"node_modules", "__pycache__", "venv", ".venv", "site-packages", "dist", "build"})


def find_test_paths(root: Path) -> dict[str, tuple[str, ...]]:
    """Folder (relative to ``root``, POSIX; ``""`` for the root) → the ``testpaths`` its pytest
    configuration names, relative to ``root`` (empty when it names none)."""
    found: dict[str, tuple[str, ...]] = {}

    def visit(folder: Path, rel: str, depth: int) -> None:
        paths = _configured_test_paths(folder)
        if paths is not None:
            # only test paths inside the project that exist count: a configuration meant for
            # another working directory, a glob or an absolute path leaves nothing out
            found[rel] = tuple(inside for path in paths
                               if (inside := _inside_root(rel, path)) is not None and (root / inside).exists())
        if depth >= MAX_DEPTH:
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name not in SKIPPED:
                visit(Path(entry.path), f"{rel}/{entry.name}" if rel else entry.name, depth + 1)

    visit(root, "", 0)
    return found


def _inside_root(rel: str, path: str) -> str | None:
    """``path`` (as a configuration in ``rel`` writes it) relative to the root, or None when it
    is absolute or leads out of the root."""
    if not path or path.startswith(("/", "\\")) or PureWindowsPath(path).drive:
        return None
    joined = posixpath.normpath(posixpath.join(rel, path.replace("\\", "/")))
    return None if joined == ".." or joined.startswith("../") else joined


def _configured_test_paths(folder: Path) -> list[str] | None:
    """The ``testpaths`` of the pytest configuration in ``folder`` (pytest reads the first file
    of :data:`CONFIG_FILES` that is one), ``[]`` when it names none, ``None`` without one."""
    for name, section in CONFIG_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = read_regular_text(path, MAX_CONFIG_BYTES)
        except (OSError, FileRefused):
            continue
        if name == "pyproject.toml":
            try:
                table = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options")
            except (tomllib.TOMLDecodeError, AttributeError):
                continue
            if not isinstance(table, dict):
                continue
            value = table.get("testpaths", [])
            return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            if name == "pytest.ini":
                return []
            continue
        if not parser.has_section(section):
            if name == "pytest.ini":
                return []
            continue
        try:
            return shlex.split(parser.get(section, "testpaths", fallback=""))
        except ValueError:
            return []
    return None


def outside_test_paths(test_paths: dict[str, tuple[str, ...]], rel_path: str) -> bool:
    """The nearest pytest configuration above ``rel_path`` names ``testpaths`` and the file is in
    none of them, nor a ``conftest.py`` in a folder above one: a pytest run there never imports
    it."""
    parts = PurePosixPath(rel_path).parts[:-1]
    for depth in range(len(parts), -1, -1):
        paths = test_paths.get("/".join(parts[:depth]))
        if paths is not None:
            break
    else:
        return False
    if not paths:
        return False
    folder = "/".join(parts)
    for path in paths:
        if rel_path == path or rel_path.startswith(path.rstrip("/") + "/"):
            return False
        if PurePosixPath(rel_path).name == "conftest.py" and (not folder or path.startswith(folder + "/")):
            return False
    return True
