"""Decisions more than one ISO1xx Python rule takes, so they take them the same way."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key
from isolint.core.model import Applicability, Edit, Fix, Range
from isolint.fixers.env_lookup import env_lookup_fix, preferred_quote
from isolint.rules.config_isolation.env_lookups import env_lookup, or_fallback
from isolint.rules.config_isolation.usage import callee_name, literal_text
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
    """:func:`literal_value`, and an environment enum's member for its value:
    ``Environment.development`` → ``"development"`` (the member's string value when the module
    defines the class, else the member's name when the class is named for environments)."""
    value = literal_value(node)
    if value is not None or not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
        return value
    members = ctx.scratch.setdefault(MODULE_ENUMS, lambda: _module_string_members(ctx.tree)).get(node.value.id)
    if members is not None and node.attr in members:
        return members[node.attr]
    return node.attr if ENVIRONMENT_ENUM_RE.search(node.value.id) else None


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


def is_settings_class(cls: ast.ClassDef) -> bool:
    """``class Settings(BaseSettings)`` (pydantic-settings) or a subclass of a project's
    ``...Settings`` base: its fields are read from the environment."""
    return any((base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")).endswith("Settings")
               for base in cls.bases)


@dataclass(frozen=True)
class SettingsField:
    """A field of a settings class whose default a literal is: ``name: T = default`` or
    ``name: T = Field(default, ...)``/``Field(default=default, ...)``."""

    name: str
    assignment: ast.AnnAssign
    #: the ``Field(...)`` call holding the default (None: the default is the field's value itself)
    call: ast.Call | None
    default: ast.expr


def settings_field_of(node: ast.AST, ctx: PythonContext) -> SettingsField | None:
    """The settings-class field ``node`` is the default of, if any."""
    if not ctx.classes or ctx.current_function is not None or not is_settings_class(ctx.classes[-1]):
        return None
    parent = ctx.parent
    call = None
    if isinstance(parent, ast.keyword) and parent.arg == "default":
        call, assignment = ctx.ancestor(2), ctx.ancestor(3)
    elif isinstance(parent, ast.Call) and parent.args[:1] == [node]:
        call, assignment = parent, ctx.ancestor(2)
    else:
        assignment = parent
    if call is not None and not (isinstance(call, ast.Call) and callee_name(call) == "Field"
                                 and isinstance(assignment, ast.AnnAssign) and assignment.value is call):
        return None
    if not isinstance(assignment, ast.AnnAssign) or not isinstance(assignment.target, ast.Name):
        return None
    if call is None and assignment.value is not node:
        return None
    return SettingsField(assignment.target.id, assignment, call, node)  # type: ignore[arg-type]


def settings_field_fix(field: SettingsField, ctx: PythonContext) -> Fix:
    """Make the field required — the settings class keeps reading it (its prefix, its ``.env``
    file, its validation) and now refuses to start without it: ``HOST: str = "localhost"`` →
    ``HOST: str``; ``Field(default="localhost", description=...)`` → ``Field(description=...)``.
    Never a rewrite to ``os.environ``, which would bypass the settings class."""
    title = f"Remove the development default: require `{field.name}`"
    if field.call is None:
        edit = Edit(Range(ctx.range(field.assignment.annotation).end, ctx.range(field.default).end), "")
        return Fix(title, Applicability.UNSAFE, (edit,))
    items: list[ast.AST] = [*field.call.args, *field.call.keywords]
    items.sort(key=lambda item: (item.lineno, item.col_offset))  # type: ignore[attr-defined]
    target = next((k for k in field.call.keywords if k.value is field.default), field.default)
    index = next(i for i, item in enumerate(items) if item is target)
    if len(items) == 1:
        span = ctx.range(target)
    elif index == 0:
        span = Range(ctx.range(target).start, ctx.range(items[1]).start)
    else:
        span = Range(ctx.range(items[index - 1]).end, ctx.range(target).end)
    return Fix(title, Applicability.UNSAFE, (Edit(span, ""),))


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

def env_lookup_fix_for(node: ast.AST | Range, name: str, ctx: PythonContext, title: str | None = None) -> Fix:
    """Unsafe fix replacing ``node`` (or a span of the file) with the configured environment
    accessor for ``name``, quoted the way the module quotes its strings."""
    quote = ctx.source.memo(PREFERRED_QUOTE, lambda source: preferred_quote(source.text))
    span = node if isinstance(node, Range) else ctx.range(node)
    return env_lookup_fix(replace=span, name=name, settings=ctx.settings, imports=ctx.imports,
                          tree=ctx.tree, line_ending=ctx.source.line_ending, title=title, quote=quote,
                          header_lines=ctx.source.header_lines)


def replace_with_env_lookup(node: ast.AST, name: str, ctx: PythonContext, *, wrap: str = "") -> Fix:
    """:func:`env_lookup_fix_for`, optionally converting (``wrap="int"`` for ports)."""
    fix = env_lookup_fix_for(node, name, ctx)
    if not wrap:
        return fix
    target = ctx.range(node)
    edits = tuple(Edit(e.range, f"{wrap}({e.new_text})") if e.range == target else e for e in fix.edits)
    expression = next(e.new_text for e in edits if e.range == target)
    return Fix(f"Read `{name}` from the environment: `{expression}`", fix.applicability, edits)
