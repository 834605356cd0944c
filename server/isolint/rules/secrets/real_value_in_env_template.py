from __future__ import annotations

from typing import TYPE_CHECKING

from isolint.core.model import Applicability, Fixability, Language, Range, Severity, Zone
from isolint.core.rule import Rule
from isolint.core.zones import is_template_file
from isolint.fixers.dotenv_values import replace_value_fix
from isolint.rules.common.secret_detection import NameKind, SecretHit, Strictness, classify_name, find_secret
from isolint.rules.secrets.env_files import is_committed, report_secret, secret_range

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvDocument, DotenvEntry
    from isolint.core.source import SourceFile

#: template names that tools also *load* (dotenv-flow's `.env.defaults`, `.env.dist`): replacing a
#: value there changes what the app reads
LOADED_TEMPLATE_MARKERS = ("default", "dist")


class RealValueInEnvTemplate(Rule):
    """A real secret or password in an env template, where a placeholder belongs.

    ## What it does
    Checks env templates (`.env.example`, `.env.sample`, `.env.template`, `env.example`,
    `*.env.dist` and the like) for real secrets and passwords where a placeholder belongs.
    Reported: every secret [ISO201](ISO201.md) would report, and any hard-coded password — even
    a weak default such as `postgres`, and the password inside a URL
    (`postgresql://app:postgres@db/app`).

    ## Why is this bad?
    A template is committed and copied: every developer's `.env` (and, sooner or later, a
    staging or production one) starts from it, so a real value in it becomes the shared
    password of every environment, and a secret in it is public to anyone who can read the
    repository. The audit found an env template holding real passwords.

    ## Example
    ```dotenv
    # isolint-example: path=.env.example
    POSTGRES_PASSWORD=s3cure-Pa55word
    ```

    ## Use instead
    ```dotenv
    # isolint-example: path=.env.example
    POSTGRES_PASSWORD=changeme
    ```

    ## Fix safety
    Replaces the value with a placeholder (`changeme` for passwords, `your-<name>-here`
    otherwise). Safe for templates nothing loads (`.example`, `.sample`, `.template`); unsafe for
    `.env.defaults` and `.dist` files, which tools such as dotenv-flow do load.

    ## Known look-alikes
    - Placeholders: empty values, `changeme`, `your-…-here`, `<…>`, `${VAR}`, `xxx`, `***`,
      `dummy`, `example`.
    - An UPPER_SNAKE name standing for the value that repeats a word of the key or is named
      like a secret (`PHOENIXD_API_PASSWORD=PHOENIXD_KEY`).
    - Non-secret settings: hosts, ports, flags, `TOKEN_EXPIRE_MINUTES`.
    - JWTs handed out by design: an anonymous-role client key and a local stack's published demo
      token (issuer `supabase-demo`).
    """

    code = "ISO202"
    name = "real-value-in-env-template"
    message = "Template gives `{key}` {what} (`{masked}`) instead of a placeholder"
    fix_title = "Replace the value with a placeholder"
    fixable = Fixability.ALWAYS
    severity = Severity.WARNING
    languages = frozenset({Language.DOTENV})
    zones = frozenset(Zone) - {Zone.GENERATED}

    @classmethod
    def applies_to(cls, source: "SourceFile") -> bool:
        return source.zone is not Zone.GENERATED and is_template_file(source.name)

    def check_dotenv(self, document: "DotenvDocument", ctx: "DotenvContext") -> None:
        committed: bool | None = None
        loaded = any(marker in ctx.source.name.lower() for marker in LOADED_TEMPLATE_MARKERS)
        applicability = Applicability.UNSAFE if loaded else Applicability.SAFE
        for entry in document.entries:
            hit = find_secret(entry.key, entry.value, Strictness.TEMPLATE)
            if hit is None:
                continue
            if committed is None:
                committed = is_committed(ctx)
            placeholder = placeholder_for(entry.key, hit)
            fix = replace_value_fix(
                replace=_replaced_range(ctx, entry, hit),
                new_text=placeholder,
                title=f"Replace the value with the placeholder `{placeholder}`",
                applicability=applicability,
            )
            report_secret(self, ctx, entry, hit, committed=committed, fix=fix)


def placeholder_for(key: str, hit: SecretHit) -> str:
    """`changeme` for passwords (also inside URLs), `your-jwt-secret-key-here` for the rest."""
    if hit.inside_url or classify_name(key) is NameKind.PASSWORD:
        return "changeme"
    return f"your-{key.lower().replace('_', '-')}-here"


def _replaced_range(ctx: "DotenvContext", entry: "DotenvEntry", hit: SecretHit) -> Range:
    """Only the secret inside a URL (the rest of the URL is a useful example); otherwise the
    whole value, quotes included."""
    if hit.inside_url:
        return secret_range(ctx, entry, hit)
    return entry.value_range
