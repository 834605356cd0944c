from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key
from isolint.core.model import SECRET_RANGE, Fix, Fixability, Language
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.rules.common.env_names import env_name_for, service_word
from isolint.rules.config_isolation.env_lookups import is_env_default
from isolint.fixers.settings_fields import settings_field_fix, settings_field_of
from isolint.rules.config_isolation.shared import replace_with_env_lookup
from isolint.rules.config_isolation.usage import (
    TRANSPARENT_CALLS,
    Use,
    UseSite,
    callee_name,
    classify_use,
    expression_name,
    in_development_only,
    is_command_line_tool,
    is_own_port,
    is_schema_migration,
    literal_text,
    secret_range,
    string_literal_nodes,
)
from isolint.rules.config_isolation.values import (
    ParsedValue,
    display_value,
    host_kind,
    is_ascii_number,
    is_docker_host_choice,
    is_loopback_alias_list,
    names_backing_service,
    names_documentation,
    names_local_entry,
    names_non_destination,
    names_proxy_bypass,
    names_telemetry_agent,
    parse_value,
    secret_span,
    service_port,
)
from isolint.rules.config_isolation.typescript_values import (
    bound_name,
    conditions_choosing,
    declared_constant,
    env_fallback,
    is_email_preview_prop,
    is_analysed_string,
    is_own_port_url,
    is_quiet_use,
    is_server_own_host,
    is_tooling_file,
    names_local_choice,
    outer,
    string_text,
    uses_only_as_server_host,
)

if TYPE_CHECKING:
    from isolint.core.context import PythonContext, TypeScriptContext
    from isolint.core.source import SourceFile

#: cheap text test before parsing a literal as a connection value
_LOCAL_MARKERS = ("localhost", "127.", "0.0.0.0", "::", "docker.internal", "ip6-")


#: the URL schemes of a web server this process may run itself (a database URL is never that)
WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})
#: field and parameter names of a server's own address
SERVER_HOST_FIELD_RE = lazy_compile(r"^_*(default_)?(host|hostname|address|addr|bind|bind_host|bind_address|listen|"
                                  r"listen_host|listen_address|interface)(_?ipv?[46])?$", re.IGNORECASE)
#: a field of a class that runs a server: how many workers, reloading, TLS, proxy headers
SERVER_KNOB_FIELDS = frozenset({"workers", "reload", "use_reloader", "forwarded_allow_ips", "proxy_headers",
                                "ssl_cert", "ssl_certfile", "ssl_key", "ssl_keyfile", "root_path", "server_cls",
                                "server_class", "backlog", "timeout_keep_alive", "threaded"})
PORT_FIELD_RE = lazy_compile(r"^_*(default_)?port$", re.IGNORECASE)
#: a field documented as the address a server binds to
BIND_DESCRIPTION_RE = lazy_compile(r"\b(bind|binds|bound|listen|listens|listening)\b", re.IGNORECASE)


@dataclass
class _DeferredHostFinding:
    """A local host bound to a plain name: reported at the end of the file unless every use of
    the name only checks against it (``if host in LOCAL_HOSTS: raise``) or binds a server to it
    — in the file for a module name, in the class for a class attribute (read as ``self.name``), in
    the function for a local or a parameter."""

    node: ast.AST
    host: str
    detail: str
    fix: Fix | None
    data: dict
    #: a tuple/list/set of two or more bare local hosts — the shape of a "known local hosts" set
    bare_host_set: bool
    #: ``id`` of the function or class body the name is bound in (None: a module name)
    scope: int | None = None
    #: other places of the same local target: ``(node, message)`` (the sibling port field)
    related: tuple = ()


