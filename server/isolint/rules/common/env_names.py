"""Deriving the environment variable name a hard-coded value should come from, from where the
value sits: ``redis_host = "localhost"`` → ``REDIS_HOST``; ``Redis(host="localhost")`` →
``REDIS_HOST``; ``{"db_url": ...}`` → ``DB_URL``; ``def get_database_url(): return ...`` →
``DATABASE_URL``. None when the context names nothing sensible (then no fix is offered)."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.rules.common.names import assigned_name

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

GENERIC_KEYWORDS = frozenset({"host", "hostname", "port", "url", "uri", "dsn", "address", "addr", "server",
                              "endpoint", "user", "username", "password", "database", "db", "base_url"})
CALLEE_PREFIXES = {
    "redis": "REDIS", "strictredis": "REDIS", "from_url": None, "create_engine": "DATABASE",
    "create_async_engine": "DATABASE", "connect": "DB", "create_pool": "DB", "mongoclient": "MONGO",
    "asyncioMotorClient".lower(): "MONGO", "client": None, "clickhouse": "CLICKHOUSE", "get_client": None,
    "kafkaproducer": "KAFKA", "kafkaconsumer": "KAFKA", "elasticsearch": "ELASTICSEARCH",
    "celery": "CELERY", "pika": "RABBITMQ", "blockingconnection": "RABBITMQ", "connectionparameters": "RABBITMQ",
    "memcache": "MEMCACHED", "httpx": None, "asyncclient": None, "uvicorn": None, "run": None,
}
CONTAINER_SUFFIX_RE = lazy_compile(r"_(CONFIG|CONF|SETTINGS|OPTIONS|OPTS|PARAMS|KWARGS|ARGS|DEFAULTS)$")
#: calls whose argument is a field's default, not a value of its own: the name comes from the
#: field (``redis_host: str = Field(default="localhost")`` → ``REDIS_HOST``)
FIELD_CALLS = frozenset({"Field", "field", "attrib", "attr.ib", "Option", "Setting", "Config", "PrivateAttr"})
FIELD_DEFAULT_KEYWORDS = frozenset({"default", "value"})
CLASS_SUFFIX_RE = lazy_compile(r"(Settings|Config|Configuration|Conf|Options|Params|Model|Schema|Base)+$")


def to_env_name(identifier: str) -> str | None:
    """``redisHost`` / ``redis-host`` / ``_redis_host`` → ``REDIS_HOST``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", identifier)
    name = re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").upper()
    if not name or name[0].isdigit():
        return None
    return name


def callee_prefix(call: ast.Call) -> str | None:
    """The service a connection call talks to, by its callee (``redis.Redis`` → ``REDIS``)."""
    func = call.func
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    for part in parts:  # innermost attribute first: redis.Redis → "Redis"
        prefix = CALLEE_PREFIXES.get(part.lower())
        if prefix:
            return prefix
    return None


#: service words found inside class or function names (``AsyncRedisClient`` → ``REDIS``)
SERVICE_WORDS = (
    ("clickhouse", "CLICKHOUSE"), ("postgres", "POSTGRES"), ("mysql", "MYSQL"), ("mongo", "MONGO"),
    ("redis", "REDIS"), ("rabbit", "RABBITMQ"), ("amqp", "AMQP"), ("kafka", "KAFKA"),
    ("elastic", "ELASTICSEARCH"), ("memcache", "MEMCACHED"), ("smtp", "SMTP"), ("celery", "CELERY"),
    ("database", "DATABASE"), ("minio", "MINIO"), ("s3", "S3"),
)


def service_word(identifier: str) -> str | None:
    lowered = identifier.lower()
    return next((word for key, word in SERVICE_WORDS if key in lowered), None)


