"""How a literal is *used*: as a value, or only to check, describe or document something.

A local host in ``host == "localhost"``, in ``url.startswith("http://localhost")``, in a
regular expression, a log line, an exception message, a docstring or an argparse ``help=`` is
not configuration: nothing connects to it. Every ISO1xx Python rule asks the same question, so
the answer lives here, memoised per node in the file's scratch store (one traversal, computed once).
"""

from __future__ import annotations

import ast
import bisect
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.scratch import Key, Lifetime
from isolint.rules.common.env_names import callee_prefix, service_word
from isolint.rules.common.scope import walk
from isolint.rules.common.names import LOG_METHODS
from isolint.rules.config_isolation.values import PLACEHOLDER, host_kind, secret_span

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile


class Use(str, enum.Enum):
    VALUE = "value"  # configuration: assigned, passed, returned, defaulted
    CHECK = "check"  # compared, matched, searched for, stripped off
    MESSAGE = "message"  # log, print, exception, warning, help text, docs, examples
    KEY = "key"  # a dict key, a subscript, a type annotation
    ITERATED = "iterated"  # the iterable of a for loop or comprehension (the caller decides)
    CLI_DEFAULT = "cli-default"  # an argparse/click/typer option default or a form's prefill: chosen by a person
    BIND = "bind"  # where a server this process runs listens (uvicorn.run(host=...), sock.bind(...)), or its
    # loopback address handed over with its own port (Client("127.0.0.1", server_port))


@dataclass(frozen=True)
class UseSite:
    use: Use
    #: the node directly below ``parent`` on the way up from the literal
    child: ast.AST
    #: the first ancestor that decided the use (None at module level)
    parent: ast.AST | None
    #: whether only "transparent" nodes (none) sit between the literal and ``parent``
    direct: bool


#: calls that *inspect* a string for a host rather than use it as one
CHECK_METHODS = frozenset({
    "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "__contains__", "match",
    "fullmatch", "search", "removeprefix", "removesuffix", "partition", "rpartition", "split", "rsplit",
    "strip", "lstrip", "rstrip", "issubset", "issuperset", "isdisjoint", "intersection", "difference",
})
CHECK_MODULES = ("re.", "regex.", "fnmatch.", "ipaddress.")
#: helpers that test a value against what they are given: `validate_host(domain, allowed_hosts)`
CHECK_FUNCTION_RE = lazy_compile(r"^_?(is|has|validate|check|verify|matches|in)_|^_?(is|validate|check|verify)[A-Z]|"
                               r"^_?(validate|matches|is_loopback|is_local|isin)$")
LOGGER_NAMES = ("log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER", "structlog", "loguru", "console")
MESSAGE_CALLS = frozenset({"print", "echo", "secho", "warn", "gettext", "ngettext", "lazy_gettext", "_",
                           "pprint", "abort", "fail", "exit", "write", "note", "add_note", "Markdown", "Text",
                           "OpenApiExample", "Example"})  # API documentation examples (drf-spectacular)
MESSAGE_KEYWORDS = frozenset({
    "help", "description", "summary", "title", "doc", "docs", "example", "examples", "openapi_examples",
    "epilog", "usage", "metavar", "msg", "message", "detail", "reason", "comment", "label", "placeholder",
    "prompt", "json_schema_extra", "schema_extra", "deprecated", "long_description",
})
#: command-line option declarations (argparse, click, typer) and interactive prompts (click/typer
#: ``prompt``, rich ``Prompt.ask``): their defaults are chosen per invocation, by a person
CLI_OPTION_CALLS = frozenset({"add_argument", "addoption", "option", "argument", "Option", "Argument", "prompt",
                              "ask"})
#: keywords naming the address a server listens on
BIND_KEYWORDS = frozenset({"host", "address", "addr", "bind", "listen", "interface", "bind_host", "bind_address",
                           "listen_host", "listen_address"})
#: modules whose calls start servers: their host keyword is a bind address
SERVER_MODULES = ("uvicorn.", "hypercorn.", "granian.", "gunicorn.", "waitress.", "werkzeug.serving.", "aiohttp.web.",
                  "http.server.", "socketserver.", "wsgiref.simple_server.", "tornado.", "daphne.", "websockets.serve",
                  "websockets.server.", "asyncio.start_server", "asyncio.start_unix_server", "prometheus_client.start_")
#: calls that start a server whatever their module: ``serve(...)``, ``start_server``, ``run_app``, ``Granian``
SERVER_CALL_RE = lazy_compile(r"^_*(serve|serve_forever|run_app|run_simple|Granian|TCPSite|HTTPServer|"
                            r"ThreadingHTTPServer|TCPServer|WSGIServer|make_server|start_http_server)$|"
                            r"^_*(run|start|create|make|launch|spawn)_(\w+_)?(server|webserver|http_server)$")
#: ``app.run(host=...)`` (Flask, Sanic, Quart): ``run`` on an application object
APP_RECEIVER_RE = lazy_compile(r"^_*(app|application|server|api|site|web_?app|mcp|\w+_(app|server|mcp))$",
                             re.IGNORECASE)
#: socket calls whose address argument is this process's own end
BIND_METHODS = frozenset({"bind", "listen"})
#: programs whose ``--host``/``--bind`` flag is where they listen, in a command line a process spawns
SERVER_PROGRAMS = frozenset({"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "waitress-serve", "runserver",
                             "flask", "streamlit", "jupyter", "http.server", "serve"})
