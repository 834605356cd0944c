"""Where a string literal of TypeScript/JavaScript production code sits, for ISO101 and ISO102:
the literal's text (``${…}`` as :data:`~isolint.rules.config_isolation.values.PLACEHOLDER`, so
:func:`~isolint.rules.config_isolation.values.parse_value` reads it like a Python f-string), the
name it is bound to, and the shapes that only check, mention or develop against a local host.

The value logic itself — what a local host, a connection URL or a development default is — is
``values.py``'s, shared with the Python rules.
"""

from __future__ import annotations

import itertools
import re
from pathlib import PurePosixPath
from typing import Any

from isolint.core.context import node_text
from isolint.core.lazy_regex import lazy_compile
from isolint.rules.config_isolation.usage import is_command_line_tool
from isolint.rules.config_isolation.values import PLACEHOLDER, host_kind

#: wrappers a value passes through unchanged: ``("x")``, ``"x" as const``, ``"x" satisfies T``, ``"x"!``
TRANSPARENT_TYPES = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression",
                               "non_null_expression", "type_assertion"})
COMPARISON_OPERATORS = frozenset({"===", "==", "!==", "!="})
FALLBACK_OPERATORS = frozenset({"||", "??"})
#: methods whose string arguments are matched against, never connected to
CHECK_METHODS = frozenset({"includes", "startsWith", "endsWith", "indexOf", "lastIndexOf", "match", "matchAll", "test",
                           "replace", "replaceAll", "has", "split", "search", "localeCompare", "exec"})
#: methods whose host argument is where this process listens
BIND_METHODS = frozenset({"listen", "bind"})
#: calls whose string arguments are messages (``console.log``, ``new Error``)
MESSAGE_CALLEES_RE = lazy_compile(r"^(console|logger|log|this\.logger|this\.log)\.\w+$|^(\w*Error|warn|alert|t|i18n\.t)$")
#: JSX attributes shown to people, never fetched
TEXT_ATTRIBUTES = frozenset({"placeholder", "title", "alt", "label", "helperText", "description", "aria-label",
                             "defaultValue", "tooltip", "hint", "example"})
#: DOM properties whose value is text shown to people
TEXT_PROPERTIES = frozenset({"textContent", "innerText", "innerHTML", "title", "placeholder", "alt", "ariaLabel"})
#: a condition that turns on development code: ``NODE_ENV === "development"``, ``import.meta.env.DEV``,
#: ``__DEV__``, ``isDev``, ``NODE_ENV !== "production"``
DEV_CONDITION_RE = lazy_compile(
    r"NODE_ENV\s*={2,3}\s*[\"'`](development|dev|test|local)[\"'`]|[\"'`](development|dev|test|local)[\"'`]\s*={2,3}"
    r"\s*[\w.]*NODE_ENV|NODE_ENV\s*!==?\s*[\"'`]production[\"'`]|"
    r"(\bMODE|\bmode|ENV|ENVIRONMENT|[Ee]nvironment)\b\W{0,3}\s*={2,3}\s*[\"'`](development|dev)[\"'`]|\benv\.DEV\b|\b__DEV__\b|"
    r"\bis_?(Dev|Development|Local|Localhost|Debug|Test)(Mode|Env|Environment)?\b|\bDEBUG\b|\bdevMode\b", re.IGNORECASE)
#: the opposite switch: its *else* branch is the development code (``import.meta.env.PROD ? "/api" : "http://localhost"``)
PROD_CONDITION_RE = lazy_compile(r"NODE_ENV\s*={2,3}\s*[\"'`]production[\"'`]|\benv\.PROD\b|\bis_?Prod(uction)?\b",
                               re.IGNORECASE)
