"""Points inside a check where its host may pause or abandon it.

A check runs to completion on its own thread; the language server still needs a say while it
runs: an analysis whose text the user has already changed again is worth nothing (the newest
version is what gets published), and the background indexing of the workspace should step
aside while the file the user types in is checked (both share one interpreter lock). The
engine calls :func:`checkpoint` between its steps (parse, each indexer, each function or class
of the rules' walk); the host installs, per thread, what happens there. Without a host, a
checkpoint does nothing: the CLI never installs one, and a check's result never depends on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()


class Superseded(Exception):
    """Raised by a host's checkpoint to abandon a check whose result nobody will use."""


@contextmanager
def checkpoints(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` at every checkpoint of checks run on this thread meanwhile; it may
    wait, or raise :class:`Superseded`."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous


def checkpoint() -> None:
    callback = getattr(_local, "callback", None)
    if callback is not None:
        callback()
