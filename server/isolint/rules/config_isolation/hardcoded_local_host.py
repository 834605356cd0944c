from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from isolint.core.model import SECRET_RANGE, Fix, Fixability
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.rules.common.env_names import env_name_for
from isolint.rules.config_isolation.shared import env_default_dev_value, replace_with_env_lookup
from isolint.rules.config_isolation.usage import (
    TRANSPARENT_CALLS,
    Use,
    UseSite,
    classify_use,
    in_dev_entry_point,
    literal_text,
    secret_range,
    string_literal_nodes,
)
from isolint.rules.config_isolation.values import (
    ParsedValue,
    display_value,
    names_backing_service,
    parse_value,
)

if TYPE_CHECKING:
    from isolint.engine.python_runner import PythonContext

#: cheap text test before parsing a literal as a connection value
_LOCAL_MARKERS = ("localhost", "127.", "0.0.0.0", "::", "docker.internal", "ip6-")


#: lists of host names that incoming requests are *checked against* (Django's ALLOWED_HOSTS,
#: Starlette's TrustedHostMiddleware(allowed_hosts=...), e-mail domain allow-lists)
ALLOW_LIST_NAME_RE = re.compile(r"(ALLOWED|TRUSTED|PERMITTED|SAFE|INTERNAL)_(HOSTS?|HOSTNAMES|DOMAINS?)$|"
                                r"(ALLOW|WHITE|SAFE)_?LIST$")


@dataclass
class _Pending:
    """A local host bound to a plain name: reported at the end of the file unless every use of
    the name in the file only checks against it (``if host in LOCAL_HOSTS: raise``)."""

    node: ast.AST
    host: str
    detail: str
    fix: Fix | None
    data: dict
    #: a tuple/list/set of two or more bare local hosts — the shape of a "known local hosts" set
    bare_host_set: bool