#: ``process.env``, ``import.meta.env`` (Vite), ``Bun.env``: the environment of a Node or browser build
ENV_OBJECT_RE = lazy_compile(r"^(process\.env|import\.meta\.env|Bun\.env)$")
#: a name that labels its value as the local one of several (``Local: "http://localhost:8000"`` in
#: a catalogue of environments, ``DEV_API_URL``): a choice, not a fallback
LOCAL_LABEL_RE = lazy_compile(r"(^|_)(LOCAL|LOCALHOST|DEV|DEVELOPMENT|DEVELOP|TEST|TESTING|MOCK|DEMO|SANDBOX)(_|$)")
#: files of a frontend's build and development tooling (``vite.config.ts``, ``*.stories.tsx``,
#: ``mocks/``), of end-to-end suites, examples and scripts, and of command-line tools run on a
#: developer's machine
TOOLING_NAME_RE = lazy_compile(r"\.(config|conf)\.[cm]?[jt]sx?$|(^|\.)(stories|story|mock|mocks|fixture|fixtures|setup|spec|"
                             r"test|testing|test-utils|test_utils)\.[cm]?[jt]sx?$"
                             r"|^(vite|vitest|webpack|rollup|jest|playwright|cypress|next|nuxt|astro|svelte|"
                             r"tailwind|postcss|eslint|babel|karma|storybook)\.", re.IGNORECASE)
TOOLING_FOLDERS = frozenset({"mocks", "__mocks__", "mock", "msw", "stories", "storybook", ".storybook", "e2e",
                             "cypress", "playwright", "fixtures", "__fixtures__", "dev", "devtools", "bin",
                             "examples", "example", "demo", "demos", "samples", "evals", "scripts", "docs"})


#: configuration a frontend's production server reads at run time: Next.js applies
#: ``next.config.js``'s rewrites, redirects, headers and ``env`` in the deployed app too
RUNTIME_CONFIG_NAME_RE = lazy_compile(r"^next\.config\.[cm]?[jt]s$", re.IGNORECASE)


def is_tooling_file(rel_path: str) -> bool:
    """A frontend's build/dev configuration, mocks, stories, end-to-end suites or a command-line
    tool's package: where a local address is the right default."""
    path = PurePosixPath(rel_path)
    if TOOLING_NAME_RE.search(path.name) and not RUNTIME_CONFIG_NAME_RE.match(path.name):
        return True
    return is_command_line_tool(rel_path) or any(part.lower() in TOOLING_FOLDERS for part in path.parts[:-1])


def unwrap(node: Any) -> Any:
    while node is not None and node.type in TRANSPARENT_TYPES:
        node = node.named_children[0] if node.named_children else None
    return node


def outer(node: Any) -> Any:
    """The node and the transparent wrappers around it, outermost."""
    while node.parent is not None and node.parent.type in TRANSPARENT_TYPES:
        node = node.parent
    return node


def string_text(node: Any) -> str | None:
    """A string literal's value; a template literal's text with :data:`PLACEHOLDER` per ``${…}``."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return node_text(node)[1:-1]
    if node.type == "template_string":
        parts = []
        for child in node.named_children:
            if child.type == "template_substitution":
                parts.append(PLACEHOLDER)
            else:
                parts.append(node_text(child))
        return "".join(parts)
    return None


def is_analysed_string(node: Any) -> bool:
    """A string or template literal analysed as a whole (not a piece of another template)."""
    return node.type in ("string", "template_string") and not (
        node.parent is not None and node.parent.type in ("template_string", "template_substitution"))


def env_lookup_name(node: Any) -> str | None:
    """``process.env.API_URL``/``import.meta.env["VITE_API_URL"]`` → the variable's name."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "member_expression":
        target, key = node.child_by_field_name("object"), node.child_by_field_name("property")
        name = node_text(key) if key is not None else None
    elif node.type == "subscript_expression":
        target, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        name = string_text(index) if index is not None else None
    else:
        return None
    if target is None or not ENV_OBJECT_RE.match(re.sub(r"\s+|\?", "", node_text(target))):
        return None
    return name


def fallback_lookup_name(node: Any) -> str | None:
    """The variable a ``||``/``??`` fallback's left side reads: ``process.env.X``, or a chain of
    lookups tried in turn (``process.env.A || process.env.B``) — named by the first."""
    name = env_lookup_name(node)
    if name is not None:
        return name
    node = unwrap(node)
    if node is None or node.type != "binary_expression":
        return None
    operator = node.child_by_field_name("operator")
    if operator is None or node_text(operator) not in FALLBACK_OPERATORS:
        return None
    first = fallback_lookup_name(node.child_by_field_name("left"))
    return first if first is not None and fallback_lookup_name(node.child_by_field_name("right")) else None


