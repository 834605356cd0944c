from __future__ import annotations

import ast
import dataclasses
import re
from typing import TYPE_CHECKING, Any

from isolint.core.scratch import Key
from isolint.core.context import PythonContext, node_text
from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import (
    SECRET_RANGE,
    Applicability,
    Edit,
    Finding,
    Fix,
    Fixability,
    Language,
    Range,
    RelatedLocation,
)
from isolint.core.rule import PRODUCTION_ONLY, Indexer, Rule
from isolint.rules.common.env_names import service_word
from isolint.rules.common.secret_detection import SIGNING_SECRET_NAME_RE, find_secret
from isolint.rules.config_isolation.env_lookups import (
    ENV_RECEIVER_RE,
    ENV_VAR_NAME_RE,
    OS_GETTERS,
    SETTINGS_RECEIVER_RE,
    EnvLookup,
    LookupStyle,
    env_lookup,
    or_fallback,
)
from isolint.fixers.arguments import argument_removal
from isolint.fixers.settings_fields import SettingsField, is_settings_class, settings_field_fix
from isolint.rules.config_isolation.shared import configured_value, env_lookup_fix_for
from isolint.rules.config_isolation.usage import (
    BIND_METHODS,
    Use,
    callee_name,
    classify_use,
    in_development_only,
    is_command_line_tool,
    is_schema_migration,
    is_server_call,
    lowered,
    names_used_as,
    secret_range,
)
from isolint.rules.config_isolation.typescript_values import (
    FALLBACK_OPERATORS,
    bound_name,
    fallback_lookup_name,
    is_quiet_use,
    is_tooling_file,
    schema_default,
    string_text,
    unwrap,
)
from isolint.rules.config_isolation.values import (
    PASSWORD_NAME_RE,
    PLACEHOLDER,
    DevReason,
    DevValue,
    classify_dev_value,
    names_local_entry,
    parse_value,
    secret_span,
)

if TYPE_CHECKING:
    from isolint.core.context import TypeScriptContext
    from isolint.core.source import SourceFile

#: fact kind: per module, the development fallbacks of a project's configuration function that
#: ISO102 reports there, as ``[key, value, range]``
ACCESSOR_FALLBACKS = "iso1.accessor-fallbacks"


