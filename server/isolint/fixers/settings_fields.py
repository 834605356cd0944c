"""Settings-class fields (pydantic-settings ``class Settings(BaseSettings)``): a literal that is
a field's default belongs to the settings object, so its fix makes the field required —
the class keeps reading it (prefix, ``.env`` file, validation) — instead of swapping in an
environment lookup that would bypass the class. Shared by every rule that rewrites a literal."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.model import Applicability, Edit, Fix, Range

if TYPE_CHECKING:
    from isolint.core.context import PythonContext


def _callee_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


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
    return _field_of(node, ctx)


def is_config_model(cls: ast.ClassDef) -> bool:
    """A pydantic model (``class KubernetesConfig(BaseModel)``): a configuration object loaded
    from a file or the environment by the project, whose fields may be required — unlike a
    dataclass, where a field without a default cannot follow one with a default."""
    return is_settings_class(cls) or any(
        (base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")).endswith("BaseModel")
        for base in cls.bases)


def model_field_of(node: ast.AST, ctx: PythonContext) -> SettingsField | None:
    """The field of a settings class or pydantic model ``node`` is the default of, if any — for
    a fix: the value belongs to that object, so the fix makes the field required rather than
    reading the environment at import time behind the object's back."""
    if not ctx.classes or ctx.current_function is not None or not is_config_model(ctx.classes[-1]):
        return None
    return _field_of(node, ctx)


def _field_of(node: ast.AST, ctx: PythonContext) -> SettingsField | None:
    parent = ctx.parent
    call = None
    if isinstance(parent, ast.keyword) and parent.arg == "default":
        call, assignment = ctx.ancestor(2), ctx.ancestor(3)
    elif isinstance(parent, ast.Call) and parent.args[:1] == [node]:
        call, assignment = parent, ctx.ancestor(2)
    else:
        assignment = parent
    if call is not None and not (isinstance(call, ast.Call) and _callee_name(call) == "Field"
                                 and isinstance(assignment, ast.AnnAssign) and assignment.value is call):
        return None
    if not isinstance(assignment, ast.AnnAssign) or not isinstance(assignment.target, ast.Name):
        return None
    if call is None and assignment.value is not node:
        return None
    return SettingsField(assignment.target.id, assignment, call, node)  # type: ignore[arg-type]


def settings_field_fix(field: SettingsField, ctx: PythonContext) -> Fix | None:
    """Make the field required — the settings class keeps reading it (its prefix, its ``.env``
    file, its validation) and now refuses to start without it: ``HOST: str = "localhost"`` →
    ``HOST: str``; ``Field(default="localhost", description=...)`` → ``Field(description=...)``.
    Never a rewrite to ``os.environ``, which would bypass the settings class. None for a
    private attribute (``_DEFAULT_PASSWORD: str = "…"``): pydantic never reads it from the
    environment, so without its value it would just be missing."""
    if field.name.startswith("_"):
        return None
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