def env_fallback(node: Any) -> tuple[str, Any] | None:
    """``process.env.X || "…"``/``?? "…"`` with ``node`` the fallback: (variable name, the lookup)."""
    top = outer(node)
    parent = top.parent
    if parent is None or parent.type != "binary_expression" or parent.child_by_field_name("right") != top:
        return None
    operator = parent.child_by_field_name("operator")
    if operator is None or node_text(operator) not in FALLBACK_OPERATORS:
        return None
    left = parent.child_by_field_name("left")
    name = fallback_lookup_name(left)
    return (name, left) if name else None


def bound_name(node: Any) -> str | None:
    """The name a value is bound to, as an environment-style upper snake case name: a variable,
    an object property, an assigned member, a parameter default, a JSX attribute, the field of
    an environment schema whose ``.default(…)`` it is."""
    child, parent = outer(node), outer(node).parent
    while parent is not None and (parent.type in ("binary_expression", "ternary_expression", "array")
                                  or parent.type in TRANSPARENT_TYPES):
        child, parent = parent, parent.parent
    if parent is None:
        return None
    if parent.type == "arguments" and parent.parent is not None and parent.parent.type == "call_expression":
        default = schema_default(parent.parent)
        return default[0] if default is not None else None  # OTEL_ENDPOINT: z.string().default("http://…")
    field = None
    if parent.type == "variable_declarator":
        field = parent.child_by_field_name("name")
    elif parent.type == "pair":
        field = parent.child_by_field_name("key")
    elif parent.type in ("assignment_expression", "augmented_assignment_expression"):
        field = parent.child_by_field_name("left")
        if field is not None and field.type == "member_expression":
            field = field.child_by_field_name("property")
    elif parent.type in ("required_parameter", "optional_parameter", "public_field_definition",
                         "field_definition", "assignment_pattern", "jsx_attribute"):
        field = parent.child_by_field_name("pattern") or parent.child_by_field_name("name") \
            or parent.child_by_field_name("left") or parent.named_children[0]
    if field is None or field.type not in ("identifier", "property_identifier", "shorthand_property_identifier",
                                           "string", "private_property_identifier", "jsx_attribute",
                                           "shorthand_property_identifier_pattern"):
        return None
    text = string_text(field) if field.type == "string" else node_text(field)
    return upper_snake(text) if text else None


def upper_snake(name: str) -> str:
    """``apiBaseUrl`` → ``API_BASE_URL``, ``#redisHost`` → ``REDIS_HOST``."""
    name = name.lstrip("#_$")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[-.\s]+", "_", name)
    return name.upper()


def names_local_choice(name: str | None) -> bool:
    return bool(name) and LOCAL_LABEL_RE.search(name) is not None  # type: ignore[arg-type]


def _callee(call: Any) -> str:
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    return node_text(function) if function is not None else ""


