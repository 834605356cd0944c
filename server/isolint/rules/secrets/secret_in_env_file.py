from __future__ import annotations

from typing import TYPE_CHECKING

from isolint.core.model import Fixability, Language, Severity, Zone
from isolint.core.rule import Rule
from isolint.core.zones import is_template_file
from isolint.fixers.dotenv_values import blank_value_fix
from isolint.rules.common.secret_detection import Strictness, find_secret
from isolint.rules.secrets.env_files import is_committed, report_secret

if TYPE_CHECKING:
    from isolint.core.context import DotenvContext, DotenvDocument
    from isolint.core.source import SourceFile

QUIET_ZONES = frozenset({Zone.TEST, Zone.INTEGRATION_TEST, Zone.GENERATED})
DEPLOYED_PLACE = "the deployment's secret store"
LOCAL_PLACE = "your local, gitignored .env.local"


class SecretInEnvFile(Rule):
    """A real secret (provider token, random key, strong password) in a committed env file.

    ## What it does
    Checks committed env files (`.env`, `.env.*`, `*.env`, `.secrets`, `.envrc`, `.flaskenv`)
    for values that are real secrets: a known provider format (AWS `AKIA…`, GitHub `ghp_…`,
    Slack `xox…`, Stripe `sk_live_…`, a signed JWT, a PEM private key…) whatever the key's
    name, a random-looking value under a secret-named key, a strong password under a
    password-named key, or a real password embedded in a URL. A file that `.gitignore`
    excludes is a developer's local copy: it is reported only as a hint, without a fix.

    ## Why is this bad?
    A secret in a committed file is readable by everyone who can read the repository, stays in
    its history after deletion, and travels with every clone, fork and CI log. A development
    secret committed "just for local use" is the one that ends up in production (the audit's
    `.env.development` held a real JWT signing key).

    ## Example
    ```dotenv
    JWT_SECRET_KEY=4be0643f1d98573b97cdca98a65347dd7c0d5ac0a8e3b2e4c5d1f7a2b9e6c3d0
    ```

    ## Use instead
    ```dotenv
    # set JWT_SECRET_KEY in the deployment's secret store
    JWT_SECRET_KEY=
    ```

    ## Fix safety
    Unsafe: the value is blanked (a comment line above says where to set it), so an app that
    read it from this file stops working until the secret is provided another way. Rotate the
    secret too: it is in the repository's history.

    ## Known look-alikes
    - Secret-sounding names with non-secret values: `TOKEN_EXPIRE_MINUTES=30`,
      `API_KEY_HEADER=X-API-Key`, `SECRET_KEY_FILE=/run/secrets/jwt`.
    - Placeholders (`changeme`, `your-…-here`, `${VAR}`, `<…>`, empty) and low-entropy words
      (`dev-secret-key`).
    - Well-known default passwords (`postgres`), which leak nothing.
    - Keys made to ship in clients (`phc_…`, `pk_live_…`), salts, nonces and IVs, and demo
      passwords that spell their own kind (`secure_password123`).
    - JWTs handed out by design: an anonymous-role client key (Supabase's `anon` key) and a
      published demo token (issuer `supabase-demo`).
    - Env files of the test zone (`.env.test`, `.env.ci`, files under `tests/`) and templates
      (`.env.example`: [ISO202](ISO202.md)).
    """

    code = "ISO201"
    name = "secret-in-env-file"
    message = "`{key}` holds {what} (`{masked}`) in {place}"
    fix_title = "Blank the value and say where to set it"
    fixable = Fixability.SOMETIMES
    severity = Severity.ERROR
    languages = frozenset({Language.DOTENV})
    zones = frozenset(Zone) - QUIET_ZONES

    @classmethod
    def applies_to(cls, source: "SourceFile") -> bool:
        return source.zone not in QUIET_ZONES and not is_template_file(source.name)

    def check_dotenv(self, document: "DotenvDocument", ctx: "DotenvContext") -> None:
        committed: bool | None = None
        for entry in document.entries:
            hit = find_secret(entry.key, entry.value, Strictness.COMMITTED)
            if hit is None:
                continue
            if committed is None:
                committed = is_committed(ctx)
            source = ctx.source
            fix = blank_value_fix(
                key=entry.key,
                value_range=entry.value_range,
                line_text=source.line(entry.line),
                end_line_text=source.line(entry.value_range.end.line),
                inline_comment=entry.comment,
                line_ending=source.line_ending,
                where=LOCAL_PLACE if source.zone is Zone.DEVELOPMENT else DEPLOYED_PLACE,
            )
            report_secret(self, ctx, entry, hit, committed=committed, fix=fix)
