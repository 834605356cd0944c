from __future__ import annotations

import re
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Applicability, Fixability, Language, Range, Severity, Zone
from isolint.core.rule import Rule
from isolint.core.source import is_shell_name
from isolint.core.zones import ENV_NAME_RE, TEMPLATE_RE, is_template_file
from isolint.fixers.dotenv_values import replace_value_fix
from isolint.rules.common.secret_detection import (
    COMMON_DEFAULT_PASSWORDS,
    HitKind,
    NameKind,
    SecretHit,
    Strictness,
    classify_name,
    find_secret,
)
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
    Reported: every secret [ISO201](ISO201.md) would report, and any hard-coded password — a
    weak one such as `admin` too, and the password inside a URL
    (`postgresql://app:app2024@db/app`) — except the stock password of a local stack's container.

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
      `dummy`, keys typed counting up (`sk-lf-1234567890`), a local emulator's published key (Azurite's).
    - An UPPER_SNAKE name standing for the value that repeats a word of the key or is named
      like a secret (`PHOENIXD_API_PASSWORD=PHOENIXD_KEY`).
    - Non-secret settings: hosts, ports, flags, `TOKEN_EXPIRE_MINUTES`.
    - The stock password of a database, broker or storage container (`POSTGRES_PASSWORD=postgres`, `testpass`,
      `RABBITMQ_PASSWORD=plane` beside `RABBITMQ_USER=plane`), except in a staging or production
      template (`.env.production.example`).
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
        return source.zone is not Zone.GENERATED and is_template_file(source.name) \
            and not is_shell_name(source.name.lower())

    def check_dotenv(self, document: "DotenvDocument", ctx: "DotenvContext") -> None:
        committed: bool | None = None
        loaded = any(marker in ctx.source.name.lower() for marker in LOADED_TEMPLATE_MARKERS)
        applicability = Applicability.UNSAFE if loaded else Applicability.SAFE
        names = None
        deployed = _names_a_deployed_environment(ctx.source.name)
        for entry in document.entries:
            hit = find_secret(entry.key, entry.value, Strictness.TEMPLATE)
            if hit is None:
                continue
            if not deployed and hit.kind in (HitKind.PASSWORD, HitKind.URL_PASSWORD):
                names = _plain_setting_words(document) if names is None else names
                if is_stock_service_password(entry.key, entry.value, hit, names):
                    continue  # POSTGRES_PASSWORD=postgres beside POSTGRES_USER=app: the local container's stock value
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


#: the database, broker, cache and storage containers a template's stack starts, by their URL scheme
SERVICE_URL_RE = lazy_compile(r"^(postgres(ql)?|mysql|mariadb|mongodb|redis|rediss|amqp|amqps)(\+[\w-]+)?://"
                            r"(?P<user>[^:/@\s]*):", re.IGNORECASE)
#: a key naming a container a local stack starts: a database, broker, cache or object storage
SERVICE_KEY_RE = lazy_compile(r"(^|_)(DB|DATABASE|PG|POSTGRES(QL)?|MYSQL|MARIADB|MONGO(DB)?|REDIS|RABBIT(MQ)?|AMQP|"
                            r"BROKER|CACHE|MINIO|S3|CLICKHOUSE|ELASTIC(SEARCH)?|KAFKA|NEO4J|INFLUX(DB)?|MEMCACHED?)(_|$)",
                            re.IGNORECASE)
#: a value that can be a user, database or project name (``app``, ``polar_read``, ``plane``)
_PLAIN_WORD_RE = lazy_compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


def _names_a_deployed_environment(file_name: str) -> bool:
    """``.env.production.example``: the template of a staging or production deployment, whose
    stock passwords would be that deployment's."""
    match = ENV_NAME_RE.search(TEMPLATE_RE.sub(".", file_name.lower()).replace(".env", "."))
    return match is not None and match.group(1) in ("stage", "staging", "preprod", "prod", "production", "live")


def _plain_setting_words(document: "DotenvDocument") -> set[str]:
    """The plain words the template gives its non-secret settings (``POSTGRES_USER=plane``,
    ``POSTGRES_DB=plane``): the names a stack's stock passwords repeat."""
    return {entry.value.strip().lower() for entry in document.entries
            if classify_name(entry.key) not in (NameKind.SECRET, NameKind.PASSWORD)
            and _PLAIN_WORD_RE.match(entry.value.strip())}


#: a stock password made of default words only (``demodemo``, ``testpass``, ``adminadmin``): defaults
#: put together to meet a minimum length (Neo4j asks for eight characters), not a chosen password
STOCK_WORDS_PASSWORD_RE = lazy_compile(r"^(?:demo|admin|test|password|pass|secret|root|guest|dev|local)+$")


def is_stock_service_password(key: str, value: str, hit: SecretHit, names: set[str]) -> bool:
    """The password a template gives the database, broker or storage container its local stack
    starts, when it is that container's stock value: a well-known default (``postgres``,
    ``guest``, ``minioadmin``) or default words put together (``demodemo``, ``testpass``), or a
    repetition of a user, database or project name the same template sets (``plane`` beside ``POSTGRES_USER=plane``, ``polarpolar``), or of the URL's own
    user (``postgresql://postgres:postgres@…``). Such a value is a configuration default every
    copy of the stack shares by design, not a leaked secret; a password of the app itself
    (``ADMIN_PASSWORD``), a chosen one (``TaskingAI321``) and any random one stay reported."""
    password = hit.value.strip().lower()
    if hit.inside_url:
        url = SERVICE_URL_RE.match(value.strip())
        if url is None:
            return False
        names = names | {url.group("user").lower()}
    elif SERVICE_KEY_RE.search(key) is None:
        return False
    if password in COMMON_DEFAULT_PASSWORDS or STOCK_WORDS_PASSWORD_RE.match(password):
        return True
    return any(name and len(password) % len(name) == 0 and password == name * (len(password) // len(name))
               for name in names)


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