def is_quiet_use(node: Any) -> bool:
    """A literal that is only checked against, shown to people, or sits in development code:
    ``host === "localhost"``, ``url.includes("localhost")``, ``new Set(["localhost", …])``,
    ``server.listen(0, "127.0.0.1")``, ``console.log(…)``, ``placeholder="http://…"``, the branch a
    development switch (``NODE_ENV === "development"``, ``import.meta.env.DEV``) turns on."""
    child = outer(node)
    parent = child.parent
    while parent is not None:
        kind = parent.type
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            op = node_text(operator) if operator is not None else ""
            if op in COMPARISON_OPERATORS:
                return True
            if op == "&&" and parent.child_by_field_name("right") == child and _is_dev_condition(
                    parent.child_by_field_name("left"), positive=True):
                return True
        elif kind == "ternary_expression":
            condition = parent.child_by_field_name("condition")
            if child == condition or _compares_with_a_host(condition) or _reads_page_host(parent):
                return True  # host === "0.0.0.0" ? "127.0.0.1" : host; SSR: window ? location.hostname : "localhost"
            branch_positive = child == parent.child_by_field_name("consequence")
            if _is_dev_condition(condition, positive=branch_positive):
                return True
        elif kind == "if_statement":
            condition = parent.child_by_field_name("condition")
            if child == condition:
                return True
            in_consequence = child == parent.child_by_field_name("consequence")
            if _is_dev_condition(condition, positive=in_consequence):
                return True
        elif kind == "arguments":
            call = parent.parent
            if call is not None and call.type in ("call_expression", "new_expression"):
                callee = _callee(call)
                method = callee.rsplit(".", 1)[-1]
                if call.type == "new_expression" and method == "URL" and parent.named_children[1:2] == [child]:
                    return True  # new URL(path, "http://localhost"): a base to parse a relative URL against
                if method in CHECK_METHODS or method in BIND_METHODS or callee in ("Set", "new Set") \
                        or call.type == "new_expression" and method in ("Set", "RegExp") \
                        or MESSAGE_CALLEES_RE.match(callee) or method.endswith("Error"):
                    return True
        elif kind == "assignment_expression" and parent.child_by_field_name("right") == child:
            target = parent.child_by_field_name("left")
            prop = target.child_by_field_name("property") if target is not None and target.type == "member_expression" \
                else None
            if prop is not None and node_text(prop) in TEXT_PROPERTIES:
                return True  # element.textContent = `127.0.0.1:${port}`: shown on a page
        elif kind == "jsx_attribute":
            name = parent.named_children[0] if parent.named_children else None
            if name is not None and node_text(name) in TEXT_ATTRIBUTES:
                return True
        elif kind in ("throw_statement", "jsx_element", "jsx_self_closing_element", "comment", "regex"):
            return True
        elif kind == "pair" and child.type == "array" and _documents_api_servers(parent):
            return True  # { openapi: "3.0.0", servers: [{ url: "http://localhost:3000" }] }: API documentation
        elif kind == "pair" and child.type == "array" and CSP_DIRECTIVE_RE.match(_pair_key(parent)):
            return True  # "connect-src": ["'self'", "http://host.docker.internal:54321"]: sources allowed, not called
        elif kind in ("member_expression", "subscript_expression"):
            obj = parent.child_by_field_name("object")
            if obj == child:  # ["localhost", "127.0.0.1"].includes(host)
                prop = parent.child_by_field_name("property") or parent.child_by_field_name("index")
                if prop is not None and node_text(prop) in CHECK_METHODS:
                    return True
        child, parent = parent, parent.parent
    return False


#: a Content-Security-Policy directive (``default-src``, ``connect-src``, ``script-src-elem``): the
#: sources a page may load from, a permission list rather than an address the code calls
CSP_DIRECTIVE_RE = lazy_compile(r"^[a-z]+(-[a-z]+)*-src(-elem|-attr)?$")


#: keys only an OpenAPI document has beside ``servers`` (swagger-jsdoc's ``definition``, a NestJS
#: document's options)
API_DOCUMENT_KEYS = frozenset({"openapi", "swagger", "info", "paths", "components"})


#: how an environment variable is spelled: ``NODE_ENV``, ``NEXT_PUBLIC_VERCEL_ENV``
ENV_VARIABLE_KEY_RE = lazy_compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
#: the name a zod schema is built from (``import { z } from "zod"``)
ZOD_ROOTS = frozenset({"z", "zod"})