BIND_FLAGS = frozenset({"--host", "--bind", "-b", "--listen", "--address", "--addr", "-h", "--ip", "--interface"})
#: a port variable that is this process's own: ``server_port``, ``local_server_port``, ``free_port``,
#: ``relay.bound_port`` (the port a server it runs was bound to)
OWN_PORT_NAME_RE = lazy_compile(r"^_*(\w*_)?(server|local|free|open|unused|listen|bind|bound|own)(_\w*)?_port$",
                              re.IGNORECASE)
#: receivers whose bare ``port`` is the application's own (``settings.port``), not a backing service's
APP_SETTINGS_RECEIVER_RE = lazy_compile(r"^_*(settings|config|conf|cfg|app_?settings|app_?config|options|args)$",
                                      re.IGNORECASE)
#: calls that prove a function or class runs a server on a port it chose, or launches the process
#: it then talks to (``chromium.launch_persistent_context``, ``asyncio.create_subprocess_exec``)
SERVER_EVIDENCE_RE = lazy_compile(r"(free|open|unused|available)(_tcp|_udp)?_port|^Popen$|^bind$|^listen$|^launch(_\w+)?$|"
                                r"^create_subprocess_(exec|shell)$", re.IGNORECASE)
#: dict keys of documentation: ``"description"``, ``"examples"``, ``"connection_examples"`` (superset's
#: engine specs list sample connection strings shown in its UI), ``"host_examples"``
DOC_KEY_RE = lazy_compile(r"^(\w+_)?(example|examples|description|help|summary|title|docs)$", re.IGNORECASE)
#: a form field's prefill, and the keys that say a dict declares a form field
FORM_DEFAULT_KEYS = frozenset({"default", "initial"})
FORM_FIELD_KEYS = frozenset({"label", "help_text", "widget"})
#: keys of an ASGI/WSGI scope or environ (``{"type": "http", "path": ..., "client": ("127.0.0.1", 0)}``)
SCOPE_KEYS = frozenset({"type", "asgi", "path", "method", "scheme", "headers", "query_string", "raw_path",
                        "REQUEST_METHOD", "PATH_INFO", "wsgi.url_scheme"})
#: a scope's addresses of the two ends of a connection that already exists
SCOPE_ADDRESS_KEYS = frozenset({"client", "server", "REMOTE_ADDR", "SERVER_NAME"})
TRANSPARENT_CALLS = frozenset({"set", "frozenset", "tuple", "list", "sorted", "reversed"})
TRANSPARENT = (ast.Tuple, ast.List, ast.Set, ast.Starred, ast.JoinedStr, ast.FormattedValue, ast.BinOp,
               ast.BoolOp, ast.UnaryOp)


def literal_text(node: ast.AST) -> str | None:
    """A string literal's value; an f-string's text with :data:`PLACEHOLDER` for each field."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append(PLACEHOLDER)
        return "".join(parts)
    return None


def string_literal_nodes(node: ast.AST, ctx: PythonContext) -> bool:
    """True for the string nodes rules analyse: plain strings and f-strings, but not the
    constant pieces inside an f-string (the f-string is analysed as a whole)."""
    if isinstance(node, ast.JoinedStr):
        return not isinstance(ctx.parent, (ast.JoinedStr, ast.FormattedValue))
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and not isinstance(ctx.parent, (ast.JoinedStr, ast.FormattedValue)))


def callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def receiver_name(call: ast.Call) -> str:
    """``logger`` for ``logger.info(...)``, ``get_env`` for ``get_env().get(...)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return ""
    return expression_name(func.value)


def expression_name(node: ast.AST) -> str:
    """The last identifier of a name, attribute chain or call: ``self.settings`` → ``settings``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _is_message_call(call: ast.Call, ctx: PythonContext) -> bool:
    name = callee_name(call)
    if name in MESSAGE_CALLS:
        return True
    if name.endswith(("Error", "Exception", "Warning", "Exit")) or name in ("HTTPException", "WebSocketException"):
        return True
    if name in LOG_METHODS and isinstance(call.func, ast.Attribute):
        receiver = receiver_name(call)
        qualified = ctx.qualified_name(call.func) or ""
        if receiver.lower().endswith(LOGGER_NAMES) or qualified.startswith(("logging.", "structlog.", "loguru.")):
            return True
        if qualified in ("warnings.warn",):
            return True
    return (ctx.qualified_name(call.func) or "") in ("warnings.warn", "sys.exit")


def _is_check_call(call: ast.Call, child: ast.AST, ctx: PythonContext) -> bool:
    name = callee_name(call)
    if isinstance(call.func, ast.Attribute) and name in CHECK_METHODS:
        return True
    if isinstance(call.func, ast.Attribute) and name == "replace" and call.args:
        if call.args[0] is child:
            return True  # url.replace("localhost", real) strips it
        # netloc.replace("localhost", replacement), url.replace("0.0.0.0", "host.docker.internal"): what
        # stands in for a local or bind-all host where it is unreachable (``host.docker.internal`` inside a
        # container) is a respelling of the input's own host, not an address the code chose
        return len(call.args) > 1 and call.args[1] is child and _is_local_host_literal(call.args[0])
    qualified = ctx.qualified_name(call.func) or ""
    return qualified.startswith(CHECK_MODULES) or name == "compile" or CHECK_FUNCTION_RE.match(name) is not None


def _is_local_host_literal(node: ast.AST) -> bool:
    """``"localhost"``, ``"127.0.0.1"``, ``"0.0.0.0"``: a literal naming this machine (bind-all
    included: in a URL it is reached as this machine)."""
    text = literal_text(node)
    return text is not None and host_kind(text) in ("local", "bind-all")


#: decorators that turn a function into a command-line command (typer/click ``@app.command()``,
#: ``@cli.group()``, ``@app.callback()``), and calls that run one (``typer.run(main)``, ``fire.Fire(main)``)
COMMAND_DECORATORS = frozenset({"command", "group", "callback"})
COMMAND_RUNNERS = frozenset({"typer.run", "fire.Fire", "clize.run"})
#: per file: ``_functions_run_as_commands``
COMMAND_FUNCTIONS: Key[frozenset[str]] = Key("iso1.command-functions")


def _is_command_function(function: ast.AST | None, ctx: PythonContext) -> bool:
    """A function whose parameters are command-line options: decorated as a typer/click command
    or handed to ``typer.run``/``fire.Fire``. A parameter default there is the option's default —
    shown by ``--help`` and given on the command line by whoever runs it, like
    ``typer.Option("127.0.0.1")``."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in COMMAND_DECORATORS:
            return True
    return function.name in ctx.scratch.setdefault(COMMAND_FUNCTIONS, lambda: _functions_run_as_commands(ctx))


