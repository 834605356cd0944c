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

import dataclasses
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

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
from isolint.core.gitignore import load_gitignore as _load_gitignore
from isolint.core.gitignore import load_info_exclude as _load_info_exclude
from isolint.core.gitview import GitListing, git_listing, repository_of
from isolint.core.gitignore import ignored as _ignored
from isolint.core.gitignore import is_gitignored  # noqa: F401  (re-exported)
from isolint.core.files import kind_of
from isolint.core.model import Language
from isolint.core.zones import matches_any
from isolint.core.source import is_shell_name, language_of

DEFAULT_EXCLUDE = (
    ".git/", ".hg/", ".svn/", ".bzr/", ".venv/", "venv/", ".env/", ".tox/", ".nox/", ".mypy_cache/",
    ".pytest_cache/", ".ruff_cache/", ".isolint_cache/", "__pycache__/", "__pypackages__/", "node_modules/",
    "site-packages/", "build/", "dist/", "_build/", ".next/", ".nuxt/", "out/", ".eggs/", "*.egg-info/",
    "buck-out/", ".direnv/", ".idea/", ".vscode/", "coverage/", "htmlcov/",
    # legacy code nothing runs any more, and read-only reference copies (a frozen copy of old or
    # upstream packages kept to compare against, outside every workspace: `_reference/`)
    "archive/", "archived/", "legacy/", "deprecated/", "_reference/",
)
#: the file every virtual environment holds at its top (PEP 405), whatever the folder is called:
#: ``env/`` may be a virtual environment or a frontend's ``src/env/`` module
VIRTUAL_ENV_MARKER = "pyvenv.cfg"
#: names whose presence in a folder may change the settings (or the project root) below it
_ROOT_MARKERS = frozenset(CONFIG_FILE_NAMES) | {".git"}


@dataclass
class SettingsResolver:
    """Nearest-config-wins settings per folder, cached; config errors are collected, not raised
    (a broken file's scope falls back to the configuration above it, see ``_fallback``)."""

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
        # without a config file, the project root (the repository, see find_project_root) tells settings apart
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
            if config is None:  # the overrides are broken: nothing to fall back to
                self._failed.add(key)
                raise
            return self._fallback(config)
        return settings

    def _fallback(self, config: Path) -> Settings:
        """The settings a broken config file's scope is checked with, so one broken file does
        not stop the rest of the run: the nearest valid configuration above it, else the
        defaults (as if the file configured nothing). The error itself is in ``errors``."""
        above = config.parent.parent
        if above != config.parent and find_config_file(above) is not None:
            return self.for_path(above)
        settings = Settings(root=find_project_root(config.parent))
        return settings.with_overrides(self.overrides) if self.overrides else settings


_PLAIN_FOLDER_RE = re.compile(r"^[^*?\[\]!/\\#]+/$")  # "node_modules/": a folder of that name anywhere
#: "*.egg-info/": a folder whose name matches, anywhere; "*" is any run of characters of a name
_NAME_GLOB_RE = re.compile(r"^(?!.*\*\*)[^?\[\]!/\\#]*\*[^?\[\]!/\\#]*/$")