class DevDefaultEnvFallback(Rule):
    """An environment lookup with a development default (`os.getenv("REDIS_HOST", "localhost")`).

    ## What it does
    Flags an environment lookup whose default is a development value: a local host or a URL
    on one (a PostgreSQL/MySQL URL with no host, `postgresql:///app`, is the local server's
    socket), development credentials or a placeholder key (`AUTH_KEY` → `replace-me`), a
    development database name or local SQLite file, debug switched on, a development
    environment name, or another service's port (`REDIS_PORT` → `5432`); and a setting that
    falls back to a module constant named for development (`settings.signing_key or
    _LOCAL_DEV_KEY`). Lookups
    are `os.getenv`, `os.environ.get`/`setdefault`, an `... or "localhost"` fallback, project
    accessors whose receiver is recognisably the environment (environs, python-decouple,
    django-environ, `get_env().get`), a project's configuration function called with the
    variable's name (`get_config("FRONTEND_URL", "http://localhost:3000")`: one finding per key
    and value across the project, the other modules' lookups related), the fields of a
    pydantic-settings class (an environment enum's member counts by its value:
    `ENV: Environment = Environment.development`; a list field by its items), and in
    TypeScript/JavaScript `process.env.X || "…"`/`?? "…"` (`import.meta.env` too, a chain of
    lookups as well) and the `.default(…)` of a zod environment schema's field
    (`NODE_ENV: z.enum([…]).default("development")`). Development and test code, `__main__` blocks, development-switch
    branches, migrations and command-line tools' packages are not checked.

    ## Why is this bad?
    A default is what runs when the deployment forgot to set the variable. A development
    default turns a missing setting into a silent connection to `localhost`, a production
    database named `app_dev`, or debug mode in production — instead of a clear start-up error.
    A signing secret (`JWT_SECRET`, `SECRET_KEY`) falling back to any literal lets everyone who
    reads the code forge the tokens it signs.

    ## Example
    ```python
    import os

    REDIS_HOST = os.getenv("REDIS_HOST", "localhost")
    DEBUG = os.environ.get("DEBUG", "true")
    ```

    ## Use instead
    ```python
    import os

    REDIS_HOST = os.environ["REDIS_HOST"]
    DEBUG = os.environ.get("DEBUG", "false")
    LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
    ```

    ## Fix safety
    The fix drops the development default: `os.getenv("X", "localhost")`,
    `os.environ.get(...)` and `os.getenv("X") or "localhost"` become the configured accessor
    (`env-accessor`, default `os.environ["X"]`). A project's own accessor is kept: `env.get(...)`,
    `get_env().get(...)` become its required form where the file uses one on the same receiver
    (`get_env().require("X")`, `env["X"]`), else lose the default (`env.get("X")`); accessors that raise
    by themselves when the variable is missing (decouple/starlette `config`, environs and
    django-environ getters) keep their call and lose the default, as does a project's
    configuration function (`get_config("X", "…")` → `get_config("X")`). `os.environ.setdefault`
    gets no fix (deleting it is a decision). A settings field loses its default
    (`DEBUG: bool = True` → `DEBUG: bool`, `Field(default="dev", ...)` → `Field(...)`, now required).
    Unsafe: a missing variable now stops the program at start-up.

    ## Known look-alikes
    - Real-looking secrets as defaults: [ISO203](ISO203.md) reports them.
    - The loopback default of a list checked against (`FORWARDED_ALLOW_IPS`), of a bind
      address (`BIND_HOST`, `HOST`) and of an identifier (`RENDER_INSTANCE_ID`).
    - A bind-all `0.0.0.0` default, unless the variable names a backing service (`REDIS_HOST`).
    - The standard port of the service the variable names (`REDIS_PORT` → `6379`), a test
      harness's own debug switch, `NODE_ENV` → `development` (what Node's tools assume anyway).
    - A settings field's local host, port or password (ISO101/ISO103's), a lookup only hashed
      into a number (`int.from_bytes(hashlib.blake2b(…).digest(), "big")`).
    - Development branches (`import.meta.env.DEV ? … : …`, `const devServer = …`), a request body's zod schema
      (`environment: z.string().default("dev")`), frontend tooling (`vite.config.ts`) and `cli/`.

    ## Options
    - `env-accessor`, `env-accessor-import`: the expression and import the fix uses.
    """

    code = "ISO102"
    name = "dev-default-env-fallback"
    message = "{subject} falls back to {reason}: {value}"
    fix_title = "Remove the development default"
    fixable = Fixability.SOMETIMES
    zones = PRODUCTION_ONLY
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT})
    tokens = (b"env", b"Env", b"ENV", b"conf", b"Conf", b"CONF", b"settings", b"Settings", b"SETTINGS", b"cfg",
              b"CFG", b"Cfg")
    options = ("env-accessor", "env-accessor-import")
    uses_facts = (ACCESSOR_FALLBACKS,)

    @classmethod
    def admits(cls, source: SourceFile, project: Any) -> bool:
        """Only a file that can spell a lookup this rule understands: the environment by name
        (``os.getenv``, ``environ``, ``env.str``, ``get_env()``), a ``...Settings`` class, an
        accessor module (``decouple``, ``prettyconf``), or a generic ``settings``/``config``
        receiver together with a key spelled like an environment variable (``"REDIS_HOST"``) —
        the only key such a receiver counts with. Django's omnipresent ``settings.X`` alone does
        not count."""
        if source.language is Language.TYPESCRIPT:
            raw = source.raw
            return (b"process.env" in raw or b"process?.env" in raw or b"meta.env" in raw or b"Bun.env" in raw) \
                and not is_tooling_file(source.rel_path)
        if is_schema_migration(source) or is_command_line_tool(source.rel_path):
            return False
        raw, low = source.raw, lowered(source)
        if b"env" in low and (b"getenv" in raw or ENVIRON_RE.search(raw) is not None and OS_MODULE_RE.search(raw) is not None
                              or names_used_as(low, b"env", ENV_RECEIVER_USE_RE)):
            return True
        if b"Settings" in raw and SETTINGS_CLASS_RE.search(raw) is not None:
            return True
        if b" or " in raw and DEVELOPMENT_FALLBACK_RE.search(low) is not None:
            return True  # env.store.key or _LOCAL_DEV_KEY
        if b"config" in raw and (b"decouple" in raw or b"prettyconf" in raw):
            return True
        config_access = (any(names_used_as(low, anchor, CONFIG_RECEIVER_USE_RE)
                             for anchor in (b"settings", b"conf", b"cfg") if anchor in low)
                         or b"config" in raw and names_used_as(raw, b"config", CONFIG_CALL_RE))
        return config_access and ENV_VAR_LITERAL_RE.search(raw) is not None \
            or CONFIG_KEY_CONSTANT_CALL_RE.search(raw) is not None

    #: the admission reads no facts, so the CLI asks it before indexing (``fact_kinds_read``)
    admits_before_facts = admits

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        fallback = lookup_with_default(node, ctx)
        if fallback is not None:
            self._check(*fallback, node, ctx)

    def visit_BoolOp(self, node: ast.BoolOp, ctx: PythonContext) -> None:
        fallback = lookup_with_default(node, ctx)
        if fallback is not None:
            self._check(*fallback, node, ctx)
            return
        setting = _setting_falling_back_to_development_constant(node, ctx)
        if setting is not None and not in_development_only(node, ctx):
            read, constant = setting
            ctx.report(self, constant, subject=f"Setting `{ctx.text_of(read)}`",
                       reason="a constant named for development", value=f"`{constant.id}`")  # type: ignore[attr-defined]

    def visit_binary_expression(self, node: Any, ctx: TypeScriptContext) -> None:
        """TypeScript/JavaScript: ``process.env.X || "…"``, ``import.meta.env.VITE_X ?? "…"``."""
        operator = node.child_by_field_name("operator")
        if operator is None or node_text(operator) not in FALLBACK_OPERATORS:
            return
        name = fallback_lookup_name(node.child_by_field_name("left"))
        default = unwrap(node.child_by_field_name("right"))
        value = string_text(default) if name else None
        if value is None or is_quiet_use(node) or names_local_entry(bound_name(node)):
            return  # const devServer = (import.meta.env.VITE_API_URL || "http://localhost:8000") + base
        dev = classify_dev_value(name, value)
        if not dev or all(restates_node_default(name, reason) for reason in dev.reasons):
            return
        data = {SECRET_RANGE: secret_span(ctx.source, ctx.range(default), dev.secrets[0]).to_json()} if dev.secrets else {}
        ctx.report(self, default, data=data, subject=f"Environment lookup of `{name}`", reason=dev.description,
                   value=dev.shown)

    def visit_call_expression(self, node: Any, ctx: TypeScriptContext) -> None:
        """A field of a validated environment schema *is* an environment lookup; zod's
        ``.default(…)`` is its fallback (``NODE_ENV: z.enum([…]).default("development")`` in a
        create-t3-app ``env/schema.mjs``). As for a settings class, the switches only this rule knows
        are reported here (an environment name, debug, a development database); a local host there
        is ISO101's."""
        default = schema_default(node)
        if default is None or is_quiet_use(node):
            return
        key, value = default
        dev = classify_dev_value(key, value)
        reasons = [reason for reason in dev.reasons if reason.kind in SETTINGS_FIELD_REASONS
                   and not restates_node_default(key, reason)]
        if reasons:
            argument = node.child_by_field_name("arguments").named_children[0]
            ctx.report(self, argument, subject=f"Environment schema field `{key}`",
                       reason=", ".join(str(reason) for reason in reasons), value=dev.shown)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: PythonContext) -> None:
        """A field of a pydantic-settings class *is* an environment lookup; its default is the
        fallback. Local hosts, ports and passwords there are ISO101/ISO103's (they are plain
        field defaults too); the switches only this rule knows are reported here."""
        if (node.value is None or not isinstance(node.target, ast.Name) or not ctx.classes
                or ctx.current_function is not None or not is_settings_class(ctx.classes[-1])):
            return
        default, call = node.value, None
        if isinstance(default, ast.Call) and callee_name(default) == "Field":
            call = default
            default = default.args[0] if default.args else next(
                (k.value for k in default.keywords if k.arg == "default"), None)
        if default is None or in_development_only(node, ctx):
            return
        # a list field (``ROOT_TOKENS: List[str] = ["1234"]``) is judged by its items
        items = default.elts if isinstance(default, (ast.List, ast.Tuple, ast.Set)) else [default]
        for item in items:
            value = configured_value(item, ctx)
            if value is None:
                continue
            dev = classify_dev_value(node.target.id, value)
            whole_secret = isinstance(value, str) and value.strip() in dev.secrets  # not a URL's password (ISO101/103)
            reasons = [reason for reason in dev.reasons if reason.kind in SETTINGS_FIELD_REASONS
                       or reason.kind == "credential" and whole_secret
                       and not PASSWORD_NAME_RE.search(node.target.id.upper())]
            if not reasons:
                continue
            fix = settings_field_fix(SettingsField(node.target.id, node, call, default), ctx)  # type: ignore[arg-type]
            ctx.report(self, item, fix=fix, subject=f"Settings field `{node.target.id}`",
                       reason=", ".join(str(reason) for reason in reasons), value=dev.shown)
            return

    def begin_file(self, ctx: PythonContext) -> None:
        #: a configuration function's development fallbacks, by (key, value), reported at end_file
        self._accessor_fallbacks: dict[tuple[str, str], list[tuple[EnvLookup, ast.expr, ast.expr, DevValue]]] = {}

    def end_file(self, ctx: PythonContext) -> None:
        """One finding per configuration key and fallback value across the project: the
        project's accessor repeated with the same default in several modules
        (``get_config("FRONTEND_URL", "http://localhost:3000")``) is one missing setting, reported
        at its first place (by path, then line) with the others as related locations."""
        here = ctx.source.rel_path
        elsewhere = ctx.project.facts(ACCESSOR_FALLBACKS) if ctx.project is not None else {}
        for (key, value), places in self._accessor_fallbacks.items():
            others = sorted((path, Range.from_json(where)) for path, facts in elsewhere.items() if path != here
                            for fact_key, fact_value, where in facts if (fact_key, fact_value) == (key, value))
            if others and others[0][0] < here:
                continue  # the first module reports it, naming this one among its related places
            (lookup, default, replace, dev), *again = places
            related = [(ctx.range(other_default), f"the same fallback of `{key}` again")
                       for _, other_default, _, _ in again]
            finding = self._report(lookup, default, replace, dev, ctx, related)
            if others:
                extra = tuple(RelatedLocation(where, f"the same fallback of `{key}` again", path)
                              for path, where in others)
                ctx.findings[ctx.findings.index(finding)] = dataclasses.replace(
                    finding, related=finding.related + extra)

    def _check(self, lookup: EnvLookup, default: ast.expr, replace: ast.expr, ctx: PythonContext) -> None:
        dev = reported_development_default(lookup, default, replace, ctx)
        if dev is None:
            return
        if lookup.style is LookupStyle.ACCESSOR and lookup.name is not None:
            self._accessor_fallbacks.setdefault((lookup.name, dev.value), []).append((lookup, default, replace, dev))
            return
        self._report(lookup, default, replace, dev, ctx)

    def _report(self, lookup: EnvLookup, default: ast.expr, replace: ast.expr, dev: DevValue, ctx: PythonContext,
                related: list[tuple[Any, str]] | None = None) -> Finding:
        # a constant's value (`os.getenv("X", _DEV_X)`) sits at its own literal, not on this line
        masked = dev.secrets and not isinstance(default, ast.Name)
        data = {SECRET_RANGE: secret_range(default, dev.secrets[0], ctx)} if masked else {}
        name = lookup.name or ctx.text_of(lookup.call.args[0] if lookup.call.args else lookup.call)
        kind = "Configuration" if lookup.style is LookupStyle.ACCESSOR else "Environment"
        return ctx.report(self, default, fix=self._fix(lookup, default, replace, ctx), data=data, related=related or (),
                          subject=f"{kind} lookup of `{name}`", reason=dev.description, value=dev.shown)

    def _fix(self, lookup: EnvLookup, default: ast.expr, replace: ast.expr, ctx: PythonContext) -> Fix | None:
        span = ctx.range(replace)
        if isinstance(replace, ast.BoolOp) and len(replace.values) > 2 and replace.values[-1] is default:
            # os.getenv("A") or os.getenv("B") or "…": the last lookup becomes required, the others stay tried first
            last = env_lookup(replace.values[-2], ctx) if isinstance(replace.values[-2], ast.Call) else None
            if last is None:
                return None
            lookup, span = last, Range(ctx.range(replace.values[-2]).start, span.end)
        if lookup.name is None or lookup.style is LookupStyle.SETDEFAULT:
            return None
        if _is_default_of_a_lookup(replace, ctx):
            # os.environ.get("A", os.environ.get("B", "…")): a required B would be required even
            # when A is set (the default is evaluated first) — no rewrite keeps "A, else B"
            return None
        if lookup.style is LookupStyle.ACCESSOR:
            removal = _argument_removal(lookup.call, default, ctx) if replace is lookup.call else None
            return None if removal is None else Fix(
                f"Remove the development default of `{lookup.name}`", Applicability.UNSAFE, (removal,))
        if lookup.style is LookupStyle.MAPPING and _is_project_accessor(lookup, ctx):
            return _project_accessor_fix(lookup, span, ctx)
        if replace is not lookup.call and lookup.style in (LookupStyle.ACCESSOR, LookupStyle.RAISING):
            # `get_config("X") or "localhost"`: the project's accessor stays, the fallback goes
            kept = ctx.text_of(lookup.call)
            return Fix(f"Remove the development default: `{kept}`", Applicability.UNSAFE, (Edit(span, kept),))
        if lookup.style is LookupStyle.MAPPING or replace is not lookup.call:
            # the lookup went to the environment itself: its required form, never the module's
            # own accessor (which may read a file first)
            return env_lookup_fix_for(span, lookup.name, ctx, learn=False,
                                      title=f"Remove the development default: require `{lookup.name}`")
        removal = _argument_removal(lookup.call, default, ctx)
        if removal is None:
            return None
        return Fix(f"Remove the development default of `{lookup.name}`", Applicability.UNSAFE, (removal,))