def _functions_run_as_commands(ctx: PythonContext) -> frozenset[str]:
    """The names of the functions the module hands to a command runner (``typer.run(main)``)."""
    if ctx.tree is None:
        return frozenset()
    return frozenset(node.args[0].id for node in ast.walk(ctx.tree)
                     if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name)
                     and (ctx.qualified_name(node.func) or "") in COMMAND_RUNNERS)


def _is_typer_default(call: ast.Call, child: ast.AST) -> bool:
    """``typer.Option("127.0.0.1", "--host")``: typer's first positional is the default."""
    return callee_name(call) in ("Option", "Argument") and bool(call.args) and call.args[0] is child


def is_server_call(call: ast.Call, ctx: PythonContext) -> bool:
    """A call that starts a server (``uvicorn.run``, ``uvicorn.Config``, ``Granian(...)``,
    ``asyncio.start_server``, ``app.run``, ``pyfunc_backend.serve``): its host is where it listens."""
    qualified = ctx.qualified_name(call.func) or ""
    if qualified.startswith(SERVER_MODULES):
        return True
    name = callee_name(call)
    if SERVER_CALL_RE.match(name):
        return True
    return name == "run" and APP_RECEIVER_RE.match(receiver_name(call)) is not None


def _is_bind_argument(call: ast.Call, child: ast.AST) -> bool:
    """``sock.bind(("127.0.0.1", port))``: the address of this process's own socket end."""
    return (isinstance(call.func, ast.Attribute) and call.func.attr in BIND_METHODS
            and bool(call.args) and call.args[0] is child)


def _is_server_command_flag(container: ast.AST, child: ast.AST) -> bool:
    """``["uvicorn", "app:app", "--host", "127.0.0.1"]``: the value after a bind flag in the
    command line of a server program the process spawns."""
    if not isinstance(container, (ast.List, ast.Tuple)):
        return False
    index = element_index(container.elts, child)
    if not index or (literal_text(container.elts[index - 1]) or "") not in BIND_FLAGS:
        return False
    texts = (literal_text(element) for element in container.elts)
    return any(text is not None and text.rsplit("/", 1)[-1] in SERVER_PROGRAMS for text in texts)


def element_index(elements: list[ast.expr], child: ast.AST) -> int | None:
    """The index of ``child`` among ``elements`` (a display's, in source order), found by its
    position: asked for each element of a list of thousands, a scan would make the list's
    check quadratic."""
    position = (getattr(child, "lineno", 0), getattr(child, "col_offset", 0))
    index = bisect.bisect_left(elements, position, key=lambda element: (element.lineno, element.col_offset))
    return index if index < len(elements) and elements[index] is child else None


def is_own_port(port: ast.AST, ctx: PythonContext) -> bool:
    """Whether the expression ``port`` is this process's own server port: named for it
    (``server_port``, ``local_server_port``, ``free_port``), the app's own setting
    (``settings.port``), or a plain ``port`` / ``self.port`` of a function or class that also
    starts a server or picks a free port (``find_free_port()``, ``Popen``, ``uvicorn.run``, ``bind``).
    A service's port (``settings.AUTH_PORT``, ``redis_port``) is never one."""
    if isinstance(port, ast.Call) and callee_name(port) in ("int", "str") and len(port.args) == 1:
        port = port.args[0]
    if not isinstance(port, (ast.Name, ast.Attribute)):
        return False
    name = expression_name(port)
    if OWN_PORT_NAME_RE.match(name):
        return True
    if HOST_SIDE_PORT_RE.search(name) and service_word(name) is None:
        return True  # self._slot.cdp_host_port: the host side of a port a VM or container forwards here
    if isinstance(port, ast.Name) and name.lower().endswith("_port") and service_word(name) is None:
        # internal_port = _get_free_port(...) in the function that starts the server (label-studio)
        return ctx.current_function is not None and _starts_a_server(ctx.current_function, ctx)
    if (isinstance(port, ast.Attribute) and name.lower().endswith("_port") and service_word(name) is None
            and isinstance(port.value, ast.Name) and port.value.id == "self" and ctx.classes):
        # self.kernel_gateway_port of a class that spawns that gateway (Popen) on a port it picked
        return _starts_a_server(ctx.classes[-1], ctx)
    if name.lower() != "port":
        return False
    if isinstance(port, ast.Attribute) and APP_SETTINGS_RECEIVER_RE.match(expression_name(port.value)):
        return True
    scope = ctx.classes[-1] if isinstance(port, ast.Attribute) and ctx.classes else ctx.current_function
    return scope is not None and _starts_a_server(scope, ctx)