class _Excluder:
    """``exclude`` + ``extend-exclude`` of one Settings, compiled once.

    Most patterns are plain folder names (``node_modules/``): those become a set lookup on the
    folder's name, and folder-name globs (``*.egg-info/``) one regular expression on it — the
    defaults need no gitignore spec (nor pathspec's import). Files are only matched against
    patterns that can match a file, since the walk never enters an excluded folder. With a
    negation (``!pattern``) everything goes through one gitignore spec, for git's exact
    semantics.
    """

    def __init__(self, settings: Settings) -> None:
        patterns = list(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE)
        patterns += settings.extend_exclude
        negated = any(p.lstrip().startswith("!") for p in patterns)
        plain = [] if negated else [p for p in patterns if _PLAIN_FOLDER_RE.match(p)]
        globs = [] if negated else [p for p in patterns if _NAME_GLOB_RE.match(p)]
        self.folder_names = frozenset(p[:-1] for p in plain)
        self.folder_glob = re.compile("|".join(
            "[^/]*".join(re.escape(piece) for piece in p[:-1].split("*")) for p in globs)) if globs else None
        rest = [p for p in patterns if p not in plain and p not in globs]
        self.spec = _gitignore_spec(rest) if rest else None
        file_patterns = rest if negated else [p for p in rest if not p.rstrip().endswith("/")]
        self.file_spec = _gitignore_spec(file_patterns) if file_patterns else None

    def folder(self, root_rel: str, name: str) -> bool:
        return (name in self.folder_names or (self.folder_glob is not None and self.folder_glob.fullmatch(name) is not None)
                or (self.spec is not None and self.spec.match_file(root_rel + "/")))

    def file(self, root_rel: str) -> bool:
        return self.file_spec is not None and self.file_spec.match_file(root_rel)

    def inside_excluded(self, root_prefix: str) -> bool:
        """Whether a folder on the way from the root to a walk's top is excluded."""
        parts = [part for part in root_prefix.split("/") if part]
        return any(self.folder("/".join(parts[: i + 1]), part) for i, part in enumerate(parts))


def _gitignore_spec(patterns: list[str]):  # -> pathspec.GitIgnoreSpec
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


class SourceEntry(NamedTuple):
    """A file to check, its settings, and what the walk already knows of it: its path relative
    to the project root (saves a ``resolve()`` per file), its language, and its path as the
    string ``os.scandir`` made (a warm run stats every file: ``str(path)`` costs more)."""

    path: Path
    settings: Settings
    rel_path: str | None = None
    language: Language | None = None
    fs_path: str | None = None


Warn = Callable[[str], None]


def iter_source_files(paths: list[Path], resolver: SettingsResolver,
                      warn: Warn | None = None) -> Iterator[SourceEntry]:
    """Files (with their settings) under ``paths`` that isolint can analyse.

    A generator that does a bounded amount of work between two files (no read without a size
    limit, no open that can block, every folder entered once): a consumer interrupts discovery
    by no longer asking for the next file. What it skips for a reason the user should know —
    a folder it cannot list, a FIFO named ``x.py``, a broken ``.gitignore`` — goes to ``warn``.
    """
    walk = _Walk(resolver, warn or (lambda message: None))
    for given in paths:
        if given.is_dir():
            yield from walk.folder(given)
            continue
        if language_of(given.name) is None:
            continue
        kind = _file_kind(str(given))
        if kind is not None:
            walk.warn(f"{given}: {kind}; skipped")
            continue
        key = os.path.realpath(given)
        if key not in walk.seen:
            walk.seen.add(key)
            try:
                yield SourceEntry(given, resolver.for_path(given))
            except ConfigError:
                continue


