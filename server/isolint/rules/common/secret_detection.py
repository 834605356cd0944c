"""Telling a real secret from everything that merely looks like one — shared by ISO201–ISO203.

The name of a variable alone is a poor signal (bandit's name-only heuristics are the noise
users complain about): ``TOKEN_EXPIRE_MINUTES=30``, ``password_field = "password"`` and
``TOKEN_URL = "/auth/token"`` carry secret words and hold no secret. So a value is reported only
when two independent signals agree:

* the **name** says secret (``classify_name``: password-like, secret/token-like, or a name that
  explicitly is *not* a secret — ``*_EXPIRE_MINUTES``, ``*_HEADER``, ``*_FILE``, ``PUBLIC_KEY``…),
  and the **value** looks like one (``looks_random`` for keys and tokens,
  ``looks_like_password`` for passwords), never a placeholder (``is_placeholder``); or
* the value has a **known provider format** (AWS ``AKIA…``, GitHub ``ghp_…``, Slack ``xox…``,
  Stripe ``sk_live_…``, a signed JWT, a PEM private key…) — whatever the name; or
* the value is a URL with an **embedded password** (``scheme://user:password@host``).

Everything here is pure string work: no I/O, no parse trees.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import hashlib
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import mask_secret
from isolint.core.secret_formats import ANY_FORMAT_MARKER_RE, FORMAT_MARKERS, URL_PASSWORD_RE

# -- names ------------------------------------------------------------------------------------


class NameKind(enum.Enum):
    PASSWORD = "password"  # human-chosen secrets: judged by password strength
    SECRET = "secret"  # keys and tokens: judged by randomness
    NOT_SECRET = "not-secret"  # names that say what they hold is not the secret itself
    NEUTRAL = "neutral"  # no opinion: only known formats count


PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "passwords", "pw"})
SECRET_WORDS = frozenset({
    "secret", "secrets", "token", "tokens", "apikey", "credential", "credentials", "creds", "privatekey",
    "secretkey", "accesskey", "authkey", "authtoken", "accesstoken", "refreshtoken", "bearer",
    "pepper", "signingkey", "encryptionkey", "masterkey", "webhooksecret", "clientsecret", "sessionkey",
})
#: a trailing ``key`` is a secret after these words ("api key", "stripe key") but not after the
#: words below (a cache key, a sort key, a public key)
NOT_SECRET_KEY_QUALIFIERS = frozenset({
    "cache", "sort", "partition", "primary", "foreign", "lookup", "idempotency", "dedup", "dedupe",
    "redis", "routing", "cursor", "map", "dict", "hash", "index", "shard", "group", "object", "s3", "file",
    "bucket", "row", "column", "table", "field", "attr", "attribute", "message", "event", "lock", "storage_path",
    "translation", "i18n", "react", "composite", "unique", "natural", "surrogate", "hotkey", "shortcut", "keyboard",
    "press", "sign",  # "sign key" is rare; "sign" mostly appears as the verb in sign_key_id-like names
    "spreadsheet", "sheet",  # Google Sheets names a document's identifier its "key"
})
#: words anywhere in a name that make it explicitly public
PUBLIC_WORDS = frozenset({"public", "publishable", "pub", "site", "anon"})
#: words that make a "token" a position in a listing (``next_page_token``, ``cursor_token``):
#: an opaque, usually base64-encoded offset handed to every client, not a credential
PAGINATION_WORDS = frozenset({"page", "pagination", "paging", "cursor", "continuation"})
#: a last word that says the value is *about* a secret, not the secret
NOT_SECRET_SUFFIXES = frozenset({
    # time and size
    "expire", "expires", "expiry", "expiration", "exp", "lifetime", "age", "ttl", "timeout", "seconds", "secs",
    "minutes", "mins", "hours", "days", "ms", "interval", "duration", "length", "len", "size", "bytes", "bits",
    "count", "limit", "max", "min", "rounds", "iterations", "cost", "complexity", "entropy", "strength",
    # where a secret lives or how it travels, not the secret
    "header", "headers", "name", "names", "file", "files", "path", "paths", "dir", "directory", "url", "urls",
    "uri", "endpoint", "route", "host", "port", "arn", "ref", "env", "var", "variable", "location", "region",
    "project", "bucket", "table", "queue", "topic", "channel", "index", "stream", "store", "vault", "manager",
    "provider", "backend", "source", "cookie", "query", "param", "params", "parameter", "field", "fields",
    "column", "attr", "attribute", "cache", "lookup", "keys", "list", "set", "map", "mapping",
    # what kind of secret, not which
    "mode", "type", "types", "kind", "format", "version", "prefix", "suffix", "scheme", "algorithm",
    "algorithms", "alg", "algo", "audience", "issuer", "scope", "scopes", "policy", "grant", "flow",
    "strategy", "usage", "rotation", "id", "ids", "enabled", "disabled", "required", "hint",
    # checks, hashes and UI around a secret
    "hasher", "hashers", "validators", "backends", "providers", "pattern", "regex", "regexp", "re", "hash", "hashed", "digest", "validator", "validation", "check",
    "checker", "reset", "rules", "template", "placeholder", "example", "description", "help", "message", "msg",
    "error", "errors", "label", "title", "prompt", "text", "input", "form", "widget", "mask", "visible",
    "visibility", "chars", "charset", "characters", "alphabet", "class", "schema", "model", "serializer",
    "encoding", "encoder", "decoder", "generator", "factory", "view", "handler", "callback",
    # who, not what
    "user", "username", "email",
    # public inputs of a key derivation or a cipher: stored or sent beside what they protect
    "salt", "nonce", "iv",
})
_WORD_RE = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> list[str]:
    """``JWT_SECRET_KEY`` / ``jwtSecretKey`` / ``jwt-secret-key`` → ``["jwt", "secret", "key"]``."""
    return [word.lower() for word in _WORD_RE.findall(name)]


@lru_cache(maxsize=4096)
def classify_name(name: str) -> NameKind:
    """What a variable, key or argument name says about the value bound to it."""
    words = name_words(name)
    joined = "".join(words)
    if any(word in PASSWORD_WORDS for word in words) or "password" in joined:
        kind = NameKind.PASSWORD
    elif any(word in SECRET_WORDS for word in words) or any(term in joined for term in _JOINED_SECRET_TERMS):
        kind = NameKind.SECRET
    elif len(words) > 1 and words[-1] == "key" and words[-2] not in NOT_SECRET_KEY_QUALIFIERS:
        kind = NameKind.SECRET
    else:
        return NameKind.NEUTRAL
    # ... unless the name says the value is public, a page position, or only *about* the secret
    if any(word in PUBLIC_WORDS for word in words) or (
            len(words) > 1 and (words[-1] in NOT_SECRET_SUFFIXES or words[-2] in PAGINATION_WORDS and words[-1] in ("token", "tokens"))):
        return NameKind.NOT_SECRET
    return kind


#: a secret the application signs or encrypts its own tokens, cookies or sessions with: whoever
#: knows it forges them (``JWT_SECRET``, ``SECRET_KEY``, ``AUTH_COOKIE_SECRET``) — unlike a key to
#: somebody else's API, a stand-in for which only makes those calls fail
SIGNING_SECRET_NAME_RE = lazy_compile(r"(^|_)(SECRET_KEY|JWT_SECRET(_KEY)?|JWT_KEY|SIGNING_(KEY|SECRET)|"
                                    r"(COOKIE|SESSION|CSRF|HMAC|TOKEN)_(SECRET|KEY|SECRET_KEY))$")
_JOINED_SECRET_TERMS = ("apikey", "secretkey", "privatekey", "accesskey", "authtoken", "accesstoken", "secret",
                        "clientsecret")


# -- values ------------------------------------------------------------------------------------

PLACEHOLDER_VALUES = frozenset({
    "changeme", "change_me", "change-me", "changethis", "change_this", "replaceme", "replace_me", "replace-me",
    "secret", "secrets", "password", "passwd", "pass", "token", "key", "apikey", "api_key", "api-key", "none",
    "null", "nil", "undefined", "todo", "tbd", "fixme", "redacted", "example", "sample", "dummy", "fake", "test",
    "testing", "placeholder", "default", "xxx", "foo", "bar", "baz", "foobar", "mock", "demo", "empty", "unset",
    "required", "notset", "not_set", "not-set", "string", "str", "value", "your_secret", "yoursecret",
    "mysecret", "my_secret", "my-secret", "supersecret", "super_secret", "super-secret", "secretkey", "secret_key",
    "secret-key", "mypassword", "my_password",
})
#: substrings that mark a placeholder wherever they appear (long enough never to occur by
#: chance in a random token)
PLACEHOLDER_MARKERS = ("example", "changeme", "change_me", "change-me", "change_this", "changethis", "placeholder",
                       "dummy", "redacted", "replace_me", "replaceme", "replace-me", "xxxx", "****", "....",
                       "your_", "your-", "yourkey", "yoursecret", "yourtoken", "yourpassword", "insert_", "insert-",
                       "fake_", "fake-", "_here", "-here", "notreal", "not_real", "not-real", "do_not_use",
                       "do-not-use", "dont_use", "sample_", "sample-")
#: whole words that mark a placeholder when the value is made of words (``sk_test_…`` too)
PLACEHOLDER_WORDS = frozenset({"test", "testing", "fake", "mock", "dummy", "example", "sample", "demo", "your",
                               "here", "changeme", "placeholder", "todo", "xxx", "redacted", "foo", "bar", "tbd",
                               "fixme", "replace", "insert", "enter", "put"})
_TEMPLATE_RE = lazy_compile(
    r"\$\{[^}]*\}|\$\([^)]*\)|^\$[A-Za-z_][A-Za-z0-9_]*$|\{\{.*?\}\}|%\([A-Za-z_]+\)[sd]|%s|^<[^<>]*>$|^\[[^\[\]]*\]$"
    r"|^\{[A-Za-z_][A-Za-z0-9_.]*\}$"
)
#: values that point at a secret kept elsewhere
_REFERENCE_RE = lazy_compile(
    r"^(arn:aws:|vault:|@Microsoft\.KeyVault|op://|sm://|ssm:|secretsmanager:|gcp-secret://|projects/[^/]+/secrets/"
    r"|file:|env:|/run/secrets/|/var/run/secrets/|kms:)",
    re.IGNORECASE,
)
COMMON_DEFAULT_PASSWORDS = frozenset({
    "postgres", "postgresql", "mysql", "mariadb", "root", "admin", "administrator", "password", "passwd", "pass",
    "secret", "guest", "user", "test", "dev", "development", "redis", "rabbitmq", "minio", "minioadmin", "mongo",
    "mongodb", "sa", "oracle", "default", "changeme", "letmein", "qwerty", "123456", "1234567", "12345678",
    "123456789", "1234567890", "password1", "password123", "admin123", "root123", "example", "local", "localdev",
    "docker", "app", "django", "flask", "airflow", "superset", "keycloak", "elastic", "kibana", "grafana",
    "neo4j", "clickhouse", "postgres123", "secret123", "test123", "dev123", "pass123", "p@ssw0rd", "passw0rd",
})
#: regular expressions and format strings are code, not keys: `[a-z_]+`, `\d{4}`, `(?=…)`, `{0}`
_PATTERN_RE = lazy_compile(r"\[[^\]]*[a-zA-Z0-9]-[a-zA-Z0-9][^\]]*\]|\\[dswbDSWB.(]|\(\?[:=!<P]|\{\d*(,\d*)?\}|[*+?]\)")
_BOOL_OR_NUMBER_RE = lazy_compile(r"^(true|false|yes|no|on|off|[-+]?\d+(\.\d+)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+)$",
                                re.IGNORECASE)
_URL_RE = lazy_compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_HEX_RE = lazy_compile(r"^[0-9a-fA-F]+$")
_SEGMENT_SPLIT_RE = lazy_compile(r"[^A-Za-z0-9]+")


def is_placeholder(value: str) -> bool:
    """Empty, a template reference, a reference to a secret store, or an obvious stand-in."""
    text = value.strip().strip("'\"")
    if not text:
        return True
    lowered = text.lower()
    if lowered in PLACEHOLDER_VALUES or _TEMPLATE_RE.search(text) or _REFERENCE_RE.match(text):
        return True
    if len(set(lowered)) <= 2 and len(lowered) >= 3:  # xxxxxxxx, ********, 00000000, abababab
        return True
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return True
    words = name_words(text)
    return any(word in PLACEHOLDER_WORDS for word in words) and _is_wordy(text, threshold=0.5)


#: a run of characters counting up (``123456``, ``abcdef``) this long is typed, never generated
_COUNTING_RUN = 6


def is_counting_sequence(text: str) -> bool:
    """``sk-lf-1234567890``, ``1234567890abcdef``: a value whose letters and digits are mostly
    runs counting up (``0`` after ``9`` included) is a typed stand-in in a key's shape, not a
    random one (a provider's format is judged by its own rules, :func:`known_format`). A
    generated key has no such run (a run of six in a random 16-character key: about 1 in 10⁸);
    short values (``12345678``) are left to the lists of default passwords."""
    characters = [c.lower() for c in text if c.isalnum() and c.isascii()]
    if len(characters) < 12:
        return False
    run, total = 1, 0
    for previous, current in itertools.pairwise(characters):
        if ord(current) == ord(previous) + 1 or previous == "9" and current == "0":
            run += 1
            continue
        total += run if run >= _COUNTING_RUN else 0
        run = 1
    total += run if run >= _COUNTING_RUN else 0
    return total >= 0.6 * len(characters)


_IDENTIFIER_VALUE_RE = lazy_compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
_NAMING_WORDS = frozenset({"key", "password", "passwd", "pass", "pwd", "token", "secret", "credential", "credentials"})


def names_a_variable(name: str | None, value: str) -> bool:
    """``PHOENIXD_API_PASSWORD=PHOENIXD_KEY``: an UPPER_SNAKE identifier that repeats a word of the
    key or is itself named like a secret stands for a value to fill in (a variable's name), it is
    not the secret. Random upper-case tokens share no word with their key and carry no such word."""
    text = value.strip()
    if not _IDENTIFIER_VALUE_RE.match(text) or not any(c.isalpha() for c in text):
        return False
    words = set(name_words(text))
    return bool(words & _NAMING_WORDS) or bool(name and words & set(name_words(name)) - {"api", "app"})


def _base64_decoded(text: str) -> bytes | None:
    """``text`` decoded as base64, either alphabet (standard or URL-safe), padding optional."""
    try:
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def decodes_to_json(value: str) -> bool:
    """``eyJpbmRleCI6IDExfQ==`` (``{"index": 11}``): base64 of a small JSON document — a page
    cursor or an encoded state, readable by anyone, not a key."""
    text = value.strip()
    if not text.startswith(("eyJ", "eyI", "W3")) or "." in text or len(text) > 512:
        return False
    decoded = _base64_decoded(text)
    return decoded is not None and decoded.rstrip().endswith((b"}", b"]"))


#: documented prefixes of keys made to ship inside clients (a browser, a mobile app): PostHog's
#: project key ``phc_…`` (its personal key ``phx_…`` is secret), Stripe's and Clerk's publishable
#: keys ``pk_live_…``/``pk_test_…``. They only identify a project to a write-only or public API.
PUBLISHABLE_KEY_PREFIXES = ("phc_", "pk_live_", "pk_test_")


#: base64 text (standard or URL-safe alphabet, optional padding) long enough to hold a phrase
_BASE64_RE = lazy_compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")


def decodes_to_words(value: str) -> bool:
    """``dGhpcy1pcy1hLXNpZ25pbmcta2V5LWZvci1tb3VudHM=`` (``this-is-a-signing-key-for-mounts``):
    base64 of a phrase someone wrote, readable by anyone who decodes it. Random key bytes
    decode to unprintable bytes; a key that decodes to printable words was typed, not generated.
    ``user:password`` pairs (HTTP Basic credentials) are not phrases: they stay secrets."""
    text = value.strip()
    if len(text) > 512 or _BASE64_RE.match(text) is None:
        return False
    decoded = _base64_decoded(text)
    try:
        phrase = decoded.decode("ascii") if decoded is not None else ""
    except UnicodeDecodeError:
        return False
    return len(phrase) >= 8 and phrase.isprintable() and ":" not in phrase and _is_wordy(phrase)


#: SHA-256 digests of keys published for local emulators, the same on every machine: the Azure
#: Storage emulator's (Azurite, account ``devstoreaccount1``) and the Azure Cosmos DB emulator's
#: well-known account keys (kept as digests so this file carries no key-shaped literal)
PUBLISHED_EMULATOR_KEY_DIGESTS = frozenset({
    "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059",
    "aa6547439583c3a275d4542a0df6c1ad6a863971be9f2a2220f027cc02aef615",
})


def is_published_emulator_key(value: str) -> bool:
    """A local emulator's documented account key (Azurite's, the Cosmos DB emulator's): public,
    identical in every installation, and accepted by nothing but that emulator."""
    text = value.strip().strip("'\"")
    return len(text) == 88 and hashlib.sha256(text.encode()).hexdigest() in PUBLISHED_EMULATOR_KEY_DIGESTS


def is_publishable_key(value: str) -> bool:
    """A client-side key, public by design however random it looks (``PUBLISHABLE_KEY_PREFIXES``)."""
    return value.strip().startswith(PUBLISHABLE_KEY_PREFIXES)


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character distribution."""
    if not text:
        return 0.0
    length = len(text)
    return -sum(count / length * math.log2(count / length) for count in Counter(text).values())


def character_classes(text: str) -> int:
    return (any(c.islower() for c in text) + any(c.isupper() for c in text) + any(c.isdigit() for c in text)
            + any(not c.isalnum() for c in text))


_LETTER_RUN_RE = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
#: five consonants in a row (``y`` counts as a vowel here: ``rhythm``) — English words stop at four
#: (``strength``), random letters reach five often
_UNPRONOUNCEABLE_RE = lazy_compile(r"[^aeiouy]{5}")


def _is_word_like(run: str) -> bool:
    """A run of letters that could be a word: it has a vowel and no unpronounceable cluster.
    A random key's letter runs (``htbqv``, ``xbpf``, ``dvffa…``) mostly fail this, so a
    lower-case-and-digits key is not mistaken for words."""
    lowered = run.lower()
    return any(c in "aeiou" for c in lowered) and _UNPRONOUNCEABLE_RE.search(lowered) is None


def _is_wordy(text: str, threshold: float = 0.7) -> bool:
    """Made of words (``dev-secret-key-2024``, ``ThisIsMySecretKey``), not of random characters:
    most letters sit in word-like runs of three or more (``_is_word_like``)."""
    letters = sum(c.isalpha() for c in text)
    if not letters:
        return not any(len(run) > 4 for run in re.findall(r"\d+", text))  # short numbers only
    in_words = sum(len(w) for w in _LETTER_RUN_RE.findall(text) if len(w) >= 3 and _is_word_like(w))
    long_numbers = any(len(run) > 4 for run in re.findall(r"\d+", text))
    return in_words >= threshold * letters and not long_numbers


def looks_like_path(text: str) -> bool:
    """A file-system path made of words (``/run/secrets/jwt``), not a token that happens to
    start with a slash (base64 may)."""
    if not (text.startswith(("/", "./", "../", "~/")) or re.match(r"^[A-Za-z]:[\\/]", text)):
        return False
    return _is_wordy(text, threshold=0.5)


def _is_dotted_identifier(text: str) -> bool:
    """``app.auth.backends.JWTBackend``, ``django.contrib.auth.hashers.PBKDF2PasswordHasher``."""
    return "." in text and all(part.isidentifier() for part in text.split("."))


def looks_random(value: str, min_length: int = 16) -> bool:
    """A machine-generated key or token: long, no spaces, high entropy, not made of words."""
    text = value.strip()
    if len(text) < min_length or any(c.isspace() for c in text):
        return False
    if is_placeholder(text) or _BOOL_OR_NUMBER_RE.match(text) or _URL_RE.match(text) or looks_like_path(text):
        return False
    if _PATTERN_RE.search(text) or decodes_to_json(text) or decodes_to_words(text):
        return False
    if _is_wordy(text) or _is_dotted_identifier(text) or is_counting_sequence(text):
        return False
    entropy = shannon_entropy(text)
    if _HEX_RE.match(text):
        return any(c.isdigit() for c in text) and any(c.isalpha() for c in text) and entropy >= 3.0
    needed = min(3.5, 0.85 * math.log2(len(text)))
    alnum_classes = sum((any(c.islower() for c in text), any(c.isupper() for c in text),
                         any(c.isdigit() for c in text)))
    return alnum_classes >= 2 and entropy >= needed


_SELF_NAMED_PASSWORD_RE = lazy_compile(r"pass(?:word|wd|phrase)|passw0rd|p@ssw(?:o|0)rd", re.IGNORECASE)


def looks_like_password(value: str) -> bool:
    """A human-chosen password worth protecting: not a stand-in, not a well-known default, and
    either random-looking or mixing at least three character classes (``Summer2024!``)."""
    text = value.strip()
    if len(text) < 8 or is_placeholder(text) or text.lower() in COMMON_DEFAULT_PASSWORDS:
        return False
    if any(c.isspace() for c in text) or _is_dotted_identifier(text) or _PATTERN_RE.search(text):
        return False  # a sentence ("Password for the index"), a class path, a pattern
    if _BOOL_OR_NUMBER_RE.match(text) and not text.isdigit():
        return False
    if _SELF_NAMED_PASSWORD_RE.search(text):
        return False  # spells its own kind (``secure_password123``, ``MyPassw0rd!``): a demo value
    return looks_random(text, min_length=8) or (character_classes(text) >= 3 and not looks_like_path(text))


def is_real_value(value: str) -> bool:
    """Anything a template should not carry: any value but a placeholder or a reference."""
    return not is_placeholder(value)


# -- known formats (the table: core/secret_formats.py) -----------------------------------------

#: ``Authorization`` values: a scheme and a credential
_AUTH_SCHEME_RE = lazy_compile(r"^(?:Bearer|Token|token|Basic|Bot|ApiKey|Api-Key)\s+(?P<credential>\S+)$")

_QUERY_PARAM_RE = lazy_compile(r"[?&](?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>[^&#\s\"']+)")


class HitKind(enum.Enum):
    KNOWN_FORMAT = "known-format"
    HIGH_ENTROPY = "high-entropy"
    PASSWORD = "password"
    URL_PASSWORD = "url-password"
    URL_PARAMETER = "url-parameter"
    AUTHORIZATION = "authorization"
    SIGNING_FALLBACK = "signing-fallback"


@dataclass(frozen=True)
class SecretHit:
    """Why a value is a secret, and where inside the value the secret sits."""

    kind: HitKind
    description: str  # reads after "holds": "a GitHub token", "a password embedded in a URL"
    start: int  # offsets into the value
    end: int
    value: str  # the secret itself (never printed: use ``masked``)

    @property
    def inside_url(self) -> bool:
        return self.kind in (HitKind.URL_PASSWORD, HitKind.URL_PARAMETER)

    @property
    def masked(self) -> str:
        return mask_secret(self.value)


def known_format(value: str) -> SecretHit | None:
    """A provider token inside ``value`` (not a placeholder of one: ``AKIAIOSFODNN7EXAMPLE``)."""
    if not ANY_FORMAT_MARKER_RE.search(value):
        return None  # one scan: most strings hold no format's marker
    for fmt, markers in FORMAT_MARKERS:
        if not any(marker in value for marker in markers):
            continue
        for match in fmt.pattern.finditer(value):
            token = match.group(0)
            if is_placeholder(token.split("-----")[-1] if "PRIVATE KEY" in fmt.description else token):
                continue
            if fmt.description == "a JSON Web Token" and (not _jwt_header_is_json(token) or is_handed_out_jwt(token)):
                continue
            return SecretHit(HitKind.KNOWN_FORMAT, fmt.description, match.start(), match.end(), token)
    return None


#: a JWT ``role`` claim that makes the token a client's by design: the anonymous key of Supabase
#: and PostgREST, embedded in every browser that talks to the API
PUBLIC_JWT_ROLES = frozenset({"anon", "anonymous", "public"})
#: the claims that say who issued a token and for what; a placeholder there marks a sample token
_JWT_IDENTITY_CLAIMS = ("iss", "sub", "aud", "ref")


def _jwt_claims(token: str) -> dict[str, object]:
    """The token's payload, or an empty dict when it is no JSON object."""
    import json

    payload = token.split(".")[1] if token.count(".") >= 2 else ""
    if not payload:  # every string literal of a file is asked: most have no payload to decode
        return {}
    try:
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        # a JSON object holds a "{" byte in every encoding json.loads reads
        claims = json.loads(decoded) if b"{" in decoded else None
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def is_handed_out_jwt(token: str) -> bool:
    """A JWT made to be given away: its role is anonymous (a client key, public by design) or
    its issuer, subject or audience is a placeholder (``supabase-demo``: the published keys of a
    local development stack, the same in every project that copies its template)."""
    claims = _jwt_claims(token)
    if str(claims.get("role", "")).lower() in PUBLIC_JWT_ROLES:
        return True
    return any(isinstance(claims.get(claim), str) and is_placeholder(claims[claim]) for claim in _JWT_IDENTITY_CLAIMS)


def _jwt_header_is_json(token: str) -> bool:
    import base64
    import binascii

    header = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.startswith(b"{") and (b'"alg"' in decoded or b'"typ"' in decoded)


def url_credentials(value: str, strict: bool) -> SecretHit | None:
    """A password embedded in a URL (``scheme://user:password@host``), or a secret-named query
    parameter holding a random value (``?api_key=…``). ``strict`` (committed files, code): only
    a password that looks real; otherwise (templates) any that is not a placeholder."""
    for match in URL_PASSWORD_RE.finditer(value):
        password = match.group("password")
        if is_placeholder(password):
            continue
        if strict and not looks_like_password(password):
            continue
        return SecretHit(HitKind.URL_PASSWORD, "a password embedded in a URL", match.start("password"), match.end("password"), password)
    for match in _QUERY_PARAM_RE.finditer(value):
        name, secret = match.group("name"), match.group("value")
        if classify_name(name) in (NameKind.SECRET, NameKind.PASSWORD) and looks_random(secret, min_length=12):
            return SecretHit(HitKind.URL_PARAMETER, f"a secret in the URL parameter `{name}`", match.start("value"), match.end("value"), secret)
    return None


class Strictness(enum.Enum):
    """How much a value must look like a secret before it is reported."""

    COMMITTED = "committed"  # a committed env file or code: real-looking secrets only
    TEMPLATE = "template"  # an env template: also any real (non-placeholder) password


_PEM_PUBLIC_RE = lazy_compile(r"-----BEGIN (?:[A-Z0-9]+ )*(?:PUBLIC KEY|CERTIFICATE)-----")
_SSH_KEY_TYPE_RE = lazy_compile(rb"(?:ssh|ecdsa|sk|rsa)-[a-z0-9@.\-]{2,60}")


def is_public_key_material(value: str) -> bool:
    """A public key or certificate: published by design (a server's SSH host key, a JWT
    verification key), however random it looks. An OpenSSH key blob is recognised by what it
    decodes to — a length-prefixed algorithm name (``ssh-rsa``, ``ecdsa-sha2-nistp256``…)."""
    text = value.strip()
    if _PEM_PUBLIC_RE.search(text):
        return True
    blob = text.split()[1] if text.startswith(("ssh-", "ecdsa-", "sk-")) and len(text.split()) > 1 else text
    if not blob.startswith("AAAA"):
        return False
    head = blob[:48]
    try:
        decoded = base64.b64decode(head[: len(head) // 4 * 4], validate=True)
    except (binascii.Error, ValueError):
        return False
    length = int.from_bytes(decoded[:4], "big")
    return 3 <= length <= 64 and _SSH_KEY_TYPE_RE.fullmatch(decoded[4:4 + length]) is not None


#: ``${SECRET_KEY:-value}`` / ``${SECRET_KEY-value}``: a reference whose default is used whenever the
#: variable is unset (docker compose, shells, python-dotenv) — the default is a value like any other
DEFAULTED_REFERENCE_RE = lazy_compile(r"^\$\{(?P<variable>[A-Za-z_][A-Za-z0-9_]*):?-(?P<default>[^${}]*)\}$")


def find_secret(name: str | None, value: str, strictness: Strictness = Strictness.COMMITTED) -> SecretHit | None:
    """The secret ``value`` (bound to ``name``) holds, if any — see the module docstring.

    A function of its arguments alone, so the answers for short values are kept: the language
    server asks it of every string literal of a file on every keystroke, and a keystroke changes
    one of them at most."""
    if not value:
        return None
    if len(value) > _REMEMBERED_LENGTH:
        return _find_secret(name, value, strictness)
    return _remembered_find_secret(name, value, strictness)


#: values up to this length have their answer kept (most literals: names, URLs, messages)
_REMEMBERED_LENGTH = 256


def _find_secret(name: str | None, value: str, strictness: Strictness) -> SecretHit | None:
    if not value or len(value) > 20_000:
        return None
    reference = DEFAULTED_REFERENCE_RE.match(value)
    if reference is not None:  # judge the default, bound to the same name
        hit = find_secret(name, reference.group("default"), strictness)
        offset = reference.start("default")
        return hit and dataclasses.replace(hit, start=hit.start + offset, end=hit.end + offset)
    hit = known_format(value)
    if hit is not None:
        return hit
    if is_public_key_material(value) or is_publishable_key(value) or is_handed_out_jwt(value.strip()) \
            or is_published_emulator_key(value):
        return None
    kind = classify_name(name) if name else NameKind.NEUTRAL
    template = strictness is Strictness.TEMPLATE
    scheme = _AUTH_SCHEME_RE.match(value)
    if scheme is not None and kind is not NameKind.NOT_SECRET and looks_random(scheme.group("credential")):
        return SecretHit(HitKind.AUTHORIZATION, "a credential for an Authorization header", scheme.start("credential"), len(value),
                         scheme.group("credential"))
    if "://" in value:
        hit = url_credentials(value, strict=not template)
        if hit is not None or _URL_RE.match(value.strip()):
            return hit
    if names_a_variable(name, value):
        return None
    if kind is NameKind.SECRET and looks_random(value):
        return SecretHit(HitKind.HIGH_ENTROPY, "a high-entropy secret", 0, len(value), value)
    if kind is NameKind.PASSWORD:
        real = is_real_value(value) and not looks_like_path(value) if template else looks_like_password(value)
        if real:
            return SecretHit(HitKind.PASSWORD, "a hard-coded password", 0, len(value), value)
    return None


_remembered_find_secret = lru_cache(maxsize=8192)(_find_secret)
