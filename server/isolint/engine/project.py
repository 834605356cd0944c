"""ProjectIndex: cross-file facts (services, session factories, message catalogues…).

Facts are extracted per file by the registry's indexers and stored per file, so one file's
change updates only its own facts — never a rebuild on a keystroke. Consumers read the
merged view through ``facts(kind)``.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable

from isolint.core.config import Settings, tomllib
from isolint.core.files import read_regular_text
from isolint.core.model import Language, Zone
from isolint.core.rule import Indexer
from isolint.core.zones import TEST_DIRS, classify_by_heuristics
from isolint.engine.images import Image, find_dockerfiles, parent_of, read_image
from isolint.engine.manifests import declares, distribution_names, is_published, normalise
from isolint.engine.pytest_runs import find_test_paths, outside_test_paths

if TYPE_CHECKING:
    from isolint.engine.selection import TokenScan
    from isolint.core.source import SourceFile

log = logging.getLogger(__name__)

SHARED_NAMES = frozenset({"shared", "common", "libs", "lib", "core_shared", "commons", "packages_shared"})
#: words that name a shared package inside a longer folder name: shared_configs/, common-utils/
SHARED_WORDS = frozenset({"shared", "common", "commons"})
SERVICE_MARKERS = ("main.py", "app.py", "__main__.py", "manage.py", "wsgi.py", "asgi.py", "Dockerfile",
                   "requirements.txt", "pyproject.toml", "setup.py", "setup.cfg", "Procfile")
SERVICE_CONTAINERS = frozenset({"services", "apps", "backend", "backends", "microservices", "packages", "src"})
NOT_SERVICES = frozenset({"tests", "test", "docs", "scripts", "tools", "examples", "bench", "benchmarks",
                          "node_modules", "frontend", "web", "ui", "client", "dev", "deploy", "infra",
                          "migrations", "alembic", "config", "configs", "bin", "data", "static", "vscode-client",
                          "docker", "dockerfiles", "deployment", "deployments", "k8s", "helm", "charts"})


@dataclass
class ServiceMap:
    """Service name → folder (relative, POSIX); shared package folders; source roots — folders
    (besides the project root) whose child packages code imports by their names; and, for
    ``isolint explain``, why each service, shared folder and source root was chosen."""

    services: dict[str, str] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)
    source_roots: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    #: folder → the ``testpaths`` its pytest configuration names (``pytest_runs.find_test_paths``)
    test_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``service_of``'s answers per folder of the files asked about; the map is complete once
    #: ``detect_services`` returns it, and nothing changes it afterwards
    _by_folder: dict[str, tuple[str | None, int, int]] = field(default_factory=dict, init=False, repr=False,
                                                                compare=False)
    _by_path: dict[str, tuple[str | None, int, int]] | None = field(default=None, init=False, repr=False,
                                                                     compare=False)

    def service_of(self, rel_path: str) -> str | None:
        """The service whose folder holds ``rel_path`` (the deepest; the first named of equals),
        or whose folder is ``rel_path`` itself. Asked for every file of a run: what the folder
        decides is computed once per folder."""
        folder, slash, _ = rel_path.rpartition("/")
        best = self._by_folder.get(folder) if slash else (None, -1, 0)
        if best is None:
            # rel_path starts with "F/" exactly when folder + "/" does: every "/" of rel_path is in it
            best = self._by_folder[folder] = max(
                ((name, len(service_folder), -index) for index, (name, service_folder) in enumerate(self.services.items())
                 if (folder + "/").startswith(service_folder.rstrip("/") + "/")),
                key=lambda candidate: candidate[1:], default=(None, -1, 0))
        if self._by_path is None:
            self._by_path = {}
            for index, (name, service_folder) in enumerate(self.services.items()):
                self._by_path.setdefault(service_folder, (name, len(service_folder), -index))
        exact = self._by_path.get(rel_path)
        if exact is not None and exact[1:] > best[1:]:
            best = exact
        return best[0]

    def is_shared(self, rel_path: str) -> bool:
        return any(rel_path == f or rel_path.startswith(f.rstrip("/") + "/") for f in self.shared)

    def test_owner(self, rel_path: str) -> str | None:
        """The service a test outside every service belongs to when a folder below its test
        folder is named as that service's folder (``tests/unit/model_server/test_encoders.py``):
        test trees that mirror the services. None when none or several services are named."""
        parts = [part.lower() for part in PurePosixPath(rel_path).parts[:-1]]
        start = next((index for index, part in enumerate(parts) if part in TEST_DIRS), None)
        if start is None:
            return None
        by_folder_name: dict[str, set[str]] = {}
        for name, folder in self.services.items():
            by_folder_name.setdefault(PurePosixPath(folder).name.lower(), set()).add(name)
        owners = {name for part in parts[start + 1:] for name in by_folder_name.get(part, ())}
        return owners.pop() if len(owners) == 1 else None

    def outside_test_paths(self, rel_path: str) -> bool:
        """Whether the ``testpaths`` of the pytest configuration nearest ``rel_path`` leave it out
        (``pytest_runs.outside_test_paths``)."""
        return outside_test_paths(self.test_paths, rel_path)

    def fingerprint(self) -> str:
        """What decides where an import lands, and which files pytest runs reach (the result
        cache keys on it)."""
        return repr((sorted(self.services.items()), self.shared, self.source_roots, sorted(self.test_paths.items())))


def is_shared_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SHARED_NAMES or not SHARED_WORDS.isdisjoint(re.split(r"[_\-.]", lowered))


def detect_services(settings: Settings) -> ServiceMap:
    """Services from config, else zero-config detection: top-level folders (or folders under
    ``services/``, ``apps/``…) holding an entry point, app folder, requirements, Dockerfile or
    pyproject; folders several images are built from (``images.py``); ``shared``/``common``/
    ``libs`` are shared. Source roots are learned in every case (``_source_roots``)."""
    root = settings.root
    services = {name: PurePosixPath(path).as_posix().strip("/") for name, path in settings.services.items()}
    shared = [PurePosixPath(p).as_posix().strip("/") for p in settings.shared] if settings.shared is not None else []
    images = [image for dockerfile in find_dockerfiles(root) if (image := read_image(root, dockerfile)) is not None]
    if services and settings.shared is not None:
        result = ServiceMap(services, shared)
    else:
        detected = _detect(root, images)
        result = ServiceMap(services or detected.services,
                            shared if settings.shared is not None else detected.shared,
                            reasons=detected.reasons if not services else {})
    _source_roots(root, result, images)
    result.test_paths = find_test_paths(root)
    return result


def _detect(root: Path, images: list[Image]) -> ServiceMap:
    found = ServiceMap()

    def add(name: str, folder: str, reason: str) -> None:
        if name in found.services and found.services[name] != folder:
            name = folder  # two services named alike in different folders: the path tells them apart
        found.services[name] = folder
        found.reasons[name] = reason

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
            if is_shared_name(name) and len(_packaged_subfolders(Path(entry.path))) >= 2 and depth == 0:
                # libs/server/ and libs/sdk/, each with a manifest of its own, are packages apart
                # (a client SDK importing the server is a leak), not one shared package
                scan(Path(entry.path), child_rel, depth + 1)
                continue
            if is_shared_name(name):
                found.shared.append(child_rel)
                found.reasons[child_rel] = f"`{child_rel}/` is named as a shared package"
                continue
            if lowered in NOT_SERVICES or _is_support_folder(lowered):
                continue
            markers = _markers_in(Path(entry.path))
            if markers:
                # backend/app_a/ and backend/model_server/, each deployed on its own, are two
                # services even when backend/ has a pyproject.toml of its own
                deployed = _deployed_subfolders(Path(entry.path))
                if len(deployed) >= 2:
                    split(Path(entry.path), child_rel, deployed)
                else:
                    add(name, child_rel, f"`{child_rel}/` holds {_listed(markers)}")
            elif lowered in SERVICE_CONTAINERS and depth == 0:
                scan(Path(entry.path), child_rel, depth + 1)
            elif depth == 0 and len(deployed := _deployed_subfolders(Path(entry.path), python_only=True)) >= 2:
                split(Path(entry.path), child_rel, deployed)  # tool_server/manager/, tool_server/node/

    def split(folder: Path, rel: str, deployed: dict[str, list[str]]) -> None:
        """Services side by side in one folder; a shared package beside them is shared."""
        for sub, sub_markers in deployed.items():
            add(sub, f"{rel}/{sub}", f"`{rel}/{sub}/` holds {_listed(sub_markers)}, deployed beside "
                                     f"other services in `{rel}/`")
        for name in sorted(_names_in(folder)):
            if is_shared_name(name) and (folder / name).is_dir():
                found.shared.append(f"{rel}/{name}")
                found.reasons[f"{rel}/{name}"] = f"`{rel}/{name}/` is named as a shared package"

    scan(root, "", 0)
    _apply_images(root, found, images, add)
    return found


def _apply_images(root: Path, found: ServiceMap, images: list[Image], add: Callable[[str, str, str], None]) -> None:
    """Services and shared packages the repository's images show: an image runs one folder; two
    images running two folders of one detected service split it; a package several images copy
    is shared."""
    def is_python(rel: str) -> bool:
        return (root / f"{rel}.py").is_file() or (root / rel / "__init__.py").is_file() or (
            (root / rel).is_dir() and any(name.endswith(".py") for name in _names_in(root / rel)))

    run: dict[str, str] = {}  # folder an image runs → its Dockerfile
    library = _published_by_root(root)
    for image in images:
        folder = image.service_folder(is_python)
        if folder and is_python(folder) and folder not in run and not _is_support_path(folder) and folder not in library:
            run[folder] = image.dockerfile
    for name, folder in list(found.services.items()):
        inside = sorted(f for f in run if f.startswith(folder + "/"))
        if len(inside) >= 2:
            del found.services[name]
            found.reasons.pop(name, None)
            for sub in inside:
                add(PurePosixPath(sub).name, sub, f"`{run[sub]}` builds an image that runs `{sub}/`")
    copies: dict[str, int] = {}
    for image in images:
        for folder in image.copied:
            copies[folder] = copies.get(folder, 0) + 1
    for folder, dockerfile in run.items():
        if found.is_shared(folder) or any(folder == f or folder.startswith(f + "/") or f.startswith(folder + "/")
                                          for f in found.services.values()):
            continue
        add(PurePosixPath(folder).name, folder, f"`{dockerfile}` builds an image that runs `{folder}/`")
    for folder, count in copies.items():
        if count < 2 or not folder or folder in run or found.is_shared(folder) or _is_support_path(folder):
            continue
        if is_python(folder) and (root / folder / "__init__.py").is_file():
            found.shared.append(folder)
            found.reasons[folder] = f"{count} images copy `{folder}/`"
        elif _installed_library(root / folder):
            # its manifest made it look like a service; images that copy it to install it show a library
            for name in [name for name, served in found.services.items() if served == folder]:
                del found.services[name]
                found.reasons.pop(name, None)
            found.shared.append(folder)
            found.reasons[folder] = f"{count} images copy `{folder}/`, a distribution no image runs (a library)"


def _installed_library(folder: Path) -> bool:
    """A distribution (a manifest beside importable packages) with no image or entry point of its
    own: what images copy such a folder for is to install it."""
    names = _names_in(folder)
    return any(m in names for m in MANIFESTS) and not _deployed_on_its_own(names) and _holds_python_packages(folder)


#: a pyproject.toml or pytest.ini larger than this is not read for the service layout
_MAX_CONFIG_BYTES = 1024 * 1024


def _published_by_root(root: Path) -> set[str]:
    """Top-level folders the repository's own distribution (its root ``pyproject.toml``) ships:
    the repository's library, which other services install as a dependency — an image that
    runs it does not make it a service of its own."""
    try:
        data = tomllib.loads(read_regular_text(root / "pyproject.toml", _MAX_CONFIG_BYTES))
    except (OSError, tomllib.TOMLDecodeError):
        return set()
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    names: set[str] = set()
    project = data.get("project", {})
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    for name in (project.get("name") if isinstance(project, dict) else None, poetry.get("name")):
        if isinstance(name, str):
            names.add(name.replace("-", "_").lower())
    entries: list[object] = list(poetry.get("packages", []) or [])
    setuptools = tool.get("setuptools", {}) if isinstance(tool.get("setuptools"), dict) else {}
    if isinstance(setuptools.get("packages"), list):
        entries += setuptools["packages"]
    wheel = tool.get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {}) if isinstance(tool.get("hatch"), dict) else {}
    if isinstance(wheel, dict) and isinstance(wheel.get("packages"), list):
        entries += wheel["packages"]
    for entry in entries:
        include = entry.get("include") if isinstance(entry, dict) else entry
        if isinstance(include, str) and include:
            names.add(include.split("/")[0].split(".")[0].lower())
    return {entry.name for entry in _dirs_in(root) if entry.name.lower() in names}


def _dirs_in(folder: Path) -> list[os.DirEntry]:
    return [entry for entry in _entries(folder) if entry.is_dir(follow_symlinks=False)]


def _source_roots(root: Path, services: ServiceMap, images: list[Image]) -> None:
    """Folders besides the project root that code imports child packages of by name: the parent
    of a service that is a package (``backend/`` for ``backend/model_server/__init__.py``), where
    an image copies a folder to ``WORKDIR/<its name>``, and pytest's ``pythonpath``. A service's
    own folder is never one: its modules are its own, not every service's top-level names."""
    learned: dict[str, str] = {}
    for name, folder in services.services.items():
        if (root / folder / "__init__.py").is_file():
            learned.setdefault(parent_of(folder), f"`{folder}/` is a package imported as `{PurePosixPath(folder).name}`")
    for image in images:
        for folder in image.source_roots():
            learned.setdefault(folder, f"`{image.dockerfile}` copies its packages to `WORKDIR/<name>`")
    for folder, config in _pytest_pythonpath(root):
        learned.setdefault(folder, f"`pythonpath` in `{config}`")
    for folder, reason in learned.items():
        if folder and _holds_python_packages(root / folder) and folder not in services.source_roots and not any(
                folder == f or folder.startswith(f + "/") for f in services.services.values()):
            services.source_roots.append(folder)
            services.reasons.setdefault(folder, reason)