class HardcodedLocalHost(Rule):
    """A local host (`localhost`, `127.0.0.1`…) used as a value in production code.

    ## What it does
    Flags a local host — `localhost`, `127.0.0.1`, `::1`, `*.localhost`, `host.docker.internal`,
    or a URL, `host:port` or connection string on one — used as a *value* in production code
    (Python, and TypeScript/JavaScript string and template literals):
    assigned, returned, a default argument or field default, a dict value or a call argument,
    f-strings and the branches of a conditional expression included. A connection URL's
    embedded password and port are part of the same finding (the password masked), so
    [ISO103](ISO103.md) does not report them again; a settings field's sibling port
    (`db_port: int = 3308` beside `db_host`) is a related location. Development and test code, migrations and
    the default of an environment lookup (that is [ISO102](ISO102.md)'s) are not checked.

    ## Why is this bad?
    Code that falls back to `localhost` works on a laptop and silently talks to the wrong
    place — or to nothing — in staging and production. The stability audit behind isolint found
    database and Redis URL builders falling back to `localhost` in code that also ran in
    production. Every environment-specific value should come from configuration that is
    validated at start-up.

    ## Example
    ```python
    class RedisSettings:
        host = "localhost"


    def database_url() -> str:
        return "postgresql://app@localhost:5432/app"
    ```

    ## Use instead
    ```python
    import os


    class RedisSettings:
        host = os.environ["REDIS_HOST"]


    def database_url() -> str:
        return os.environ["DATABASE_URL"]


    def is_local(host: str) -> bool:
        return host in ("localhost", "127.0.0.1")
    ```

    ## Fix safety
    The fix replaces the literal with an environment lookup built from `env-accessor`
    (default `os.environ["NAME"]`), the variable name taken from where the value sits
    (`redis_host = ...` → `REDIS_HOST`, `Redis(host=...)` → `REDIS_HOST`, a dict key, a
    function `get_database_url` → `DATABASE_URL`, a field of `class RedisSettings` →
    `REDIS_HOST`), adding `import os` when needed — or, with no `env-accessor` configured, through
    the module's own accessor where its other lookups go through one (`get_config("X")`,
    `env.require("X")`), which needs no import. The default of a pydantic-settings (or model) field is
    dropped instead (`REDIS_HOST: str = "localhost"` → `REDIS_HOST: str`, `Field(default=...)`
    loses its default): the settings class keeps reading the variable, with its prefix, `.env`
    file and validation. It is unsafe: the program now fails fast where it silently used the
    literal before — the point of the fix, but a behaviour change. No fix is offered when
    nothing names the value (a positional argument, a list element, a piece of a concatenation).

    ## Known look-alikes
    - Checks, allow-lists, `NO_PROXY` lists, port probes, messages, regexes, `EXAMPLE_*`.
    - Where a server listens (`server.listen(0, HOST)`), a URL of a server the process runs
      (a port it picked, `` `http://localhost:${process.env.PORT}` ``).
    - A program's own loopback address (Ollama's `:11434`, Chrome DevTools' `:9222`), and
      `host.docker.internal` chosen under a Docker name or condition.
    - Respellings (`url.replace("0.0.0.0", …)`), an implied host (`parsed.hostname or
      "localhost"`), a collector's default, `"127.0.0.0"` (a range).
    - A settings form's offer (a JSON-Schema `"default"`), an e-mail template's preview props,
      a catalogue's `"Local"` choice, a port-less loopback redirect, an API's documented `servers`.
    - Development code: `__main__` blocks, a development branch (`if DEBUG:`) unless the mode
      defaults to it, frontend tooling, `cli/` packages, a typer command's defaults.

    ## Options
    - `env-accessor`, `env-accessor-import`: the expression and import the fix uses.
    """

    code = "ISO101"
    name = "hardcoded-local-host"
    message = "Hard-coded {host} in production code{detail}"
    fix_title = "Read the value from the environment"
    fixable = Fixability.SOMETIMES
    zones = PRODUCTION_ONLY
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT})
    tokens = (b"localhost", b"LOCALHOST", b"Localhost", b"127.", b"0.0.0.0", b"::1", b"[::]",
              b"docker.internal", b"ip6-")
    options = ("env-accessor", "env-accessor-import")

    @classmethod
    def admits(cls, source: SourceFile, project: Any) -> bool:
        if source.language is Language.TYPESCRIPT:
            return not is_tooling_file(source.rel_path)
        return not is_schema_migration(source) and not is_command_line_tool(source.rel_path)

    def __init__(self) -> None:
        self._pending: dict[str, list[_DeferredHostFinding]] = {}
        self._uses: dict[str, list[tuple[int | None, Use]]] = {}
        #: list, tuple and set displays already reported: one finding per collection
        self._reported_collections: set[int] = set()
        #: TypeScript: bare local hosts bound to a constant, with the host's description
        self._pending_constants: list[tuple[Any, Any, str]] = []
        #: the module and the property names of the JSON-Schema forms it defines (computed once)
        self._form_fields: tuple[ast.Module, frozenset[str]] | None = None
        #: per list or array (by id): whether its elements are spellings of the loopback only
        self._loopback_alias_lists: dict[int, bool] = {}

    def _is_loopback_alias_list(self, key: int, texts: Callable[[], list[str | None]]) -> bool:
        """``is_loopback_alias_list`` of a collection's element ``texts``, asked for each element
        and read once per collection (``key``): a list of thousands of hosts is read once, not
        once per host."""
        known = self._loopback_alias_lists.get(key)
        if known is None:
            known = self._loopback_alias_lists[key] = is_loopback_alias_list(texts())
        return known

    def _in_membership_collection(self, container: ast.AST | None) -> bool:
        """Bare hosts in a set (``{"localhost", "127.0.0.1"}``, ``frozenset(...)``) or a list/tuple
        of two or more spellings of the loopback (``["localhost", "127.0.0.1", "[::1]"]``, also as
        a setting's default inside a larger structure): a set of aliases of one machine is only
        ever used to recognise it — a destination is one host."""
        if isinstance(container, ast.Call) and callee_name(container) in ("set", "frozenset") and len(
                container.args) == 1:
            return True
        if isinstance(container, ast.Set):
            return True
        if not isinstance(container, (ast.List, ast.Tuple)):
            return False
        return self._is_loopback_alias_list(id(container), lambda: [literal_text(e) for e in container.elts])

    def visit_Constant(self, node: ast.Constant, ctx: PythonContext) -> None:
        self._check(node, ctx)

    def visit_JoinedStr(self, node: ast.JoinedStr, ctx: PythonContext) -> None:
        self._check(node, ctx)

    def visit_Name(self, node: ast.Name, ctx: PythonContext) -> None:
        if isinstance(node.ctx, ast.Load) and node.id in self._pending:
            scope = _scope_id(ctx)
            site = classify_use(node, ctx)
            use = Use.BIND if site.use is Use.VALUE and _is_server_own_address(site, ctx) else site.use
            self._uses.setdefault(node.id, []).append((scope, use))  # host: str = DEFAULT_HOST of RunSettings

    def visit_Attribute(self, node: ast.Attribute, ctx: PythonContext) -> None:
        """``self.api_host`` of a class attribute holding a local host: a use like a name's."""
        if (isinstance(node.ctx, ast.Load) and node.attr in self._pending and isinstance(node.value, ast.Name)
                and node.value.id == "self" and ctx.classes):
            use = Use.BIND if _precedes_own_port_in_fstring(ctx) else classify_use(node, ctx).use
            self._uses.setdefault(node.attr, []).append((id(ctx.classes[-1]), use))

    def _check(self, node: ast.AST, ctx: PythonContext) -> None:
        if not string_literal_nodes(node, ctx):
            return
        text = literal_text(node) or ""
        lowered = text.lower()
        if not any(marker in lowered for marker in _LOCAL_MARKERS):
            return
        parsed = parse_value(text)
        if not parsed.refs:
            return
        site = classify_use(node, ctx)
        if site.use not in (Use.VALUE, Use.ITERATED) or in_development_only(node, ctx):
            return
        if parsed.is_bare_host and _in_port_probe(ctx):
            return  # def _probe_relay_health(port): HTTPConnection("127.0.0.1", port): is it listening here?
        if _is_peer_address_fallback(site, ctx):
            return  # request.client.host if request.client else "127.0.0.1": the other end's address
        if is_env_default(node, ctx):
            return  # an environment lookup's default: ISO102 judges it (with the variable's name)
        name = env_name_for(node, ctx)
        if names_documentation(name) or _is_local_member(name, ctx):
            return  # EXAMPLE_DATABASE_URL = "postgresql://user:pass@localhost/db": shown, never connected to
        if _is_labelled_local_entry(node, ctx) or _respells_bind_all(node, parsed, ctx):
            return  # {"url": "http://localhost:8000", "name": "Local"}; "localhost" if host == "0.0.0.0" else host
        if _is_form_schema_value(node, ctx) or self._reads_form_field(node, ctx) or _is_decorator_form_offer(node, ctx):
            return  # "properties": {"host": {"type": "string", "default": "127.0.0.1"}}: what a form offers
        source = _fallback_source(node, ctx)
        if parsed.is_bare_host and isinstance(source, ast.Attribute) and source.attr in URL_HOST_ATTRIBUTES:
            return  # parsed.hostname or "localhost": what a URL naming no host means (libpq, redis-py)
        if not parsed.local_refs[1:] and parsed.local_refs and (names_telemetry_agent(name) or names_telemetry_agent(
                expression_name(source) if source is not None else None)):
            return  # get_env_collector_endpoint() or "http://localhost:6006": a collector beside the process
        if is_docker_host_choice(parsed, _docker_choice_text(name, node, ctx)):
            return  # if isinstance(sandbox, DockerSandboxService): url = f"http://host.docker.internal:{port}"
        if _is_loopback_redirect(parsed, name):
            return  # REDIRECT_URIS = ["http://127.0.0.1/callback"]: a native app's loopback redirect (RFC 8252)
        if names_proxy_bypass(name):
            return  # no_proxy += ["http://127.0.0.1", "http://localhost"]: hosts the proxy is skipped for
        if parsed.is_bare_host_list and names_non_destination(name) or parsed.is_bare_host and (
                self._in_membership_collection(site.child) or self._in_membership_collection(ctx.parent)
                or _is_server_own_address(site, ctx) or _respells_local_host(site, ctx)):
            return  # ALLOWED_HOSTS = ["localhost"], {"127.0.0.1", "::1"}, a server's bind address
        refs = parsed.destination_refs(names_backing_service(name))
        if not refs or site.use is Use.ITERATED and parsed.is_bare_host:
            return
        if _is_own_server_url(node, refs, ctx):
            return  # f"http://127.0.0.1:{self.port}": a server this process runs, on loopback by design
        collection = ctx.parent if isinstance(ctx.parent, (ast.List, ast.Tuple, ast.Set)) else None
        if collection is not None:
            if id(collection) in self._reported_collections:
                return  # CORS origins ["http://localhost:3000", "http://localhost:5173"]: one problem
            self._reported_collections.add(id(collection))
        detail, data = self._detail(node, parsed, ctx)
        ref = refs[0]
        host = ref.described if ref.kind == "local" else f"{ref.described} as a destination"
        field = settings_field_of(node, ctx)
        fix = settings_field_fix(field, ctx) if field is not None else \
            replace_with_env_lookup(node, name, ctx) if name and site.direct else None
        related = _sibling_port(field.name, ctx) if field is not None and ref.port is None else ()
        target = _bound_name(site)
        if parsed.is_bare_host and _paired_with_own_port(ctx):
            return  # host = "127.0.0.1"; port = self.ssh_tunnel.local_bind_port: the near end of a tunnel
        if target is not None:
            scope = _scope_id(ctx)
            self._pending.setdefault(target, []).append(
                _DeferredHostFinding(node, host, detail, fix, data, _is_bare_host_set(site.child), scope, related))
            return
        ctx.report(self, node, fix=fix, data=data, related=related, host=host, detail=detail)

    def _reads_form_field(self, node: ast.AST, ctx: PythonContext) -> bool:
        """``self.configuration.get("host", "127.0.0.1")`` (or ``.get("host") or "127.0.0.1"``) in a
        module whose JSON-Schema form has a ``host`` property: the fallback of a value the user
        fills into that form, not the deployment's configuration."""
        key = _fallback_key(node, ctx)
        if key is None or ctx.tree is None:
            return False
        if self._form_fields is None or self._form_fields[0] is not ctx.tree:
            self._form_fields = (ctx.tree, _form_schema_fields(ctx.tree))
        return key in self._form_fields[1]

    def visit_string(self, node: Any, ctx: TypeScriptContext) -> None:
        """TypeScript/JavaScript: a string or template literal (``${…}`` read as a placeholder)."""
        if not is_analysed_string(node):
            return
        text = string_text(node) or ""
        if not any(marker in text.lower() for marker in _LOCAL_MARKERS):
            return
        parsed = parse_value(text)
        if not parsed.refs or env_fallback(node) is not None or is_quiet_use(node):
            return  # `process.env.X || "http://localhost"` is ISO102's; checks, messages, dev branches
        name = bound_name(node)
        if names_documentation(name) or names_local_choice(name) or names_telemetry_agent(name):
            return  # EXAMPLE_URL, `Local: "http://localhost:8000"` in a catalogue of environments
        if is_docker_host_choice(parsed, f"{name or ''} {conditions_choosing(node)}"):
            return  # inDocker ? "http://host.docker.internal:8000" : url
        if is_email_preview_prop(node, ctx.source.raw):
            return  # ({ assetBaseUrl = "http://localhost:3002" }) => <Html>…: a react-email preview's sample prop
        collection = outer(node).parent
        collection = collection if collection is not None and collection.type == "array" else None
        if names_proxy_bypass(name):
            return  # env: { NO_PROXY: "localhost,http://127.0.0.1" }: hosts the proxy is skipped for
        if parsed.is_bare_host_list and names_non_destination(name) or parsed.is_bare_host and (
                names_non_destination(name) or collection is not None and self._is_loopback_alias_list(
                    collection.id, lambda: [string_text(element) for element in collection.named_children])):
            return  # ALLOWED_HOSTS = ["localhost"], ["localhost", "127.0.0.1", "::1"]
        refs = parsed.destination_refs(names_backing_service(name))
        if not refs:
            return
        if collection is not None:
            if collection.id in self._reported_collections:
                return  # allowed origins ["http://localhost:3000", "http://localhost:5173"]: one problem
            self._reported_collections.add(collection.id)
        if parsed.is_bare_host and is_server_own_host(node):
            return  # server.listen(0, "127.0.0.1"), { host: "127.0.0.1" } returned by parseServer(): ServerConfig
        if len(refs) == 1 and refs[0].kind == "local" and refs[0].scheme in WEB_SCHEMES and is_own_port_url(node):
            return  # `http://localhost:${process.env.PORT ?? 3000}`: a server-side render calling its own server
        ref = refs[0]
        host = ref.described if ref.kind == "local" else f"{ref.described} as a destination"
        detail, data = "", {}
        if parsed.passwords:
            detail = f" (the value also embeds the password `{display_value(parsed.passwords[0], parsed.passwords)}`)"
            data = {SECRET_RANGE: secret_span(ctx.source, ctx.range(node), parsed.passwords[0]).to_json()}
        constant = declared_constant(node) if parsed.is_bare_host else None
        if constant is not None:
            self._pending_constants.append((constant, node, host))  # judged by its uses: check_typescript
            return
        ctx.report(self, node, data=data, host=host, detail=detail)

    visit_template_string = visit_string

    def check_typescript(self, tree: Any, ctx: TypeScriptContext) -> None:
        """A local host bound to a constant (``const HOST = "127.0.0.1"``) is reported unless every
        use of the constant in the file is where a server listens (``server.listen(0, HOST)``, the
        ``host`` of a server's own settings) or that server's URL."""
        for constant, node, host in self._pending_constants:
            if not uses_only_as_server_host(constant, tree.root_node, ctx.source.raw):
                ctx.report(self, node, host=host, detail="")

    @staticmethod
    def _detail(node: ast.AST, parsed: ParsedValue, ctx: PythonContext) -> tuple[str, dict]:
        passwords = parsed.passwords
        if not passwords:
            return "", {}
        shown = display_value(passwords[0], passwords)
        return (f" (the value also embeds the password `{shown}`)",
                {SECRET_RANGE: secret_range(node, passwords[0], ctx)})

    def end_file(self, ctx: PythonContext) -> None:
        for target, items in self._pending.items():
            for item in items:
                uses = [use for scope, use in self._uses.get(target, []) if item.scope is None or scope == item.scope]
                value_uses = [u for u in uses if u is Use.VALUE or u is Use.ITERATED and not item.bare_host_set]
                if uses and not value_uses or not uses and item.bare_host_set:
                    continue
                ctx.report(self, item.node, fix=item.fix, data=item.data, related=item.related, host=item.host,
                           detail=item.detail)


