"""Reusable edit builders. Lazy builders (libcst) are registered in ``BUILDERS`` by name and
imported only when a fix is materialized, so detection and server start-up never load libcst.

A builder is ``def build(text: str, params: Mapping) -> tuple[Edit, ...]``; it raises
``FixNotApplicable`` when the code no longer has the shape the finding described.
"""

from __future__ import annotations

import importlib
from typing import Callable, Mapping

from isolint.core.model import Edit

Builder = Callable[[str, Mapping], tuple[Edit, ...]]

# name -> "module:function", resolved on first use
BUILDERS: dict[str, str] = {
    "wrap-in-with": "isolint.fixers.wrap_in_with:wrap_in_with",
    "close-in-finally": "isolint.fixers.wrap_in_with:close_in_finally",
}


class FixNotApplicable(Exception):
    """The code changed since the finding; the fix cannot be built safely."""


def get_builder(name: str) -> Builder:
    try:
        target = BUILDERS[name]
    except KeyError:
        raise FixNotApplicable(f"unknown fix builder {name!r}") from None
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)
