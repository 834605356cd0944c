"""Replacing a hard-coded value with an environment lookup built from ``env-accessor``.

The accessor is a template such as ``os.environ[{name!r}]`` (the default) or
``get_env().require({name!r})`` in projects with their own config layer; ``env-accessor-import``
names the import it needs (``import os`` for the default). Without a configured accessor, a
module that reads its configuration through the project's own accessor
(``get_config("DB_URL")``, ``env.require("X")``, ``settings["X"]``) gets that accessor:
:func:`learned_accessor` finds it in the module's other lookups, so a fix never bypasses the
config layer the rest of the file goes through.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass

from isolint.core.config import DEFAULT_ENV_ACCESSOR, Settings
from isolint.core.model import Applicability, Edit, Fix, Position, Range
from isolint.core.python_names import dotted_name
from isolint.fixers.imports import import_edit


class _DoubleQuoted(str):
    """A name whose ``repr`` uses double quotes, for ``{name!r}`` in files written that way."""

    def __repr__(self) -> str:
        return '"' + str.__repr__(self)[1:-1] + '"'


def env_lookup_expression(settings: Settings, name: str, quote: str = "'", accessor: str | None = None) -> str:
    """The accessor expression for ``name``; ``quote='"'`` renders ``{name!r}`` with double
    quotes so the fix matches the file's style (env var names never contain quotes).
    ``accessor``: a template learned from the module, used when none is configured."""
    template = accessor if accessor is not None and not is_accessor_configured(settings) else settings.env_accessor
    return template.format(name=_DoubleQuoted(name) if quote == '"' else name)


def is_accessor_configured(settings: Settings) -> bool:
    return settings.env_accessor != DEFAULT_ENV_ACCESSOR or settings.env_accessor_import is not None


#: a configuration key spelled like an environment variable (``DB_URL``, ``REDIS``)
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{3,}[0-9]*$")
#: the last name of a callee that reads configuration by key: ``get_config``, ``config``,
#: ``get_setting``, ``env``, ``get_env``, ``load_str_env``, ``read_config``, ``require``
_ACCESSOR_CALL_RE = re.compile(
    r"^_?((get|load|read|fetch)_?)?(\w+_)?(config|conf|setting|settings|env|env_?var|environ|env_?config)"
    r"(_\w+)?$|^(require|required|require_env|get_required|must_get|get_or_raise|get_strict|strict_get)$",
    re.IGNORECASE)
#: callees that write or load rather than read (``set_env``, ``load_dotenv``, ``update_config``)
_NOT_A_READ_RE = re.compile(r"^_?(set|put|write|update|unset|del|delete|save|patch|mock|load_?dotenv)",
                            re.IGNORECASE)
#: a keyword by which the accessor's calls ask for a required value (``required=True``)
_REQUIRED_KEYWORD_RE = re.compile(r"^(required|require|is_required|strict|must_exist|raise_\w+|fail_\w+)$")
#: the typed getters of environs / django-environ (``env.str("X")``): their receiver says env
_TYPED_GETTERS = frozenset({"str", "int", "bool", "float", "url", "list", "json", "path", "dict"})
_RECEIVER_RE = re.compile(r"(^|[._])(env|environ|environment|config|conf|settings|cfg)\b", re.IGNORECASE)
#: a receiver read by subscript that is the environment (``env["X"]``, ``get_env()["X"]``) —
#: not ``app.config["X"]``, a settings mapping the module may itself be filling
_ENV_RECEIVER_RE = re.compile(r"(^|[._])_?(env|environ|environment|get_env\(\))$", re.IGNORECASE)
#: the standard library's lookups: a module using them has no accessor of its own to keep
_STANDARD = frozenset({"os.environ", "os.getenv", "os.environ.get", "environ", "getenv", "environ.get"})


@dataclass(frozen=True)
class LearnedAccessor:
    """The module's own accessor: ``template`` (``load_str_env({name!r}, required=True)``) and,
    when the module defines the accessor itself, the 0-based lines of that definition."""

    template: str
    defined_at: tuple[int, int] | None = None
    #: (first, last) 0-based lines of the module's functions, where a module-defined accessor is
    #: usable (at module level the lookup could run before the definition, or read the very
    #: default table being fixed)
    function_spans: tuple[tuple[int, int], ...] = ()
    #: module-level dicts a module-defined accessor falls back to (``default_env_values``): by
    #: key, the (first, last) 0-based lines and the (start column, end column) of each entry
    default_entries: tuple[tuple[str, int, int, int, int, str], ...] = ()

    def usable_at(self, line: int) -> bool:
        if self.defined_at is None:
            return True
        first, last = self.defined_at
        return line > last and any(start <= line <= end for start, end in self.function_spans)


def learned_accessor(tree: ast.Module | None) -> LearnedAccessor | None:
    """The module's own configuration accessor, from its lookups by an environment-style key:
    ``get_config("ENV", "DEV")`` → ``get_config({name!r})`` (the default dropped),
    ``env.require("X")`` → ``env.require({name!r})``, ``env["X"]`` → ``env[{name!r}]``; a keyword
    its calls pass to require a value is kept (``load_str_env("X", required=True)``, learned from
    the module's other calls). None when the module reads the environment through ``os`` at
    least as often, or has no such lookup. Only accessors bound at module level count, so the
    expression means the same wherever the fix puts it."""
    if tree is None:
        return None
    bound = _module_level_names(tree)
    defined = {statement.name: (statement.lineno - 1, (statement.end_lineno or statement.lineno) - 1)
               for statement in tree.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}
    votes: Counter[str] = Counter()
    required: dict[str, str] = {}
    standard = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and _is_env_key(node.args[0]):
            callee = dotted_name(node.func, through_calls=True)
            if callee is None:
                continue
            root = callee.split(".")[0]
            if callee in _STANDARD:
                standard += 1
            elif (root in bound or root in defined) and _is_accessor_callee(node.func):
                votes[callee] += 1
                flag = next((k.arg for k in node.keywords if k.arg and _REQUIRED_KEYWORD_RE.match(k.arg)
                             and isinstance(k.value, ast.Constant) and k.value.value is True), None)
                if flag:
                    required[callee] = f", {flag}=True"
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_env_key(node.slice):
            receiver = dotted_name(node.value, through_calls=True)
            if receiver is None:
                continue
            if receiver in _STANDARD:
                standard += 1
            elif receiver.split(".")[0] in bound and _ENV_RECEIVER_RE.search(receiver):
                votes[f"{receiver}[]"] += 1
    if not votes:
        return None
    callee, count = max(votes.items(), key=lambda item: (item[1], -len(item[0]), item[0]))
    if count <= standard:
        return None
    if callee.endswith("[]"):
        return LearnedAccessor(f"{callee[:-2]}[{{name!r}}]")
    template = f"{callee}({{name!r}}{required.get(callee, '')})"
    root = callee.split(".")[0]
    if root in bound:
        return LearnedAccessor(template)
    spans = tuple((n.lineno - 1, (n.end_lineno or n.lineno) - 1) for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return LearnedAccessor(template, defined[root], spans, _default_entries(tree, root))


def _default_entries(tree: ast.Module, accessor: str) -> tuple[tuple[str, int, int, int, int, str], ...]:
    """(key, first line, last line, key column, value end column, table) of every entry of the
    module-level dicts the accessor ``accessor`` reads (its table of defaults)."""
    function = next(s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and s.name == accessor)
    read = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    entries = []
    for statement in tree.body:
        if not (isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Dict)):
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        table = next((t.id for t in targets if isinstance(t, ast.Name) and t.id in read), None)
        if table is None:
            continue
        for key, value in zip(statement.value.keys, statement.value.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                entries.append((key.value, key.lineno - 1, (value.end_lineno or value.lineno) - 1, key.col_offset,
                                value.end_col_offset or 0, table))
    return tuple(entries)


def default_entry_removal(accessor: LearnedAccessor | None, name: str, replace: Range,
                          lines: list[str] | None) -> Fix | None:
    """``"AES_KEY": "…",`` in the default table of the module's own accessor, on lines of its
    own: the fix deletes the entry, so the accessor's required form (``load_str_env("AES_KEY",
    required=True)``) refuses to start without the variable — rather than an ``os.environ``
    lookup inside the table, read at import time behind the accessor's back."""
    if accessor is None or lines is None:
        return None
    for key, first, last, key_column, end_column, table in accessor.default_entries:
        if key != name or not first <= replace.start.line <= last or last >= len(lines):
            continue
        before = lines[first].encode()[:key_column].decode(errors="replace")
        after = lines[last].encode()[end_column:].decode(errors="replace")
        rest = after.strip()
        rest = rest[1:].strip() if rest.startswith(",") else rest
        if before.strip() or not (rest == "" or rest.startswith("#")):
            return None  # the entry shares its lines: no line to delete
        span = Range(Position(first, 0), Position(last + 1, 0))
        return Fix(f"Remove `{key}` from `{table}`: the accessor then requires it", Applicability.UNSAFE,
                   (Edit(span, ""),))
    return None