#: the host side of a forwarded port (``cdp_host_port``, docker's ``HostPort``, a tunnel's
#: ``local_bind_port`` is :data:`OWN_PORT_NAME_RE`'s): a port on this machine by definition
HOST_SIDE_PORT_RE = lazy_compile(r"(^|_)host_?port$", re.IGNORECASE)


#: per function or module node: whether it starts a server
SERVER_SCOPES: Key[dict[int, bool]] = Key("iso1.server-scopes")

def _starts_a_server(scope: ast.AST, ctx: PythonContext) -> bool:
    memo: dict[int, bool] = ctx.scratch.setdefault(SERVER_SCOPES, dict)
    key = id(scope)
    if key not in memo:
        memo[key] = any(isinstance(inner, ast.Call) and (SERVER_EVIDENCE_RE.search(callee_name(inner)) is not None
                                                         or is_server_call(inner, ctx))
                        for inner in walk(scope))
    return memo[key]


def _passes_own_port(call: ast.Call, child: ast.AST, ctx: PythonContext) -> bool:
    """``ScoringServerClient("127.0.0.1", server_port)``, ``Client(host="127.0.0.1", port=free_port)``:
    a host handed over together with this process's own server port is the loopback address of
    that server. Calls to a backing service's client (``redis.Redis``) never count."""
    if callee_prefix(call) is not None:
        return False
    port = next((k.value for k in call.keywords if k.arg == "port"), None)
    if port is None:
        index = element_index(call.args, child)
        if index is not None and index + 1 < len(call.args):
            port = call.args[index + 1]
    return port is not None and is_own_port(port, ctx)


def _precedes_own_port(container: ast.AST, child: ast.AST, ctx: PythonContext) -> bool:
    """``["nc", "-zv", "localhost", str(port)]`` where ``port = find_free_port()``: a loopback host
    followed by this process's own server port in a command line or an address tuple."""
    if not isinstance(container, (ast.List, ast.Tuple)):
        return False
    index = element_index(container.elts, child)
    return index is not None and index + 1 < len(container.elts) and is_own_port(container.elts[index + 1], ctx)


#: a setting key that names this process's own address (``spark.driver.host`` is where the local
#: Spark driver — this process — is reached; ``*.bindAddress``, ``listen_address``)
OWN_ADDRESS_KEY_RE = lazy_compile(r"(^|[._])(driver[._]host|bind[._]?(host|address|addr)|listen[._]?(host|address|addr))$",
                                re.IGNORECASE)


def _sets_own_address(call: ast.Call, child: ast.AST) -> bool:
    """``builder.config("spark.driver.host", "127.0.0.1")``: a key/value setter whose key names
    this process's own address."""
    if len(call.args) != 2 or call.args[1] is not child:
        return False
    key = literal_text(call.args[0])
    return key is not None and OWN_ADDRESS_KEY_RE.search(key) is not None


def _is_check_expression(node: ast.AST | None, ctx: PythonContext) -> bool:
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _is_check_expression(node.operand, ctx)
    return isinstance(node, ast.Call) and bool(node.args) and _is_check_call(node, node.args[0], ctx)


#: per node: how it is used
USES: Key[dict[int, UseSite]] = Key("iso1.uses")

def classify_use(node: ast.AST, ctx: PythonContext) -> UseSite:
    """How the expression ``node`` (the node being visited) is used. Memoised per node."""
    memo: dict[int, UseSite] = ctx.scratch.setdefault(USES, dict)
    key = id(node)
    if key not in memo:
        memo[key] = _classify(node, ctx)
    return memo[key]


def _classify(node: ast.AST, ctx: PythonContext) -> UseSite:
    if ctx.is_docstring(node):
        return UseSite(Use.MESSAGE, node, ctx.parent, True)
    child = node
    direct = True
    parents = ctx.parents
    for index in range(len(parents) - 1, -1, -1):
        parent = parents[index]
        step = _step_up(parent, parents[index - 1] if index else None, child, direct, ctx)
        if isinstance(step, UseSite):
            return step
        child, direct = step
    return UseSite(Use.VALUE, child, None, direct)


#: one step up from a literal: the use it decides, or the (child, direct) to look further up with
_Step = "UseSite | tuple[ast.AST, bool]"


