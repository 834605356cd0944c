"""Settings and cross-file facts per project, for every workspace folder (multi-root).

A file's settings come from its nearest config file, as in the CLI (or the one the editor's
``isolint.configuration`` names for its workspace folder), then the editor's
overrides for the workspace folder it sits in. A config file that breaks while the user edits it
keeps its last good settings in force and its error is kept for display; linting never stops
because of a typo in ``pyproject.toml``. One ``ProjectIndex`` per project root holds the facts of
its files, filled in the background at start and updated per changed file afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from isolint.core.config import ConfigError, Settings, find_config_file, find_project_root, load_settings
from isolint.engine.discovery import iter_source_files
from isolint.engine.project import ProjectIndex
from isolint.lsp.settings import EditorSettings

log = logging.getLogger(__name__)


@dataclass
class Folder:
    uri: str
    path: Path
    editor: EditorSettings | None = None  # None: the global editor settings apply


@dataclass
class Projects:
    folders: dict[str, Folder] = field(default_factory=dict)
    editor: EditorSettings = field(default_factory=EditorSettings)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._config_of_dir: dict[Path, Path | None] = {}
        self._good: dict[Path, Settings] = {}  # config file -> its last good settings
        self.errors: dict[Path, ConfigError] = {}  # config file -> why it is broken now
        self._merged: dict[tuple[Path | None, Path, str | None], Settings] = {}
        self._indexes: dict[Path, ProjectIndex] = {}
        self.config_files: set[Path] = set()

    # -- folders and editor settings -----------------------------------------------------------
    def folder_of(self, path: Path | None) -> Folder | None:
        if path is None:
            return None
        best: Folder | None = None
        for folder in self.folders.values():
            if (path == folder.path or folder.path in path.parents) and (
                best is None or len(folder.path.parts) > len(best.path.parts)
            ):
                best = folder
        return best

    def editor_for(self, path: Path | None) -> EditorSettings:
        folder = self.folder_of(path)
        return folder.editor if folder is not None and folder.editor is not None else self.editor

    # -- settings ------------------------------------------------------------------------------
    def settings_for(self, path: Path | None) -> Settings:
        """Settings in force for ``path`` (a file, possibly not on disk yet)."""
        with self._lock:
            directory = (path.parent if path is not None else Path.cwd()).resolve()
            if directory not in self._config_of_dir:
                self._config_of_dir[directory] = find_config_file(directory) if directory.exists() else None
            explicit = self.editor_for(path).configuration
            config = explicit or self._config_of_dir[directory]
            folder = self.folder_of(path)
            key = (config, directory if config is None else Path("/"), folder.uri if folder else None)
            merged = self._merged.get(key)
            if merged is None:
                base = self._load(config) if config is not None else Settings(root=find_project_root(directory))
                if explicit is not None and folder is not None:
                    # as with ruff's --config: its relative paths are matched from the folder
                    base = dataclasses.replace(base, root=folder.path)
                merged = self.editor_for(path).apply(base)
                self._merged[key] = merged
            return merged

    def _load(self, config: Path) -> Settings:
        config = config.resolve()
        self.config_files.add(config)
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            self.errors[config] = exc
            return self._good.get(config) or Settings(root=config.parent, config_path=config)
        self.errors.pop(config, None)
        self._good[config] = settings
        return settings

    def invalidate(self) -> None:
        """Forget resolved settings and indexes (a config file or the editor settings changed);
        the next ``settings_for`` re-reads, keeping last good settings for broken files."""
        with self._lock:
            self._config_of_dir.clear()
            self._merged.clear()
            self._indexes.clear()
            for config in list(self.config_files):
                if config.is_file():
                    self._load(config)
                else:
                    self.config_files.discard(config)
                    self.errors.pop(config, None)

    def baseline_paths(self) -> set[Path]:
        """The baseline files of the settings in force (each workspace folder's, and those of
        the files resolved so far)."""
        for folder in list(self.folders.values()):
            self.settings_for(folder.path / "__probe__")
        with self._lock:
            return {settings.baseline_path.resolve() for settings in self._merged.values()
                    if settings.baseline_path is not None}

    # -- cross-file facts ----------------------------------------------------------------------
    def index_for(self, settings: Settings) -> ProjectIndex:
        with self._lock:
            index = self._indexes.get(settings.root)
            if index is None:
                index = self._indexes[settings.root] = ProjectIndex(settings)
            return index

    def indexes(self) -> list[ProjectIndex]:
        with self._lock:
            return list(self._indexes.values())

    # -- workspace files -----------------------------------------------------------------------
    def workspace_files(self, stop: threading.Event | None = None) -> Iterator[tuple[Path, Settings]]:
        """Every file of every workspace folder the CLI would check (excludes, .gitignore);
        the walk ends early once ``stop`` is set."""
        resolver = _Resolver(self)
        for folder in list(self.folders.values()):
            for entry in iter_source_files([folder.path], resolver, _log_skipped):  # type: ignore[arg-type]
                if stop is not None and stop.is_set():
                    return
                yield entry.path, entry.settings  # SourceEntry also carries rel_path now


def _log_skipped(message: str) -> None:
    """What discovery skips for a reason the user should know (a folder it cannot list, a FIFO)."""
    log.warning("workspace: %s", message)


class _Resolver:
    """``iter_source_files`` asks for settings by path; answer with the last good ones."""

    def __init__(self, projects: Projects) -> None:
        self.projects = projects

    def for_path(self, path: Path) -> Settings:
        probe = path / "__probe__" if path.is_dir() else path
        return self.projects.settings_for(probe)