#: a label of a catalogue entry: ``"Local"``, ``"Local development"``, ``"localhost"``
LOCAL_LABEL_TEXT_RE = lazy_compile(r"^(local|localhost|development|dev)\b", re.IGNORECASE)
#: names of the URLs an OAuth authorization server sends the user back to
REDIRECT_NAME_RE = lazy_compile(r"(^|_)(REDIRECT_URIS?|REDIRECT_URLS?|CALLBACK_URIS?|CALLBACK_URLS?)$")


def _is_local_member(name: str | None, ctx: PythonContext) -> bool:
    """A single value of a class member or field named for the local choice (``LOCAL`` of an
    environments enum, ``local_runtime_url``). A module constant named so (``DEV_API_URL``) is
    often a fallback and stays reported, and so does a collection (``LOCAL_ORIGINS``: an allow-list)."""
    return (names_local_entry(name) and bool(ctx.classes) and ctx.current_function is None
            and not isinstance(ctx.parent, (ast.List, ast.Tuple, ast.Set)))


def _is_labelled_local_entry(node: ast.AST, ctx: PythonContext) -> bool:
    """``servers=[{"url": "https://api.example.com", "name": "Cloud"}, {"url": "http://localhost:8000",
    "name": "Local"}]``: an entry of a catalogue of environments, labelled local by a sibling value."""
    mapping, catalogue = ctx.parent, ctx.ancestor(2)
    if not isinstance(mapping, ast.Dict) or not any(value is node for value in mapping.values):
        return False
    if not isinstance(catalogue, (ast.List, ast.Tuple)) or sum(isinstance(e, ast.Dict) for e in catalogue.elts) < 2:
        return False
    return any(value is not node and LOCAL_LABEL_TEXT_RE.match(literal_text(value) or "") is not None
               and len(literal_text(value) or "") <= 40 for value in mapping.values)