def _step_up(parent: ast.AST, owner: ast.AST | None, child: ast.AST, direct: bool, ctx: PythonContext) -> _Step:
    """What ``parent`` (whose own parent is ``owner``) makes of ``child``."""
    if isinstance(parent, ast.Compare):
        return UseSite(Use.CHECK, child, parent, direct)
    if isinstance(parent, (ast.IfExp, ast.If, ast.While, ast.Assert, ast.comprehension)):
        return _in_condition(parent, owner, child, direct, ctx)
    if isinstance(parent, (ast.For, ast.AsyncFor)):
        return UseSite(Use.ITERATED if child is parent.iter else Use.VALUE, child, parent, direct)
    if isinstance(parent, (ast.match_case, ast.MatchValue, ast.MatchSingleton)):
        return UseSite(Use.CHECK, child, parent, direct)
    if isinstance(parent, ast.Subscript):
        if child is parent.slice:
            return UseSite(Use.KEY, child, parent, direct)
        return parent, False
    if isinstance(parent, ast.Dict):
        return _in_dict(parent, child, direct)
    if isinstance(parent, ast.keyword):
        return _in_keyword(parent, owner, child, direct, ctx)
    if isinstance(parent, ast.Call):
        return _in_call(parent, child, direct, ctx)
    if isinstance(parent, ast.Raise):
        return UseSite(Use.MESSAGE, child, parent, direct)
    if isinstance(parent, ast.Assign) and _is_server_object_list(child) and any(
            isinstance(target, ast.Subscript) and _is_servers_key(target.slice) for target in parent.targets):
        return UseSite(Use.MESSAGE, child, parent, direct)  # schema["servers"] = [{"url": "http://localhost:8000"}]
    if isinstance(parent, (ast.AnnAssign, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef)):
        annotation = getattr(parent, "annotation", None) or getattr(parent, "returns", None)
        if child is annotation:
            return UseSite(Use.KEY, child, parent, direct)
        return UseSite(Use.VALUE, child, parent, direct)
    if isinstance(parent, ast.Expr):
        # a bare string statement documents; any other expression statement is an action
        is_string = literal_text(child) is not None
        return UseSite(Use.MESSAGE if is_string else Use.VALUE, child, parent, direct)
    if isinstance(parent, ast.arguments) and _is_command_function(owner, ctx):
        return UseSite(Use.CLI_DEFAULT, child, parent, direct)  # @app.command() def main(url: str = "http://…")
    if isinstance(parent, ast.arguments) and CHECK_FUNCTION_RE.match(getattr(ctx.current_function, "name", "")):
        return UseSite(Use.CHECK, child, parent, direct)  # def is_port_available(port, host="127.0.0.1")
    if _is_server_command_flag(parent, child) or _precedes_own_port(parent, child, ctx):
        return UseSite(Use.BIND, child, parent, direct)
    if isinstance(parent, TRANSPARENT):
        # `host or "localhost"` is still the value itself; `"http://" + host` only part of it
        return parent, direct and isinstance(parent, ast.BoolOp)
    return UseSite(Use.VALUE, child, parent, direct)


def _in_condition(parent: ast.IfExp | ast.If | ast.While | ast.Assert | ast.comprehension, owner: ast.AST | None,
                  child: ast.AST, direct: bool, ctx: PythonContext) -> _Step:
    if isinstance(parent, ast.comprehension):
        if child is parent.iter:
            element = getattr(owner, "elt", None)
            if _is_check_expression(element, ctx):  # any(url.startswith(p) for p in (...))
                return UseSite(Use.CHECK, child, parent, direct)
            return UseSite(Use.ITERATED, child, parent, direct)
        return UseSite(Use.CHECK, child, parent, direct)  # in `if` clauses
    if child is parent.test:
        return UseSite(Use.CHECK, child, parent, direct)
    if isinstance(parent, ast.Assert):
        return UseSite(Use.MESSAGE, child, parent, direct)
    if isinstance(parent, ast.IfExp):
        return parent, direct  # a branch of a conditional is still the value
    return UseSite(Use.VALUE, child, parent, direct)


def _in_dict(parent: ast.Dict, child: ast.AST, direct: bool) -> _Step:
    if any(key is child for key in parent.keys):
        return UseSite(Use.KEY, child, parent, direct)
    for key, value in zip(parent.keys, parent.values):
        if value is child and isinstance(key, ast.Constant) and isinstance(key.value, str):
            if DOC_KEY_RE.match(key.value):
                return UseSite(Use.MESSAGE, child, parent, direct)
            if _is_servers_key(key) and _is_server_object_list(child) and _is_api_document(parent):
                return UseSite(Use.MESSAGE, child, parent, direct)  # {"openapi": "3.1.0", "servers": [...]}
            if key.value in SCOPE_ADDRESS_KEYS and _is_connection_scope(parent):
                return UseSite(Use.CHECK, child, parent, direct)
            if key.value in FORM_DEFAULT_KEYS and _is_form_field_spec(parent):
                return UseSite(Use.CLI_DEFAULT, child, parent, direct)
    return parent, direct  # a dict value is still the value (named by its key)


def _in_keyword(parent: ast.keyword, call: ast.AST | None, child: ast.AST, direct: bool,
                ctx: PythonContext) -> _Step:
    arg = (parent.arg or "").lower()
    if arg in MESSAGE_KEYWORDS:
        return UseSite(Use.MESSAGE, child, parent, direct)
    if arg in ("default", "const") and isinstance(call, ast.Call) and callee_name(call) in CLI_OPTION_CALLS:
        return UseSite(Use.CLI_DEFAULT, child, parent, direct)
    if arg == "initial" and isinstance(call, ast.Call) and callee_name(call).endswith("Field"):
        return UseSite(Use.CLI_DEFAULT, child, parent, direct)  # forms.CharField(initial=...): a form's prefill
    if arg in BIND_KEYWORDS and isinstance(call, ast.Call) and (
            is_server_call(call, ctx) or _passes_own_port(call, parent, ctx)):
        return UseSite(Use.BIND, child, parent, direct)
    if "regex" in arg or "pattern" in arg:
        return UseSite(Use.CHECK, child, parent, direct)
    if arg == "servers" and isinstance(call, ast.Call) and API_DOCUMENT_CALL_RE.search(callee_name(call)) \
            and _is_server_object_list(child):
        return UseSite(Use.MESSAGE, child, parent, direct)  # FastAPI(servers=[{"url": "http://localhost:8000"}])
    return parent, direct