def schema_default(call: Any) -> tuple[str, str] | None:
    """``NODE_ENV: z.enum([…]).default("development")``, ``DEBUG: z.boolean().default(true)``: a
    zod validator chain ending in ``.default(<literal>)`` that is the value of an object key
    spelled like an environment variable — a field of the app's environment schema — as (the
    variable's name, the default's text: ``"true"`` for ``true``). A request schema's
    ``env: z.string().default("dev")`` is not."""
    function = call.child_by_field_name("function")
    if function is None or function.type != "member_expression":
        return None
    method = function.child_by_field_name("property")
    if method is None or node_text(method) != "default":
        return None
    arguments = call.child_by_field_name("arguments")
    if arguments is None or len(arguments.named_children) != 1:
        return None
    argument = unwrap(arguments.named_children[0])
    if argument is None:
        return None
    value = node_text(argument) if argument.type in ("true", "false") else string_text(argument)
    if value is None:
        return None
    root = function.child_by_field_name("object")
    while root is not None and root.type in ("call_expression", "member_expression"):
        root = root.child_by_field_name("function" if root.type == "call_expression" else "object")
    if root is None or node_text(root) not in ZOD_ROOTS:
        return None
    top = outer(call)
    pair = top.parent
    if pair is None or pair.type != "pair" or pair.child_by_field_name("value") != top:
        return None
    key = _pair_key(pair)
    return (key, value) if ENV_VARIABLE_KEY_RE.match(key) else None


def _pair_key(pair: Any) -> str:
    key = pair.child_by_field_name("key")
    if key is None:
        return ""
    return (string_text(key) if key.type == "string" else node_text(key)) or ""


def _documents_api_servers(pair: Any) -> bool:
    """``servers: [{ url: … }]`` in an OpenAPI document: the addresses its documentation offers
    for trying requests out, never a place the code connects to."""
    mapping = pair.parent
    return _pair_key(pair) == "servers" and mapping is not None and any(
        sibling.type == "pair" and _pair_key(sibling) in API_DOCUMENT_KEYS for sibling in mapping.named_children)


def _compares_with_a_host(condition: Any) -> bool:
    """``value === "0.0.0.0"``: a branch chosen by comparing with a host respells that host."""
    condition = unwrap(condition)
    if condition is None or condition.type != "binary_expression":
        return False
    operator = condition.child_by_field_name("operator")
    if operator is None or node_text(operator) not in COMPARISON_OPERATORS:
        return False
    sides = (condition.child_by_field_name("left"), condition.child_by_field_name("right"))
    return any(host_kind(text) is not None for text in (string_text(side) for side in sides if side is not None)
               if text is not None)


def _reads_page_host(ternary: Any) -> bool:
    """``typeof window !== "undefined" ? window.location.hostname : "localhost"``: the page's own
    host, with a stand-in where there is no page (server-side rendering)."""
    return any(branch is not None and "location.host" in node_text(branch)
               for branch in (ternary.child_by_field_name("consequence"), ternary.child_by_field_name("alternative")))


#: the packages an e-mail template is written with: their components' prop defaults are what the
#: template's preview shows (``email dev``), not what a sent e-mail gets
EMAIL_TEMPLATE_IMPORTS = (b"@react-email/", b"jsx-email", b"react-email")


def is_email_template(raw: bytes) -> bool:
    """A file written with react-email (or jsx-email), imported directly or through the
    project's re-export of its components (an ``<Html>`` document with a ``<Body>``)."""
    return any(marker in raw for marker in EMAIL_TEMPLATE_IMPORTS) or b"<Html" in raw and b"<Body" in raw


def is_email_preview_prop(node: Any, raw: bytes) -> bool:
    """``({ assetBaseUrl = "http://localhost:3002", documentName = "Open Source Pledge.pdf" }) =>``
    in a react-email template: the default of a destructured prop, the sample data its preview
    renders; every sender passes the real value. A literal inside the template's body (a link,
    an image's ``src``) is what every e-mail carries and stays reported."""
    parent = outer(node).parent
    if parent is None or parent.type != "object_assignment_pattern" or not is_email_template(raw):
        return False
    pattern = parent.parent
    holder = pattern.parent if pattern is not None else None
    while holder is not None and holder.type in ("required_parameter", "optional_parameter"):
        holder = holder.parent
    return holder is not None and holder.type == "formal_parameters"


