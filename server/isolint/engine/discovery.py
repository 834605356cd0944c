"""Finding the files to check: .gitignore-aware, ``exclude``-aware, vendor folders skipped.

Paths given explicitly on the command line are always checked (like ruff without
``force-exclude``); files found while walking a folder are filtered.

The walk is the first thing every CLI run pays for, so it works on strings from
``os.scandir`` and carries state down the tree instead of asking the file system again per
file: each folder inherits its parent's settings unless it holds a config file, and the
.gitignore specs that apply to a folder are its parent's plus its own. Nothing is
``resolve()``-d per file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple

import pathspec

from isolint.core.config import (
    CONFIG_FILE_NAMES,
    ConfigError,
    Settings,
    find_config_file,
    find_project_root,
    load_settings,
)
from isolint.core.gitignore import IgnoreLayer as _IgnoreLayer  # moved to core: the secrets rules need it too
from isolint.core.gitignore import ancestor_layers as _ancestor_layers
from isolint.core.gitignore import gitignore_spec as _gitignore_spec
from isolint.core.gitignore import ignored as _ignored
from isolint.core.gitignore import is_gitignored  # noqa: F401  (re-exported)
from isolint.core.model import Language
from isolint.core.zones import matches_any
from isolint.core.source import language_of

DEFAULT_EXCLUDE = (
    ".git/", ".hg/", ".svn/", ".bzr/", ".venv/", "venv/", ".env/", "env/", ".tox/", ".nox/", ".mypy_cache/",
    ".pytest_cache/", ".ruff_cache/", ".isolint_cache/", "__pycache__/", "__pypackages__/", "node_modules/",
    "site-packages/", "build/", "dist/", "_build/", ".next/", ".nuxt/", "out/", ".eggs/", "*.egg-info/",
    "buck-out/", ".direnv/", ".idea/", ".vscode/", "coverage/", "htmlcov/",
)
#: names whose presence in a folder may change the settings (or the project root) below it
_ROOT_MARKERS = frozenset(CONFIG_FILE_NAMES) | {".git"}


@dataclass
class SettingsResolver:
    """Nearest-config-wins settings per folder, cached; config errors are collected, not raised."""

    overrides: dict | None = None

    def __post_init__(self) -> None:
        self._by_config: dict[Path, Settings] = {}
        self._by_dir: dict[Path, Settings] = {}
        self._failed: set[Path] = set()
        self.errors: list[ConfigError] = []

    def for_path(self, path: Path) -> Settings:
        directory = (path if path.is_dir() else path.parent).resolve()
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        config = find_config_file(directory)
        # without a config file, the project root (nearest .git / pyproject.toml) tells settings apart
        key = config if config is not None else find_project_root(directory)
        if key in self._failed:
            raise ConfigError(config or directory, 0, "", "see the error above")
        if key not in self._by_config:
            self._by_config[key] = self._load(config, directory, key)
        settings = self._by_config[key]
        self._by_dir[directory] = settings
        return settings

    def _load(self, config: Path | None, directory: Path, key: Path) -> Settings:
        try:
            settings = load_settings(config) if config else Settings(root=key)
            if self.overrides:
                settings = settings.with_overrides(self.overrides)
        except ConfigError as exc:
            self.errors.append(exc)
            self._failed.add(key)
            raise
        return settings


_PLAIN_FOLDER_RE = re.compile(r"^[^*?\[\]!/\\#]+/$")  # "node_modules/": a folder of that name anywhere


class _Excluder:
    """``exclude`` + ``extend-exclude`` of one Settings, compiled once.

    Most patterns are plain folder names (``node_modules/``): those become a set lookup on the
    folder's name. Files are only matched against patterns that can match a file, since the
    walk never enters an excluded folder. With a negation (``!pattern``) everything goes
    through one gitignore spec, for git's exact semantics.
    """

    def __init__(self, settings: Settings) -> None:
        patterns = list(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE)
        patterns += settings.extend_exclude
        negated = any(p.lstrip().startswith("!") for p in patterns)
        self.folder_names = frozenset() if negated else frozenset(
            p[:-1] for p in patterns if _PLAIN_FOLDER_RE.match(p))
        rest = patterns if negated else [p for p in patterns if not _PLAIN_FOLDER_RE.match(p)]
        self.spec = pathspec.GitIgnoreSpec.from_lines(rest) if rest else None
        file_patterns = rest if negated else [p for p in rest if not p.rstrip().endswith("/")]
        self.file_spec = pathspec.GitIgnoreSpec.from_lines(file_patterns) if file_patterns else None

    def folder(self, root_rel: str, name: str) -> bool:
        return name in self.folder_names or (self.spec is not None and self.spec.match_file(root_rel + "/"))

    def file(self, root_rel: str) -> bool:
        return self.file_spec is not None and self.file_spec.match_file(root_rel)

    def inside_excluded(self, root_prefix: str) -> bool:
        """Whether a folder on the way from the root to a walk's top is excluded."""
        parts = [part for part in root_prefix.split("/") if part]
        return any(self.folder("/".join(parts[: i + 1]), part) for i, part in enumerate(parts))


