"""What name a Python string literal is bound to — the "key name" half of secret detection in
code: ``api_key = "…"``, ``Client(api_key="…")``, ``{"password": "…"}``, ``def f(token="…")``,
``os.getenv("JWT_SECRET", "…")``, ``if password == "…"``, ``jwt.encode(payload, "…")``.

Also decides whether replacing the literal with an environment lookup is a sensible fix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.rules.common.names import assigned_name, last_name

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: ``<receiver>.<name>(ENV_NAME, default)`` reads an environment variable with a default
ENV_LOOKUP_FUNCTIONS = frozenset({"getenv", "get", "setdefault", "config", "str", "env", "get_env", "getenvb"})
ENV_NAME_RE = lazy_compile(r"^[A-Z][A-Z0-9_]*$")
#: field constructors whose ``default=`` (or first argument) is the default of the field being assigned
FIELD_FUNCTIONS = frozenset({"Field", "field", "attrib", "attr.ib", "SecretStr"})
#: calls whose positional argument is a signing or encryption key → the name it stands for
SECRET_SINKS: dict[str, tuple[int, str]] = {
    "jwt.encode": (1, "jwt_secret"), "jwt.decode": (1, "jwt_secret"),
    "jose.jwt.encode": (1, "jwt_secret"), "jose.jwt.decode": (1, "jwt_secret"),
    "hmac.new": (0, "hmac_key"), "hmac.digest": (0, "hmac_key"),
    "cryptography.fernet.Fernet": (0, "fernet_key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"), "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimestampSigner": (0, "secret_key"), "itsdangerous.Signer": (0, "secret_key"),
    "itsdangerous.Serializer": (0, "secret_key"),
}
GETTER_RE = lazy_compile(r"^_*(?:get|load|read|fetch|default)_(?P<name>\w+)$")
_SINK_KEYWORDS = frozenset({"key", "secret", "secret_key", "signing_key"})
#: a literal inside these is still the value bound above them (an element of a list is not)
_PASS_THROUGH = (ast.IfExp, ast.JoinedStr, ast.FormattedValue)


#: dict keys and keywords holding documentation examples (OpenAPI ``example``/``examples``,
#: FastAPI ``openapi_examples``, pydantic ``json_schema_extra``): sample payloads shown in API docs
EXAMPLE_KEYS = frozenset({"example", "examples", "openapi_examples", "json_schema_extra", "schema_extra",
                          "x-example", "x-examples"})


def in_documentation_example(ctx: "PythonContext") -> bool:
    """Whether the node being visited sits in an API documentation example — a value under an
    ``"example"`` key or an ``examples=`` keyword. An example token in an OpenAPI response is what
    every reader of the docs is meant to see; it authenticates nothing."""
    parents = ctx.parents
    for index in range(len(parents) - 1, -1, -1):
        parent = parents[index]
        if isinstance(parent, ast.keyword) and parent.arg in EXAMPLE_KEYS:
            return True
        if isinstance(parent, ast.Dict):
            child = parents[index + 1] if index + 1 < len(parents) else None
            for key, value in zip(parent.keys, parent.values):
                if value is child and isinstance(key, ast.Constant) and key.value in EXAMPLE_KEYS:
                    return True
        if isinstance(parent, ast.stmt):
            return False
    return False


@dataclass(frozen=True)
class Binding:
    """``name`` the literal is bound to (None: unnamed); ``replace`` the node a fix replaces with
    an environment lookup of ``env_name`` — the literal itself, or the whole lookup whose default
    it is (None: no sensible fix)."""

    name: str | None
    replace: ast.AST | None = None
    env_name: str | None = None
    #: the literal is a piece of an f-string: a name says nothing about a piece
    fragment: bool = False


def env_lookup_name(call: ast.Call) -> str | None:
    """``JWT_SECRET`` for ``os.getenv("JWT_SECRET", …)``, ``config("JWT_SECRET", default=…)``."""
    if last_name(call.func) not in ENV_LOOKUP_FUNCTIONS or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and ENV_NAME_RE.match(first.value):
        return first.value
    return None



def _argument_name(arguments: ast.arguments, default: ast.AST) -> str | None:
    positional = arguments.posonlyargs + arguments.args
    for arg, value in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults):
        if value is default:
            return arg.arg
    for arg, value in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if value is default:
            return arg.arg
    return None


def binding_of(node: ast.Constant, ctx: "PythonContext") -> Binding:
    """Walk up from the literal to the construct that names it."""
    parents = ctx.parents
    child: ast.AST = node
    fixable = True  # a literal inside `x or "…"`, an f-string or a collection is no whole value
    if parents and isinstance(parents[-1], ast.JoinedStr):
        return Binding(None, fragment=True)
    index = len(parents) - 1
    while index >= 0:
        parent = parents[index]
        if isinstance(parent, _PASS_THROUGH):
            if isinstance(parent, ast.IfExp) and child is parent.test:
                return Binding(None)
            fixable = fixable and isinstance(parent, ast.IfExp)
        elif isinstance(parent, ast.BoolOp):
            fixable = False
        elif isinstance(parent, ast.Attribute) and parent.attr == "encode":
            fixable = False  # "…".encode(): the fix would have to keep the bytes
        elif isinstance(parent, ast.Call) and child is parent.func:
            pass
        elif isinstance(parent, ast.keyword):
            call = parents[index - 1] if index > 0 else None
            if not isinstance(call, ast.Call):
                return Binding(None)
            if parent.arg == "default":
                env_name = env_lookup_name(call)
                if env_name:
                    return Binding(env_name, call if fixable else None, env_name)
                if last_name(call.func) in FIELD_FUNCTIONS:
                    child, index = call, index - 2  # on to what the field is assigned to
                    continue
                return Binding(None)
            if parent.arg in _SINK_KEYWORDS and ctx.qualified_name(call.func) in SECRET_SINKS:
                name = SECRET_SINKS[ctx.qualified_name(call.func)][1]  # type: ignore[index]
                return Binding(name, node if fixable else None)
            return Binding(parent.arg, node if fixable else None) if parent.arg else Binding(None)
        elif isinstance(parent, ast.Call):
            if not (last_name(parent.func) in FIELD_FUNCTIONS and parent.args and parent.args[0] is child):
                return _positional_binding(parent, child, node, ctx, fixable)
            # Field("…"): the default of the field being assigned
        elif isinstance(parent, ast.Dict):
            for key, value in zip(parent.keys, parent.values):
                if value is child and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    return Binding(key.value, node if fixable else None)
            return Binding(None)
        elif isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            name = assigned_name(targets[0])
            return Binding(name, node if fixable and name else None)
        elif isinstance(parent, ast.NamedExpr):
            return Binding(assigned_name(parent.target), None)
        elif isinstance(parent, ast.arguments):
            name = _argument_name(parent, child)
            return Binding(name, node if fixable and name else None)
        elif isinstance(parent, ast.Compare):
            for side in (parent.left, *parent.comparators):
                if side is not child and (name := assigned_name(side)):
                    return Binding(name)  # a hard-coded comparison: no lookup replaces a backdoor
            return Binding(None)
        elif isinstance(parent, ast.Return):
            # `def get_api_key(): return "…"` names its value; `def hash_password(…)` does not
            function = ctx.current_function
            getter = GETTER_RE.match(getattr(function, "name", ""))
            return Binding(getter.group("name") if getter else None)
        else:
            return Binding(None)
        child = parent
        index -= 1
    return Binding(None)


def _positional_binding(call: ast.Call, child: ast.AST, node: ast.Constant, ctx: "PythonContext",
                        fixable: bool) -> Binding:
    env_name = env_lookup_name(call)
    if env_name and len(call.args) > 1 and call.args[1] is child:
        return Binding(env_name, call if fixable else None, env_name)
    sink = SECRET_SINKS.get(ctx.qualified_name(call.func) or "")
    if sink and len(call.args) > sink[0] and call.args[sink[0]] is child:
        return Binding(sink[1], node if fixable else None)
    return Binding(None)
