"""Finding the files to check: .gitignore-aware, ``exclude``-aware, vendor folders skipped.

Paths given explicitly on the command line are always checked (like ruff without
``force-exclude``); files found while walking a folder are filtered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pathspec

from isolint.core.config import ConfigError, Settings, find_config_file, find_project_root, load_settings
from isolint.core.zones import matches_any
from isolint.engine.sources import language_of

DEFAULT_EXCLUDE = (
    ".git/", ".hg/", ".svn/", ".bzr/", ".venv/", "venv/", ".env/", "env/", ".tox/", ".nox/", ".mypy_cache/",
    ".pytest_cache/", ".ruff_cache/", ".isolint_cache/", "__pycache__/", "__pypackages__/", "node_modules/",
    "site-packages/", "build/", "dist/", "_build/", ".next/", ".nuxt/", "out/", ".eggs/", "*.egg-info/",
    "buck-out/", ".direnv/", ".idea/", ".vscode/", "coverage/", "htmlcov/",
)


@dataclass
class SettingsResolver:
    """Nearest-config-wins settings per folder, cached; config errors are collected, not raised."""

    overrides: dict | None = None

    def __post_init__(self) -> None:
        self._by_config: dict[Path | None, Settings] = {}
        self._by_dir: dict[Path, Settings] = {}
        self.errors: list[ConfigError] = []

    def for_path(self, path: Path) -> Settings:
        directory = (path if path.is_dir() else path.parent).resolve()
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        try:
            config = find_config_file(directory)
        except ConfigError as exc:  # pragma: no cover - defensive
            self.errors.append(exc)
            config = None
        if config not in self._by_config:
            self._by_config[config] = self._load(config, directory)
        settings = self._by_config[config]
        self._by_dir[directory] = settings
        return settings

    def _load(self, config: Path | None, directory: Path) -> Settings:
        try:
            settings = load_settings(config) if config else Settings(root=find_project_root(directory))
            if self.overrides:
                settings = settings.with_overrides(self.overrides)
        except ConfigError as exc:
            self.errors.append(exc)
            raise
        return settings


@lru_cache(maxsize=1024)
def _gitignore_spec(folder: Path) -> pathspec.PathSpec | None:
    ignore_file = folder / ".gitignore"
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def is_gitignored(path: Path, stop: Path, is_dir: bool | None = None) -> bool:
    """True when a .gitignore in a folder from ``path``'s up to ``stop`` excludes it."""
    path = path.resolve()
    stop = stop.resolve()
    if is_dir is None:
        is_dir = path.is_dir()
    for folder in (path.parent, *path.parent.parents):
        spec = _gitignore_spec(folder)
        if spec is not None:
            rel = path.relative_to(folder).as_posix()
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        if folder == stop or folder == folder.parent:
            break
    return False


def _excluded(rel: str, is_dir: bool, settings: Settings) -> bool:
    patterns = list(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE)
    patterns += settings.extend_exclude
    candidate = rel + "/" if is_dir else rel
    return matches_any(candidate, patterns)


def iter_source_files(paths: list[Path], resolver: SettingsResolver) -> Iterator[tuple[Path, Settings]]:
    """Files (with their settings) under ``paths`` that isolint can analyse."""
    seen: set[Path] = set()
    for given in paths:
        if given.is_file():
            resolved = given.resolve()
            if resolved not in seen:
                seen.add(resolved)
                try:
                    yield given, resolver.for_path(given)
                except ConfigError:
                    continue
            continue
        if not given.is_dir():
            continue
        yield from _walk(given, resolver, seen)


def _walk(top: Path, resolver: SettingsResolver, seen: set[Path]) -> Iterator[tuple[Path, Settings]]:
    for dirpath, dirnames, filenames in os.walk(top):
        folder = Path(dirpath)
        try:
            settings = resolver.for_path(folder)
        except ConfigError:
            dirnames[:] = []
            continue
        root = settings.root
        keep = []
        for name in sorted(dirnames):
            child = folder / name
            rel = _rel(child, root)
            if _excluded(rel, True, settings):
                continue
            if settings.respect_gitignore and is_gitignored(child, root, is_dir=True):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if language_of(name) is None:
                continue
            path = folder / name
            rel = _rel(path, root)
            if _excluded(rel, False, settings):
                continue
            if settings.respect_gitignore and is_gitignored(path, root, is_dir=False) and not _is_dotenv(name):
                continue
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            yield path, settings


def _is_dotenv(name: str) -> bool:
    # gitignored dotenv files are still read: ISO2xx reports them as a hint, not as committed
    from isolint.core.model import Language

    return language_of(name) is Language.DOTENV


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
