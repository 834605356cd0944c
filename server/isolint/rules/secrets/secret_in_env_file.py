from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import TYPE_CHECKING, Any

from isolint.core.context import DotenvContext
from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Applicability, Fix, Fixability, Language, Range, RelatedLocation, Severity, Zone
from isolint.core.rule import Indexer, Rule
from isolint.core.source import is_compose_name, is_shell_name
from isolint.core.zones import is_template_file
from isolint.fixers.dotenv_values import blank_value_fix, replace_value_fix
from isolint.rules.common.secret_detection import (
    DEFAULTED_REFERENCE_RE,
    SIGNING_SECRET_NAME_RE,
    HitKind,
    SecretHit,
    Strictness,
    find_secret,
    looks_random,
)
from isolint.rules.secrets.env_files import is_committed, report_secret

if TYPE_CHECKING:
    from isolint.core.context import DotenvDocument, DotenvEntry
    from isolint.core.source import SourceFile

#: fact kind: per env, compose or shell file, the secrets ISO201 reports there, as
#: ``[digest, committed, range, key]``
ENV_FILE_SECRETS = "iso2.env-file-secrets"
QUIET_ZONES = frozenset({Zone.TEST, Zone.INTEGRATION_TEST, Zone.GENERATED})
DEPLOYED_PLACE = "the deployment's secret store"
#: in a compose file, a password mostly is the one it sets for a container it starts (a database,
#: object storage): reported only when generated (random), like a key, not for its strength
CONTAINER_PASSWORD_KINDS = frozenset({HitKind.PASSWORD, HitKind.URL_PASSWORD})
LOCAL_PLACE = "your local, gitignored .env.local"


class SecretInEnvFile(Rule):
    """A real secret (token, random key, strong password) in a committed env or compose file.

    ## What it does
    Checks committed env files (`.env`, `.env.*`, `*.env`, `.secrets`, `.envrc`, `.flaskenv`),
    docker compose files (`KEY: value`, `- KEY=value`) and shell scripts (`export KEY=value`),
    with the default of any `${KEY:-default}`, for values that are real secrets: a known provider format (AWS `AKIA…`, GitHub `ghp_…`,
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
    read it from this file stops working until the secret is provided another way. In a compose
    file or a shell script a defaulted reference becomes a required one (`${SECRET_KEY:?set
    SECRET_KEY}`: compose or the shell refuses to go on until it is set); a literal value there
    gets no fix. A secret the file
    repeats is one finding (the other places are related locations), fixed at every place at
    once; a secret other env or compose files repeat is reported at the first committed file
    holding it, the others related. Rotate the secret too: it is in the repository's history.

    ## Known look-alikes
    - Secret-sounding names with non-secret values: `TOKEN_EXPIRE_MINUTES=30`,
      `SECRET_KEY_FILE=/run/secrets/jwt`.
    - Placeholders (`changeme`, `${VAR}`, `${VAR:?…}`, `<…>`, empty), words (`dev-secret-key`)
      and base64 of words (`ZGV2LWtleQ==`), default passwords (`postgres`); in a compose file,
      any password it gives a container unless generated (a signing key's fallback,
      `${JWT_SECRET:-…}`, is reported, but not in a `*.dev.yml` stack).
    - Keys made to ship in clients (`phc_…`, `pk_live_…`), salts, nonces and IVs, and demo
      passwords that spell their own kind (`secure_password123`).
    - JWTs handed out by design: an anonymous-role client key (Supabase's `anon` key) and a
      published demo token (issuer `supabase-demo`).
    - The test zone (`.env.test`, `.env.ci`, `tests/`, a CI folder's compose stacks such as
      `.ci/compose.yaml`) and templates (`.env.example`: [ISO202](ISO202.md)).
    """

    code = "ISO201"
    name = "secret-in-env-file"
    message = "`{key}` holds {what} (`{masked}`) in {place}"
    fix_title = "Blank the value and say where to set it"
    fixable = Fixability.SOMETIMES
    severity = Severity.ERROR
    languages = frozenset({Language.DOTENV})
    zones = frozenset(Zone) - QUIET_ZONES
    uses_facts = (ENV_FILE_SECRETS,)

    @classmethod
    def applies_to(cls, source: "SourceFile") -> bool:
        return source.zone not in QUIET_ZONES and not is_template_file(source.name)

    def check_dotenv(self, document: "DotenvDocument", ctx: "DotenvContext") -> None:
        name = ctx.source.name.lower()
        compose = is_compose_name(name)
        script = is_shell_name(name)
        found = reported_secrets(document, *_substitution(ctx.source))
        if not found:
            return
        committed = is_committed(ctx)
        here = ctx.source.rel_path
        elsewhere = ctx.project.facts(ENV_FILE_SECRETS) if ctx.project is not None else {}
        for value, ((entry, hit), *again) in found.items():
            # one secret, one finding: where the file repeats it, the other entries are related;
            # where other env or compose files hold it too, the first committed one reports it
            digest = secret_digest(value)
            others = sorted((not other_committed, path, Range.from_json(where), key)
                            for path, facts in elsewhere.items() if path != here
                            for other_digest, other_committed, where, key in facts if other_digest == digest)
            if others and others[0][:2] < (not committed, here):
                continue
            fixes = [self._fix(ctx, place, compose or script) for place, _ in [(entry, hit), *again]]
            report_secret(self, ctx, entry, hit, committed=committed, fix=merged_fix(fixes),
                          related=[(ctx.range(other), f"the same secret again, as `{other.key}`")
                                   for other, _ in again],
                          related_elsewhere=tuple(RelatedLocation(where, f"the same secret again, as `{key}`", path)
                                                  for _, path, where, key in others))

    def _fix(self, ctx: "DotenvContext", entry: "DotenvEntry", substitutes_variables: bool) -> Fix | None:
        """A compose or shell file substitutes ``${X}``: its fix requires the variable; an env
        file's fix blanks the value."""
        return required_variable_fix(ctx, entry) if substitutes_variables else self._blank_fix(ctx, entry)

    @staticmethod
    def _blank_fix(ctx: "DotenvContext", entry: "DotenvEntry") -> Fix:
        source = ctx.source
        return blank_value_fix(
            key=entry.key,
            value_range=entry.value_range,
            line_text=source.line(entry.line),
            end_line_text=source.line(entry.value_range.end.line),
            inline_comment=entry.comment,
            line_ending=source.line_ending,
            where=LOCAL_PLACE if source.zone is Zone.DEVELOPMENT else DEPLOYED_PLACE,
        )