def _is_env_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(_ENV_NAME_RE.match(node.value))


def _is_accessor_callee(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if _NOT_A_READ_RE.match(name):
        return False
    if _ACCESSOR_CALL_RE.match(name):
        return True
    return isinstance(func, ast.Attribute) and name in _TYPED_GETTERS \
        and bool(_RECEIVER_RE.search(dotted_name(func.value, through_calls=True) or ""))


def _module_level_names(tree: ast.Module) -> set[str]:
    """Names imported or assigned at module level — not functions the module defines: a
    module defining its own ``get_config`` is the config layer, where a lookup through it could
    read the very value being replaced."""
    names: set[str] = set()
    for statement in _top_level(tree.body):
        if isinstance(statement, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in statement.names)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _top_level(body: list[ast.stmt]):
    """Module-level statements, including those under if/try/with."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "handlers", "finalbody"):
                for child in getattr(statement, field, ()):
                    if isinstance(child, ast.ExceptHandler):
                        yield from _top_level(child.body)
                    else:
                        yield from _top_level([child])


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
    accessor: LearnedAccessor | None = None,
    lines: list[str] | None = None,
) -> Fix:
    """A fix replacing the text at ``replace`` with the lookup of ``name`` (adding the import).
    ``accessor``: the module's own accessor template (:func:`learned_accessor`), which needs no
    import and wins over the default one.

    Unsafe by default: the program now fails fast where it silently used the literal before —
    the point of the fix, but a behaviour change.
    """
    if not is_accessor_configured(settings):
        removal = default_entry_removal(accessor, name, replace, lines)
        if removal is not None:
            return removal
    learned = accessor.template if accessor is not None and not is_accessor_configured(settings) \
        and accessor.usable_at(replace.start.line) else None
    expression = env_lookup_expression(settings, name, quote, learned)
    edits = [Edit(replace, expression)]
    added = None if learned is not None else import_edit(settings.accessor_import, imports, tree, line_ending,
                                                         header_lines)
    if added is not None:
        edits.insert(0, added)
    return Fix(title or f"Read `{name}` from the environment: `{expression}`", applicability, tuple(edits))