def lookup_with_default(node: ast.AST, ctx: PythonContext) -> tuple[EnvLookup, ast.expr] | None:
    """The environment lookup ``node`` makes with a default, and that default: a call passing
    one (``os.getenv("X", "d")``, ``get_config("X", "d")``) or an ``or`` fallback
    (``os.getenv("X") or "d"``). The rule and its indexer both start from it."""
    if isinstance(node, ast.Call):
        lookup = env_lookup(node, ctx)
        if lookup is None or not lookup.has_default:
            return None
        return lookup, lookup.default  # type: ignore[return-value]  # has_default: not None
    if isinstance(node, ast.BoolOp):
        return or_fallback(node, ctx)
    return None


def _is_default_of_a_lookup(node: ast.expr, ctx: PythonContext) -> bool:
    """Whether ``node`` — the node being visited — is the default of an enclosing lookup."""
    parent = ctx.parent
    if isinstance(parent, ast.keyword):
        parent = ctx.ancestor(2)
    if not isinstance(parent, ast.Call) or node is parent.func:
        return False
    outer = env_lookup(parent, ctx)
    return outer is not None and outer.default is node


def reported_development_default(lookup: EnvLookup, default: ast.expr, replace: ast.expr,
                                 ctx: PythonContext) -> DevValue | None:
    """The development value ``default`` is, when the lookup is reported: not in development-only
    code, not a message's text, not only hashed, not a listen address or the local one of several."""
    value = configured_value(default, ctx)
    if value is None or in_development_only(replace, ctx) or classify_use(replace, ctx).use is Use.MESSAGE:
        return None
    if _only_hashed(ctx):
        return None  # blake2b(b"|".join(((os.getenv("URI") or "postgresql://…").encode(), …))): a digest's input
    dev = classify_dev_value(lookup.name, value) or _committed_signing_secret(lookup.name, value)
    if not dev or _is_listen_address(lookup.name, dev, ctx) or _is_local_entry(lookup.name, dev):
        return None
    if isinstance(default, ast.Name) and any(reason.kind != "credential" for reason in dev.reasons):
        return None  # `os.getenv("URL") or DEFAULT_URL`: a constant's host or port is ISO101/ISO103's, at its literal
    return dev