class HardcodedLocalHost(Rule):
    """## What it does
    Flags a local host — `localhost`, `127.0.0.1`, `::1`, `*.localhost`, `host.docker.internal`,
    or a URL / `host:port` / connection string on one of them — used as a *value* in production
    code: assigned, returned, a default argument, a dataclass or pydantic field default
    (`Field(default=...)` too), a dict value or a call argument, including f-strings and the
    branches of a conditional expression (`"localhost" if env == "dev" else ""`).

    Not flagged, because nothing connects to them:

    - checks: `host == "localhost"`, `"localhost" in url`, `url.startswith("http://localhost")`,
      `host in LOCAL_HOSTS`, `validate_host(host, allowed)` — and a tuple/list/set of local
      hosts bound to a name that the file only ever checks against (or, for two or more bare
      host names, never uses at all);
    - host allow-lists that incoming requests are checked against: bare host names in
      `ALLOWED_HOSTS`, `TrustedHostMiddleware(allowed_hosts=[...])`, `*_ALLOWLIST` (origins,
      which are URLs — `allow_origins=["http://localhost:3000"]` — *are* reported: a deployed API
      then accepts credentialed requests from a developer's machine);
    - command-line option defaults (`parser.add_argument("--host", default="127.0.0.1")`,
      `click.option`, `typer.Option`): chosen per invocation and shown in `--help` — a loopback
      bind is the safe default of a CLI tool, and a deployed service passes its flags
      explicitly;
    - regular expressions (`re.compile(...)`, `allow_origin_regex=`), sentences that merely
      mention localhost, docstrings, comments, log and print calls, exception and warning
      messages, `help=`/`description=`/`examples=` texts, dict keys and type annotations;
    - code under `if __name__ == "__main__":` — a development entry point (`python app/main.py`);
      deployed code starts through `uvicorn app.main:app`, gunicorn or a worker command;
    - the default of an environment lookup (`os.getenv("REDIS_HOST", "localhost")`): that is
      [ISO102](ISO102.md), with a fix that fits it better;
    - **bind-all addresses** `0.0.0.0` and `::` as a bare host: that is where a *server
      listens* (`uvicorn.run(app, host="0.0.0.0")`, `HOST = "0.0.0.0"`), the normal setting
      inside a container, not a development leak. They are flagged only where they name a
      destination: inside a URL (`http://0.0.0.0:8000`) or bound to a backing service's name
      (`REDIS_HOST = "0.0.0.0"`, `Redis(host="0.0.0.0")`).

    Development and test code (scripts, launchers, tests — see zones) is not checked.

    A connection URL's embedded password and port are part of the same finding (the password
    masked); [ISO103](ISO103.md) does not report them again for a local-host URL.

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
    `REDIS_HOST`), adding `import os` when needed. It is unsafe: the program now fails fast
    where it silently used the literal before — the point of the fix, but a behaviour change.
    No fix is offered when nothing names the value (a positional argument, a list element, a
    piece of a concatenation).

    ## Options
    - `env-accessor`, `env-accessor-import`: the expression and import the fix uses.
    """

    code = "ISO101"
    name = "hardcoded-local-host"
    message = "Hard-coded {host} in production code{detail}"
    fix_title = "Read the value from the environment"
    fixable = Fixability.SOMETIMES
    zones = PRODUCTION_ONLY
    tokens = (b"localhost", b"LOCALHOST", b"Localhost", b"127.", b"0.0.0.0", b"::1", b"[::]",
              b"docker.internal", b"ip6-")
    options = ("env-accessor", "env-accessor-import")

    def __init__(self) -> None:
        self._pending: dict[str, list[_Pending]] = {}
        self._uses: dict[str, list[Use]] = {}

    def visit_Constant(self, node: ast.Constant, ctx: PythonContext) -> None:
        self._check(node, ctx)

    def visit_JoinedStr(self, node: ast.JoinedStr, ctx: PythonContext) -> None:
        self._check(node, ctx)

    def visit_Name(self, node: ast.Name, ctx: PythonContext) -> None:
        if isinstance(node.ctx, ast.Load) and node.id in self._pending:
            self._uses.setdefault(node.id, []).append(classify_use(node, ctx).use)

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
        if site.use not in (Use.VALUE, Use.ITERATED) or in_dev_entry_point(ctx):
            return
        if env_default_dev_value(node, ctx) is not None:
            return  # ISO102 reports the fallback
        name = env_name_for(node, ctx)
        if name and parsed.is_bare_host and ALLOW_LIST_NAME_RE.search(name):
            return  # ALLOWED_HOSTS = ["localhost", ...]: incoming Host headers are checked against it
        refs = parsed.destination_refs(names_backing_service(name))
        if not refs or site.use is Use.ITERATED and parsed.is_bare_host:
            return
        detail, data = self._detail(node, parsed, ctx)
        ref = refs[0]
        host = f"local host `{ref.host}`" if ref.kind == "local" else f"bind-all address `{ref.host}` as a destination"
        fix = replace_with_env_lookup(node, name, ctx) if name and site.direct else None
        target = _bound_name(site)
        if target is not None:
            self._pending.setdefault(target, []).append(
                _Pending(node, host, detail, fix, data, _is_bare_host_set(site.child)))
            return
        ctx.report(self, node, fix=fix, data=data, host=host, detail=detail)

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
            uses = self._uses.get(target, [])
            for item in items:
                value_uses = [u for u in uses if u is Use.VALUE or u is Use.ITERATED and not item.bare_host_set]
                if uses and not value_uses or not uses and item.bare_host_set:
                    continue
                ctx.report(self, item.node, fix=item.fix, data=item.data, host=item.host, detail=item.detail)


def _bound_name(site: UseSite) -> str | None:
    """The plain name a literal (or a container of literals) is assigned to, if any."""
    parent = site.parent
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name) and parent.value is site.child:
        return parent.target.id
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