#: keys of a JSON-Schema property whose value is offered to whoever fills the form in
FORM_OFFER_KEYS = frozenset({"default", "examples", "example", "placeholder"})
#: keys that make a dict a JSON-Schema property (``{"type": "string", "title": "Host"}``)
FORM_PROPERTY_KEYS = frozenset({"type", "title", "description"})


def _dict_keys(mapping: ast.Dict) -> dict[str, ast.expr]:
    return {text: value for key, value in zip(mapping.keys, mapping.values)
            if key is not None and (text := literal_text(key)) is not None}


def _form_properties(mapping: ast.AST) -> ast.Dict | None:
    """The ``"properties"`` dict of an object schema (``{"type": "object", "properties": {…}}``)."""
    if not isinstance(mapping, ast.Dict):
        return None
    keys = _dict_keys(mapping)
    properties = keys.get("properties")
    kind = keys.get("type")
    if isinstance(properties, ast.Dict) and kind is not None and literal_text(kind) == "object":
        return properties
    return None


def _is_form_schema_value(node: ast.AST, ctx: PythonContext) -> bool:
    """``{"type": "object", "properties": {"host": {"type": "string", "default": "127.0.0.1"}}}``:
    the default (or example, placeholder) a configuration form offers for a field — a data source
    connector's settings an administrator fills in, not where the product itself connects."""
    offset = 2 if isinstance(ctx.parent, (ast.List, ast.Tuple)) else 1  # "examples": ["localhost"]
    child = ctx.parent if offset == 2 else node
    field, properties = ctx.ancestor(offset), ctx.ancestor(offset + 1)
    if not isinstance(field, ast.Dict) or not isinstance(properties, ast.Dict):
        return False
    keys = _dict_keys(field)
    if FORM_PROPERTY_KEYS.isdisjoint(keys) or not any(keys.get(key) is child for key in FORM_OFFER_KEYS):
        return False
    return _form_properties(ctx.ancestor(offset + 2)) is properties and field in properties.values


