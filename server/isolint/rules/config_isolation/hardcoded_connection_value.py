from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import SECRET_RANGE, Fixability
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.rules.common.env_names import callee_prefix, env_name_for
from isolint.rules.config_isolation.env_lookups import is_env_default
from isolint.fixers.settings_fields import settings_field_fix, settings_field_of
from isolint.rules.config_isolation.shared import env_default_dev_value, replace_with_env_lookup
from isolint.rules.config_isolation.usage import (
    Use,
    UseSite,
    classify_use,
    in_development_only,
    is_command_line_tool,
    is_schema_migration,
    literal_text,
    lowered,
    secret_range,
    string_literal_nodes,
)
from isolint.rules.config_isolation.values import (
    DEV_ENVIRONMENTS,
    PASSWORD_NAME_RE,
    OWN_PORT_NAME_RE,
    PORT_NAME_RE,
    SERVICE_PORTS,
    display_value,
    is_ascii_number,
    is_dev_credential,
    might_be_connection_value,
    names_another_service,
    names_backing_service,
    names_documentation,
    parse_value,
    service_port,
)
from isolint.rules.common.secret_detection import find_secret

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

#: each port as written, and with digit grouping (``6_379``)
_PORT_TOKENS = tuple(form.encode() for port in SERVICE_PORTS for form in (str(port), f"{port:_}"))