def _committed_signing_secret(name: str | None, value: object) -> DevValue:
    """``os.getenv("JWT_SECRET", "materia")``: any literal default of a signing secret is known to
    everyone who can read the code, so a deployment missing the variable signs with a public key.
    A default that looks like a real secret is ISO203's (a leaked secret, whatever it defaults)."""
    if not isinstance(value, str) or not SIGNING_SECRET_NAME_RE.search((name or "").upper()):
        return DevValue(repr(value))
    text = value.strip()
    if not text or PLACEHOLDER in text or find_secret(name, text) is not None:
        return DevValue(value)
    return DevValue(value, (DevReason("credential", "a signing secret written in the code"),), (text,))


def restates_node_default(name: str | None, reason: DevReason) -> bool:
    """``process.env.NODE_ENV || "development"``, ``NODE_ENV: z.enum([…]).default("development")``:
    Node's tools already treat an unset ``NODE_ENV`` as development (Express, webpack) and set it
    themselves for a production build or start (Next.js, bundlers inline it), so the fallback
    restates what the runtime does and changing it changes nothing. Another variable naming the
    environment (``APP_ENV``, ``NEXT_PUBLIC_VERCEL_ENV``) has no such runtime and stays reported;
    ``NODE_ENV=development`` in a deployed env file is ISO105's."""
    return name == "NODE_ENV" and reason.kind == "environment"