def _holds_python_packages(folder: Path) -> bool:
    """A folder code can import from: Python modules or packages at its top (a frontend's
    build context is no source root)."""
    return any(entry.name.endswith(".py") or (entry.is_dir(follow_symlinks=False) and (Path(entry.path) / "__init__.py").is_file())
               for entry in _entries(folder))


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _pytest_pythonpath(root: Path) -> list[tuple[str, str]]:
    """(folder, config file) for each ``pythonpath`` entry of a pytest configuration in the top two
    levels of the repository (``[tool.pytest.ini_options]`` or ``pytest.ini``)."""
    found = []
    for config in [*root.glob("pyproject.toml"), *root.glob("*/pyproject.toml"), *root.glob("*/*/pyproject.toml"),
                   *root.glob("pytest.ini"), *root.glob("*/pytest.ini")]:
        try:
            text = read_regular_text(config, _MAX_CONFIG_BYTES)
        except OSError:
            continue
        if "pythonpath" not in text:
            continue
        entries: list[str] = []
        if config.name == "pyproject.toml":
            try:
                value = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options", {}).get("pythonpath")
            except (tomllib.TOMLDecodeError, AttributeError):
                continue
            entries = [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
            entries = [part for entry in entries for part in entry.split()]
        else:
            match = re.search(r"^\s*pythonpath\s*=\s*(.+)$", text, re.MULTILINE)
            entries = match.group(1).split() if match else []
        base = config.parent.relative_to(root).as_posix()
        for entry in entries:
            folder = os.path.normpath(os.path.join("" if base == "." else base, entry)).replace(os.sep, "/")
            if not folder.startswith(".."):
                found.append(("" if folder == "." else folder, config.relative_to(root).as_posix()))
    return found


#: what shows a folder is deployed on its own: a container image or process file, or an entry
#: point beside its own dependency manifest (an app/ package with a main.py is not enough)
IMAGE_MARKERS = ("Dockerfile", "Procfile")
ENTRY_POINTS = ("main.py", "app.py", "__main__.py", "manage.py", "wsgi.py", "asgi.py")
MANIFESTS = ("pyproject.toml", "requirements.txt", "setup.py", "setup.cfg")
#: the manifests that make a folder a distribution of its own (a requirements file only lists)
PACKAGE_MANIFESTS = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})