def conditions_choosing(node: Any) -> str:
    """The text of the conditions whose true branch holds ``node`` (``if (isDocker) {…}``,
    ``inDocker ? "http://host.docker.internal:8000" : url``): what a deliberate choice says."""
    texts = []
    child, parent = outer(node), outer(node).parent
    while parent is not None:
        if parent.type in ("if_statement", "ternary_expression") \
                and child == parent.child_by_field_name("consequence"):
            condition = parent.child_by_field_name("condition")
            texts.append(node_text(condition) if condition is not None else "")
        child, parent = parent, parent.parent
    return " ".join(texts)


def _is_dev_condition(condition: Any, *, positive: bool) -> bool:
    """``condition`` turns on development code in the branch taken when it is ``positive``."""
    if condition is None:
        return False
    text = node_text(condition)
    negated = text.lstrip("( ").startswith("!") and not text.lstrip("( ").startswith("!=")
    if DEV_CONDITION_RE.search(text):
        return positive != negated
    if PROD_CONDITION_RE.search(text):
        return positive == negated
    return False


#: a property naming a server's own address: ``host``, ``hostname``, ``bindAddress``, ``listenHost``
SERVER_HOST_PROPERTY_RE = lazy_compile(r"^_*(host|hostname|address|addr|bind|bind_?host|bind_?address|listen|"
                                     r"listen_?host|listen_?address|interface)$", re.IGNORECASE)
#: what a server's own settings are called: ``parseServer``, ``RunnerServerConfig``, ``serverOptions``
SERVER_WORD_RE = lazy_compile(r"server", re.IGNORECASE)
CLIENT_WORD_RE = lazy_compile(r"client|proxy|upstream|remote|target", re.IGNORECASE)
_FUNCTION_TYPES = frozenset({"function_declaration", "function_expression", "arrow_function", "method_definition",
                             "generator_function_declaration"})


def _names_a_server(text: str) -> bool:
    return SERVER_WORD_RE.search(text) is not None and CLIENT_WORD_RE.search(text) is None


def _describes_a_server(mapping: Any) -> bool:
    """An object literal holding a server's own settings: bound to or typed as one
    (``const serverOptions: ServerConfig = {…}``), or returned by a function named or typed for
    one (``function parseServer(env): RunnerServerConfig { return {…} }``)."""
    node = mapping.parent
    while node is not None and node.type in TRANSPARENT_TYPES:
        node = node.parent
    if node is None:
        return False
    if node.type == "variable_declarator":
        declared = [node.child_by_field_name("name"), node.child_by_field_name("type")]
        return any(part is not None and _names_a_server(node_text(part)) for part in declared)
    if node.type != "return_statement" and not (node.type == "arrow_function" and node.child_by_field_name("body")
                                                == outer(mapping)):
        return False
    function = node
    while function is not None and function.type not in _FUNCTION_TYPES:
        function = function.parent
    if function is None:
        return False
    declared = [function.child_by_field_name("name"), function.child_by_field_name("return_type")]
    if function.type == "arrow_function" and function.parent is not None \
            and function.parent.type == "variable_declarator":
        declared.append(function.parent.child_by_field_name("name"))
    return any(part is not None and _names_a_server(node_text(part)) for part in declared)


def _operator(binary: Any) -> str:
    operator = binary.child_by_field_name("operator")
    return node_text(operator) if operator is not None else ""


def is_server_own_host(node: Any) -> bool:
    """``node`` (a literal, or a name bound to one) is where a server this process runs listens:
    an argument of ``listen``/``bind`` (``server.listen(0, HOST)``), or the ``host`` of a server's
    own settings (``return { host: env.RUNNER_HOST ?? DEFAULT_HOST }`` in ``parseServer(): ServerConfig``),
    a fallback included. Listening on loopback is the safe default; the audit's risk is connecting
    to a developer's machine."""
    child, parent = outer(node), outer(node).parent
    while parent is not None and (parent.type in TRANSPARENT_TYPES or parent.type == "binary_expression"
                                  and _operator(parent) in FALLBACK_OPERATORS):
        child, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "arguments":
        call = parent.parent
        return call is not None and call.type == "call_expression" and _callee(call).rsplit(".", 1)[-1] in BIND_METHODS
    if parent.type == "pair" and parent.child_by_field_name("value") == child:
        key = _pair_key(parent)
        return SERVER_HOST_PROPERTY_RE.match(key) is not None and parent.parent is not None \
            and _describes_a_server(parent.parent)
    return False