def _is_project_accessor(lookup: EnvLookup, ctx: PythonContext) -> bool:
    """``env.get(...)``, ``get_env().get(...)``, ``self._env.get(...)``, ``settings.get(...)``: the
    project's own accessor (its validation, its ``.env`` loading), not ``os.getenv``/``os.environ``."""
    func = lookup.call.func
    return (isinstance(func, ast.Attribute) and func.attr == "get"
            and (ctx.qualified_name(func) or "") not in OS_GETTERS)


#: per module node: receiver source text → the required form its other calls use
#: (``("method", "require")`` for ``env.require("X")``, ``("subscript", "")`` for ``env["X"]``)
REQUIRED_FORMS: Key[dict[str, tuple[str, str]]] = Key("iso1.required-accessor-forms")
#: methods that read a variable and fail when it is missing
REQUIRED_METHOD_RE = lazy_compile(r"^(require|required|require_env|get_required|getenv_required|must_get|"
                                r"get_or_raise|get_strict|strict_get|need)$")


def _required_forms(ctx: PythonContext) -> dict[str, tuple[str, str]]:
    """How the file reads a variable it requires, per receiver: ``get_env().require("X")``,
    ``env["X"]`` — the project's own required form, preferred (a method) over a subscript."""
    def learn(tree: ast.AST) -> dict[str, tuple[str, str]]:
        forms: dict[str, tuple[str, str]] = {}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) == 1
                    and not node.keywords and REQUIRED_METHOD_RE.match(node.func.attr)
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                forms[ast.unparse(node.func.value)] = ("method", node.func.attr)
            elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                  and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
                  and ENV_VAR_NAME_RE.match(node.slice.value)):
                forms.setdefault(ast.unparse(node.value), ("subscript", ""))
        return forms
    return ctx.scratch.setdefault(REQUIRED_FORMS, lambda: learn(ctx.tree))


def _project_accessor_fix(lookup: EnvLookup, span: Range, ctx: PythonContext) -> Fix | None:
    """Keep the project's accessor and drop the default: its required form when the file uses
    one on the same receiver (``get_env().require("X")``, ``env["X"]``), else the lookup without
    its default (``env.get("X")``) — never a rewrite to ``os.environ`` that bypasses it."""
    func = lookup.call.func
    assert isinstance(func, ast.Attribute)
    key = lookup.call.args[0] if lookup.call.args else None
    if key is None:
        return None
    receiver, key_text = ctx.text_of(func.value), ctx.text_of(key)
    form = _required_forms(ctx).get(ast.unparse(func.value))
    if form is not None and form[0] == "method":
        new_text = f"{receiver}.{form[1]}({key_text})"
    elif form is not None:
        new_text = f"{receiver}[{key_text}]"
    else:
        new_text = f"{receiver}.get({key_text})"
    return Fix(f"Remove the development default: `{new_text}`", Applicability.UNSAFE,
               (Edit(span, new_text),))