#: calls that describe an HTTP API's OpenAPI document: ``FastAPI(...)``, ``get_openapi(...)``,
#: ``APISpec(...)`` (apispec), ``OpenAPI(...)`` (flask-openapi3), ``SwaggerUI``
API_DOCUMENT_CALL_RE = lazy_compile(r"^(FastAPI|APISpec)$|openapi|swagger", re.IGNORECASE)
#: keys only an OpenAPI document (or a documentation generator's settings) has beside ``servers``
API_DOCUMENT_KEYS = frozenset({"openapi", "swagger", "info", "paths", "components", "title", "version"})


def _is_servers_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == "servers"


def _is_server_object_list(node: ast.AST) -> bool:
    """``[{"url": "http://localhost:8000", "description": "Local"}]``: OpenAPI's Server Objects,
    the addresses an API's documentation offers for trying its requests out."""
    return isinstance(node, (ast.List, ast.Tuple)) and bool(node.elts) and all(
        isinstance(element, ast.Dict) and any(key is not None and literal_text(key) == "url" for key in element.keys)
        for element in node.elts)


def _is_api_document(mapping: ast.Dict) -> bool:
    keys = {str(key.value).lower() for key in mapping.keys if isinstance(key, ast.Constant)}
    return not keys.isdisjoint(API_DOCUMENT_KEYS)


def _in_call(parent: ast.Call, child: ast.AST, direct: bool, ctx: PythonContext) -> _Step:
    if child is parent.func:
        return UseSite(Use.VALUE, child, parent, direct)
    if _is_typer_default(parent, child):
        return UseSite(Use.CLI_DEFAULT, child, parent, direct)
    if _is_bind_argument(parent, child) or _passes_own_port(parent, child, ctx) or _sets_own_address(parent, child):
        return UseSite(Use.BIND, child, parent, direct)
    if any(arg is child for arg in parent.args) and is_server_call(parent, ctx):
        # web.TCPSite(runner, "127.0.0.1", port), HTTPServer(("127.0.0.1", 9990), Handler): where it listens
        return UseSite(Use.BIND, child, parent, direct)
    if _is_check_call(parent, child, ctx):
        return UseSite(Use.CHECK, child, parent, direct)
    if _is_message_call(parent, ctx):
        return UseSite(Use.MESSAGE, child, parent, direct)
    if callee_name(parent) in TRANSPARENT_CALLS and isinstance(parent.func, ast.Name):
        return parent, False
    return UseSite(Use.VALUE, child, parent, direct)


def _is_form_field_spec(mapping: ast.Dict) -> bool:
    """A form field declared as a dict (mayan's mailer backends: ``{"label": _("Host"), "class":
    "django.forms.CharField", "default": "localhost"}``): its default pre-fills a form a person
    edits, like a command-line option's default."""
    keys = {key.value for key in mapping.keys if isinstance(key, ast.Constant)}
    return not keys.isdisjoint(FORM_FIELD_KEYS)


def _is_connection_scope(mapping: ast.Dict) -> bool:
    """An ASGI scope or WSGI environ built in code (open-webui's internal ``Request({...})``): its
    ``client``/``server`` describe the two ends of a connection, never a place to connect to."""
    keys = {key.value for key in mapping.keys if isinstance(key, ast.Constant)}
    return len(keys & SCOPE_KEYS) >= 2


LOWERED_BYTES: Key[bytes] = Key("iso1.lowered-bytes", Lifetime.TEXT)

def lowered(source: SourceFile) -> bytes:
    """The file's bytes in lower case, computed once for the prefilters that match names in any
    case (``Password``, ``ENV``): a C-speed copy instead of slow case-insensitive patterns."""
    return source.memo(LOWERED_BYTES, lambda file: file.raw.lower())


#: the identifier characters right before a position (``get_`` of ``get_env``)
_NAME_HEAD_RE = lazy_compile(rb"\w*\Z")


def names_used_as(text: bytes, anchor: bytes, pattern: re.Pattern, reach: int = 256) -> bool:
    """Whether a name containing the literal ``anchor`` is used the way ``pattern`` (anchored at
    the name's start) says — ``env.get(``, ``app.config.get(`` — somewhere in ``text``. The anchor
    is found at C speed; the pattern is tried once per occurrence, from the start of its name,
    over at most ``reach`` bytes after it."""
    position = text.find(anchor)
    while position != -1:
        head = _NAME_HEAD_RE.search(text, max(0, position - 32), position)
        start = head.start() if head is not None else position
        if pattern.match(text, start, position + len(anchor) + reach) is not None:
            return True
        position = text.find(anchor, position + len(anchor))
    return False


#: a folder holding a command-line tool: ``cli/``, ``phoenix-cli/``, ``my_cli/``, ``cli_tools/``
COMMAND_LINE_FOLDER_RE = lazy_compile(r"^cli$|[-_]cli$|^cli[-_]", re.IGNORECASE)


