"""Reading a file of the workspace without trusting it: regular files only, size known first.

A workspace can hold a FIFO named ``x.py`` (``open`` would wait forever), a symlink to
``/dev/zero`` named ``pyproject.toml`` (a read would never end) or a file far larger than
anything isolint analyses. Every read of workspace content goes through ``read_regular``:
the file is opened without blocking, ``fstat``-ed, and read only when it is a regular file
within the caller's limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


class FileRefused(OSError):
    """A file isolint will not read: not a regular file, or over the size limit. The message
    is the reason, as the user sees it."""


def size_words(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit // 1024} KB"


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of ``path`` (symlinks followed) when it is a regular file of at most ``limit``
    bytes; FileRefused otherwise, other OSErrors as ``open`` raises them."""
    return read_regular_with_stat(path, limit)[0]


def read_regular_with_stat(path: str | os.PathLike[str], limit: int) -> tuple[bytes, os.stat_result]:
    """``read_regular``, with the ``fstat`` of the file that was read."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{kind_of(info.st_mode)}, not a regular file; skipped")
        if info.st_size > limit:
            raise FileRefused(f"file is larger than {size_words(limit)}; skipped")
        data = handle.read(limit + 1)  # the file may have grown since fstat
    if len(data) > limit:
        raise FileRefused(f"file is larger than {size_words(limit)}; skipped")
    return data, info


def read_regular_text(path: Path, limit: int) -> str:
    return read_regular(path, limit).decode("utf-8", errors="replace")