def _argument_removal(call: ast.Call, default: ast.expr, ctx: PythonContext) -> Edit | None:
    return argument_removal(call, default, ctx.range)


#: ``os.environ``/``os.environb`` however imported (``from os import environ as e``) — not
#: ``environment``; ``getenv`` is tested as a plain substring
ENVIRON_RE = lazy_compile(rb"environb?(?!\w)")
#: the file reaches ``os``/``posix`` by name, so a bare ``environ`` can resolve to ``os.environ``
#: (``os.environ``, ``from os import ...``, ``import os as o``) — a WSGI ``environ`` parameter
#: alone cannot (its lookups are found by ``ENV_RECEIVER_USE_RE``)
OS_MODULE_RE = lazy_compile(rb"(?:os|posix)\s*\.\s*environ|from\s+(?:os|posix)\s+import|(?:os|posix)\s+as\s")
#: in the lower-cased file: a receiver or getter ``ENV_RECEIVER_RE``/``PROJECT_GETTER_RE`` accepts,
#: used as one — called, or with a lookup method (``_LOOKUP_ATTRIBUTES``) called on it: ``env.get(``,
#: ``self._env.str(``, ``get_env().get(``, ``env("X", default=...)``, ``read_env(``, ``ENV.get(``,
#: not ``self.env.get_template(``; searched around each ``env``
ENV_RECEIVER_USE_RE = lazy_compile(
    rb"_*(?:os_?)?(?:env|envs|environ|environment|env_?vars?|environment_?variables|get_?env|load_?env|"
    rb"env_?config|env_?settings|dotenv_?values|environ_?config|env_?var|get_?env_?var|read_?env|get_?environ|"
    rb"env_?or_?default|get_?env_?or)\s*(?:\(|\.\s*(?:get|setdefault|getenvb?|str|int|bool|float|decimal|url|db|db_url|"
    rb"cache|cache_url|list|json|path|email_url|search_url|dict|tuple|_?(?:get_?env|getenv|env_?var|get_?env_?var|"
    rb"read_?env|get_?environ|env_?or_?default|get_?env_?or))\s*\()")
#: a class whose base ends in ``Settings`` (``class Settings(BaseSettings):``), bases on any line,
#: also after PEP 695 type parameters (``class Store[T: dict[str, int]](BaseSettings):``)
SETTINGS_CLASS_RE = lazy_compile(rb"class\s[^:]*Settings\b|class\s+\w+\s*\[.*?\]\s*\([^:]*Settings\b", re.DOTALL)
#: in the lower-cased file: a generic receiver ``SETTINGS_RECEIVER_RE`` accepts, used for a lookup
#: (``app.config.get(``, ``SETTINGS.get(``, ``get_settings().get(``); searched around each
#: ``settings``, ``conf`` and ``cfg``
CONFIG_RECEIVER_USE_RE = lazy_compile(
    rb"_*(?:app_?)?(?:settings|config|conf|cfg|configuration)\s*\.\s*(?:get|setdefault)(?!\w)|"
    rb"get_?(?:settings|config)\s*\(")
#: in the lower-cased file: ``or`` followed by a name with a development word (``or _local_dev_key``),
#: the shape :func:`_setting_falling_back_to_development_constant` looks for
DEVELOPMENT_FALLBACK_RE = lazy_compile(rb"\bor\s+_*(?:[a-z0-9]+_)*(?:dev|development|insecure|dummy|fake|test|testing)"
                                     rb"(?:_[a-z0-9]+)*\b")
#: decouple/starlette's ``config("X", default=...)`` (case as written)
CONFIG_CALL_RE = lazy_compile(rb"config\s*\(")
#: a string literal spelled like an environment variable (``ENV_VAR_NAME_RE``), the only key a
#: generic receiver counts with
ENV_VAR_LITERAL_RE = lazy_compile(rb"[\"'](?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}[0-9]*)[\"']")
#: a configuration function called with a key constant spelled like an environment variable
#: (``get_settings_value(LDAP_SERVER, …)``, env_lookups' ``_key_constant_name``)
CONFIG_KEY_CONSTANT_CALL_RE = lazy_compile(
    rb"get_?(?:settings?|config|conf)(?:_?value)?\s*\(\s*(?:\w+\.)?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\s*[,)]")