def reported_secrets(document: "DotenvDocument", compose: bool,
                     deployed_substitution: bool = False) -> dict[str, list[tuple["DotenvEntry", SecretHit]]]:
    """The secrets ISO201 reports in ``document``, by value, each with the entries holding it;
    with ``deployed_substitution`` (a production compose file or shell script) the written-out
    fallback of a signing secret too."""
    found: dict[str, list[tuple["DotenvEntry", SecretHit]]] = {}
    for entry in document.entries:
        hit = find_secret(entry.key, entry.value, Strictness.COMMITTED)
        if hit is None and deployed_substitution:
            hit = signing_secret_fallback(entry.key, entry.value)
        if hit is None:
            continue
        if compose and hit.kind in CONTAINER_PASSWORD_KINDS and not looks_random(hit.value):
            continue  # the password the file gives the container it starts, like a template's
        found.setdefault(hit.value, []).append((entry, hit))
    return found


#: a path word that says its stack is a developer's (``docker-compose.dev.yml``, ``dev/``, ``local/``)
DEVELOPMENT_PATH_WORD_RE = lazy_compile(r"(^|[/._-])(dev|develop|development|local)([/._-]|$)", re.IGNORECASE)


def _substitution(source: "SourceFile") -> tuple[bool, bool]:
    """Whether ``source`` is a compose file, and whether it is a compose file or shell script a
    deployment may run, one whose ``${X:-fallback}`` is what it runs with: any but a stack the
    path calls a developer's (a plain ``docker-compose.yml`` is in the development zone by
    name, yet is as often what self-hosters deploy)."""
    name = source.name.lower()
    compose = is_compose_name(name)
    deployable = DEVELOPMENT_PATH_WORD_RE.search(source.rel_path) is None
    return compose, (compose or is_shell_name(name)) and deployable


def signing_secret_fallback(key: str, value: str) -> SecretHit | None:
    """``JWT_SECRET=${JWT_SECRET_KEY:-super-secret-jwt-token-…}``: whatever the fallback looks
    like, a deployment without the variable signs its tokens with a key anyone reading the
    repository knows (a random-looking one is :func:`find_secret`'s already)."""
    reference = DEFAULTED_REFERENCE_RE.match(value)
    if reference is None or not reference.group("default").strip():
        return None
    if not (SIGNING_SECRET_NAME_RE.search(key.upper()) or SIGNING_SECRET_NAME_RE.search(reference.group("variable").upper())):
        return None
    return SecretHit(HitKind.SIGNING_FALLBACK, "a signing secret's fallback written in the file",
                     reference.start("default"), reference.end("default"), reference.group("default"))


def secret_digest(value: str) -> str:
    """A short digest that tells two files hold the same secret without keeping the secret in
    the project's facts (which the language server and the cache hold)."""
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8,
                           person=b"isolint-iso201").hexdigest()


class EnvFileSecretIndexer(Indexer):
    """Which env, compose and shell files hold which secret (by digest), so that ISO201 reports a
    secret that several of them repeat once: at the first committed file, the others related."""

    name = ENV_FILE_SECRETS
    languages = frozenset({Language.DOTENV})

    def admits(self, source: "SourceFile", project: Any) -> bool:
        return SecretInEnvFile.applies_to(source)

    def extract(self, source: "SourceFile", tree: Any) -> object | None:
        found = reported_secrets(tree, *_substitution(source))
        if not found:
            return None
        ctx = DotenvContext(source, tree)
        committed = is_committed(ctx)
        return [[secret_digest(value), committed, ctx.range(entry).to_json(), entry.key]
                for value, entries in found.items() for entry, _ in entries]


def merged_fix(fixes: list[Fix | None]) -> Fix | None:
    """One fix for every place of a repeated secret (the first one's title), or none when a
    place has no fix: half a fix would leave the secret in the file."""
    if any(fix is None for fix in fixes):
        return None
    first = fixes[0]
    if len(fixes) == 1:
        return first
    return dataclasses.replace(first, edits=tuple(edit for fix in fixes for edit in fix.edits))


def required_variable_fix(ctx: "DotenvContext", entry: "DotenvEntry") -> Fix | None:
    """In a compose file, ``${SECRET_KEY:-<secret>}`` becomes ``${SECRET_KEY:?set SECRET_KEY}``: compose
    refuses to start until the variable is set. A literal value has no such rewrite (blanking it
    would leave the container without the setting): no fix."""
    reference = DEFAULTED_REFERENCE_RE.match(entry.value)
    if reference is None:
        return None
    variable = reference.group("variable")
    return replace_value_fix(
        replace=entry.value_range, new_text=f"{entry.quote}${{{variable}:?set {variable}}}{entry.quote}",
        title=f"Require `{variable}` instead of defaulting it", applicability=Applicability.UNSAFE)

