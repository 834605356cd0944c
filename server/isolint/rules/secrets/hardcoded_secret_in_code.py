from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import SECRET_RANGE, Applicability, Fix, Fixability, Language, Range, Severity, Zone
from isolint.core.rule import Rule
from isolint.fixers.arguments import argument_removal
from isolint.fixers.env_lookup import env_lookup_fix, learned_accessor, preferred_quote
from isolint.fixers.settings_fields import model_field_of, settings_field_fix
from isolint.rules.common.env_names import env_name_for, to_env_name
from isolint.rules.secrets.code_admission import may_hold_secret
from isolint.rules.common.secret_detection import find_secret
from isolint.rules.secrets.python_bindings import Binding, binding_of, in_documentation_example

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: the shortest value worth a look (an 8-character password; every known format is longer)
MIN_SECRET_LENGTH = 8
#: prefilter: every finding is a string literal; ``may_hold_secret`` (``admits``) does the real
#: narrowing — a secret-named binding near a literal that could be judged, or a known format
STRING_TOKENS = (b'"', b"'")


_STRING_START_RE = lazy_compile(r"^[rRbBuUfF]{0,2}(\"\"\"|\'\'\'|\"|\')")


def _content_range(node: ast.Constant, ctx: "PythonContext") -> Range:
    """The literal without prefix and quotes, so a mask shows the secret's own first and last
    characters (the whole literal when it spans lines or is an f-string piece)."""
    whole = ctx.range(node)
    text = ctx.text_of(node)
    opening = _STRING_START_RE.match(text)
    if opening is None or whole.start.line != whole.end.line or not text.endswith(opening.group(1)):
        return whole
    start, end = opening.end(), len(text) - len(opening.group(1))
    return Range.of(whole.start.line, whole.start.column + start, whole.end.line, whole.start.column + end)


#: the standard library's lookups, rewritten to their required form (``os.environ["X"]``)
OS_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})


class HardcodedSecretInCode(Rule):
    """A real-looking secret hard-coded in Python: a secret-named value or a known token format.

    ## What it does
    Checks Python string literals for hard-coded secrets: a literal bound to a secret-named
    name that looks real (`JWT_SECRET = "9f2c…"`, `Client(api_key="…")`, `{"password": "…"}`,
    a parameter or field default, `jwt.encode(payload, "…")`, `if password == "…"`), a literal
    in a known provider format (AWS, GitHub, Slack, Stripe live, JWT, PEM private keys…), or a
    real password inside a URL. Production and development code are checked (a dev script's
    real token leaks just the same); tests are not, since fixtures conventionally hold fake
    secrets.

    ## Why is this bad?
    A secret in source code is in every clone, fork, wheel, container image and in the
    repository's history forever; it cannot differ between environments, so development and
    production share it; rotating it needs a release.

    ## Example
    ```python
    JWT_SECRET_KEY = "4be0643f1d98573b97cdca98a65347dd7c0d5ac0a8e3b2e4c5d1f7a2b9e6c3d0"
    ```

    ## Use instead
    ```python
    import os

    JWT_SECRET_KEY = os.environ["JWT_SECRET_KEY"]
    ```

    ## Fix safety
    Unsafe: the literal becomes an environment lookup built from `env-accessor` (a lookup
    default becomes a required lookup) — or, with no `env-accessor` configured, through the
    module's own accessor when it reads its configuration through one (`get_config("X")`) — so
    the program fails at start-up until the variable is set. The default of a settings-class
    field is removed instead (`api_key: str = "…"` → `api_key: str`): the class keeps reading
    it; so is the default handed to a project's own accessor (`config("X", default="…")` →
    `config("X")`). Rotate the secret too: it is in the repository's history.

    ## Known look-alikes
    - Placeholders, low-entropy words, demo passwords that spell their own kind
      (`secure_password123`), names that only mention a secret (`TOKEN_URL = "/auth/token"`).
    - Well-known default passwords in connection URLs (`postgres:postgres@…`): ISO1xx's concern.
    - Page cursors (`next_page_token`), API documentation examples (`example=`) and keys that
      identify rather than unlock (`cache_key`, `spreadsheet_key`: a Google Sheets document id).
    - Public values: OpenSSH and PEM public keys, keys made to ship in clients by their
      documented prefix (PostHog `phc_…`, Stripe `pk_live_…`), salts, nonces and IVs, and JWTs
      handed out by design (an anonymous-role client key, a published demo token).
    - Docstrings.

    ## Options
    - `env-accessor`, `env-accessor-import`: the lookup the fix writes.
    """

    code = "ISO203"
    name = "hardcoded-secret-in-code"
    message = "{subject} holds {what} (`{masked}`) hard-coded in source"
    fix_title = "Read the secret from the environment"
    fixable = Fixability.SOMETIMES
    severity = Severity.ERROR
    languages = frozenset({Language.PYTHON})
    zones = frozenset({Zone.PRODUCTION, Zone.DEVELOPMENT})
    tokens = STRING_TOKENS
    options = ("env-accessor", "env-accessor-import")

    @classmethod
    def admits(cls, source, project) -> bool:
        """Only files whose bytes can hold a finding are parsed for it (``code_admission``)."""
        return may_hold_secret(source.raw)

    def visit_Constant(self, node: ast.Constant, ctx: "PythonContext") -> None:
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("ascii", errors="replace")
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or ctx.is_docstring(node):
            return
        binding = binding_of(node, ctx)
        hit = find_secret(binding.name, value)
        if hit is None or in_documentation_example(ctx):
            return
        subject = f"`{binding.name}`" if binding.name else "A string literal"
        fix = self._fix(node, binding, ctx) if hit.inside_url or (hit.start, hit.end) == (0, len(value)) else None
        ctx.report(self, node, fix=fix, data={SECRET_RANGE: _content_range(node, ctx).to_json()},
                   subject=subject, what=hit.description, masked=hit.masked)

    def _fix(self, node: ast.Constant, binding: Binding, ctx: "PythonContext"):
        """Only when the literal is the whole secret (not `"Bearer " + token`) and a whole value
        (not part of an f-string or an `x or "…"` fallback), and never for bytes."""
        if binding.replace is None or isinstance(node.value, bytes):
            return None
        field = model_field_of(node, ctx) if binding.replace is node else None
        if field is not None:
            return settings_field_fix(field, ctx)  # the settings class keeps reading it, now required
        env_name = binding.env_name
        if env_name is None:
            derived = env_name_for(node, ctx)
            env_name = derived if derived and derived != "DEFAULT" else to_env_name(binding.name or "")
        if not env_name:
            return None
        lookup = binding.replace if isinstance(binding.replace, ast.Call) else None
        if lookup is not None and (ctx.qualified_name(lookup.func) or "") not in OS_LOOKUPS:
            # the project's own accessor (`config("X", default="…")`) stays; the secret default goes
            removal = argument_removal(lookup, node, ctx.range)
            return None if removal is None else Fix(f"Remove the hard-coded default of `{env_name}`",
                                                    Applicability.UNSAFE, (removal,))
        return env_lookup_fix(replace=ctx.range(binding.replace), name=env_name, settings=ctx.settings,
                              imports=ctx.imports, tree=ctx.tree, line_ending=ctx.source.line_ending,
                              header_lines=ctx.source.header_lines, quote=preferred_quote(ctx.source.text),
                              # a literal goes through the module's own accessor; an `os` lookup stays one
                              accessor=learned_accessor(ctx.tree) if lookup is None else None,
                              lines=ctx.source.lines)