#: hashlib's digests (``hashlib.blake2b``, ``sha256``, ``hashlib.new``) and the builtin ``hash``: what
#: they are given is only mixed into a number — never a key (``hmac``'s key and key derivations are not here)
DIGEST_CALL_RE = lazy_compile(r"^(md5|sha1|sha224|sha256|sha384|sha512|blake2b|blake2s|sha3_\d+|shake_\d+|new|hash)$")
#: calls a value passes through unchanged in substance on its way into a digest
DIGEST_FEED_CALLS = frozenset({"encode", "decode", "join", "str", "bytes", "format", "lower", "upper", "strip",
                               "lstrip", "rstrip"})


def _only_hashed(ctx: PythonContext) -> bool:
    """The expression being visited only feeds a digest that becomes a number
    (``int.from_bytes(hashlib.blake2b(b"|".join((value.encode(), …))).digest(), "big")``,
    ``hash(value)``): a lock or cache key, derived from the deployment's settings — nothing
    connects to it or authenticates with it. A digest kept as bytes or text
    (``sha256(secret.encode()).digest()`` handed to a cipher) may be key material: not quiet."""
    parents = ctx.parents
    for index in range(len(parents) - 1, -1, -1):
        parent = parents[index]
        if isinstance(parent, (ast.Tuple, ast.List, ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Attribute,
                               ast.Starred, ast.keyword)):
            continue
        if not isinstance(parent, ast.Call):
            return False
        name = callee_name(parent)
        if name == "hash" and isinstance(parent.func, ast.Name):
            return True
        if (ctx.qualified_name(parent.func) or "").startswith("hashlib.") and DIGEST_CALL_RE.match(name):
            return _becomes_a_number(parents[:index])
        if name not in DIGEST_FEED_CALLS:
            return False
    return False


def _becomes_a_number(outer: list[ast.AST]) -> bool:
    """``parents`` above a digest call: its ``.digest()``/``.hexdigest()`` read as an integer
    (``int.from_bytes(…)``, ``int(…, 16)``)."""
    for parent in reversed(outer):
        if isinstance(parent, ast.Attribute) or isinstance(parent, ast.Call) and callee_name(parent) in (
                "digest", "hexdigest"):
            continue
        return isinstance(parent, ast.Call) and callee_name(parent) in ("from_bytes", "int")
    return False


#: a constant named as development-only: ``_LOCAL_DEV_PRIVATE_KEY_PEM``, ``INSECURE_DEFAULT_SECRET``,
#: ``DUMMY_SIGNING_KEY`` (``LOCAL`` alone names a place — ``LOCAL_TIMEZONE`` — not a development value)
DEVELOPMENT_CONSTANT_RE = lazy_compile(r"(^|_)(DEV|DEVELOPMENT|INSECURE|DUMMY|FAKE|TEST|TESTING)(_|$)")
#: per module node: module-level names bound once to a string literal, with their value
MODULE_STRING_CONSTANTS: Key[dict[str, str]] = Key("iso1.module-string-constants")


def _module_string_constants(ctx: PythonContext) -> dict[str, str]:
    """``NAME = "…"`` at the top of the module, names assigned exactly once."""
    def learn(tree: ast.AST) -> dict[str, str]:
        values: dict[str, str] = {}
        seen: set[str] = set()
        for statement in getattr(tree, "body", ()):
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value is not None else []
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                value = statement.value  # type: ignore[union-attr]
                if target.id in seen:
                    values.pop(target.id, None)
                elif isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
                    values[target.id] = value.value if isinstance(value.value, str) else value.value.decode("latin-1")
                seen.add(target.id)
        return values
    return ctx.scratch.setdefault(MODULE_STRING_CONSTANTS, lambda: learn(ctx.tree))


def _is_setting_read(node: ast.expr) -> bool:
    """``env.store.jwt_private_key``, ``settings.SECRET_KEY``, ``get_settings().auth.key``,
    ``self.config.token``: an attribute of the project's configuration object."""
    if not isinstance(node, ast.Attribute):
        return False
    root: ast.expr = node
    while isinstance(root, ast.Attribute):
        if isinstance(root.value, ast.Name) and root.value.id == "self":
            break  # self.settings.x: the receiver is the attribute after self
        root = root.value
    if isinstance(root, ast.Call):
        root = root.func
    name = root.attr if isinstance(root, ast.Attribute) else getattr(root, "id", "")
    return root is not node and (ENV_RECEIVER_RE.match(name) is not None or SETTINGS_RECEIVER_RE.match(name) is not None)


def _setting_falling_back_to_development_constant(node: ast.BoolOp, ctx: PythonContext
                                                  ) -> tuple[ast.expr, ast.Name] | None:
    """``env.store.jwt_private_key or _LOCAL_DEV_PRIVATE_KEY_PEM``: a setting the deployment may
    leave unset, falling back to a module constant named for development — the development value
    is then what production runs with, silently. The constant's own value is judged where it is
    written: a local host or URL there is ISO101's finding, a real-looking key ISO203's."""
    if not isinstance(node.op, ast.Or) or len(node.values) != 2:
        return None
    read, constant = node.values
    if not isinstance(constant, ast.Name) or DEVELOPMENT_CONSTANT_RE.search(constant.id.upper()) is None:
        return None
    if not _is_setting_read(read):
        return None
    value = _module_string_constants(ctx).get(constant.id)
    if value is None or parse_value(value).refs:
        return None  # not a module constant, or a connection value ISO101 reports where it is written
    return read, constant


