"""Whether a ``.gitignore`` excludes a path, with git's semantics (nested files, negation, the
deepest matching .gitignore decides).

It lives in the core because two layers need it: discovery skips ignored files while walking,
and the secrets rules tell a committed env file from a local, ignored one (which is no leak).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pathspec

log = logging.getLogger(__name__)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid gitignore-style glob (``foo\\``, ``[z-a]``), or None."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except re.error as exc:
        return f"{pattern!r} is not a valid glob ({exc.msg})"
    except ValueError as exc:
        return f"{pattern!r} is not a valid glob ({exc})"
    return None


def compile_gitignore(lines: list[str], source: str) -> pathspec.GitIgnoreSpec:
    """A spec of the valid lines; an invalid one is skipped with a warning naming
    ``source:line``, as git skips it."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        pass
    kept = []
    for number, line in enumerate(lines, start=1):
        problem = pattern_problem(line)
        if problem is None:
            kept.append(line)
        else:
            log.warning("%s:%d: %s; line skipped, as git skips it", source, number, problem)
    return pathspec.GitIgnoreSpec.from_lines(kept)


@lru_cache(maxsize=4096)
def gitignore_spec(folder: str) -> pathspec.GitIgnoreSpec | None:
    path = os.path.join(folder, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return compile_gitignore(lines, path) if lines else None


@dataclass(frozen=True)
class IgnoreLayer:
    """The .gitignore of one folder; ``prefix`` turns a walk-relative path into one relative
    to that folder (``None`` prefix = the folder is below the walk: strip ``strip`` chars)."""

    spec: pathspec.GitIgnoreSpec
    prefix: str  # prepended (ancestor folders above the walk's top)
    strip: int  # characters cut from the front (folders inside the walk)

    def verdict(self, walk_rel: str) -> bool | None:
        return self.spec.check_file(self.prefix + walk_rel[self.strip:]).include


def ignored(layers: tuple[IgnoreLayer, ...], walk_rel: str) -> bool:
    """git's precedence: the deepest .gitignore with a matching pattern decides."""
    for layer in reversed(layers):
        verdict = layer.verdict(walk_rel)
        if verdict is not None:
            return verdict
    return False


def ancestor_layers(top: str, stop: str) -> tuple[IgnoreLayer, ...]:
    """.gitignore files of ``top``'s ancestors up to the repository root (``.git``) or ``stop``."""
    layers: list[IgnoreLayer] = []
    folder = os.path.dirname(top)
    prefix = os.path.basename(top) + "/"
    if top == stop or not top.startswith(stop.rstrip("/") + "/"):
        return ()
    while True:
        spec = gitignore_spec(folder)
        if spec is not None:
            layers.append(IgnoreLayer(spec, prefix, 0))
        if folder == stop or os.path.exists(os.path.join(folder, ".git")) or folder == os.path.dirname(folder):
            break
        prefix = os.path.basename(folder) + "/" + prefix
        folder = os.path.dirname(folder)
    return tuple(reversed(layers))


def is_gitignored(path: Path, stop: Path, is_dir: bool | None = None) -> bool:
    """True when a .gitignore in a folder from ``path``'s up to ``stop`` excludes it (for
    callers that ask about one file: the LSP, the secrets rules; discovery does it incrementally)."""
    absolute = os.path.abspath(path)
    if is_dir is None:
        is_dir = os.path.isdir(absolute)
    layers = ancestor_layers(absolute, os.path.abspath(stop))
    # each ancestor layer's prefix is the path itself relative to that layer's folder, plus "/"
    suffix = "/" if is_dir else ""
    for layer in reversed(layers):
        verdict = layer.spec.check_file(layer.prefix[:-1] + suffix).include
        if verdict is not None:
            return verdict
    return False