def is_command_line_tool(rel_path: str) -> bool:
    """A file of a command-line tool's package (a ``cli/`` folder): a tool run on a person's
    machine that starts, probes and configures a local stack — its loopback URLs, ports and
    wizard defaults point at processes the same tool started or at the user's own machine, the
    right value in every environment. Where such a tool talks to a deployment, it reads the
    address from its own options and profiles."""
    return any(COMMAND_LINE_FOLDER_RE.search(part) for part in rel_path.split("/")[:-1])


def is_schema_migration(source: SourceFile) -> bool:
    """A Django or Alembic migration: a generated snapshot of the models' history (a field's
    ``default=`` as it was then). The models are the source of truth and are checked; the
    snapshots are not (ruff users exclude them the same way)."""
    path = "/" + source.rel_path
    return ("/migrations/" in path and b"migrations.Migration" in source.raw
            or "/versions/" in path and b"down_revision" in source.raw)


#: per ``if`` node: whether it is ``if __name__ == "__main__":``
MAIN_GUARDS: Key[dict[int, bool]] = Key("iso1.main-guards")

def in_dev_entry_point(ctx: PythonContext) -> bool:
    """Inside ``if __name__ == "__main__":`` — run by hand on a laptop (``python app/main.py``);
    deployed code runs through ``uvicorn app.main:app`` / gunicorn and never enters it."""
    memo = ctx.scratch.setdefault(MAIN_GUARDS, dict)
    for parent in ctx.parents:
        if isinstance(parent, ast.If):
            key = id(parent)
            if key not in memo:
                memo[key] = _is_main_guard(parent.test)
            if memo[key]:
                return True
    return False


#: a development switch: ``DEBUG``, ``settings.VITE_DEV_MODE``, ``FRONTEND_HMR``, ``is_development``
DEV_SWITCH_RE = lazy_compile(r"^_*(is_|use_)?(\w+_)?(debug|dev|dev_mode|development|development_mode|hmr|hot_reload)$",
                           re.IGNORECASE)


#: a production switch: ``settings.PRODUCTION``, ``IS_PROD``, ``is_production()``: the branch it
#: turns *off* is the development code
PRODUCTION_SWITCH_RE = lazy_compile(r"^_*(is_|in_)?(\w+_)?(prod|production|production_mode)$", re.IGNORECASE)

#: per condition node: whether its body and its else branch run in development only
DEV_BRANCHES: Key[dict[int, tuple[bool, bool]]] = Key("iso1.dev-branches")

def in_development_only(node: ast.AST, ctx: PythonContext) -> bool:
    """In a development entry point (:func:`in_dev_entry_point`) or in the branch a condition on
    the deployment leaves to development — the body of ``if settings.VITE_DEV_MODE:``, ``if DEBUG:``,
    ``if ENV == "development":`` or ``if not settings.PRODUCTION:``, the ``else`` of ``if
    settings.PRODUCTION:`` or ``if ENV == "production":``, the matching branch of a conditional
    expression (``"http://localhost:8010" if FRONTEND_HMR else HOSTNAME``): a value a production
    deployment never uses. The production branch and unconditioned code stay checked; a switch
    that is on in production is a finding of its own (ISO102, ISO105)."""
    if in_dev_entry_point(ctx) or _is_test_support_module(ctx):
        return True
    parents = ctx.parents
    memo = ctx.scratch.setdefault(DEV_BRANCHES, dict)
    for index, parent in enumerate(parents):
        if not isinstance(parent, (ast.If, ast.IfExp)):
            continue
        child = parents[index + 1] if index + 1 < len(parents) else node
        if isinstance(parent, ast.If):
            in_body = any(item is child for item in parent.body)
            # an ``elif`` is judged by its own condition: the outer ``else`` also holds its other branches
            in_else = any(item is child for item in parent.orelse) and not (
                len(parent.orelse) == 1 and isinstance(parent.orelse[0], ast.If))
        else:
            in_body, in_else = parent.body is child, parent.orelse is child
        if not (in_body or in_else):
            continue
        key = id(parent)
        if key not in memo:
            scope = next((p for p in reversed(parents[:index]) if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef))),
                         parents[0] if parents else None)
            memo[key] = (False, False) if _mode_defaults_to_development(parent.test, scope) \
                else _development_branches(parent.test)
        body_dev, else_dev = memo[key]
        if in_body and body_dev or in_else and else_dev:
            return True
    return False


#: whether the module is test support (imports pytest, provisions test databases)
TEST_SUPPORT: Key[bool] = Key("iso1.test-support")

def _is_test_support_module(ctx: PythonContext) -> bool:
    """A module that imports a testing package at its top (``from ...testing.provision import
    generate_driver_url``, ``import pytest``): test support kept beside the code it provisions
    (SQLAlchemy's ``dialects/*/provision.py``), run by the test suite only."""
    memo = ctx.scratch.get(TEST_SUPPORT)
    if memo is None:
        memo = False
        for statement in getattr(getattr(ctx, "tree", None), "body", ()):
            if isinstance(statement, ast.Import):
                modules = [alias.name for alias in statement.names]
            elif isinstance(statement, ast.ImportFrom):
                modules = [statement.module or ""]
            else:
                continue
            if any(module.split(".")[0] == "pytest" or "testing" in module.split(".") for module in modules):
                memo = True
                break
        ctx.scratch.put(TEST_SUPPORT, memo)
    return memo