def _is_decorator_form_offer(node: ast.AST, ctx: PythonContext) -> bool:
    """``@register_resource(parameters=[Parameter.build_from("host", str, default="127.0.0.1")])``:
    the default a parameter form declared in a decorator offers its user (a resource the UI lets
    someone configure), metadata that no connection reads — the decorated class's own fields and
    their readers are judged where they are."""
    keyword = ctx.parent
    if not isinstance(keyword, ast.keyword) or keyword.arg not in FORM_OFFER_KEYS \
            or not isinstance(ctx.ancestor(2), ast.Call):
        return False
    below: ast.AST = ctx.ancestor(2)
    for ancestor in reversed(ctx.parents[:-2]):
        if isinstance(ancestor, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(below is decorator for decorator in ancestor.decorator_list)
        below = ancestor
    return False


def _form_schema_fields(tree: ast.Module) -> frozenset[str]:
    """The property names of every JSON-Schema object form a module writes out."""
    return frozenset(name for mapping in ast.walk(tree) if (properties := _form_properties(mapping)) is not None
                     for name, field in _dict_keys(properties).items() if isinstance(field, ast.Dict))


def _fallback_key(node: ast.AST, ctx: PythonContext) -> str | None:
    """``"host"`` for ``config.get("host", node)`` or ``config.get("host") or node``."""
    parent = ctx.parent
    if isinstance(parent, ast.Call) and len(parent.args) == 2 and parent.args[1] is node:
        call = parent
    elif isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and parent.values[-1] is node \
            and isinstance(parent.values[0], ast.Call) and len(parent.values[0].args) == 1:
        call = parent.values[0]
    else:
        return None
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "get":
        return None
    return literal_text(call.args[0])


def _respells_bind_all(node: ast.AST, parsed: ParsedValue, ctx: PythonContext) -> bool:
    """``"localhost" if host in ("0.0.0.0", "::") else host``: a conditional turning the configured
    bind-all address into the loopback that reaches it — the value is still the configured host."""
    parent = ctx.parent
    if not parsed.is_bare_host or not isinstance(parent, ast.IfExp) or node is parent.test:
        return False
    test = parent.test
    if not isinstance(test, ast.Compare):
        return False
    sides = [test.left, *test.comparators]
    texts = [literal_text(element) for side in sides
             for element in (side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side])]
    return any(text is not None and host_kind(text) == "bind-all" for text in texts)


