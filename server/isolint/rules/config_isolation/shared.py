"""Decisions more than one ISO1xx Python rule takes, so they take them the same way."""

from __future__ import annotations

import ast
from collections import Counter
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key
from isolint.core.model import Edit, Fix, Range
from isolint.fixers.env_lookup import LearnedAccessor, env_lookup_fix, learned_accessor, preferred_quote
from isolint.fixers.settings_fields import model_field_of, settings_field_fix
from isolint.rules.config_isolation.env_lookups import env_lookup, or_fallback
from isolint.rules.config_isolation.usage import literal_text
from isolint.rules.config_isolation.values import DevValue, classify_dev_value

if TYPE_CHECKING:
    from isolint.core.context import PythonContext


def literal_value(node: ast.AST | None) -> object:
    """The Python value of a str/int/bool literal or the text of an f-string; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bool)):
        return node.value
    return literal_text(node) if node is not None else None


#: an enum of deployment environments (``class Environment(StrEnum)``, ``AppEnv``, ``Stage``): a
#: member named ``development`` means the development environment whatever its value
ENVIRONMENT_ENUM_RE = lazy_compile(r"(Env|Environment|Environments|Stage|Stages|Tier)$")
#: per module: top-level class name → {member name: string value}
MODULE_ENUMS: Key[dict[str, dict[str, str]]] = Key("iso1.module-enum-members")


def configured_value(node: ast.AST | None, ctx: PythonContext) -> object:
    """:func:`literal_value`; a module constant's literal (``os.getenv("X", _DEV_X)`` with
    ``_DEV_X = "…"`` bound once at module level); and an environment enum's member for its value:
    ``Environment.development`` → ``"development"`` (the member's string value when the module
    defines the class, else the member's name when the class is named for environments)."""
    value = literal_value(node)
    if value is None and isinstance(node, ast.Name):
        return ctx.scratch.setdefault(MODULE_CONSTANTS, lambda: _module_constants(ctx.tree)).get(node.id)
    if value is not None or not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
        return value
    members = ctx.scratch.setdefault(MODULE_ENUMS, lambda: _module_string_members(ctx.tree)).get(node.value.id)
    if members is not None and node.attr in members:
        return members[node.attr]
    return node.attr if ENVIRONMENT_ENUM_RE.search(node.value.id) else None


#: per module: name → the str/int/bool literal it is bound to, for names bound exactly once at module level
MODULE_CONSTANTS: Key[dict[str, object]] = Key("iso1.module-constants")


def _module_constants(tree: ast.AST) -> dict[str, object]:
    """Names bound to a literal by a top-level assignment and bound nowhere else in the module (a
    name assigned again, in a branch or a function, has no single value to judge)."""
    bindings = Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store))
    constants: dict[str, object] = {}
    for statement in getattr(tree, "body", ()):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and bindings[target.id] == 1 and isinstance(value, ast.Constant) \
                and isinstance(value.value, (str, int, bool)):
            constants[target.id] = value.value
    return constants


def _module_string_members(tree: ast.AST) -> dict[str, dict[str, str]]:
    """String-valued class attributes of the module's top-level classes (``development = "dev"``)."""
    classes: dict[str, dict[str, str]] = {}
    for statement in getattr(tree, "body", ()):
        if isinstance(statement, ast.ClassDef):
            members = classes.setdefault(statement.name, {})
            for item in statement.body:
                if (isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name)
                        and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str)):
                    members[item.targets[0].id] = item.value.value
    return classes


def env_default_dev_value(node: ast.AST, ctx: PythonContext) -> DevValue | None:
    """When ``node`` is the default of an environment lookup and that default is a development
    value, ISO102 reports it — the other rules stay quiet about the same literal."""
    parent = ctx.parent
    if isinstance(parent, ast.keyword):
        parent = ctx.ancestor(2)
    lookup = None
    if isinstance(parent, ast.Call):
        lookup = env_lookup(parent, ctx)
        if lookup is None or lookup.default is not node:
            return None
    elif isinstance(parent, ast.BoolOp):
        fallback = or_fallback(parent, ctx)
        if fallback is None or fallback[1] is not node:
            return None
        lookup = fallback[0]
    else:
        return None
    dev = classify_dev_value(lookup.name, literal_value(node))
    return dev if dev else None


#: the quote the module writes its strings with
PREFERRED_QUOTE: Key[str] = Key("iso1.preferred-quote")
#: the module's own configuration accessor (``get_config({name!r})``), if it has one
LEARNED_ACCESSOR: Key["LearnedAccessor | None"] = Key("fix.learned-accessor")

def env_lookup_fix_for(node: ast.AST | Range, name: str, ctx: PythonContext, title: str | None = None,
                       learn: bool = True) -> Fix:
    """Unsafe fix replacing ``node`` (or a span of the file) with the configured environment
    accessor for ``name``, quoted the way the module quotes its strings. ``learn``: with no
    accessor configured, a hard-coded value goes through the module's own accessor when it has
    one (``get_config("X")``); a lookup that read the environment directly stays direct."""
    quote = ctx.source.memo(PREFERRED_QUOTE, lambda source: preferred_quote(source.text))
    span = node if isinstance(node, Range) else ctx.range(node)
    accessor = ctx.source.memo(LEARNED_ACCESSOR, lambda _: learned_accessor(ctx.tree)) if learn else None
    return env_lookup_fix(replace=span, name=name, settings=ctx.settings, imports=ctx.imports,
                          tree=ctx.tree, line_ending=ctx.source.line_ending, title=title, quote=quote,
                          header_lines=ctx.source.header_lines, accessor=accessor, lines=ctx.source.lines)


def replace_with_env_lookup(node: ast.AST, name: str, ctx: PythonContext, *, wrap: str = "") -> Fix:
    """:func:`env_lookup_fix_for`, optionally converting (``wrap="int"`` for ports); the default
    of a pydantic model's field (``Field(default="localhost")``) is dropped instead, the field
    now required: the value belongs to the configuration object."""
    field = model_field_of(node, ctx)
    if field is not None:
        return settings_field_fix(field, ctx)
    fix = env_lookup_fix_for(node, name, ctx)
    if not wrap:
        return fix
    target = ctx.range(node)
    edits = tuple(Edit(e.range, f"{wrap}({e.new_text})") if e.range == target else e for e in fix.edits)
    expression = next(e.new_text for e in edits if e.range == target)
    return Fix(f"Read `{name}` from the environment: `{expression}`", fix.applicability, edits)
