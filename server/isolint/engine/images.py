"""What a repository's container images say about its services: which folder each image
copies and runs, and where that folder's code is imported from.

A Dockerfile is read, never run. Per image: its build context (the nearest folder, from the
Dockerfile's own up to the repository root, in which every ``COPY`` source exists), the folders
it copies whole (``COPY ./model_server /app/model_server``; single files, ``--from`` stages and
globs do not count) and the module its command starts (``uvicorn model_server.main:app``,
``python -m auth_service.main``, ``celery -A worker.app``, ``python start.py``).

* The image's service is the copied folder its command names (or the only Python package it
  copies whole, or the whole build context copied under a package name: ``COPY . /app/app_a``).
* A folder copied *to* ``WORKDIR/<its name>`` is imported by its name: its parent folder is a
  source root (``backend/`` when ``./model_server`` lands in ``/app/model_server`` and the
  code says ``import model_server.…``). A folder copied *into* ``WORKDIR`` itself is its own
  source root.
* A Python package that several images copy whole is shared by them.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from isolint.core.files import read_regular_text

#: folders never searched for Dockerfiles (dependencies, build output, version control)
_SKIPPED = frozenset({"node_modules", ".git", ".venv", "venv", "site-packages", "dist", "build", "__pycache__",
                      "vendor", "third_party", ".next", "archive", "archived", "legacy", "deprecated"})
#: Dockerfile names of a development or test variant of an image (Dockerfile.dev, test.Dockerfile)
_VARIANT_RE = re.compile(r"(^|[._-])(dev|devel|development|local|test|tests|testing|ci|debug)($|[._-])", re.IGNORECASE)
_MAX_DEPTH = 4
#: a Dockerfile is a page of instructions; a bigger file is not one
_MAX_BYTES = 256 * 1024
#: a module a server or worker command starts: `pkg.mod:app`, `-m pkg.mod`, `-A pkg.app`
_APP_RE = re.compile(r"^([A-Za-z_][\w.]*):[A-Za-z_]\w*(\(\))?$")


@dataclass
class Image:
    dockerfile: str  # relative POSIX path
    context: str  # build context folder, relative ("" is the repository root)
    #: folder copied whole (relative) → (destination in the image, WORKDIR at that COPY)
    copied: dict[str, tuple[str, str]] = field(default_factory=dict)
    entry: str | None = None  # top-level module (or script stem) the command starts

    def service_folder(self, is_python: Callable[[str], bool]) -> str | None:
        """The copied folder this image runs: the one its command names, else the only Python
        package it copies whole. ``is_python(rel)`` says whether ``rel`` (a path without
        suffix) is a Python module or package."""
        if self.entry is not None:
            for folder, (dest, workdir) in self.copied.items():
                if _just_under(dest, workdir) and PurePosixPath(dest).name == self.entry:
                    return folder
            for folder, (dest, workdir) in self.copied.items():  # `COPY svc .` then `main:app`
                if _same(dest, workdir) and is_python(f"{folder}/{self.entry}" if folder else self.entry):
                    return folder
        packages = [folder for folder in self.copied if folder and is_python(folder)]
        named = [folder for folder in packages if _plain(PurePosixPath(folder).name) == _plain(self.named_for())]
        if len(named) == 1:
            return named[0]
        return packages[0] if len(packages) == 1 else None

    def named_for(self) -> str:
        """What the Dockerfile's name or folder says it builds: ``Dockerfile.model_server``,
        ``auth.Dockerfile``, ``dockerfiles/server/Dockerfile`` (a folder that is not the context)."""
        path = PurePosixPath(self.dockerfile)
        name = path.name
        lowered = name.lower()
        if lowered != "dockerfile":
            return re.sub(r"(?i)^dockerfile[._-]|[._-]dockerfile$", "", name)
        return path.parent.name if path.parent.as_posix() != (self.context or ".") else ""

    def source_roots(self) -> list[str]:
        """Folders whose children the image's code imports by name: the parent of a folder
        copied to ``WORKDIR/<its name>``, a folder copied into ``WORKDIR`` itself."""
        roots = []
        for folder, (dest, workdir) in self.copied.items():
            if _same(dest, workdir):
                roots.append(folder)
            elif folder and _just_under(dest, workdir) and PurePosixPath(dest).name == PurePosixPath(folder).name:
                roots.append(parent_of(folder))
        return roots


def parent_of(rel: str) -> str:
    parent = PurePosixPath(rel).parent.as_posix()
    return "" if parent == "." else parent


def _plain(name: str) -> str:
    return re.sub(r"[_\-.]", "", name.lower())


def _normalise(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def _same(dest: str, workdir: str) -> bool:
    return _normalise(dest) == _normalise(workdir)


def _just_under(dest: str, workdir: str) -> bool:
    return PurePosixPath(_normalise(dest)).parent == PurePosixPath(_normalise(workdir))


def find_dockerfiles(root: Path) -> list[str]:
    """Dockerfiles of deployed images (not development or test variants), relative paths."""
    found: list[str] = []

    def walk(folder: Path, rel: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            child = f"{rel}/{name}" if rel else name
            if entry.is_dir(follow_symlinks=False):
                if depth < _MAX_DEPTH and not name.startswith(".") and name.lower() not in _SKIPPED:
                    walk(Path(entry.path), child, depth + 1)
            elif _is_dockerfile(name) and entry.is_file(follow_symlinks=False):
                found.append(child)

    walk(root, "", 0)
    return found


def _is_dockerfile(name: str) -> bool:
    lowered = name.lower()
    if not (lowered == "dockerfile" or lowered.startswith(("dockerfile.", "dockerfile-", "dockerfile_"))
            or lowered.endswith((".dockerfile", "-dockerfile", "_dockerfile"))):
        return False
    return _VARIANT_RE.search(lowered.replace("dockerfile", "")) is None


def read_image(root: Path, dockerfile: str) -> Image | None:
    """The image a Dockerfile builds, or None when it cannot be read or copies nothing found."""
    try:
        text = read_regular_text(root / dockerfile, _MAX_BYTES)
    except OSError:  # not a regular file, or larger than a Dockerfile is
        return None
    instructions = _instructions(text)
    copies: list[tuple[list[str], str, str]] = []  # (sources, destination, workdir at that point)
    workdir, command = "/", None
    for keyword, argument in instructions:
        if keyword == "FROM":
            copies, workdir, command = [], "/", None  # a later stage is the image that ships
        elif keyword == "WORKDIR":
            workdir = _normalise(os.path.join(workdir, _words(argument)[0] if _words(argument) else "."))
        elif keyword in ("COPY", "ADD"):
            words = _words(argument)
            if any(w.startswith("--from") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            if len(words) >= 2:
                dest = words[-1]
                dest = dest if dest.startswith("/") else os.path.join(workdir, dest)
                copies.append((words[:-1], _normalise(dest), workdir))
        elif keyword in ("CMD", "ENTRYPOINT"):
            command = _entry_of(_words(argument)) or command
    folder = PurePosixPath(dockerfile).parent.as_posix()
    context = _context_of(root, "" if folder == "." else folder, [s for sources, _, _ in copies for s in sources])
    if context is None:
        return None
    image = Image(dockerfile=dockerfile, context=context, entry=command)
    for sources, dest, at in copies:
        for source in sources:
            rel = _normalise(os.path.join(context, source)) if context else _normalise(source)
            if rel.startswith("..") or any(ch in source for ch in "*?[$"):
                continue
            rel = "" if rel == "." else rel
            if (root / rel).is_dir():
                image.copied[rel] = (dest, at)
    return image


def _context_of(root: Path, folder: str, sources: list[str]) -> str | None:
    """The folder, from the Dockerfile's own up to the root, in which most plain sources exist
    (the nearest on a tie): compose files and build scripts name the context elsewhere."""
    plain = [s for s in sources if not any(ch in s for ch in "*?[$") and not s.startswith("http")]
    best, best_count = None, 0
    candidate = folder
    while True:
        base = root / candidate if candidate else root
        count = sum((base / source).exists() for source in plain)
        if count > best_count:
            best, best_count = candidate, count
        if not candidate:
            return best
        candidate = parent_of(candidate)


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, argument) per instruction, continuations joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, argument = whole.partition(" ")
        result.append((keyword.upper(), argument.strip()))
    return result


def _words(argument: str) -> list[str]:
    if argument.startswith("["):
        return re.findall(r'"((?:[^"\\]|\\.)*)"', argument)
    try:
        return shlex.split(argument, comments=False)
    except ValueError:
        return argument.split()


def _entry_of(words: list[str]) -> str | None:
    """The top-level module (or script stem) a command starts."""
    if len(words) >= 3 and words[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and words[1] == "-c":
        return _entry_of(_words(words[2]))
    for index, word in enumerate(words):
        if word in ("-m", "-A", "--app") and index + 1 < len(words):
            return _top(words[index + 1])
        match = _APP_RE.match(word)
        if match:
            return _top(match.group(1))
        if word.endswith(".py") and not word.startswith("-"):
            path = PurePosixPath(word)
            return path.parts[0] if len(path.parts) > 1 else path.stem
    return None


def _top(module: str) -> str:
    return module.split(":")[0].split(".")[0]