def _file_kind(path: str) -> str | None:
    """None for a regular file (symlinks followed), else what it is instead."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a broken symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else kind_of(mode) + ", not a regular file"


class _Walk:
    """State shared by the walks of one discovery: files and folders already met.

    Folders are identified by device and inode, so a folder reached again through a symlink
    (a loop like ``app/l1 -> ..``, or a second name for a folder already walked) is not
    entered again. Symlinked folders are entered after every real folder of the walk, so a
    file is reported under its real path when it has one inside the tree.
    """

    def __init__(self, resolver: SettingsResolver, warn: Warn, use_git: bool = True) -> None:
        self.resolver = resolver
        self.warn = warn
        self.use_git = use_git
        self.seen: set[str] = set()
        self.folders: set[tuple[int, int]] = set()
        self.excluders: dict[int, _Excluder] = {}

    def excluder(self, settings: Settings) -> _Excluder:
        excluder = self.excluders.get(id(settings))
        if excluder is None:
            excluder = self.excluders[id(settings)] = _Excluder(settings)
        return excluder

    def enter(self, path: str, entry: os.DirEntry | None = None) -> bool:
        """Whether a folder is met for the first time (recording it)."""
        try:
            info = entry.stat() if entry is not None else os.stat(path)
        except OSError as exc:
            self.warn(f"{path}: cannot be read ({exc.strerror or exc}); skipped")
            return False
        identity = (info.st_dev, info.st_ino)
        if identity in self.folders:
            return False
        self.folders.add(identity)
        return True

    def folder(self, top: Path) -> Iterator[SourceEntry]:
        try:
            settings = self.resolver.for_path(top)
        except ConfigError:
            return
        real_top = os.path.realpath(top)
        git = self._git_listing(str(top)) if settings.respect_gitignore and repository_of(real_top) else None
        problems: list[str] = []
        layers = () if git is not None or not settings.respect_gitignore else \
            _ancestor_layers(real_top, str(settings.root), problems)
        for problem in problems:
            self.warn(problem)
        prefix = _root_prefix(real_top, settings.root)
        if prefix and self.excluder(settings).inside_excluded(prefix):
            return  # e.g. `isolint check node_modules/pkg`: the folder is excluded, so is what it holds
        if not self.enter(str(top)):
            return
        stack = [_Folder(str(top), "", settings, layers, prefix, 0, git=git)]
        linked: list[_Folder] = []  # symlinked folders, entered once the real ones are done
        while stack or linked:
            folder = stack.pop() if stack else linked.pop(0)
            if folder.via_link and not self.enter(folder.path):
                continue
            yield from self._files_of(folder, real_top, stack, linked)

    def _files_of(self, folder: "_Folder", real_top: str, stack: list["_Folder"],
                  linked: list["_Folder"]) -> Iterator[SourceEntry]:
        try:
            with os.scandir(folder.path) as scan:
                entries = sorted(scan, key=_name_of)
        except OSError as exc:
            self.warn(f"{folder.path}: cannot be read ({exc.strerror or exc}); skipped")
            return
        names = {entry.name for entry in entries}
        if VIRTUAL_ENV_MARKER in names and folder.walk_rel:
            return  # an installed environment below the folder given: third-party code
        folder = self._settings_of(folder, names, real_top)
        if folder is None:
            return
        if folder.settings.respect_gitignore and ".git" in names and folder.walk_rel:
            folder = self._nested_repository(folder)
        settings, layers, git = folder.settings, self._layers(folder, names), folder.git
        excluder = self.excluder(settings)
        subfolders = []
        folder_path: Path | None = None
        for entry in entries:
            name = entry.name
            rel = f"{folder.walk_rel}/{name}" if folder.walk_rel else name
            root_rel = folder.root_prefix + rel[folder.root_strip:]
            try:
                is_dir = entry.is_dir()
            except OSError as exc:  # a symlink loop (ELOOP), a name that vanished
                if language_of(name) is not None:
                    self.warn(f"{entry.path}: cannot be read ({exc.strerror or exc}); skipped")
                continue
            if is_dir:
                if excluder.folder(root_rel, name) or (layers and _ignored(layers, rel + "/")):
                    continue
                via_link = entry.is_symlink()
                if git is not None and not _git_keeps_folder(git, rel[folder.git_strip:], via_link):
                    continue
                child = _Folder(entry.path, rel, settings, layers, folder.root_prefix, folder.root_strip, via_link,
                                None if via_link else git, folder.git_strip)
                if via_link:
                    linked.append(child)
                elif self.enter(entry.path, entry):
                    subfolders.append(child)
                continue
            language = language_of(name)
            if language is None or excluder.file(root_rel):
                continue
            if (language is not Language.DOTENV or is_shell_name(name.lower())) and (
                    (layers and _ignored(layers, rel)) or (git is not None and rel[folder.git_strip:] not in git.files)):
                # ignored dotenv files are still read: ISO2xx reports them as a hint, not as committed
                continue
            key = os.path.join(real_top, rel)
            if key in self.seen:
                continue
            if not _is_regular(entry):
                self.warn(f"{entry.path}: {_file_kind(entry.path) or 'not a regular file'}; skipped")
                continue
            self.seen.add(key)
            # root_rel is right when the walk started inside the root, or below a nested root it met
            known = folder.root_strip or _inside(real_top, settings.root)
            if folder_path is None:
                folder_path = Path(folder.path)  # one parse per folder; a child of it costs a third of one
            yield SourceEntry(_child(folder_path, name), settings, root_rel if known else None, language, entry.path)
        stack.extend(reversed(subfolders))

    def _git_listing(self, folder: str) -> GitListing | None:
        return git_listing(folder, self.warn) if self.use_git else None

    def _nested_repository(self, folder: "_Folder") -> "_Folder":
        """A repository inside the walk (a submodule, a checkout of its own): its own listing."""
        git = self._git_listing(folder.path)
        strip = len(folder.walk_rel) + 1
        return dataclasses.replace(folder, git=git, git_strip=strip, layers=folder.layers if git is None else ())

    def _layers(self, folder: "_Folder", names: set[str]) -> tuple[_IgnoreLayer, ...]:
        """The .gitignore layers that apply in ``folder`` when git's view does not."""
        layers = folder.layers
        if folder.git is not None or not folder.settings.respect_gitignore:
            return layers
        strip = len(folder.walk_rel) + 1 if folder.walk_rel else 0
        loaded_files = []
        if ".git" in names:
            loaded_files.append(_load_info_exclude(folder.path))
        if ".gitignore" in names:
            loaded_files.append(_load_gitignore(folder.path))
        for loaded in loaded_files:
            for problem in loaded.problems:
                self.warn(problem)
            if loaded.spec is not None:
                layers = layers + (_IgnoreLayer(loaded.spec, "", strip),)
        return layers

    def _settings_of(self, folder: "_Folder", names: set[str], real_top: str) -> "_Folder | None":
        """The folder with the settings that apply in it (a config file here changes them)."""
        if not folder.walk_rel or not names & _ROOT_MARKERS:
            return folder
        try:
            settings = self.resolver.for_path(Path(folder.path))
        except ConfigError:
            return None
        if settings is folder.settings or (settings.config_path is None and ".git" not in names):
            # only an isolint configuration or a repository starts other settings below the
            # walk's top: a service's bare ``pyproject.toml`` stays in the project being walked
            return folder
        real = os.path.join(real_top, folder.walk_rel)
        return dataclasses.replace(folder, settings=settings, root_prefix=_root_prefix(real, settings.root),
                                   root_strip=len(folder.walk_rel) + 1)


