"""Replacing a hard-coded value with an environment lookup built from ``env-accessor``.

The accessor is a template such as ``os.environ[{name!r}]`` (the default) or
``get_env().require({name!r})`` in projects with their own config layer; ``env-accessor-import``
names the import it needs (``import os`` for the default).
"""

from __future__ import annotations

import ast

from isolint.core.config import Settings
from isolint.core.model import Applicability, Edit, Fix, Range
from isolint.fixers.imports import import_edit


class _DoubleQuoted(str):
    """A name whose ``repr`` uses double quotes, for ``{name!r}`` in files written that way."""

    def __repr__(self) -> str:
        return '"' + str.__repr__(self)[1:-1] + '"'


def env_lookup_expression(settings: Settings, name: str, quote: str = "'") -> str:
    """The accessor expression for ``name``; ``quote='"'`` renders ``{name!r}`` with double
    quotes so the fix matches the file's style (env var names never contain quotes)."""
    return settings.env_accessor.format(name=_DoubleQuoted(name) if quote == '"' else name)


def preferred_quote(text: str) -> str:
    """The quote character a module mostly uses (black/ruff default: double)."""
    return "'" if text.count("'") > text.count('"') else '"'


def env_lookup_fix(
    *,
    replace: Range,
    name: str,
    settings: Settings,
    imports: dict[str, str],
    tree: ast.Module | None,
    title: str | None = None,
    applicability: Applicability = Applicability.UNSAFE,
    line_ending: str = "\n",
    quote: str = "'",
    header_lines: int = 0,
) -> Fix:
    """A fix replacing the text at ``replace`` with the lookup of ``name`` (adding the import).

    Unsafe by default: the program now fails fast where it silently used the literal before —
    the point of the fix, but a behaviour change.
    """
    expression = env_lookup_expression(settings, name, quote)
    edits = [Edit(replace, expression)]
    added = import_edit(settings.accessor_import, imports, tree, line_ending, header_lines)
    if added is not None:
        edits.insert(0, added)
    return Fix(title or f"Read `{name}` from the environment: `{expression}`", applicability, tuple(edits))