def _deployed_subfolders(folder: Path, python_only: bool = False) -> dict[str, list[str]]:
    """Subfolders deployed on their own → what shows it (``python_only``: subfolders holding
    Python modules; a folder of Dockerfiles alone is no service)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return {}
    deployed = {}
    for entry in entries:
        if (entry.is_dir(follow_symlinks=False) and not entry.name.startswith((".", "_"))
                and entry.name.lower() not in NOT_SERVICES and not is_shared_name(entry.name)
                and not _is_support_folder(entry.name.lower())):
            names = _names_in(Path(entry.path))
            if _deployed_on_its_own(names) and (not python_only or any(n.endswith(".py") for n in names)):
                deployed[entry.name] = [m for m in SERVICE_MARKERS if m in names]
    return deployed


def _deployed_on_its_own(names: set[str]) -> bool:
    return any(m in names for m in IMAGE_MARKERS) or (
        any(m in names for m in MANIFESTS) and any(m in names for m in ENTRY_POINTS))


def _is_support_folder(lowered: str) -> bool:
    """Test and development folders (test_framework/, dev_launcher/) are never services."""
    zone = classify_by_heuristics(f"{lowered}/x.py")
    return zone in (Zone.TEST, Zone.INTEGRATION_TEST, Zone.DEVELOPMENT, Zone.GENERATED)


def _is_support_path(rel: str) -> bool:
    return classify_by_heuristics(f"{rel}/x.py") is not Zone.PRODUCTION


def _packaged_subfolders(folder: Path) -> list[str]:
    """Subfolders of ``folder`` that are Python distributions of their own (a ``pyproject.toml``,
    ``setup.py`` or ``setup.cfg``)."""
    return [entry.name for entry in sorted(_dirs_in(folder), key=lambda e: e.name)
            if not entry.name.startswith((".", "_")) and not _names_in(Path(entry.path)).isdisjoint(PACKAGE_MANIFESTS)]


def _names_in_all(text: str) -> frozenset[str] | None:
    """The string constants of a module's ``__all__`` (assigned, annotated or extended)."""
    if "__all__" not in text:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    names: set[str] = set()
    listed = False
    for node in tree.body:
        target = node.target if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
            listed = True
            names.update(e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return frozenset(names) if listed else None


def _names_in(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _markers_in(folder: Path) -> list[str]:
    names = _names_in(folder)
    markers = [marker for marker in SERVICE_MARKERS if marker in names]
    if not markers and "app" in names and (folder / "app").is_dir():
        markers = ["app/"]
    return markers


def _listed(markers: list[str]) -> str:
    return ", ".join(f"`{m}`" for m in markers[:3])


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
        self._declared: dict[tuple[str, str], bool] = {}
        #: per service: ``_installed_with``
        self._installed: dict[str, frozenset[str]] = {}
        self._exported: dict[str, tuple[float, frozenset[str] | None]] = {}
        self._root_reach: dict[tuple[str, str], str] = {}  # (importer's folder, top package) → distribution or ""
        self._root_packages: frozenset[str] | None = None
        self._links: dict[str, str] = {}  # package folder → the folder its symbolic link points to
        # import prefilter of the service-boundary rules (names_into_services, relative_reach_level)
        self._reach_names: dict[tuple[str | None, str | None], tuple[frozenset[str], tuple[str, ...], tuple[int, ...], float]] = {}
        self._reach_levels: dict[tuple[str | None, str | None, str], int] = {}

    # -- module resolution (service boundaries) ------------------------------------------------
    def resolve_module(self, module: str, importer_rel: str, path_roots: tuple[str, ...] = ()) -> str | None:
        """The project file (relative POSIX path; a folder for namespace packages) that
        ``import module`` inside ``importer_rel`` loads, or None for third-party/unknown modules.

        Mirrors Python's lookup: the first search root holding the top-level name owns the
        whole dotted path. Roots, in order: the importer's service (and its ``src/``), the
        project root, shared package folders, learned source roots (``backend/`` when its
        services are imported as ``model_server.…``), then the other services. ``path_roots``
        (folders the importer puts on ``sys.path`` itself) come before all of them.
        """
        parts = [p for p in module.split(".") if p]
        if not parts:
            return None
        root = next((r for r in path_roots if self._is_file(f"{r}/{parts[0]}.py" if r else f"{parts[0]}.py")
                     or self._is_dir(f"{r}/{parts[0]}" if r else parts[0])), None)
        if root is None:
            root = self._claiming_root(parts[0], importer_rel)
        if root is None:
            return None
        for length in range(len(parts), 0, -1):
            stem = "/".join(([root] if root else []) + parts[:length])
            if self._is_file(stem + ".py"):
                return self._through_link(root, parts[0], stem + ".py")
            if self._is_file(stem + "/__init__.py"):
                return self._through_link(root, parts[0], stem + "/__init__.py")
            if length == len(parts) and self._is_dir(stem):
                return self._through_link(root, parts[0], stem)
        return None

    def _through_link(self, root: str, top: str, found: str) -> str:
        """``found`` as the project file it really is when the package ``top`` is a symbolic
        link to a folder of the project (``app/api/jockey -> ../deploy/jockey``): the import
        loads the deploy service's code, whatever folder the link sits in."""
        top_rel = f"{root}/{top}" if root else top
        real = self._real_folder(top_rel)
        return found if real == top_rel else real + found[len(top_rel):]

    def _real_folder(self, rel: str) -> str:
        """The project-relative folder a symbolic link at ``rel`` points to (``rel`` itself when
        it is no link or points outside the project)."""
        real = self._links.get(rel)
        if real is None:
            real = rel
            path = self.root / rel
            if path.is_symlink() and path.is_dir():
                try:
                    real = path.resolve().relative_to(self.root.resolve()).as_posix()
                except (OSError, ValueError, RuntimeError):
                    real = rel
            self._links[rel] = real
        return real

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
                        self._real_folder(f"{claimed}/{top}" if claimed else top), exempt, as_folder=True):
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
        roots += self.services.source_roots
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

    def declares_dependency(self, importer: str, target: str) -> bool:
        """Whether service ``importer`` installs ``target`` as a library: its manifests declare
        ``target``'s distribution as a dependency (``manifests.declares``), and that is a library —
        published (``presidio-analyzer`` for the image redactor, the open-source core for an
        enterprise edition) or not deployed on its own (a workspace library with no image or entry
        point). A worker declaring its API's bare workspace package still reaches into a service."""
        key = (importer, target)
        known = self._declared.get(key)
        if known is None:
            folders = self.services.services
            known = False
            if importer in folders and target in folders:
                target_folder = self.root / folders[target]
                known = target in self._installed_with(importer) and (
                    is_published(target_folder) or not _deployed_on_its_own(_names_in(target_folder)))
            self._declared[key] = known
        return known

    def _installed_with(self, importer: str) -> frozenset[str]:
        """The services installing ``importer`` installs: those its manifests declare and, as an
        installer installs a distribution's own dependencies, those they declare in turn (a serve
        layer declaring the extensions package has the core framework the extensions declare)."""
        installed = self._installed.get(importer)
        if installed is None:
            folders = self.services.services
            reached: set[str] = set()
            pending = [importer]
            while pending:
                declaring = self.root / folders[pending.pop()]
                for name, folder in folders.items():
                    if name != importer and name not in reached and declares(declaring, self.root / folder):
                        reached.add(name)
                        pending.append(name)
            installed = self._installed[importer] = frozenset(reached)
        return installed

    def root_distribution_packages(self) -> frozenset[str]:
        """Top-level packages the repository's own distribution ships (``mage_ai`` of the root
        ``setup.py``'s ``mage-ai``, the packages a root ``pyproject.toml`` lists), read once."""
        if self._root_packages is None:
            names = distribution_names(self.root)
            listed = _published_by_root(self.root)
            self._root_packages = frozenset(
                entry.name for entry in _dirs_in(self.root)
                if (normalise(entry.name) in names or entry.name in listed) and (Path(entry.path) / "__init__.py").is_file())
        return self._root_packages

    def undeclared_root_distribution(self, importer_rel: str, target_rel: str) -> str | None:
        """The repository's own distribution (the root manifest's name) when ``target_rel`` is in
        a top-level package it ships (``mage_ai/`` of ``mage-ai``) and no manifest between
        ``importer_rel`` and its service's folder declares it: a separately packaged part of the
        repository importing the application it does not depend on. None otherwise."""
        service = self.services.service_of(importer_rel)
        if service is None or "/" not in target_rel:
            return None
        top = target_rel.split("/", 1)[0]
        folder = PurePosixPath(importer_rel).parent
        service_folder = PurePosixPath(self.services.services[service])
        manifests = [f for f in (folder, *folder.parents) if f == service_folder or service_folder in f.parents]
        key = (str(manifests[0]) if manifests else str(service_folder), top)
        known = self._root_reach.get(key)
        if known is None:
            names = distribution_names(self.root)
            shipped = bool(names) and top in self.root_distribution_packages()
            declared = any(declares(self.root / f, self.root) for f in manifests
                           if not _names_in(self.root / f).isdisjoint(MANIFESTS))
            known = self._root_reach[key] = min(names) if shipped and not declared else ""
        return known or None

    def exported_names(self, rel_path: str) -> frozenset[str] | None:
        """The names the module at ``rel_path`` (a package's ``__init__.py``) lists in
        ``__all__`` — the public face a library declares — or None when it lists none. Read
        from the disk and kept while the file's modification time stays the same."""
        path = self.root / rel_path
        try:
            mtime = path.stat().st_mtime
            known = self._exported.get(rel_path)
            if known is None or known[0] != mtime:
                known = (mtime, _names_in_all(read_regular_text(path, _MAX_CONFIG_BYTES)))
                self._exported[rel_path] = known
        except OSError:
            return None
        return known[1]

    def invalidate_files(self) -> None:
        """Forget cached file-system lookups (files were created or deleted)."""
        self._exported.clear()
        self._links.clear()
        self._root_reach.clear()
        self._root_packages = None
        self._declared.clear()
        self._installed.clear()
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