_name_of = attrgetter("name")


def _child(folder: Path, name: str) -> Path:
    """``folder / name`` for a name ``os.scandir`` gave (one part, nothing to parse): pathlib's
    own shortcut for walking folders where it has one (3.11–3.13), a tenth of ``/``'s cost."""
    return _MAKE_CHILD(folder, name) if _MAKE_CHILD is not None else folder / name


_MAKE_CHILD = getattr(Path, "_make_child_relpath", None)


def _git_keeps_folder(git: GitListing, git_rel: str, via_link: bool) -> bool:
    """A folder holding files git lists, a submodule or nested repository git lists as one
    entry, or a symlinked folder git lists as a link (git does not look inside)."""
    return git_rel in git.dirs or git_rel in git.files


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()  # follows a symlink; False for a FIFO, a device, a dangling link
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class _Folder:
    path: str  # as the walk reached it (relative when the top was given relative)
    walk_rel: str  # relative to the walk's top
    settings: Settings
    layers: tuple[_IgnoreLayer, ...]
    root_prefix: str  # root-relative path of the folder whose settings apply, + "/"
    root_strip: int  # characters of walk_rel that root_prefix replaces
    via_link: bool = False  # reached through a symlink: entered only if not met already
    #: git's files of the repository the folder is in (None: no repository, or git not usable:
    #: the .gitignore layers decide), and the characters of walk_rel before the listing's paths
    git: GitListing | None = None
    git_strip: int = 0


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
