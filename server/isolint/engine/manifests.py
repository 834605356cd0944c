"""What a folder's dependency manifests say: the distribution it ships, whether that is
published as a library, and the distributions it declares as dependencies (``ProjectIndex.
declares_dependency`` puts them together: a declared library is not another service's
internals).

Read, never run: ``pyproject.toml`` (PEP 621 ``[project]``, Poetry, uv sources, dependency
groups), ``requirements*.txt`` at the folder's top and under ``requirements/``, and the
``name=`` of ``setup.py`` / ``setup.cfg``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from isolint.core.config import tomllib
from isolint.core.files import read_regular_text

_MAX_BYTES = 1024 * 1024
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SETUP_NAME_RE = re.compile(r"""\bname\s*=\s*["']([A-Za-z0-9][A-Za-z0-9._-]*)["']""")
_EDITABLE_RE = re.compile(r"^\s*(?:-e|--editable)\s+(\S+)")


def normalise(name: str) -> str:
    """PEP 503: ``Presidio_Analyzer`` and ``presidio-analyzer`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _read(path: Path) -> str | None:
    try:
        return read_regular_text(path, _MAX_BYTES)
    except OSError:
        return None


def _pyproject(folder: Path) -> dict[str, Any]:
    text = _read(folder / "pyproject.toml")
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _table(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def distribution_names(folder: Path) -> frozenset[str]:
    """The distribution(s) ``folder`` ships, normalised."""
    data = _pyproject(folder)
    names = {_table(data, "project", "name"), _table(data, "tool", "poetry", "name")}
    for setup in ("setup.py", "setup.cfg"):
        text = _read(folder / setup)
        if text and (match := _SETUP_NAME_RE.search(text)):
            names.add(match.group(1))
    return frozenset(normalise(name) for name in names if isinstance(name, str) and name)


def declared_dependencies(folder: Path) -> tuple[frozenset[str], frozenset[Path]]:
    """The distributions ``folder``'s manifests declare (normalised) and the folders they name
    as path or editable dependencies (resolved)."""
    data = _pyproject(folder)
    requirements: list[str] = []
    requirements += _strings(_table(data, "project", "dependencies"))
    for extra in (_table(data, "project", "optional-dependencies") or {}).values():
        requirements += _strings(extra)
    for group in (_table(data, "dependency-groups") or {}).values():
        requirements += _strings(group)
    names = {normalise(m.group(1)) for r in requirements if (m := _NAME_RE.match(r))}
    paths: set[Path] = set()
    poetry_tables = [_table(data, "tool", "poetry", "dependencies"), _table(data, "tool", "poetry", "dev-dependencies")]
    poetry_tables += [_table(group, "dependencies") for group in (_table(data, "tool", "poetry", "group") or {}).values()]
    poetry_tables.append(_table(data, "tool", "uv", "sources"))
    for table in poetry_tables:
        for name, spec in (table or {}).items() if isinstance(table, dict) else ():
            names.add(normalise(name))
            if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                paths.add(Path(os.path.normpath(folder / spec["path"])))
    for requirement_file in _requirement_files(folder):
        for line in (_read(requirement_file) or "").splitlines():
            if (editable := _EDITABLE_RE.match(line)) is not None:
                paths.add(Path(os.path.normpath(requirement_file.parent / editable.group(1))))
            elif not line.lstrip().startswith(("#", "-")) and (match := _NAME_RE.match(line)):
                names.add(normalise(match.group(1)))
    return frozenset(names), frozenset(paths)


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _requirement_files(folder: Path) -> list[Path]:
    found = []
    for base in (folder, folder / "requirements"):
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        found += [Path(entry.path) for entry in entries
                  if entry.name.startswith("requirements") or base.name == "requirements"
                  if entry.name.endswith((".txt", ".in")) and entry.is_file(follow_symlinks=False)]
    return found


#: what a distribution published for others to install carries besides its name and version
_PUBLISHING_KEYS = ("license", "classifiers", "urls", "homepage", "repository", "documentation")
_SETUP_PUBLISHING_RE = re.compile(r"\b(license|classifiers|url|long_description)\s*[=:]")


def is_published(folder: Path) -> bool:
    """Whether ``folder``'s distribution is published as a library: its manifest carries a
    license, classifiers or project URLs. A workspace package that only names itself, its
    version, its dependencies (and the readme project templates add) is installed to share a
    service's code, not to offer an API."""
    data = _pyproject(folder)
    for table in (_table(data, "project"), _table(data, "tool", "poetry")):
        if isinstance(table, dict) and any(key in table for key in _PUBLISHING_KEYS):
            return True
    return any(_SETUP_PUBLISHING_RE.search(_read(folder / setup) or "") for setup in ("setup.py", "setup.cfg"))


def declares(importer: Path, target: Path) -> bool:
    """Whether ``importer``'s manifests declare ``target``'s distribution as a dependency (by
    name, or by a path or editable dependency on its folder)."""
    if importer == target:
        return False
    names, paths = declared_dependencies(importer)
    if names & distribution_names(target):
        return True
    return any(path == target or path in target.parents for path in paths)