class SourceEntry(NamedTuple):
    """A file to check, its settings, and its path relative to the project root when the walk
    already knows it (saves a ``resolve()`` per file)."""

    path: Path
    settings: Settings
    rel_path: str | None = None


def iter_source_files(paths: list[Path], resolver: SettingsResolver) -> Iterator[SourceEntry]:
    """Files (with their settings) under ``paths`` that isolint can analyse."""
    seen: set[str] = set()
    excluders: dict[int, _Excluder] = {}
    for given in paths:
        if given.is_file():
            key = os.path.realpath(given)
            if key not in seen and language_of(given.name) is not None:
                seen.add(key)
                try:
                    yield SourceEntry(given, resolver.for_path(given))
                except ConfigError:
                    continue
            continue
        if given.is_dir():
            yield from _walk(given, resolver, seen, excluders)


def _walk(top: Path, resolver: SettingsResolver, seen: set[str],
          excluders: dict[int, _Excluder]) -> Iterator[SourceEntry]:
    try:
        settings = resolver.for_path(top)
    except ConfigError:
        return
    real_top = os.path.realpath(top)
    layers = _ancestor_layers(real_top, str(settings.root)) if settings.respect_gitignore else ()
    prefix = _root_prefix(real_top, settings.root)
    excluder = excluders.get(id(settings))
    if excluder is None:
        excluder = excluders[id(settings)] = _Excluder(settings)
    if prefix and excluder.inside_excluded(prefix):
        return  # e.g. `isolint check node_modules/pkg`: the folder is excluded, so is what it holds
    stack = [_Folder(str(top), "", settings, layers, prefix, 0)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder.path) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError:
            continue
        names = {entry.name for entry in entries}
        if folder.walk_rel and names & _ROOT_MARKERS:
            try:
                settings = resolver.for_path(Path(folder.path))
            except ConfigError:
                continue
            if settings is not folder.settings:
                real = os.path.join(real_top, folder.walk_rel)
                folder = _Folder(folder.path, folder.walk_rel, settings, folder.layers,
                                 _root_prefix(real, settings.root), len(folder.walk_rel) + 1)
        settings, layers = folder.settings, folder.layers
        if settings.respect_gitignore and ".gitignore" in names:
            spec = _gitignore_spec(folder.path)
            if spec is not None:
                strip = len(folder.walk_rel) + 1 if folder.walk_rel else 0
                layers = layers + (_IgnoreLayer(spec, "", strip),)
        excluder = excluders.get(id(settings))
        if excluder is None:
            excluder = excluders[id(settings)] = _Excluder(settings)
        subfolders = []
        for entry in entries:
            name = entry.name
            rel = f"{folder.walk_rel}/{name}" if folder.walk_rel else name
            root_rel = folder.root_prefix + rel[folder.root_strip:]
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if excluder.folder(root_rel, name) or (layers and _ignored(layers, rel + "/")):
                    continue
                subfolders.append(_Folder(entry.path, rel, settings, layers, folder.root_prefix, folder.root_strip))
                continue
            language = language_of(name)
            if language is None or excluder.file(root_rel):
                continue
            if layers and _ignored(layers, rel) and language is not Language.DOTENV:
                # gitignored dotenv files are still read: ISO2xx reports them as a hint, not as committed
                continue
            key = os.path.join(real_top, rel)
            if key in seen:
                continue
            seen.add(key)
            yield SourceEntry(Path(entry.path), settings, root_rel if _inside(real_top, settings.root) else None)
        stack.extend(reversed(subfolders))


@dataclass(frozen=True, slots=True)
class _Folder:
    path: str  # as the walk reached it (relative when the top was given relative)
    walk_rel: str  # relative to the walk's top
    settings: Settings
    layers: tuple[_IgnoreLayer, ...]
    root_prefix: str  # root-relative path of the folder whose settings apply, + "/"
    root_strip: int  # characters of walk_rel that root_prefix replaces


@lru_cache(maxsize=256)
def _root_prefix(real_folder: str, root: Path) -> str:
    """``real_folder`` relative to the project root, as a prefix (``""`` for the root itself)."""
    root_str = str(root).rstrip("/")
    if real_folder.startswith(root_str + "/"):
        return real_folder[len(root_str) + 1:] + "/"
    return ""


@lru_cache(maxsize=256)
def _inside(real_top: str, root: Path) -> bool:
    root_str = str(root).rstrip("/")
    return real_top == root_str or real_top.startswith(root_str + "/")


# Kept for callers that match one relative path (the LSP decides whether to lint an open file).
def is_excluded(rel: str, is_dir: bool, settings: Settings) -> bool:
    patterns = list(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE)
    patterns += settings.extend_exclude
    return matches_any(rel + "/" if is_dir else rel, patterns)
