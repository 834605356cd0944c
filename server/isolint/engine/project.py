"""ProjectIndex: cross-file facts (services, session factories, message catalogues…).

Facts are extracted per file by the registry's indexers and stored per file, so one file's
change updates only its own facts — never a rebuild on a keystroke. Consumers read the
merged view through ``facts(kind)``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Iterable

from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.core.rule import Indexer

if TYPE_CHECKING:
    from isolint.engine.selection import TokenScan
    from isolint.core.source import SourceFile

log = logging.getLogger(__name__)

SHARED_NAMES = frozenset({"shared", "common", "libs", "lib", "core_shared", "commons", "packages_shared"})
SERVICE_MARKERS = ("main.py", "app.py", "__main__.py", "manage.py", "wsgi.py", "asgi.py", "Dockerfile",
                   "requirements.txt", "pyproject.toml", "setup.py", "setup.cfg", "Procfile")
SERVICE_CONTAINERS = frozenset({"services", "apps", "backend", "backends", "microservices", "packages", "src"})
NOT_SERVICES = frozenset({"tests", "test", "docs", "scripts", "tools", "examples", "bench", "benchmarks",
                          "node_modules", "frontend", "web", "ui", "client", "dev", "deploy", "infra",
                          "migrations", "alembic", "config", "configs", "bin", "data", "static", "vscode-client"})


@dataclass
class ServiceMap:
    """Service name → folder (relative, POSIX); shared package folders."""

    services: dict[str, str] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)

    def service_of(self, rel_path: str) -> str | None:
        best, best_len = None, -1
        for name, folder in self.services.items():
            if (rel_path == folder or rel_path.startswith(folder.rstrip("/") + "/")) and len(folder) > best_len:
                best, best_len = name, len(folder)
        return best

    def is_shared(self, rel_path: str) -> bool:
        return any(rel_path == f or rel_path.startswith(f.rstrip("/") + "/") for f in self.shared)


def detect_services(settings: Settings) -> ServiceMap:
    """Services from config, else zero-config detection: top-level folders (or folders under
    ``services/``, ``apps/``…) holding an entry point, app folder, requirements, Dockerfile or
    pyproject; ``shared``/``common``/``libs`` are shared."""
    root = settings.root
    services = {name: PurePosixPath(path).as_posix().strip("/") for name, path in settings.services.items()}
    shared = [PurePosixPath(p).as_posix().strip("/") for p in settings.shared] if settings.shared is not None else []
    if services and settings.shared is not None:
        return ServiceMap(services, shared)
    detected_services: dict[str, str] = {}
    detected_shared: list[str] = []

    def scan(folder: Path, rel: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False) or entry.name.startswith((".", "_")):
                continue
            name = entry.name
            child_rel = f"{rel}/{name}" if rel else name
            lowered = name.lower()
            if lowered in SHARED_NAMES:
                detected_shared.append(child_rel)
                continue
            if lowered in NOT_SERVICES:
                continue
            if _looks_like_service(Path(entry.path)):
                # backend/app_a/ and backend/model_server/, each deployed on its own, are two
                # services even when backend/ has a pyproject.toml of its own
                deployed = _deployed_subfolders(Path(entry.path))
                if len(deployed) >= 2:
                    detected_services.update({sub: f"{child_rel}/{sub}" for sub in deployed})
                else:
                    detected_services[name] = child_rel
            elif lowered in SERVICE_CONTAINERS and depth == 0:
                scan(Path(entry.path), child_rel, depth + 1)

    scan(root, "", 0)
    return ServiceMap(services or detected_services, shared if settings.shared is not None else detected_shared)


#: what shows a folder is deployed on its own: a container image or process file, or an entry
#: point beside its own dependency manifest (an app/ package with a main.py is not enough)
IMAGE_MARKERS = ("Dockerfile", "Procfile")
ENTRY_POINTS = ("main.py", "app.py", "__main__.py", "manage.py", "wsgi.py", "asgi.py")
MANIFESTS = ("pyproject.toml", "requirements.txt", "setup.py", "setup.cfg")


def _deployed_subfolders(folder: Path) -> list[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [entry.name for entry in entries
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith((".", "_"))
            and entry.name.lower() not in NOT_SERVICES and entry.name.lower() not in SHARED_NAMES
            and _deployed_on_its_own(_names_in(Path(entry.path)))]


def _deployed_on_its_own(names: set[str]) -> bool:
    return any(m in names for m in IMAGE_MARKERS) or (
        any(m in names for m in MANIFESTS) and any(m in names for m in ENTRY_POINTS))


def _names_in(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _looks_like_service(folder: Path) -> bool:
    names = _names_in(folder)
    return any(marker in names for marker in SERVICE_MARKERS) or ("app" in names and (folder / "app").is_dir())


class ProjectIndex:
    """Facts of every indexed file of one project root; thread-safe for the LSP's workers."""

    def __init__(self, settings: Settings, indexers: Iterable[Indexer] | None = None) -> None:
        if indexers is None:
            from isolint.rules.registry import INDEXERS

            indexers = INDEXERS
        self.settings = settings
        self.root = settings.root
        self.indexers = tuple(indexers)
        self.services = detect_services(settings)
        self._facts: dict[str, dict[str, Any]] = {indexer.name: {} for indexer in self.indexers}
        self._lock = threading.RLock()
        self.generation = 0  # bumped on every change; lets consumers cache merged views
        self._fs_cache: dict[str, tuple[bool, bool]] = {}
        # import prefilter of the service-boundary rules (names_into_services, relative_reach_level)
        self._reach_names: dict[tuple[str | None, str | None], tuple[frozenset[str], tuple[str, ...], tuple[int, ...], float]] = {}
        self._reach_levels: dict[tuple[str | None, str | None, str], int] = {}

    # -- module resolution (service boundaries) ------------------------------------------------
    def resolve_module(self, module: str, importer_rel: str) -> str | None:
        """The project file (relative POSIX path; a folder for namespace packages) that
        ``import module`` inside ``importer_rel`` loads, or None for third-party/unknown modules.

        Mirrors Python's lookup: the first search root holding the top-level name owns the
        whole dotted path. Roots, in order: the importer's service (and its ``src/``), the
        project root, shared package folders, then the other services.
        """
        parts = [p for p in module.split(".") if p]
        if not parts:
            return None
        root = self._claiming_root(parts[0], importer_rel)
        if root is None:
            return None
        for length in range(len(parts), 0, -1):
            stem = "/".join(([root] if root else []) + parts[:length])
            if self._is_file(stem + ".py"):
                return stem + ".py"
            if self._is_file(stem + "/__init__.py"):
                return stem + "/__init__.py"
            if length == len(parts) and self._is_dir(stem):
                return stem
        return None

    def _claiming_root(self, top: str, importer_rel: str) -> str | None:
        """The search root whose ``top`` (module or package) an import inside ``importer_rel``
        loads: the first root holding it — every dotted name under ``top`` resolves there."""
        others = self._other_service_roots(importer_rel)
        for root in self._search_roots(importer_rel):
            stem = f"{root}/{top}" if root else top
            if not (self._is_file(stem + ".py") or self._is_dir(stem)):
                continue
            if root in others and not (self._is_dir(stem) and self._installable(others[root])):
                # another service's folder is on this one's path only when that service is
                # installed (``pip install -e services/auth``), and then as packages: a bare
                # ``celery.py`` or ``config.py`` there does not shadow ``import celery`` here
                continue
            return root
        return None

    def names_into_services(self, importer_rel: str, exempt: str | None) -> frozenset[str]:
        """Top-level names through which an absolute import inside ``importer_rel`` can load a
        file of a service other than ``exempt`` (None: of any service) — the import prefilter of
        the service-boundary rules. Every name a search root holds is tried as ``resolve_module``
        would; the set is cached per (importer's service, exempt) and recomputed when a listed
        root changes (checked at most once a second: the LSP sees new packages)."""
        own = self.services.service_of(importer_rel)
        key = (own, exempt)
        cached = self._reach_names.get(key)
        now = time.monotonic()
        if cached is not None:
            names, roots, stamps, checked = cached
            if now - checked < 1.0:
                return names
            if self._stamps(roots) == stamps:
                self._reach_names[key] = (names, roots, stamps, now)
                return names
        roots = tuple(self._search_roots(importer_rel))
        names = set()
        for root in roots:
            try:
                entries = os.listdir(self.root / root if root else self.root)
            except OSError:
                continue
            for entry in entries:
                top = entry.removesuffix(".py")
                if not top or "." in top or top in names:
                    continue
                claimed = self._claiming_root(top, importer_rel)
                if claimed is not None and self._may_hold_service_file(
                        f"{claimed}/{top}" if claimed else top, exempt, as_folder=True):
                    names.add(top)
        result = frozenset(names)
        self._reach_names[key] = (result, roots, self._stamps(roots), now)
        return result

    def relative_reach_level(self, package: str, importer_rel: str, exempt: str | None) -> int:
        """The fewest leading dots with which ``from .<dots>… import …`` inside the package
        ``package`` (dotted, as ``resolve_relative_module`` splits it) can load a file of a
        service other than ``exempt``. ``len(parts) + 1`` dots leave the project root and the
        rest resolves as an absolute import."""
        key = (self.services.service_of(importer_rel), exempt, package)
        level = self._reach_levels.get(key)
        if level is None:
            level = self._reach_levels[key] = self._relative_reach_level(package, importer_rel, exempt)
        return level

    def _relative_reach_level(self, package: str, importer_rel: str, exempt: str | None) -> int:
        parts = package.split(".") if package else []
        claims: dict[str, str | None] = {}
        for dots in range(1, len(parts) + 1):
            kept = [part for part in parts[:len(parts) - dots + 1] if part]
            if not kept:  # nothing kept: the module after the dots is looked up as absolute
                return dots
            if kept[0] not in claims:
                claims[kept[0]] = self._claiming_root(kept[0], importer_rel)
            root = claims[kept[0]]
            if root is None:
                continue
            stems = ["/".join(([root] if root else []) + kept[:length]) for length in range(1, len(kept) + 1)]
            # anything under the kept package, or an ancestor package's module / __init__.py
            if self._may_hold_service_file(stems[-1], exempt, as_folder=True) or any(
                    self._may_hold_service_file(stem, exempt, as_folder=False) for stem in stems[:-1]):
                return dots
        return len(parts) + 1

    def _may_hold_service_file(self, stem: str, exempt: str | None, as_folder: bool) -> bool:
        """Whether ``stem.py``, ``stem/__init__.py`` (and, ``as_folder``, anything under ``stem/``)
        can belong to a service other than ``exempt``."""
        for name, folder in self.services.services.items():
            if name == exempt:
                continue
            if stem == folder or stem.startswith(folder + "/") or folder == stem + ".py":
                return True
            if as_folder and folder.startswith(stem + "/"):
                return True
        return False

    def _stamps(self, roots: tuple[str, ...]) -> tuple[int, ...]:
        """Modification times of search roots: a package added to or removed from one changes it."""
        stamps = []
        for root in roots:
            try:
                stamps.append(os.stat(self.root / root if root else self.root).st_mtime_ns)
            except OSError:
                stamps.append(-1)
        return tuple(stamps)

    def _search_roots(self, importer_rel: str) -> list[str]:
        roots: list[str] = []
        own = self.services.service_of(importer_rel)
        if own:
            roots += [self.services.services[own] + "/src", self.services.services[own]]
        roots.append("")
        for shared in self.services.shared:
            roots += [shared + "/src", shared]
        for name, folder in self.services.services.items():
            if name != own:
                roots += [folder + "/src", folder]
        return [r for r in roots if r == "" or self._is_dir(r)]

    def _other_service_roots(self, importer_rel: str) -> dict[str, str]:
        """Search roots that belong to a service other than the importer's → that service's folder."""
        own = self.services.service_of(importer_rel)
        return {root: folder for name, folder in self.services.services.items() if name != own
                for root in (folder + "/src", folder)}

    def _installable(self, folder: str) -> bool:
        return any(self._is_file(f"{folder}/{name}") for name in ("pyproject.toml", "setup.py", "setup.cfg"))

    def _is_file(self, rel: str) -> bool:
        cached = self._fs_cache.get(rel)
        if cached is None:
            path = self.root / rel
            cached = self._fs_cache[rel] = (path.is_file(), path.is_dir())
        return cached[0]

    def _is_dir(self, rel: str) -> bool:
        self._is_file(rel)
        return self._fs_cache[rel][1]

    def invalidate_files(self) -> None:
        """Forget cached file-system lookups (files were created or deleted)."""
        self._fs_cache.clear()
        self._reach_names.clear()
        self._reach_levels.clear()

    def indexers_for(self, source: "SourceFile", scan: "TokenScan | None" = None) -> list[Indexer]:
        """The indexers that want ``source``: its language, then their tokens (through ``scan``
        when the caller already scans the bytes for rules), then their ``admits``."""
        if scan is None:
            from isolint.engine.selection import token_scan

            scan = token_scan(source)
        return [
            indexer for indexer in self.indexers
            if source.language in indexer.languages and scan.admits(indexer.tokens) and indexer.admits(source, self)
        ]

    def update(self, rel_path: str, facts_by_kind: dict[str, Any]) -> set[str]:
        """Replace one file's facts; returns the kinds whose facts changed."""
        changed: set[str] = set()
        with self._lock:
            for kind, store in self._facts.items():
                new = facts_by_kind.get(kind)
                old = store.get(rel_path)
                if new == old:
                    continue
                if new is None:
                    store.pop(rel_path, None)
                else:
                    store[rel_path] = new
                changed.add(kind)
            if changed:
                self.generation += 1
        return changed

    def remove(self, rel_path: str) -> set[str]:
        return self.update(rel_path, {})

    def facts(self, kind: str) -> dict[str, Any]:
        """A snapshot of ``{rel_path: facts}`` for one kind."""
        with self._lock:
            return dict(self._facts.get(kind, {}))

    def file_facts(self, rel_path: str) -> dict[str, Any]:
        with self._lock:
            return {kind: store[rel_path] for kind, store in self._facts.items() if rel_path in store}

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {kind: dict(store) for kind, store in self._facts.items()}

    def __getstate__(self) -> dict[str, Any]:  # sent to CLI worker processes
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