#: a parsed URL's host attributes (``urllib.parse``, SQLAlchemy's and yarl's ``URL``)
URL_HOST_ATTRIBUTES = frozenset({"hostname", "host"})


def _fallback_source(node: ast.AST, ctx: PythonContext) -> ast.expr | None:
    """``get_env_collector_endpoint()`` for ``get_env_collector_endpoint() or "http://localhost"``:
    what the literal stands in for when it is missing."""
    parent = ctx.parent
    if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and parent.values[-1] is node:
        return parent.values[0]
    return None


#: ports below this are IANA's well-known (system) ports, each a protocol's standard one (SMTP's 25, 587)
WELL_KNOWN_PORTS_END = 1024
#: the part of a host field's name that names its target: ``db`` of ``db_host``, ``BITWARDEN`` of
#: ``BITWARDEN_SERVER``
HOST_FIELD_SUFFIX_RE = lazy_compile(r"_(host|hostname|server|url|address|addr)$", re.IGNORECASE)


def _sibling_port(field: str, ctx: PythonContext) -> tuple[tuple[ast.AST, str], ...]:
    """``db_host: str = "localhost"`` beside ``db_port: int = 3308`` in the same settings class: the
    port is the other half of the same local target (a development compose mapping's host port), so
    it is this finding's related location. A service's standard port there (``POSTGRES_PORT: int =
    5432``, ``SMTP_PORT: int = 25``: a well-known port) is its protocol's default, not part of the
    local choice, and stays out."""
    match = HOST_FIELD_SUFFIX_RE.search(field)
    if match is None or not ctx.classes:
        return ()
    port_name = f"{field[:match.start()]}_port".lower()
    for statement in ctx.classes[-1].body:
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and statement.target.id.lower() == port_name and isinstance(statement.value, ast.Constant)):
            value = statement.value.value
            if isinstance(value, str) and is_ascii_number(value):
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool) and value >= WELL_KNOWN_PORTS_END \
                    and service_port(value) is None:
                return ((statement.value, f"its port `{value}`, part of the same local target"),)
    return ()


def _docker_choice_text(name: str | None, node: ast.AST, ctx: PythonContext) -> str:
    """The name the literal is bound to and the tests of the ``if``s and conditional expressions
    whose true branch holds it: where a choice made for Docker would say so."""
    texts = [name or ""]
    parents = ctx.parents
    for index, parent in enumerate(parents):
        child = parents[index + 1] if index + 1 < len(parents) else node
        if isinstance(parent, ast.If) and any(item is child for item in parent.body) \
                or isinstance(parent, ast.IfExp) and parent.body is child:
            texts.append(ctx.text_of(parent.test))
    return " ".join(texts)


def _is_loopback_redirect(parsed: ParsedValue, name: str | None) -> bool:
    """A redirect URI on the loopback *without a port*, bound to a redirect name: the address a
    native or command-line app listens on for the authorization response, any port allowed at
    request time (RFC 8252, section 7.3). A web app's ``http://localhost:3000/callback`` names a
    port and stays reported."""
    return (bool(name) and REDIRECT_NAME_RE.search(name) is not None  # type: ignore[arg-type]
            and all(ref.form == "url" and ref.kind == "local" and ref.port is None and ref.scheme in WEB_SCHEMES
                    for ref in parsed.refs))


def _bound_name(site: UseSite) -> str | None:
    """The plain name a literal (or a container of literals) is assigned to, or the parameter
    it is the default of (``def launch(app, host="127.0.0.1"): uvicorn.run(app, host=host)``)."""
    parent = site.parent
    if isinstance(parent, ast.arguments):
        positional = parent.posonlyargs + parent.args
        pairs = [*zip(positional[len(positional) - len(parent.defaults):], parent.defaults),
                 *zip(parent.kwonlyargs, parent.kw_defaults)]
        return next((arg.arg for arg, default in pairs if default is site.child), None)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name) and parent.value is site.child:
        return parent.target.id
    return None


#: a function that asks whether something listens on this machine: ``_port_open``, ``is_port_in_use``,
#: ``_probe_relay_health``, ``wait_for_port``
PORT_PROBE_FUNCTION_RE = lazy_compile(r"(^|_)(probe|ping|port_open|port_in_use|port_free|port_available|port_is_open|"
                                    r"port_is_free|is_port|wait_for_port|is_listening|listening)(_|$)", re.IGNORECASE)


def _in_port_probe(ctx: PythonContext) -> bool:
    """A bare loopback host inside a function that probes the port it is given (``def
    _port_open(port): ... create_connection(("127.0.0.1", port))``): the question is whether
    something listens on this machine, so the host is the loopback by definition. A probe of a
    fixed or a named service's port (``nc -zv localhost 6379``, ``redis_port``) stays reported."""
    function = ctx.current_function
    if function is None or PORT_PROBE_FUNCTION_RE.search(getattr(function, "name", "")) is None:
        return False
    arguments = function.args  # type: ignore[union-attr]
    ports = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
             if PORT_PARAMETER_RE.match(arg.arg) and service_word(arg.arg) is None}
    holder = ctx.parent
    if isinstance(holder, ast.keyword):
        holder = ctx.ancestor(2)
    siblings = holder.elts if isinstance(holder, (ast.Tuple, ast.List)) else \
        [*holder.args, *(k.value for k in holder.keywords)] if isinstance(holder, ast.Call) else []
    return any(isinstance(item, ast.Name) and item.id in ports for item in siblings)