def env_name_for(node: ast.AST, ctx: "PythonContext") -> str | None:
    """The variable name for the value ``node`` (a literal or f-string) from its context."""
    child = node
    for parent in reversed(ctx.parents):
        if parent is child:
            continue  # stepped over already (a field call's keyword)
        if isinstance(parent, (ast.IfExp, ast.BoolOp, ast.JoinedStr, ast.FormattedValue, ast.BinOp)):
            child = parent
            continue
        if isinstance(parent, ast.keyword) and parent.arg:
            call = ctx.parents[ctx.parents.index(parent) - 1] if ctx.parents.index(parent) > 0 else None
            keyword = parent.arg
            if keyword in FIELD_DEFAULT_KEYWORDS and isinstance(call, ast.Call) and _is_field_call(call):
                child = call  # the field's default: named by the field
                continue
            if keyword.lower() in GENERIC_KEYWORDS and isinstance(call, ast.Call):
                prefix = callee_prefix(call)
                if prefix:
                    return to_env_name(f"{prefix}_{keyword}")
            return to_env_name(keyword)
        if isinstance(parent, ast.Dict):
            for key, value in zip(parent.keys, parent.values):
                if value is child and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    container = _assigned_name(ctx.parents[: ctx.parents.index(parent)])
                    prefix = CONTAINER_SUFFIX_RE.sub("", container) if container else None
                    name = to_env_name(key.value)
                    if prefix and name and key.value.lower() in GENERIC_KEYWORDS and not name.startswith(prefix):
                        return f"{prefix}_{name}"
                    return name
            return None
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            for target in targets:
                name = assigned_name(target)
                if name:
                    return _with_class_prefix(to_env_name(name), target, ctx)
            return None
        if isinstance(parent, ast.arguments):
            return _prefixed_parameter(_argument_name(parent, child), ctx)
        if isinstance(parent, ast.Return):
            function = ctx.current_function
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return to_env_name(re.sub(r"^(get|build|make|default|_)+_?", "", function.name))
            return None
        if isinstance(parent, ast.Call):
            if _is_field_call(parent) and parent.args and parent.args[0] is child:
                child = parent  # Field("localhost"): the default, named by the field
                continue
            return None  # positional argument: nothing names it
        if isinstance(parent, (ast.stmt, ast.Lambda, ast.comprehension)):
            return None
        child = parent
    return None


def _is_field_call(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in FIELD_CALLS


def _with_class_prefix(name: str | None, target: ast.AST, ctx: "PythonContext") -> str | None:
    """A generic field (``host``) of ``class RedisSettings`` is ``REDIS_HOST``."""
    if not name or name.lower() not in GENERIC_KEYWORDS or not ctx.classes:
        return name
    in_class_body = isinstance(target, ast.Name) and ctx.current_function is None or (
        isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self")
    if not in_class_body:
        return name
    prefix = to_env_name(CLASS_SUFFIX_RE.sub("", ctx.classes[-1].name))
    return f"{prefix}_{name}" if prefix and not name.startswith(prefix) else name


def _prefixed_parameter(name: str | None, ctx: "PythonContext") -> str | None:
    """A generic parameter (``host``) of ``AsyncRedisClient.__init__`` or ``connect_redis`` is
    ``REDIS_HOST``: the service comes from the function's or the class's name."""
    if not name or name.lower() not in GENERIC_KEYWORDS:
        return name
    function = ctx.current_function
    names = [getattr(function, "name", "")] + [cls.name for cls in reversed(ctx.classes)]
    prefix = next((word for word in map(service_word, names) if word), None)
    return f"{prefix}_{name}" if prefix and not name.startswith(prefix) else name



def _assigned_name(parents: list[ast.AST]) -> str | None:
    for parent in reversed(parents):
        if isinstance(parent, ast.Assign):
            for target in parent.targets:
                name = assigned_name(target)
                if name:
                    return to_env_name(name)
        if isinstance(parent, ast.AnnAssign):
            name = assigned_name(parent.target)
            return to_env_name(name) if name else None
        if isinstance(parent, ast.stmt):
            return None
    return None


def _argument_name(arguments: ast.arguments, default: ast.AST) -> str | None:
    positional = arguments.posonlyargs + arguments.args
    for arg, value in zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults):
        if value is default:
            return to_env_name(arg.arg)
    for arg, value in zip(arguments.kwonlyargs, arguments.kw_defaults):
        if value is default:
            return to_env_name(arg.arg)
    return None
