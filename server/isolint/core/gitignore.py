"""Whether a ``.gitignore`` excludes a path, with git's semantics (nested files, negation, the
deepest matching .gitignore decides).

It lives in the core because two layers need it: discovery skips ignored files while walking,
and the secrets rules tell a committed env file from a local, ignored one (which is no leak).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple


from isolint.core.files import read_regular
from isolint.core.gitview import is_tracked

if TYPE_CHECKING:  # imported where a spec is built: a run on git's listing builds none
    import pathspec


#: a .gitignore larger than this is not read (a warning says so; nothing it lists is skipped)
MAX_GITIGNORE_BYTES = 1024 * 1024


class GitignoreFile(NamedTuple):
    """One folder's ``.gitignore``: its compiled patterns, and what the user should be told
    about it (unreadable, too large, a pattern git would not understand either)."""

    spec: pathspec.GitIgnoreSpec | None
    problems: tuple[str, ...] = ()


def load_gitignore(folder: str) -> GitignoreFile:
    return load_ignore_file(os.path.join(folder, ".gitignore"))


def load_info_exclude(repository: str) -> GitignoreFile:
    """``.git/info/exclude`` of a repository: patterns like a root .gitignore's, of lower
    precedence than any .gitignore (none for a worktree or submodule, whose .git is a file)."""
    if not os.path.isdir(os.path.join(repository, ".git")):
        return GitignoreFile(None)
    return load_ignore_file(os.path.join(repository, ".git", "info", "exclude"))


@lru_cache(maxsize=4096)
def load_ignore_file(path: str) -> GitignoreFile:
    try:
        lines = read_regular(path, MAX_GITIGNORE_BYTES).decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return GitignoreFile(None)
    except OSError as exc:
        return GitignoreFile(None, (f"{path}: {exc.strerror or exc}; its patterns are not applied",))
    try:
        return GitignoreFile(spec_from_lines(lines) if lines else None)
    except (ValueError, re.error):  # pathspec rejects a pattern (``foo\\``, ``[z-a]``): keep the others
        pass
    kept, problems = [], []
    for number, line in enumerate(lines, 1):
        problem = pattern_problem(line)
        if problem is not None:
            problems.append(f"{path}:{number}: pattern {line!r} ignored ({problem})")
            kept.append("")  # keeps the line numbers of the others
        else:
            kept.append(line)
    return GitignoreFile(spec_from_lines(kept), tuple(problems))


def spec_from_lines(lines: list[str]) -> pathspec.GitIgnoreSpec:
    """pathspec's spec of ``lines``, without the ``FutureWarning`` Python's ``re`` prints for a
    pattern holding ``[[`` (a Next.js catch-all route, ``pages/[[...slug]].tsx``): the pattern
    is valid and means what git means; a warning on the user's terminal would be noise."""
    import pathspec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pathspec.GitIgnoreSpec.from_lines(lines)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid gitignore-style glob (``foo\\``, ``[z-a]``), or None;
    configured globs (``exclude``, ``per-file-ignores``…) are checked with it too."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except re.error as exc:
        return exc.msg
    except ValueError as exc:
        return str(exc)
    return None


def gitignore_spec(folder: str) -> pathspec.GitIgnoreSpec | None:
    return load_gitignore(folder).spec


_NAMED_GROUP_RE = re.compile(r"\(\?P<\w+>")


#: id(spec) -> (spec, its combined pattern): specs are unhashable, and held here so an id is
#: never reused for another while its entry lives
_ANY_PATTERN: dict[int, tuple[pathspec.GitIgnoreSpec, re.Pattern[str] | None]] = {}


def _any_pattern(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    cached = _ANY_PATTERN.get(id(spec))
    if cached is None:
        if len(_ANY_PATTERN) >= 4096:
            _ANY_PATTERN.clear()
        cached = _ANY_PATTERN[id(spec)] = (spec, _combined_pattern(spec))
    return cached[1]


def _combined_pattern(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    """One regular expression that matches where any of ``spec``'s patterns does (None: it has
    none). pathspec tries the patterns one by one for every path — a monorepo's root
    ``.gitignore`` holds a hundred — while most paths match none of them: the one search
    answers those, and only a path some pattern matches is given to pathspec, which alone
    decides between patterns and negations."""
    alternatives = [_NAMED_GROUP_RE.sub("(?:", pattern.regex.pattern)
                    for pattern in spec.patterns if pattern.include is not None and pattern.regex is not None]
    if not alternatives:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # ``[[`` in a pattern, as in spec_from_lines
        return re.compile("|".join(f"(?:{alternative})" for alternative in alternatives))


@dataclass(frozen=True)
class IgnoreLayer:
    """The .gitignore of one folder; ``prefix`` turns a walk-relative path into one relative
    to that folder (``None`` prefix = the folder is below the walk: strip ``strip`` chars)."""

    spec: pathspec.GitIgnoreSpec
    prefix: str  # prepended (ancestor folders above the walk's top)
    strip: int  # characters cut from the front (folders inside the walk)

    def verdict(self, walk_rel: str) -> bool | None:
        path = self.prefix + walk_rel[self.strip:]
        any_pattern = _any_pattern(self.spec)
        # pathspec's own normalisation of a POSIX path: one leading "/" or "./" removed
        normalised = path[1:] if path.startswith("/") else path.removeprefix("./")
        if any_pattern is None or any_pattern.match(normalised) is None:
            return None
        return self.spec.check_file(path).include


def ignored(layers: tuple[IgnoreLayer, ...], walk_rel: str) -> bool:
    """git's precedence: the deepest .gitignore with a matching pattern decides."""
    for layer in reversed(layers):
        verdict = layer.verdict(walk_rel)
        if verdict is not None:
            return verdict
    return False


def ancestor_layers(top: str, stop: str, problems: list[str] | None = None) -> tuple[IgnoreLayer, ...]:
    """.gitignore files of ``top``'s ancestors up to the repository root (``.git``) or ``stop``
    (what is wrong with them appended to ``problems``)."""
    layers: list[IgnoreLayer] = []
    folder = os.path.dirname(top)
    prefix = os.path.basename(top) + "/"
    if top == stop or not top.startswith(stop.rstrip("/") + "/"):
        return ()
    while True:
        repository = os.path.lexists(os.path.join(folder, ".git"))
        for loaded in (load_gitignore(folder), load_info_exclude(folder) if repository else GitignoreFile(None)):
            if loaded.spec is not None:
                layers.append(IgnoreLayer(loaded.spec, prefix, 0))
            if problems is not None:
                problems.extend(loaded.problems)
        if folder == stop or repository or folder == os.path.dirname(folder):
            break
        prefix = os.path.basename(folder) + "/" + prefix
        folder = os.path.dirname(folder)
    return tuple(reversed(layers))


def is_committed(path: Path, stop: Path) -> bool:
    """Whether a file is part of the repository: tracked by git (whatever ``.gitignore`` says:
    it was added with ``--force`` or before the pattern), or not ignored (it will be)."""
    if is_tracked(os.fspath(path)):
        return True
    return not is_gitignored(path, stop, is_dir=False)


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