def declared_constant(node: Any) -> Any:
    """The name node of ``const NAME = <node>`` (a plain identifier), else None."""
    top = outer(node)
    parent = top.parent
    if parent is None or parent.type != "variable_declarator" or parent.child_by_field_name("value") != top:
        return None
    name = parent.child_by_field_name("name")
    return name if name is not None and name.type == "identifier" else None


def uses_only_as_server_host(name_node: Any, root: Any, raw: bytes) -> bool:
    """Every use of the constant ``name_node`` declares in the file (``root``, its bytes ``raw``)
    is where a server listens (:func:`is_server_own_host`) or the URL of that same server built on
    it (the template ``http://${HOST}:${address.port}/mcp``), and at least one use listens."""
    name = node_text(name_node).encode()
    listens = False
    for match in re.finditer(rb"(?<![\w$.])" + re.escape(name) + rb"(?![\w$])", raw):
        use = root.descendant_for_byte_range(match.start(), match.end())
        if use is not None and use.type == "shorthand_property_identifier":
            return False  # { HOST }: handed on as a value
        if use is None or use.type != "identifier" or use == name_node:
            continue  # a comment, a string, the declaration itself
        if is_server_own_host(use):
            listens = True
        elif not _is_run_time_port_url(use):
            return False
    return listens


#: the variable a process's own web server listens on by convention (Node, Next.js, Heroku, Cloud Run)
OWN_PORT_VARIABLES = frozenset({"PORT"})


def is_own_port_url(node: Any) -> bool:
    """A template URL on the loopback whose port is the process's own listen port read from the
    environment (`` `http://localhost:${process.env.PORT ?? 3000}` `` in the server-side render of
    a Next.js app calling its own API routes, ``env("PORT")`` through the project's accessor): the
    process reaches itself, correct in every environment. Another variable's port (``API_PORT``,
    ``REDIS_PORT``) or a fixed one stays a destination."""
    node = unwrap(node)
    if node is None or node.type != "template_string":
        return False
    pieces = node.named_children
    for before, after in itertools.pairwise(pieces):
        if before.type == "template_substitution" or after.type != "template_substitution":
            continue
        text = node_text(before)
        if not text.endswith(":"):
            continue
        expression = unwrap(after.named_children[0]) if after.named_children else None
        if expression is not None and expression.type == "binary_expression" \
                and _operator(expression) in FALLBACK_OPERATORS:
            expression = expression.child_by_field_name("left")
        return (env_lookup_name(expression) or accessor_lookup_name(expression)) in OWN_PORT_VARIABLES
    return False


#: a project's own accessor of the environment: ``env("PORT")``, ``getEnv("PORT")``, ``readEnv("PORT")``
ENV_ACCESSOR_RE = lazy_compile(r"^(\w+\.)?(env|getEnv|readEnv|get_env)$")


def accessor_lookup_name(node: Any) -> str | None:
    """``env("PORT")``: the variable a project's environment accessor reads (one string argument)."""
    node = unwrap(node)
    if node is None or node.type != "call_expression" or ENV_ACCESSOR_RE.match(_callee(node)) is None:
        return None
    arguments = node.child_by_field_name("arguments")
    if arguments is None or len(arguments.named_children) != 1:
        return None
    return string_text(arguments.named_children[0])


def _is_run_time_port_url(use: Any) -> bool:
    """The template ``http://${HOST}:${address.port}/mcp``: the name is a URL's host and the port is chosen
    at run time (the port a server was just bound to). A fixed port (``${HOST}:9100``) is
    another service's."""
    substitution = use.parent
    if substitution is None or substitution.type != "template_substitution" or substitution.parent is None:
        return False
    pieces = substitution.parent.named_children
    index = next((i for i, piece in enumerate(pieces) if piece == substitution), None)
    following = pieces[index + 1:index + 3] if index is not None else []
    return (len(following) == 2 and node_text(following[0]) == ":"
            and following[1].type == "template_substitution")
