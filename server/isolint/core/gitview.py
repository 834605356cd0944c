"""git's own view of a repository, asked without running anything of the workspace.

Discovery uses it where a repository exists (tracked files plus untracked files git does not
ignore: .gitignore at every level, ``.git/info/exclude``, the user's excludes file — git's
exact rules, and one process instead of matching patterns per file); the secrets rules use it
to tell a tracked file — committed, whatever ``.gitignore`` says — from an ignored local one.

A repository's configuration can name programs git would run (``core.fsmonitor``, hooks,
filters, an external diff, a pager): that is workspace code. git runs here only as
``ls-files`` — which runs no hook, filter or diff — with ``core.fsmonitor`` switched off,
hooks pointed at nothing, no pager, no prompt, no optional lock (the index is never
rewritten) and none of the caller's ``GIT_*`` variables. A repository git refuses (another
user's: "dubious ownership"), a missing git or a failure gives None with a note, and callers
fall back to walking the folders and matching ``.gitignore`` themselves.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
from functools import lru_cache
from typing import Callable, NamedTuple

#: settings given to every git invocation, after (so over) the repository's and the user's own
_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
                "-c", "core.pager=cat", "-c", "diff.external=", "-c", "core.sshCommand=false")
_TIMEOUT_SECONDS = 60
#: git opens every exclude file it meets (``.gitignore``, ``.git/info/exclude``) and blocks for
#: good on one that is a FIFO; listing even a very large repository takes a few seconds, so past
#: this discovery stops waiting and walks the folders itself (which never opens a FIFO)
_LISTING_TIMEOUT_SECONDS = 15


class GitListing(NamedTuple):
    """Files git lists under one folder, relative to it (POSIX): ``files`` are tracked or
    untracked-but-not-ignored; ``tracked`` the subset in the index; ``dirs`` every folder
    holding one of them (so a walk enters no folder git ignores)."""

    files: frozenset[str]
    tracked: frozenset[str]
    dirs: frozenset[str]


def _git_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_PAGER="cat", LC_ALL="C", LANGUAGE="C")
    return env


def run_git(folder: str, *args: str, timeout: float = _TIMEOUT_SECONDS) -> tuple[bytes | None, str]:
    """(stdout, "") or (None, why not) for ``git <args>`` in ``folder``, safely (see above)."""
    started = _start_git(folder, args)
    return (None, started) if isinstance(started, str) else _answer_of(started, timeout)


def _start_git(folder: str, args: tuple[str, ...]) -> subprocess.Popen | str:
    """The git process, or why it could not start."""
    executable = shutil.which("git")
    if executable is None:
        return "git is not installed"
    try:
        return subprocess.Popen([executable, *_SAFE_CONFIG, *args], cwd=folder, env=_git_environment(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"git could not run ({exc})"


def _answer_of(process: subprocess.Popen, timeout: float) -> tuple[bytes | None, str]:
    """What a started git process printed, as ``run_git`` returns it; a process that does not
    answer in time is killed."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None, (f"git did not answer within {timeout:g} s; an exclude file that is not a regular file "
                      "(a FIFO named .gitignore or .git/info/exclude) blocks it")
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        reason = next((line for line in message if "dubious ownership" in line), message[0] if message else "")
        return None, reason.removeprefix("fatal: ") or f"git exited with {process.returncode}"
    return stdout, ""


_LISTING_ARGS = ("ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard")
#: listings started ahead (``prefetch_listing``), by the folder's real path
_prefetched: dict[str, subprocess.Popen] = {}


def prefetch_listing(folder: str) -> None:
    """Start git's listing of ``folder`` now, for ``git_listing`` to read later: git walks the
    working tree (the longest part of a warm run's discovery) while isolint imports its rules
    and loads its cache. A listing nobody reads is ended by ``discard_prefetched``."""
    key = os.path.realpath(folder)
    if key in _prefetched or repository_of(key) is None:
        return
    started = _start_git(key, _LISTING_ARGS)
    if not isinstance(started, str):
        _prefetched[key] = started


atexit.register(lambda: discard_prefetched())


def discard_prefetched() -> None:
    """End and reap the listings started ahead that no discovery asked for."""
    while _prefetched:
        _, process = _prefetched.popitem()
        if process.poll() is None:
            process.kill()
        process.communicate()


def repository_of(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` holding ``.git`` (a folder, or a file for a
    worktree or submodule)."""
    current = os.path.abspath(folder)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def git_listing(folder: str, note: Callable[[str], None] | None = None) -> GitListing | None:
    """git's files under ``folder`` (inside a repository), or None (with a note saying why)
    when git cannot be asked."""
    prefetched = _prefetched.pop(os.path.realpath(folder), None)
    if prefetched is not None:
        output, reason = _answer_of(prefetched, _LISTING_TIMEOUT_SECONDS)
    else:
        output, reason = run_git(folder, *_LISTING_ARGS, timeout=_LISTING_TIMEOUT_SECONDS)
    if output is None:
        if note is not None:
            note(f"{folder}: git's view of the repository is not available ({reason}); "
                 "walking the folders and reading .gitignore instead")
        return None
    files, tracked = set(), set()
    # one decode for the whole listing: "\0" separates the same items in the bytes and the text
    for item in os.fsdecode(output).split("\0"):
        if len(item) < 3:
            continue
        path = item[2:].rstrip("/")
        files.add(path)
        if item[0] != "?":
            tracked.add(path)
    dirs: set[str] = set()
    for path in files:
        folder = path.rpartition("/")[0]
        while folder and folder not in dirs:
            dirs.add(folder)
            folder = folder.rpartition("/")[0]
    return GitListing(frozenset(files), frozenset(tracked), frozenset(dirs))


def is_tracked(path: str) -> bool | None:
    """Whether git tracks the file at ``path`` (None: not in a repository, or git unavailable)."""
    absolute = os.path.abspath(path)
    top = repository_of(os.path.dirname(absolute))
    if top is None:
        return None
    tracked = _tracked_files(top, _index_stamp(top))
    if tracked is None:
        return None
    return os.path.relpath(absolute, top).replace(os.sep, "/") in tracked


def _index_stamp(top: str) -> tuple[int, int]:
    """What changes when the index does (``git add``, checkout): the tracked set is kept per
    stamp, so a long-lived process (the language server) asks git again only then."""
    try:
        info = os.stat(os.path.join(top, ".git", "index"))
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=16)
def _tracked_files(top: str, stamp: tuple[int, int]) -> frozenset[str] | None:
    output, _ = run_git(top, "ls-files", "-z", "--cached", "--full-name")
    if output is None:
        return None
    return frozenset(os.fsdecode(item) for item in output.split(b"\0") if item)