PORT_PARAMETER_RE = lazy_compile(r"^_*(\w+_)?port$", re.IGNORECASE)


#: objects of an incoming connection: their ``client``/``remote_addr`` is the *peer's* address
INCOMING_RECEIVER_RE = lazy_compile(r"^_*(request|req|websocket|ws|scope|conn|connection|environ|sock|client)$")
PEER_ATTRIBUTE_RE = lazy_compile(r"^(client|remote_addr|remote_ip|peer|peername|client_addr|client_host|remote)$")


def _is_peer_address_fallback(site: UseSite, ctx: PythonContext) -> bool:
    """``request.client.host if request.client else "127.0.0.1"`` (a rate-limit key),
    ``request.remote_addr or "127.0.0.1"``: the literal stands in for the address of whoever
    connected to us, which is never a place this process connects to."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, ast.IfExp):
            siblings = [parent.body, parent.orelse]
        elif isinstance(parent, ast.BoolOp):
            siblings = list(parent.values)
        else:
            return False
        for sibling in siblings:
            chain = sibling
            while isinstance(chain, ast.Attribute):
                if PEER_ATTRIBUTE_RE.match(chain.attr) and isinstance(chain.value, (ast.Name, ast.Attribute)) \
                        and INCOMING_RECEIVER_RE.match(expression_name(chain.value)):
                    return True
                chain = chain.value
    return False


def _is_server_own_address(site: UseSite, ctx: PythonContext) -> bool:
    """A bare loopback host that is where a server *listens*: passed to a server start
    (``uvicorn.run(host=...)``, ``sock.bind(...)``, ``--host`` of a spawned ``uvicorn``: classified
    as :attr:`Use.BIND`), or the ``host`` field or ``__init__`` parameter of a class that *is* a
    server (``class ServerAPISettings``, ``class WebSocketServer``), or a field documented as a bind
    address (``Field(default="localhost", description="... should bind to")``). Binding to loopback
    is the safe default; the audit's risk is *connecting* to a developer's machine."""
    if site.use is Use.BIND:
        return True
    field = _field_name(site, ctx)
    if field is None or not SERVER_HOST_FIELD_RE.match(field[0]):
        return False
    description = field[1]
    if description is not None and BIND_DESCRIPTION_RE.search(description):
        return True
    cls = ctx.classes[-1] if ctx.classes else None
    if cls is None:
        return False
    if service_word(cls.name) is None and _configures_a_server(cls, ctx):
        return True
    lowered = cls.name.lower()
    return "server" in lowered and "client" not in lowered and service_word(cls.name) is None


#: per class node: whether it holds a server's own settings
SERVER_SETTINGS_CLASSES: Key[dict[int, bool]] = Key("iso1.server-settings-classes")

def _configures_a_server(cls: ast.ClassDef, ctx: PythonContext) -> bool:
    """A class whose fields say how a server runs — its own port beside workers, reloading, TLS
    files, proxy headers or a server class (``class RunSettings: host, port, ssl_cert, root_path``,
    Django's ``runserver`` command: ``default_addr``, ``default_port``, ``server_cls``): its host is
    where that server listens. A backing service's settings (``host``, ``port``, ``db``) name no
    such knob."""
    memo: dict[int, bool] = ctx.scratch.setdefault(SERVER_SETTINGS_CLASSES, dict)
    key = id(cls)
    if key not in memo:
        names = set()
        for statement in cls.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target] if isinstance(statement, ast.AnnAssign) else []
            names.update(target.id.lower() for target in targets if isinstance(target, ast.Name))
        memo[key] = any(PORT_FIELD_RE.match(name) for name in names) and not names.isdisjoint(SERVER_KNOB_FIELDS)
    return memo[key]


def _field_name(site: UseSite, ctx: PythonContext) -> tuple[str, str | None] | None:
    """The class field (``host: str = Field(default=..., description=...)``) or ``__init__``
    parameter the literal is the default of, with the field's description."""
    parent = site.parent
    function = ctx.current_function
    if isinstance(parent, ast.Call) and callee_name(parent) == "Field":
        description = next((literal_text(k.value) for k in parent.keywords if k.arg == "description"), None)
        index = next((i for i, ancestor in enumerate(ctx.parents) if ancestor is parent), 0)
        assignment = ctx.parents[index - 1] if index else None
        if isinstance(assignment, ast.AnnAssign) and isinstance(assignment.target, ast.Name) and function is None:
            return assignment.target.id, description
        return None
    if function is None and isinstance(parent, (ast.Assign, ast.AnnAssign)) and site.direct:
        target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
        return (target.id, None) if isinstance(target, ast.Name) else None
    if isinstance(parent, ast.arguments) and getattr(function, "name", "") == "__init__":
        for arg, default in zip(reversed(parent.args), reversed(parent.defaults)):
            if default is site.child:
                return arg.arg, None
        for arg, default in zip(parent.kwonlyargs, parent.kw_defaults):
            if default is site.child:
                return arg.arg, None
    return None


def _respells_local_host(site: UseSite, ctx: PythonContext) -> bool:
    """``if conninfo.hostname == "localhost": conninfo.hostname = "127.0.0.1"``: the same target
    turned from one spelling of the loopback into another introduces no local host."""
    parent = site.parent
    if not isinstance(parent, ast.Assign) or len(parent.targets) != 1 or not site.direct:
        return False
    target = ast.dump(parent.targets[0], annotate_fields=False).replace("Store()", "Load()")
    for ancestor in reversed(ctx.parents):
        if isinstance(ancestor, ast.If):
            test = ancestor.test
            if isinstance(test, ast.Compare) and len(test.comparators) == 1 and parent in ancestor.body:
                sides = (test.left, test.comparators[0])
                if any(ast.dump(side, annotate_fields=False) == target for side in sides) and any(
                        host_kind(literal_text(side) or "") == "local" for side in sides):
                    return True
            return False
    return False


def _is_own_server_url(node: ast.AST, refs: tuple, ctx: PythonContext) -> bool:
    """``f"http://127.0.0.1:{self.port}"`` where the port is this process's own: a web URL (no
    credentials) on the loopback whose port is ``settings.port`` (the app's own port), a variable
    named for it (``server_port``, ``local_server_port``, ``free_port``), or a ``port`` of a function
    or class that also starts the server or picks a free port. A loopback URL to a server the
    process runs itself is correct in every environment. A database or broker URL, a literal
    port or a service's port (``settings.AUTH_PORT``) stay reported."""
    if not isinstance(node, (ast.JoinedStr, ast.Constant)) or len(refs) != 1:
        return False
    ref = refs[0]
    if ref.kind != "local" or ref.username or ref.port:
        return False
    if not (ref.form == "url" and ref.scheme in WEB_SCHEMES or ref.form == "hostport" and not ref.path):
        return False  # a web URL, or a bare host:port (f"localhost:{self.gateway_port}")
    port = _port_expression(node, ctx)
    return port is not None and is_own_port(port, ctx)


def _paired_with_own_port(ctx: PythonContext) -> bool:
    """``host = "127.0.0.1"`` next to ``port = self.ssh_tunnel.local_bind_port``: the host is
    assigned together with a port on this machine (:func:`is_own_port`: a tunnel's or forward's
    near end, a server this process runs), so the pair is that local end, not a service's address."""
    statement, block_owner = ctx.parent, ctx.ancestor(2)
    if not isinstance(statement, ast.Assign) or block_owner is None:
        return False
    for _, block in ast.iter_fields(block_owner):
        if isinstance(block, list) and statement in block:
            index = block.index(statement)
            return any(isinstance(other, ast.Assign) and len(other.targets) == 1
                       and isinstance(other.targets[0], ast.Name) and PORT_PARAMETER_RE.match(other.targets[0].id)
                       and is_own_port(other.value, ctx)
                       for other in block[max(index - 1, 0):index + 2] if other is not statement)
    return False


def _scope_id(ctx: PythonContext) -> int | None:
    """Where a name is bound or used: its function, else its class body (a class attribute, read
    as ``self.name`` in the class's methods), else the module (None)."""
    if ctx.current_function is not None:
        return id(ctx.current_function)
    return id(ctx.classes[-1]) if ctx.classes else None


def _precedes_own_port_in_fstring(ctx: PythonContext) -> bool:
    """The expression visited is the host of ``f"{self.api_host}:{self.api_port}"`` where the port
    is this process's own (:func:`is_own_port`: picked free by the class that starts the server or
    container it then reaches): the address of a server the process runs."""
    holder, joined = ctx.parent, ctx.ancestor(2)
    if not isinstance(holder, ast.FormattedValue) or not isinstance(joined, ast.JoinedStr):
        return False
    index = next((i for i, value in enumerate(joined.values) if value is holder), None)
    following = joined.values[index + 1:index + 3] if index is not None else []
    return (len(following) == 2 and isinstance(following[0], ast.Constant) and following[0].value == ":"
            and isinstance(following[1], ast.FormattedValue) and is_own_port(following[1].value, ctx))


def _port_expression(node: ast.AST, ctx: PythonContext) -> ast.expr | None:
    """The replacement field right after ``<local host>:`` in an f-string URL, or the operand
    after ``"http://localhost:" + ...`` in a concatenation."""
    if isinstance(node, ast.Constant):
        parent = ctx.parent
        if (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and parent.left is node
                and node.value.endswith(":")):
            return parent.right
        return None
    for piece, following in zip(node.values, node.values[1:]):
        if (isinstance(piece, ast.Constant) and isinstance(piece.value, str) and piece.value.endswith(":")
                and isinstance(following, ast.FormattedValue)):
            host = piece.value[:-1].rpartition("@")[2].rpartition("//")[2]
            if host_kind(host) == "local":
                return following.value
    return None


def _is_bare_host_set(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TRANSPARENT_CALLS:
        node = node.args[0] if len(node.args) == 1 else node
    if not isinstance(node, (ast.Tuple, ast.List, ast.Set)) or len(node.elts) < 2:
        return False
    for element in node.elts:
        text = literal_text(element)
        if text is None or not parse_value(text).is_bare_host:
            return False
    return True