#: a variable naming a plain host or address (``CELERY_RDB_HOST``, ``AGENT_BIND_ADDR``)
HOST_VARIABLE_RE = lazy_compile(r"(^|_)(HOST|HOSTNAME|ADDR|ADDRESS|IP)$")


#: per module node: whether it starts a listening server
LISTENING_MODULES: Key[dict[int, bool]] = Key("iso1.listening-modules")

def _is_listen_address(name: str | None, dev: DevValue, ctx: PythonContext) -> bool:
    """``CELERY_RDB_HOST = os.environ.get("CELERY_RDB_HOST") or "127.0.0.1"`` in a module that binds
    a listening socket (``sock.bind``/``listen``) or starts a server: a host variable that names no
    backing service (the word before ``HOST``: ``RDB``, not ``REDIS``) is where that server listens —
    loopback is its safe default. ``REDIS_HOST`` in the same module is still a destination."""
    match = HOST_VARIABLE_RE.search(name.upper()) if name else None
    if match is None:
        return False
    owner = name[:match.start()].rsplit("_", 1)[-1]  # the word naming whose host it is: RDB, REDIS
    if owner and service_word(owner) is not None:
        return False
    if any(reason.kind != "local-host" for reason in dev.reasons):
        return False
    module = ctx.parents[0] if ctx.parents else None
    if not isinstance(module, ast.Module):
        return False
    memo: dict[int, bool] = ctx.scratch.setdefault(LISTENING_MODULES, dict)
    if id(module) not in memo:
        memo[id(module)] = any(isinstance(node, ast.Call) and (
            isinstance(node.func, ast.Attribute) and node.func.attr in BIND_METHODS or is_server_call(node, ctx))
            for node in ast.walk(module))
    return memo[id(module)]


def _is_local_entry(name: str | None, dev: DevValue) -> bool:
    """``LOCAL_RUNTIME_URL`` defaulting to ``http://localhost``: the variable is the address of
    the local one of several (ISO101's :func:`names_local_entry`), its local host is the point."""
    return names_local_entry(name) and all(reason.kind in ("local-host", "bind-all") for reason in dev.reasons)


#: what only ISO102 reports on a settings field (hosts, ports and passwords are ISO101/ISO103's;
#: a development *secret* — `JWT_SECRET: str = "dev-secret"` — is this rule's: ISO103 knows passwords only)
SETTINGS_FIELD_REASONS = frozenset({"debug", "environment", "database", "sqlite"})

#: a configuration function's name may be in the file (``CONFIG_GETTER_RE``, any case)
CONFIG_GETTER_BYTES_RE = lazy_compile(rb"(?i)get_?(config|settings?|conf|env_?config)(_?value)?\s*\(")


class AccessorFallbackIndexer(Indexer):
    """Where a project's configuration function falls back to a development value
    (``get_config("FRONTEND_URL", "http://localhost:3000")``), so that ISO102 reports a fallback
    repeated across modules once. The decision is ISO102's own (:func:`reported_development_default`)
    on the same walk context, so the facts list exactly the places it would report."""

    name = ACCESSOR_FALLBACKS
    languages = frozenset({Language.PYTHON})
    tokens = (b"onf", b"etting")

    def admits(self, source: SourceFile, project: Any) -> bool:
        return (source.zone in PRODUCTION_ONLY and CONFIG_GETTER_BYTES_RE.search(source.raw) is not None
                and DevDefaultEnvFallback.admits(source, project))

    def extract(self, source: SourceFile, tree: Any) -> object | None:
        ctx = PythonContext(source)
        ctx.tree = tree
        ctx.imports.record_module_level(tree)
        found: list[list[Any]] = []

        def visit(node: ast.AST) -> None:
            fallback = lookup_with_default(node, ctx)
            if fallback is not None and fallback[0].style is LookupStyle.ACCESSOR and fallback[0].name is not None:
                dev = reported_development_default(*fallback, node, ctx)
                if dev is not None:
                    found.append([fallback[0].name, dev.value, ctx.range(fallback[1]).to_json()])
            # the context the engine's walk keeps (``python_runner._walk``): enclosing functions and
            # classes, and the imports below the module's top level (module level is pre-scanned)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and type(ctx.parents[-1]) is not ast.Module:
                ctx.record_import(node)
            scopes = ctx.functions if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else \
                ctx.classes if isinstance(node, ast.ClassDef) else None
            ctx.parents.append(node)
            if scopes is not None:
                scopes.append(node)
            for child in ast.iter_child_nodes(node):
                visit(child)
            if scopes is not None:
                scopes.pop()
            ctx.parents.pop()

        for statement in tree.body:
            ctx.parents.append(tree)
            visit(statement)
            ctx.parents.pop()
        return found or None
