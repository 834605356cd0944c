"""Recognising environment lookups and their defaults, whatever the accessor.

``os.getenv`` and ``os.environ`` are easy; real projects also wrap the environment —
``env.get("X", "localhost")``, ``get_env().get(...)``, ``settings.get("REDIS_HOST", ...)``,
python-decouple / starlette ``config("X", default=...)``, environs ``env.str("X", ...)``,
django-environ ``env("X", default=...)`` — and fall back with ``os.getenv("X") or "localhost"``.
A receiver counts as an environment when its name says so (``env``, ``environ``, ``get_env()``);
a generic ``settings``/``config`` receiver counts only when the key is spelled like an
environment variable (``REDIS_HOST``), so ``config.get("host", ...)`` on a parsed YAML file is
not mistaken for one.
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key
from isolint.rules.config_isolation.usage import callee_name, expression_name

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: qualified names that read (or write) the process environment directly
OS_ENVIRONMENT = frozenset({"os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv",
                            "posix.environ"})
OS_GETTERS = frozenset({"os.getenv", "os.getenvb", "os.environ.get", "os.environb.get", "posix.environ.get"})
RAISING_FUNCTIONS = frozenset({"decouple.config", "starlette.config.Config", "prettyconf.config"})

ENV_RECEIVER_RE = lazy_compile(
    r"^_*(os_?)?(env|envs|environ|environment|env_?vars?|environment_?variables|get_?env|load_?env|"
    r"env_?config|env_?settings|dotenv_?values|environ_?config)$",
    re.IGNORECASE,
)
SETTINGS_RECEIVER_RE = lazy_compile(r"^_*(settings|config|conf|cfg|app_?config|app_?settings|get_?settings|"
                                  r"get_?config|configuration)$", re.IGNORECASE)
PROJECT_GETTER_RE = lazy_compile(r"^_?(get_?env|getenv|env_?var|get_?env_?var|read_?env|get_?environ|"
                               r"env_?or_?default|get_?env_?or)$", re.IGNORECASE)
#: a project's configuration function called with the variable's name: ``get_config("ENV", "DEV")``,
#: ``get_setting("REDIS_URL")`` (the key must be spelled like an environment variable)
CONFIG_GETTER_RE = lazy_compile(r"^_?get_?(config|setting|settings|conf|env_?config)(_?value)?$", re.IGNORECASE)
RAISING_CALLABLE_NAMES = frozenset({"config", "env"})  # decouple/starlette `config(...)`, django-environ `env(...)`
TYPED_GETTERS = frozenset({"str", "int", "bool", "float", "decimal", "url", "db", "db_url", "cache", "cache_url",
                           "list", "json", "path", "email_url", "search_url", "dict", "tuple"})
ENV_VAR_NAME_RE = lazy_compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{3,}[0-9]*$")


class LookupStyle(str, enum.Enum):
    #: returns the default when unset (os.getenv, environ.get, env.get): the fix swaps in the accessor
    MAPPING = "mapping"
    #: raises when unset and no default is given (decouple, environs, django-environ): the fix
    #: just drops the default, keeping the project's own accessor
    RAISING = "raising"
    #: ``os.environ.setdefault``: writes the default into the environment
    SETDEFAULT = "setdefault"
    #: a project's own configuration function (``get_config("REDIS_URL", default)``), which may
    #: read a configuration file before the environment: the fix keeps it and drops the default
    ACCESSOR = "accessor"


@dataclass(frozen=True)
class EnvLookup:
    call: ast.Call
    name: str | None  # the variable, when it is a literal
    default: ast.expr | None
    style: LookupStyle

    @property
    def has_default(self) -> bool:
        return self.default is not None and not (isinstance(self.default, ast.Constant) and self.default.value is None)


#: per call node: the environment lookup it performs
LOOKUPS: Key[dict[int, "EnvLookup | None"]] = Key("iso1.env-lookups")

def env_lookup(call: ast.Call, ctx: PythonContext) -> EnvLookup | None:
    """The environment lookup ``call`` performs, if it is one. Memoised per node."""
    memo: dict[int, EnvLookup | None] = ctx.scratch.setdefault(LOOKUPS, dict)
    key = id(call)
    if key not in memo:
        memo[key] = _lookup(call, ctx)
    return memo[key]


def _key_and_default(call: ast.Call, key_keywords: tuple[str, ...] = ("key", "name", "var", "option")
                     ) -> tuple[ast.expr | None, ast.expr | None]:
    key = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in key_keywords), None)
    default = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg in ("default", "fallback", "value")), None)
    return key, default


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _key_constant_name(key: ast.expr) -> str | None:
    """``get_settings_value(LDAP_SERVER, …)``, ``get_config(keys.LDAP_SERVER, …)``: a key held by a
    constant spelled like an environment variable, named after the variable it holds by
    convention (``LDAP_SERVER = "LDAP_SERVER"``)."""
    if isinstance(key, ast.Name):
        return key.id
    return key.attr if isinstance(key, ast.Attribute) else None


_LOOKUP_ATTRIBUTES = frozenset({"get", "setdefault", "getenv", "getenvb"}) | TYPED_GETTERS


def _could_be_lookup(call: ast.Call) -> bool:
    """Cheap shape test before resolving names: most calls are not environment lookups."""
    if not call.args and not call.keywords:
        return False
    func = call.func
    if isinstance(func, ast.Attribute):
        return (func.attr in _LOOKUP_ATTRIBUTES or PROJECT_GETTER_RE.match(func.attr) is not None
                or CONFIG_GETTER_RE.match(func.attr) is not None)
    return isinstance(func, ast.Name)


def _lookup(call: ast.Call, ctx: PythonContext) -> EnvLookup | None:
    if not _could_be_lookup(call):
        return None
    qualified = ctx.qualified_name(call.func) or ""
    key, default = _key_and_default(call)
    name = _string(key)
    if key is None:
        return None
    if qualified in OS_GETTERS:
        return EnvLookup(call, name, default, LookupStyle.MAPPING)
    if qualified in ("os.environ.setdefault", "os.environb.setdefault"):
        return EnvLookup(call, name, default, LookupStyle.SETDEFAULT)
    if qualified in RAISING_FUNCTIONS:
        return EnvLookup(call, name, default, LookupStyle.RAISING)
    func = call.func
    if isinstance(func, ast.Name):
        callable_env = func.id in RAISING_CALLABLE_NAMES or ENV_RECEIVER_RE.match(func.id)
        if callable_env and name is not None and ENV_VAR_NAME_RE.match(name):
            return EnvLookup(call, name, default, LookupStyle.RAISING)
        if PROJECT_GETTER_RE.match(func.id):
            return EnvLookup(call, name, default, LookupStyle.MAPPING)
        if CONFIG_GETTER_RE.match(func.id):
            name = name if name is not None else _key_constant_name(key)
            if name is not None and ENV_VAR_NAME_RE.match(name):
                return EnvLookup(call, name, default, LookupStyle.ACCESSOR)
        return None
    if not isinstance(func, ast.Attribute):
        return None
    receiver = expression_name(func.value)
    env_receiver = bool(ENV_RECEIVER_RE.match(receiver)) or (ctx.qualified_name(func.value) or "") in OS_ENVIRONMENT
    if func.attr in ("get", "setdefault"):
        settings_receiver = SETTINGS_RECEIVER_RE.match(receiver) and name is not None and ENV_VAR_NAME_RE.match(name)
        if env_receiver or settings_receiver:
            style = LookupStyle.SETDEFAULT if func.attr == "setdefault" else LookupStyle.MAPPING
            return EnvLookup(call, name, default, style)
        return None
    if func.attr in TYPED_GETTERS and env_receiver and name is not None:
        return EnvLookup(call, name, default, LookupStyle.RAISING)
    if PROJECT_GETTER_RE.match(func.attr) and callee_name(call) == func.attr:
        return EnvLookup(call, name, default, LookupStyle.MAPPING)
    if CONFIG_GETTER_RE.match(func.attr) and name is not None and ENV_VAR_NAME_RE.match(name):
        return EnvLookup(call, name, default, LookupStyle.ACCESSOR)  # `app.config_module.get_config("X", …)`
    return None


def or_fallback(boolop: ast.BoolOp, ctx: PythonContext) -> tuple[EnvLookup, ast.expr] | None:
    """``os.getenv("X") or "localhost"``: the lookup and the literal it falls back to; for a chain
    of lookups tried in turn (``os.getenv("A") or os.getenv("B") or "redis://…"``), the first
    lookup and the value after the last."""
    if not isinstance(boolop.op, ast.Or) or len(boolop.values) < 2:
        return None
    lookups = []
    for value in boolop.values[:-1]:
        lookup = env_lookup(value, ctx) if isinstance(value, ast.Call) else None
        if lookup is None or lookup.has_default:
            break
        lookups.append(lookup)
    if not lookups:
        return None
    if len(lookups) == len(boolop.values) - 1:
        return lookups[0], boolop.values[-1]
    return lookups[0], boolop.values[1]


def is_env_default(node: ast.AST, ctx: PythonContext) -> bool:
    """Whether ``node`` is the default of an environment lookup (ISO102's business)."""
    parent = ctx.parent
    if isinstance(parent, ast.keyword):
        parent = ctx.ancestor(2)
    if isinstance(parent, ast.Call):
        lookup = env_lookup(parent, ctx)
        return lookup is not None and lookup.default is node
    if isinstance(parent, ast.BoolOp):
        fallback = or_fallback(parent, ctx)
        return fallback is not None and fallback[1] is node
    return False