def _development_branches(test: ast.AST) -> tuple[bool, bool]:
    """Whether the branch ``test`` selects (its body) and the one it rejects (its ``else``) run in
    development only: ``DEBUG`` → (True, False), ``settings.PRODUCTION`` → (False, True), ``not``
    swaps them; ``A and DEBUG`` selects development, ``A or PRODUCTION`` rejects into it, ``DEBUG or
    "localhost" in API_DOMAIN`` selects it when every alternative does."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        body, orelse = _development_branches(test.operand)
        return orelse, body
    if isinstance(test, ast.BoolOp):
        branches = [_development_branches(value) for value in test.values]
        if isinstance(test.op, ast.And):
            return any(body for body, _ in branches), all(orelse for _, orelse in branches)
        return all(body for body, _ in branches), any(orelse for _, orelse in branches)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.Eq, ast.IsNot, ast.NotEq)) \
            and isinstance(test.comparators[0], ast.Constant) and isinstance(test.comparators[0].value, bool):
        body, orelse = _development_branches(test.left)  # `DEBUG is True`, `settings.PRODUCTION == False`
        negated = isinstance(test.ops[0], (ast.IsNot, ast.NotEq)) != (test.comparators[0].value is False)
        return (orelse, body) if negated else (body, orelse)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)) \
            and _is_local_host_literal(test.left):
        # `if "localhost" in API_DOMAIN:`: the branch runs where the configured address is local
        return (False, True) if isinstance(test.ops[0], ast.NotIn) else (True, False)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _selects_development(test), _selects_production(test)
    if isinstance(test, ast.Call) and not test.args and not test.keywords:
        test = test.func  # settings.is_production()
    if isinstance(test, (ast.Name, ast.Attribute)):
        name = expression_name(test)
        return DEV_SWITCH_RE.match(name) is not None, PRODUCTION_SWITCH_RE.match(name) is not None
    return False, False


#: a variable naming the deployment environment or mode: ``ENV``, ``settings.ENVIRONMENT``, ``APP_ENV``, ``mode``
ENVIRONMENT_VARIABLE_RE = lazy_compile(r"^_*(\w+_)?(env|environment|env_name|stage|mode|deploy_env|run_env)$",
                                     re.IGNORECASE)
DEVELOPMENT_NAMES = frozenset({"development", "develop", "dev", "local"})
PRODUCTION_NAMES = frozenset({"production", "prod"})


def _mode_defaults_to_development(test: ast.AST, scope: ast.AST | None) -> bool:
    """``env = get_config("ENV", "DEV")`` then ``if env == "DEV":``: the mode the condition tests
    is read with a development default in the same function (or module), so the development branch
    is what runs wherever the deployment leaves the mode unset — the default path, not a
    development-only one. Only a local name bound that way counts (a settings field defaulting
    to development is ISO102's finding where it is declared)."""
    if scope is None or not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    left = test.comparators[0] if isinstance(test.left, ast.Constant) else test.left
    if not isinstance(left, ast.Name) or not ENVIRONMENT_VARIABLE_RE.match(left.id):
        return False
    body = scope.body if isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else []
    for statement in body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == left.id
                and _development_default(statement.value)):
            return True
    return False


def _development_default(value: ast.AST) -> bool:
    """A lookup falling back to a development mode name: ``get_config("ENV", "DEV")``,
    ``os.environ.get("APP_ENV", default="development")``, ``os.getenv("MODE") or "dev"``."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        fallback: ast.AST | None = value.values[-1]
    elif isinstance(value, ast.Call) and value.args and literal_text(value.args[0]) is not None:
        fallback = value.args[1] if len(value.args) > 1 else next(
            (k.value for k in value.keywords if k.arg in ("default", "fallback")), None)
    else:
        return False
    return fallback is not None and str(literal_text(fallback) or "").lower() in DEVELOPMENT_NAMES


def _selects_development(test: ast.Compare) -> bool:
    """``settings.ENVIRONMENT == "local"``, ``ENV in ("dev", "development")``, ``ENV != "production"``:
    the branch it guards runs in development only."""
    return _environment_comparison(test, DEVELOPMENT_NAMES, PRODUCTION_NAMES)


def _selects_production(test: ast.Compare) -> bool:
    """``ENV == "production"``, ``ENV != "development"``: the branch it rejects runs in development
    only."""
    return _environment_comparison(test, PRODUCTION_NAMES, DEVELOPMENT_NAMES)


def _environment_comparison(test: ast.Compare, selected: frozenset[str], rejected: frozenset[str]) -> bool:
    """The comparison holds exactly when the deployment environment is one of ``selected``:
    equal to (or in) those names, or unequal to (not in) the ``rejected`` ones."""
    left, right, op = test.left, test.comparators[0], test.ops[0]
    if isinstance(left, ast.Constant):
        left, right = right, left
    if not isinstance(left, (ast.Name, ast.Attribute)) or not ENVIRONMENT_VARIABLE_RE.match(expression_name(left)):
        return False
    elements = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
    words = [str(literal_text(element) or getattr(element, "attr", "")).lower() for element in elements]
    if not words or not all(words):
        return False
    if isinstance(op, (ast.Eq, ast.In)):
        return all(word in selected for word in words)
    return isinstance(op, (ast.NotEq, ast.NotIn)) and all(word in rejected for word in words)


def _is_main_guard(test: ast.AST) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    values = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and values == {"__main__"}


def secret_range(node: ast.AST, secret: str, ctx: PythonContext) -> list[int]:
    """The JSON range of ``secret`` inside the literal ``node`` (for ``data["secret_range"]``)."""
    return secret_span(ctx.source, ctx.range(node), secret).to_json()