#: every byte but a digit separates and ``_`` (digit grouping) disappears: what is left of a file
#: is its runs of digits
_DIGIT_RUNS = bytes(byte if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
#: the service ports as digit runs, also zero-padded to five digits (``"06379"``, a digit string)
_PORT_RUNS = frozenset([str(port).encode() for port in SERVICE_PORTS]
                       + [b"0" + str(port).encode() for port in SERVICE_PORTS if port < 10000])
_NAME_OR_FLOAT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def has_service_port_number(raw: bytes) -> bool:
    """Whether a well-known service port is written as a number (``6379``, ``6_379``, ``"06379"``):
    the only way this rule reports a port. The digit runs are found at C speed; the few files
    with a port's digits are then checked at each occurrence, so that ``pg_5432``, ``16379`` and
    ``6379.5`` (a name, another number, a float) do not count."""
    runs = _PORT_RUNS.intersection(raw.translate(_DIGIT_RUNS, b"_").split())
    for run in runs:
        port = run.lstrip(b"0")
        for written in {port, f"{int(port):_}".encode()}:
            position = raw.find(written)
            while position != -1:
                before, after = position, position + len(written)
                while before and raw[before - 1] == 0x30:  # "06379"
                    before -= 1
                if (before == 0 or raw[before - 1] not in _NAME_OR_FLOAT) and (
                        after == len(raw) or raw[after] not in _NAME_OR_FLOAT):
                    return True
                position = raw.find(written, after)
    return False


#: the user-info of a URL (``scheme://user:password@``): no path separator before the ``@``
URL_USERINFO_RE = lazy_compile(rb"://[^/]*?@")
#: a scheme-less ``user:password@host:port`` (``might_be_connection_value``'s ``host:NN`` hint and
#: an ``@`` in either order on one line, or across a string broken onto the next line)
_SAME_STRING = rb"""(?:[^\n]|["'][ \t]*\\?\r?\n[ \t]*[rRbBuUfF]{0,2}["'])*?"""
SCHEMELESS_USERINFO_RES = (lazy_compile(rb"@(?<=\S@)" + _SAME_STRING + rb"[\w\]]:[0-9]{2,5}"),  # not a decorator
                           lazy_compile(rb":[0-9]{2,5}" + _SAME_STRING + rb"@"))
#: in the lower-cased file: a password-like name (``PASSWORD_NAME_RE``: ``*PASSWORD``, ``*PASSWD``,
#: ``*PWD``, ``*PASS``, ``*PASSPHRASE``, in any case: ``dbPass``) where a value is bound to it —
#: assigned or annotated (``DB_PASS = ``, ``password: str = ``, ``cfg["password"] = ``,
#: ``password += ``), a keyword or parameter default (``password=``), a dict key (``"pwd": ``), a
#: DSN's key (``password=app``) — or a function returning it (``def get_password(``).
#: ``check_password(raw)``, ``password1`` and the ``pass`` statement bind nothing.
_PASSWORD_WORD = rb"p(?:assw(?:or)?d|wd|ass(?:phrase)?)"
CREDENTIAL_BINDING_RE = lazy_compile(_PASSWORD_WORD + rb"[\"']?\]?[ \t\\\r\n]*(?:\+?=(?!=)|:)")
CREDENTIAL_GETTER_RE = lazy_compile(rb"def[ \t]+\w*" + _PASSWORD_WORD + rb"[ \t]*\(")


class HardcodedConnectionValue(Rule):
    """A backing service's port or a password written into production code (`port=6379`).

    ## What it does
    Flags connection values written into production code: a backing service's well-known port
    where it is used as a port (`port=6379`, `REDIS_PORT = 6379`, `redis://cache:6379/0`), a
    password embedded in a connection URL or DSN (masked in the message), and a development
    password bound to a password (`password="postgres"`, `DB_PASSWORD = "postgres"`, any literal
    default of a settings field's password), and a cloud SDK's credentials profile named for
    development (`boto3.setup_default_session(profile_name="dev")`). A
    real-looking secret is [ISO203](ISO203.md)'s, a URL on a local host [ISO101](ISO101.md)'s
    and an environment lookup's default [ISO102](ISO102.md)'s: one finding per literal.

    ## Why is this bad?
    Ports and credentials differ between a laptop, a staging stack and production (managed
    databases, TLS ports, poolers such as PgBouncer on 6432). A hard-coded one keeps working
    locally and breaks — or silently connects to the wrong instance — elsewhere; a committed
    password is both a leak and a development value nobody rotates.

    ## Example
    ```python
    import redis

    cache = redis.Redis(host=CACHE_HOST, port=6379, password="changeme")
    ```

    ## Use instead
    ```python
    import os

    import redis

    cache = redis.Redis(
        host=os.environ["REDIS_HOST"],
        port=int(os.environ["REDIS_PORT"]),
        password=os.environ["REDIS_PASSWORD"],
    )
    ```

    ## Fix safety
    A port or password that something names (`port=` of `redis.Redis` → `REDIS_PORT`, a field
    `db_password` → `DB_PASSWORD`) is replaced by the configured environment accessor (the
    module's own, `get_config("X")`, where it reads its configuration through one), wrapped
    in `int(...)` for an integer port; the default of a pydantic-settings field is dropped
    instead (`DB_PASSWORD: str = "postgres"` → `DB_PASSWORD: str`), so the settings class keeps
    reading it. Unsafe: the variable must now be set. URLs with an embedded port or password
    are replaced whole when an assignment or keyword names them (`REDIS_URL = ...`); otherwise
    no fix is offered.

    ## Known look-alikes
    - Web-application ports (8000, 8080, 3000), and the app's own listen port whatever its
      number (`API_PORT: int = 9000`, `SERVER_PORT = 5432`).
    - A protocol's default port where the code says it is one: `DEFAULT_PORT`, `url.port or
      6379`, a driver class's `port = 27017`, a setting or fallback named for its service
      (`POSTGRES_PORT: int = 5432`; `REDIS_PORT: int = 5432` stays reported), a connector's
      parameter or field beside a host its user gives (`def __init__(self, host, port=27017)`).
    - An environment lookup's default (`os.getenv("REDIS_URI") or "redis://redis:6379/0"`):
      [ISO102](ISO102.md)'s.
    - Checks (`if port == 5432`), messages, docstrings, documentation constants
      (`EXAMPLE_DATABASE_URL`).
    - `__main__` blocks, development-switch branches, modules importing a testing package,
      migrations, command-line tools (`cli/`), development and test code.

    ## Options
    - `env-accessor`, `env-accessor-import`: the expression and import the fix uses.
    """

    code = "ISO103"
    name = "hardcoded-connection-value"
    message = "Hard-coded {what}"
    fix_title = "Read the value from the environment"
    fixable = Fixability.SOMETIMES
    zones = PRODUCTION_ONLY
    tokens = (b"@", b"pass", b"PASS", b"Pass", b"pwd", b"PWD", b"Pwd", b"://", b"profile_name", *_PORT_TOKENS)
    options = ("env-accessor", "env-accessor-import")

    @classmethod
    def admits(cls, source: SourceFile, project: Any) -> bool:
        """Only a file that can hold what this rule reports: a service port written as a number
        (a port, a digit string, the port of a URL or ``host:port``), a URL or ``host:port``
        with user-info (its password), or a password-like name a value is bound to (a development password, a DSN's
        ``password=``).
        Docstring URLs, ``pass`` statements and numbers such as ``16379`` alone do not count."""
        if is_schema_migration(source) or is_command_line_tool(source.rel_path):
            return False
        raw = source.raw
        if b"://" in raw and URL_USERINFO_RE.search(raw) is not None or b"profile_name=" in raw:
            return True
        low = lowered(source)
        if (b"pass" in low or b"pwd" in low) and (
                CREDENTIAL_BINDING_RE.search(low) is not None or CREDENTIAL_GETTER_RE.search(low) is not None):
            return True
        if has_service_port_number(raw):
            return True
        return b"@" in raw and any(pattern.search(raw) is not None for pattern in SCHEMELESS_USERINFO_RES)

    def visit_Constant(self, node: ast.Constant, ctx: PythonContext) -> None:
        value = node.value
        if isinstance(value, bool):
            return
        if isinstance(value, int):
            self._port(node, value, ctx)
        elif isinstance(value, str) and string_literal_nodes(node, ctx):
            if is_ascii_number(value):
                self._port(node, value, ctx)
            else:
                self._connection_string(node, value, ctx)
                self._password(node, value, ctx)
                self._profile(node, value, ctx)

    def visit_JoinedStr(self, node: ast.JoinedStr, ctx: PythonContext) -> None:
        if string_literal_nodes(node, ctx):
            self._connection_string(node, literal_text(node) or "", ctx)

    # -- gates ---------------------------------------------------------------------------------
    @staticmethod
    def _value_site(node: ast.AST, name: str | None, ctx: PythonContext) -> UseSite | None:
        site = classify_use(node, ctx)
        if site.use is not Use.VALUE or in_development_only(node, ctx) or env_default_dev_value(node, ctx) is not None:
            return None
        if names_documentation(name):
            return None  # EXAMPLE_DATABASE_URL: shown to people, never connected to
        return site

    # -- ports ---------------------------------------------------------------------------------
    def _port(self, node: ast.Constant, value: int | str, ctx: PythonContext) -> None:
        service = service_port(value)
        if service is None:
            return
        name = env_name_for(node, ctx)
        if name and (PROTOCOL_DEFAULT_NAME_RE.search(name) or OWN_PORT_NAME_RE.search(name)) \
                or _url_default_port(node, service, ctx) or _driver_default(ctx) or is_env_default(node, ctx):
            return  # an environment lookup's default port is ISO102's to judge
        named_port = bool(name and PORT_NAME_RE.search(name))
        if not (named_port or _beside_host(node, ctx)):
            return
        field = settings_field_of(node, ctx)
        if field is not None and not names_another_service(field.name, service):
            return  # POSTGRES_PORT: int = 5432 in a settings class: the protocol's default, read from the environment
        if _configurable_default(node, ctx) and not names_another_service(name or "", service):
            return  # def __init__(self, host, port: int = 3306): the protocol's default, the caller's to change
        site = self._value_site(node, name, ctx)
        if site is None:
            return
        fix = None
        if field is not None:
            fix = settings_field_fix(field, ctx)
        elif named_port and site.direct:
            if name == "PORT":  # a generic `port=` of an unknown client: name it after the service
                name = re.sub(r"\W+", "_", service).upper() + "_PORT"
            fix = replace_with_env_lookup(node, name, ctx, wrap="int" if isinstance(value, int) else "")  # type: ignore[arg-type]
        ctx.report(self, node, fix=fix, what=f"{service} port {value}; read it from configuration")

    # -- URLs and DSNs -------------------------------------------------------------------------
    def _connection_string(self, node: ast.AST, text: str, ctx: PythonContext) -> None:
        if not might_be_connection_value(text):
            return
        parsed = parse_value(text)
        if not parsed.refs or parsed.is_bare_host:
            return
        name = env_name_for(node, ctx)
        if parsed.destination_refs(names_backing_service(name)):
            return  # a local-host value: ISO101's finding names the password too
        passwords = parsed.passwords
        if passwords and find_secret(name, text) is not None:
            return  # a real-looking password: the secrets family (ISO203) reports the literal
        # os.getenv("POSTGRES_URI") or "postgresql://postgres:5432/app": like a bare port default, the port of an
        # environment lookup's default is ISO102's to judge — the protocol's own, at the host the default names
        ports = [] if is_env_default(node, ctx) else \
            [(ref.port, service_port(ref.port)) for ref in parsed.refs if service_port(ref.port)]
        if not passwords and not ports:
            return
        site = self._value_site(node, name, ctx)
        if site is None:
            return
        parts = [f"password `{display_value(passwords[0], passwords)}`"] if passwords else []
        parts += [f"{service} port {port}" for port, service in ports[:1]]
        data = {SECRET_RANGE: secret_range(node, passwords[0], ctx)} if passwords else {}
        # an f-string keeps its run-time pieces: replacing it whole would drop them
        field = settings_field_of(node, ctx)
        fix = settings_field_fix(field, ctx) if field is not None else replace_with_env_lookup(node, name, ctx) \
            if name and site.direct and isinstance(node, ast.Constant) else None
        ctx.report(self, node, fix=fix, data=data, what=" and ".join(parts) + " in a connection value")

    # -- development credentials profiles -------------------------------------------------------
    def _profile(self, node: ast.Constant, text: str, ctx: PythonContext) -> None:
        """``boto3.setup_default_session(profile_name="dev")``, ``boto3.Session(profile_name="local")``:
        production code choosing the developer's named credentials (``~/.aws/credentials``) —
        wherever that profile exists, the process runs as the developer, and which account it
        reaches is decided in code instead of configuration (``AWS_PROFILE``, a role)."""
        parent = ctx.parent
        if not (isinstance(parent, ast.keyword) and parent.arg == "profile_name"
                and text.strip().lower() in DEV_ENVIRONMENTS):
            return
        if self._value_site(node, None, ctx) is None:
            return
        ctx.report(self, node, what=f"development credentials profile `{text.strip()}`; choose the profile in "
                                    "configuration (`AWS_PROFILE`)")

    # -- development passwords -----------------------------------------------------------------
    def _password(self, node: ast.Constant, text: str, ctx: PythonContext) -> None:
        if len(text) > 64 or not text.strip():
            return
        name = env_name_for(node, ctx)
        if not name or not PASSWORD_NAME_RE.search(name):
            return
        field = settings_field_of(node, ctx)
        if not is_dev_credential(text) and (field is None or find_secret(name, text) is not None):
            return  # a settings field's password default is a development one unless it looks real (ISO203's)
        site = self._value_site(node, name, ctx)
        if site is None:
            return
        if isinstance(site.parent, (ast.Assign, ast.AnnAssign)) and _names_itself(site.parent, text):
            return  # PASSWORD = "password": the name of a form field or an enum member, not a credential
        if ctx.classes and ctx.current_function is None and _is_enum(ctx.classes[-1]):
            return
        if isinstance(ctx.parent, ast.Dict) and _maps_field_to_itself(ctx.parent, node):
            return  # {"username": "username", "password": "password"}: form-field names
        fix = settings_field_fix(field, ctx) if field is not None else \
            replace_with_env_lookup(node, name, ctx) if site.direct else None
        ctx.report(self, node, fix=fix, data={SECRET_RANGE: secret_range(node, text, ctx)},
                   what=f"development password `{display_value(text, [text])}` for `{name}`; read it from the "
                        "environment or a secret store")


#: ``DEFAULT_PORT = 5672``, ``default_port = 27017``: a constant documenting the protocol's port
PROTOCOL_DEFAULT_NAME_RE = lazy_compile(r"(^|_)DEFAULT_(\w+_)?PORT$")


#: base classes of a protocol driver (celery result backends, kombu transports, SQLAlchemy
#: dialects): their class attributes are the protocol's defaults, overridden by the URL
DRIVER_BASE_RE = lazy_compile(r"(Backend|Transport|Channel|Dialect)$")


def _driver_default(ctx: PythonContext) -> bool:
    """``class MongoBackend(BaseBackend): port = 27017``: a class attribute of a driver for the
    protocol — what the driver assumes when the URL it is given names no port; likewise a plain
    name a driver's method falls back to (``port = url.port`` … ``else: port = 1521`` in a
    SQLAlchemy dialect)."""
    parent = ctx.parent
    if not ctx.classes or not isinstance(parent, ast.Assign):
        return False
    if ctx.current_function is not None and not (
            len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)
            and ctx.current_function in ctx.classes[-1].body):
        return False
    bases = ctx.classes[-1].bases
    return any(DRIVER_BASE_RE.search(base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", ""))
               for base in bases)


def _url_default_port(node: ast.AST, service: str, ctx: PythonContext) -> bool:
    """``parsed.port or 6379``, ``url.port or (8443 if https else 8123)``: the port a URL implies
    when it names none — URL semantics, the same in every environment; likewise a port setting's
    fallback to its service's standard port (``settings.falkordb_port or 6379``), as a settings
    field's default is (``settings.redis_port or 5432`` names another service and stays reported)."""
    child = node
    for parent in reversed(ctx.parents):
        if isinstance(parent, ast.IfExp) and child is not parent.test:
            child = parent
            continue
        if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and child is not parent.values[0]:
            first = parent.values[0]
            first_name = first.attr if isinstance(first, ast.Attribute) else first.id if isinstance(first, ast.Name) \
                else None
            return first_name is not None and (first_name == "port" or PORT_NAME_RE.search(
                first_name.upper()) is not None and not names_another_service(first_name, service))
        return False
    return False


#: a parameter or field that names where to connect
DESTINATION_NAME_RE = lazy_compile(r"^_*(\w+_)?(host|hostname|server|address|addr|endpoint|url|uri|dsn|"
                                   r"connection_string|conn_str)$", re.IGNORECASE)


def _configurable_default(node: ast.AST, ctx: PythonContext) -> bool:
    """A port default beside a destination its user must give: a connector's parameter
    (``def __init__(self, host: str, port: int = 27017)``) or a configuration class's field
    (``class PostgresConfig: host: str; port: int = 5432``) where the host has no default of its
    own. Whoever names the server names its port too; the default is the protocol's. A function
    or class that decides the destination itself (no host to give) keeps its port reported."""
    parent = ctx.parent
    if isinstance(parent, ast.arguments):
        return _takes_destination(parent)
    if not (isinstance(parent, ast.AnnAssign) and parent.value is node and ctx.classes and ctx.current_function is None):
        return False
    return any(isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
               and DESTINATION_NAME_RE.match(item.target.id) is not None and _no_value(item.value)
               for item in ctx.classes[-1].body)


def _takes_destination(arguments: ast.arguments) -> bool:
    """Whether a parameter names the destination and has no default of its own (or ``None``)."""
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = [*zip(positional, defaults), *zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return any(DESTINATION_NAME_RE.match(argument.arg) is not None and _no_value(default) for argument, default in pairs)


def _no_value(node: ast.expr | None) -> bool:
    return node is None or isinstance(node, ast.Constant) and node.value in (None, "")


def _beside_host(node: ast.AST, ctx: PythonContext) -> bool:
    """``("redis", 6379)`` or ``Redis("redis", 6379)``: a port right after a host."""
    parent = ctx.parent
    if isinstance(parent, ast.Tuple) and len(parent.elts) == 2 and parent.elts[1] is node:
        # an address passed on (`sock.connect(("redis", 6379))`), not a row of a scheme → port table
        host = parent.elts[0]
        is_host = literal_text(host) is not None or isinstance(host, (ast.Name, ast.Attribute))
        return is_host and isinstance(ctx.ancestor(2), (ast.Call, ast.keyword))
    if isinstance(parent, ast.Call) and any(arg is node for arg in parent.args):
        return callee_prefix(parent) is not None
    return False


def _names_itself(assignment: ast.Assign | ast.AnnAssign, text: str) -> bool:
    targets = assignment.targets if isinstance(assignment, ast.Assign) else [assignment.target]
    names = {t.id.lower() for t in targets if isinstance(t, ast.Name)} | {
        t.attr.lower() for t in targets if isinstance(t, ast.Attribute)}
    return text.strip().lower() in names


def _is_enum(cls: ast.ClassDef) -> bool:
    return any((base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")).endswith("Enum")
               for base in cls.bases)


def _maps_field_to_itself(mapping: ast.Dict, value: ast.Constant) -> bool:
    for key, item in zip(mapping.keys, mapping.values):
        if item is value:
            return isinstance(key, ast.Constant) and str(key.value).lower() == str(value.value).lower()
    return False
