"""What counts as a *development value*, for every ISO1xx rule (Python literals and dotenv values).

One place decides what a local host, a bind-all address, a well-known service port, a
development credential, a development database name or a debug switch looks like, so the
Python rules and the dotenv rule can never disagree about the same value.

Strings are parsed as *values*, never searched for substrings: ``"localhost"`` mentioned in a
sentence ("cannot reach localhost") or inside a regular expression is not a host; a URL, a
``host:port``, a bare host, a comma-separated list of those, or a libpq/ODBC ``key=value``
connection string is. f-string placeholders are passed in as :data:`PLACEHOLDER` so a host
interpolated at run time is never mistaken for a literal one.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Range, mask_secret

#: stands for an f-string replacement field (``{host}``) in a literal's text
PLACEHOLDER = "\x00"

LOCAL_HOST_NAMES = frozenset({
    "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "host.docker.internal",
})
BIND_ALL_HOSTS = frozenset({"0.0.0.0", "::", "0:0:0:0:0:0:0:0"})

#: well-known ports of the backing services a product talks to (not web-app ports like 8000)
SERVICE_PORTS: dict[int, str] = {
    5432: "PostgreSQL", 6379: "Redis", 6380: "Redis", 26379: "Redis Sentinel", 3306: "MySQL",
    27017: "MongoDB", 9000: "ClickHouse", 8123: "ClickHouse", 9440: "ClickHouse", 5672: "RabbitMQ",
    9092: "Kafka", 2181: "ZooKeeper", 11211: "Memcached", 9200: "Elasticsearch", 1433: "SQL Server",
    1521: "Oracle", 4222: "NATS", 9042: "Cassandra", 8086: "InfluxDB", 7687: "Neo4j", 6333: "Qdrant",
    2379: "etcd",
}

#: programs that listen on the loopback by default, for the user of the machine they run on (Ollama
#: binds 127.0.0.1:11434, Chrome's remote debugging 127.0.0.1:9222, Apache Tika's server localhost:9998):
#: a loopback URL on their port is the program's documented address — a form's preset, a client's
#: default — which whoever runs the program elsewhere overrides, not a deployment's backing service
LOOPBACK_PROGRAM_PORTS: dict[int, str] = {11434: "Ollama", 9222: "Chrome DevTools", 9998: "Apache Tika"}

#: names (env vars, keywords, attributes) that talk about a backing service, not the app itself
BACKING_SERVICE_RE = lazy_compile(
    r"(^|_)(REDIS|DB|DATABASE|SQL|PG|POSTGRES(QL)?|MYSQL|MARIADB|MONGO(DB)?|CLICKHOUSE|CH|KAFKA|AMQP|"
    r"RABBIT(MQ)?|BROKER|CELERY|CACHE|MEMCACHED?|ELASTIC(SEARCH)?|ES|OPENSEARCH|SMTP|MAIL|EMAIL|S3|MINIO|"
    r"NATS|ZOOKEEPER|CASSANDRA|INFLUX(DB)?|NEO4J|QDRANT|ETCD|SENTINEL|QUEUE|MQ|VAULT)(_|$)"
)

DB_SCHEME_RE = lazy_compile(r"^(postgres(ql)?|mysql|mariadb|mongodb|clickhouse|mssql|oracle|cockroachdb|timescale)"
                          r"(\+[\w-]+)?(\+srv)?$", re.IGNORECASE)

#: schemes whose client reads a URL with no host (``postgresql:///app``) as the local server's
#: socket: such a URL names this machine as surely as ``localhost`` does
LOCAL_SOCKET_SCHEME_RE = lazy_compile(r"^(postgres(ql)?|mysql|mariadb)(\+[\w-]+)?$", re.IGNORECASE)

_SCHEME_RE = lazy_compile(r"^([A-Za-z][A-Za-z0-9+.\-]*|\x00)$")
_HOSTNAME_RE = lazy_compile(r"^[A-Za-z0-9_\-.\x00]+$")
_PORT_RE = lazy_compile(r"^([0-9]{1,5}|\x00)$")
_URL_LIST_SPLIT_RE = lazy_compile(r"\s*[,;]\s*(?=(?:[A-Za-z][A-Za-z0-9+.\-]*|\x00)://)")
_KV_TOKEN_RE = lazy_compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _]*?)\s*=\s*(?P<value>[^=]*)$")
_DSN_HOST_KEYS = frozenset({"host", "hostaddr", "server", "data source", "address", "addr", "hostname"})
_DSN_PASSWORD_KEYS = frozenset({"password", "pwd", "passwd"})

DEV_CREDENTIALS = frozenset({
    "postgres", "password", "passw0rd", "pass", "secret", "changeme", "change-me", "change_me", "changeit",
    "admin", "root", "toor", "guest", "test", "testing", "dev", "development", "local", "default", "example",
    "mysql", "redis", "clickhouse", "rabbitmq", "mongo", "mongodb", "123456", "12345678", "1234", "qwerty",
    "letmein", "supersecret", "super-secret", "mysecretpassword", "devpassword", "dev-password", "dev_password",
    "localpassword", "insecure", "sa", "demo", "minioadmin", "minio123", "user", "pwd", "postgrespassword",
})
_DEV_CREDENTIAL_RE = lazy_compile(
    r"(^|[\W_])(dev|local|insecure|change[\W_]?me|change[\W_]?(it|this)|change[\W_]?in[\W_]?prod(uction)?|"
    r"replace[\W_]?me|replace[\W_]?(it|this)|fill[\W_]?me(?:[\W_]?in)?|set[\W_]?me|"
    r"not[\W_]?(so[\W_]?)?secure|do[\W_]?not[\W_]?use|unsafe|dummy|placeholder|for[\W_]?testing)($|[\W_])",
    re.IGNORECASE,
)
#: words with spaces between them (``super secret jwt secret``): a phrase written for people, never
#: a generated secret
_PLAIN_PHRASE_RE = lazy_compile(r"^[A-Za-z]+( [A-Za-z]+){2,}$")
DEV_DATABASE_RE = lazy_compile(
    r"^([\w.\-]*[_\-])?(dev|devel|development|local|test|testing)$|^(dev|local|test)[_\-][\w.\-]+$",
    re.IGNORECASE,
)
DEV_ENVIRONMENTS = frozenset({"development", "develop", "dev", "local", "test", "testing"})
TRUTHY = frozenset({"1", "true", "yes", "on", "y", "t", "True", "TRUE", "YES", "ON"})

PASSWORD_NAME_RE = lazy_compile(r"(^|_)(PASSWORD|PASSWD|PWD|PASS|PASSPHRASE)$")
#: a secret by its name: a password, a token, or a key that signs, encrypts or authenticates (``AUTH_KEY``,
#: ``CRYPT_KEY``, ``HMAC_KEY``) — not a key that only identifies (``CACHE_KEY``, ``SORT_KEY``)
SECRET_NAME_RE = lazy_compile(r"(^|_)(PASSWORD|PASSWD|PWD|PASS|PASSPHRASE|SECRET|SECRET_KEY|TOKEN|API_KEY|"
                            r"PRIVATE_KEY|ACCESS_KEY|SIGNING_KEY|SIGN_KEY|ENCRYPTION_KEY|ENCRYPT_KEY|CRYPT_KEY|"
                            r"CRYPTO_KEY|AUTH_KEY|HMAC_KEY|MASTER_KEY|SESSION_KEY|COOKIE_KEY|FERNET_KEY|JWT_KEY)S?$")
#: one digit repeated (``0000``): with counting up (``0123``), the digit strings anyone guesses first
_REPEATED_DIGIT_RE = lazy_compile(r"^(\d)\1{2,7}$")
PORT_NAME_RE = lazy_compile(r"(^|_)PORT$")
DEBUG_NAME_RE = lazy_compile(r"(^|_)(DEBUG|DEBUG_MODE|DEV_MODE|RELOAD|AUTO_RELOAD|HOT_RELOAD)$")
#: a debug switch scoped to a test harness (``UNIT_TEST_LOOP_DEBUG``) is not the app's debug mode
TEST_SCOPED_NAME_RE = lazy_compile(r"(^|_)(TESTS?|TESTING|UNIT_?TESTS?|PYTEST)(_|$)")
#: host lists that requests, peers or URLs are *checked against* — allow-, deny- and trust-lists and
#: sets of loopback spellings (Django's ALLOWED_HOSTS, uvicorn's FORWARDED_ALLOW_IPS, an SSRF block
#: list, sentry's _LOCAL_IPS, mlflow's LOCALHOST_VARIANTS): nothing connects to them
HOST_LIST_NAME_RE = lazy_compile(
    r"(^|_)(ALLOW|ALLOWED|TRUST|TRUSTED|PERMIT|PERMITTED|DENY|DENIED|BLOCK|BLOCKED|BAN|BANNED|SAFE|SECURE|EXEMPT|"
    r"IGNORE|IGNORED|SKIP|EXCLUDE|EXCLUDED|NO_PROXY)(_|$)|(ALLOW|DENY|BLOCK|SAFE|WHITE|BLACK)_?LIST(_|$)|"
    r"(^|_)(LOCAL|LOOPBACK|LOCALHOST|PRIVATE)_(IPS?|HOSTS?|HOSTNAMES|ADDRESSES|ADDRS|DOMAINS|NAMES|NETWORKS|VARIANTS)$|"
    r"(^|_)LOCALHOST_\w*(VARIANTS|ALIASES|NAMES)$|(^|_)INTERNAL_(HOSTS|HOSTNAMES|DOMAINS)$"
)
#: where a server *listens* (the safe loopback default of a bind), not a destination
BIND_NAME_RE = lazy_compile(r"(^|_)(BIND|BIND_HOST|BIND_ADDR|BIND_ADDRESS|LISTEN|LISTEN_HOST|LISTEN_ADDR|"
                          r"LISTEN_ADDRESS|LISTEN_ON|BIND_TO)$")
#: the port the app's own server listens on (``API_PORT``, ``SERVER_PORT``, ``uvicorn_port``):
#: a well-known backing-service number there (``API_PORT: int = 9000``) is a coincidence
#: (the whole name: ``CLICKHOUSE_HTTP_PORT`` is ClickHouse's)
_OWN_SERVER_WORD = (r"(?:API|APP|APPLICATION|SERVER|SERVICE|HTTP|HTTPS|WEB|WEBSERVER|LISTEN|BIND|UVICORN|GUNICORN|"
                    r"HYPERCORN|GRANIAN|FLASK|DJANGO|FASTAPI|FRONTEND|UI|DOCS)")
OWN_PORT_NAME_RE = lazy_compile(rf"^{_OWN_SERVER_WORD}(?:_{_OWN_SERVER_WORD})*_PORT$", re.IGNORECASE)
#: a name that says its value is the local one of several: ``LOCAL``, ``local_runtime_url``, ``DEV_API_URL``
LOCAL_ENTRY_NAME_RE = lazy_compile(r"(^|_)(LOCAL|LOCALHOST|DEV|DEVELOPMENT)(_|$)", re.IGNORECASE)
#: the Docker host as a container sees it (Docker Desktop, ``--add-host``): only ever a choice made for Docker
DOCKER_HOST_ALIAS = "host.docker.internal"
#: a name or condition that says Docker: ``LEMONADE_DOCKER_BASE_URL``, ``isinstance(s, DockerSandboxService)``,
#: ``is_running_in_docker()``
DOCKER_WORD_RE = lazy_compile(r"docker", re.IGNORECASE)
#: the endpoint of a telemetry collector: OpenTelemetry's specification makes ``http://localhost:4317``
#: the exporter's default (a collector runs beside the process, as a sidecar or a node agent)
TELEMETRY_AGENT_NAME_RE = lazy_compile(r"(^|_)(COLLECTOR|OTLP|OTEL)(_|$)", re.IGNORECASE)
#: a value kept to show people what to write (``EXAMPLE_DATABASE_URL``, ``REDIS_URL_HINT``)
DOCUMENTATION_NAME_RE = lazy_compile(r"(^|_)(EXAMPLE|EXAMPLES|SAMPLE|SAMPLES|DOC|DOCS|HINT|HELP|USAGE|PLACEHOLDER)(_|$)")
#: environment variables conventionally read as the address the app's own server binds to
#: (uvicorn, Flask, Next.js read ``HOST``): a loopback default there is a bind, not a destination
BIND_ENV_VAR_RE = lazy_compile(r"^(HOST|UVICORN_HOST|FLASK_RUN_HOST|HYPERCORN_HOST|GRANIAN_HOST|WEB_HOST)$")
#: an identifier or label (``RENDER_INSTANCE_ID``, ``SERVER_LABEL``): a bare host there names a machine, nothing
#: connects to it
IDENTIFIER_NAME_RE = lazy_compile(r"(^|_)(ID|IDS|UUID|LABEL|LABELS|TAG|TAGS|TITLE)$")
#: a TLS certificate's subject names the machine it is issued for (a self-signed dev certificate)
CERTIFICATE_NAME_RE = lazy_compile(r"(^|_)(COMMON_NAME|CN|SUBJECT_ALT_NAMES?|SANS?|SUBJECT_NAME)$")


def names_host_check_list(name: str | None) -> bool:
    """``FORWARDED_ALLOW_IPS``, ``_BLOCKED_HOSTNAMES``, ``LOCALHOST_VARIANTS``: a value bound to such a
    name is a list of hosts to recognise, never a host to connect to."""
    return bool(name) and HOST_LIST_NAME_RE.search(name.upper()) is not None  # type: ignore[union-attr]


def names_local_entry(name: str | None) -> bool:
    """``LOCAL = "http://localhost:8000"`` in an enum of environments, ``local_runtime_url``: the
    name labels its value as the local choice among several — chosen on purpose, not a fallback.
    The caller applies it to single values: ``LOCAL_ORIGINS = (...)`` is an allow-list."""
    return bool(name) and LOCAL_ENTRY_NAME_RE.search(name) is not None  # type: ignore[arg-type]


def is_docker_host_choice(parsed: ParsedValue, chosen_for_docker: str | None) -> bool:
    """Every local host of ``parsed`` is the Docker host alias (``host.docker.internal``) and the name
    it is bound to or the condition it is chosen under (``chosen_for_docker``: their text) says
    Docker: the value written for a container reaching its host, picked on purpose beside whatever
    else a deployment uses (``if isinstance(sandbox, DockerSandboxService): web_url =
    f"http://host.docker.internal:{port}"``). The alias as a plain default
    (``REDIS_URL = "redis://host.docker.internal:6379"``) stays a local host, and so does a backing
    service's (``chosen_for_docker`` names one, or a database URL): production data would go there."""
    refs = parsed.local_refs
    return (bool(refs) and bool(chosen_for_docker) and DOCKER_WORD_RE.search(chosen_for_docker) is not None
            and not names_backing_service(chosen_for_docker)
            and all(ref.host.lower() == DOCKER_HOST_ALIAS and not DB_SCHEME_RE.match(ref.scheme) for ref in refs))


def names_telemetry_agent(name: str | None) -> bool:
    """``OTEL_EXPORTER_OTLP_ENDPOINT``, ``get_env_collector_endpoint``: a local host there is the
    documented default of a collector that runs beside the process."""
    return bool(name) and TELEMETRY_AGENT_NAME_RE.search(name) is not None  # type: ignore[arg-type]


def names_documentation(name: str | None) -> bool:
    """``EXAMPLE_DATABASE_URL = "postgresql://user:pass@localhost/db"``: documentation kept in a
    constant, shown to people, never connected to."""
    return bool(name) and DOCUMENTATION_NAME_RE.search(name.upper()) is not None  # type: ignore[union-attr]


#: the proxy bypass list (``NO_PROXY``, ``no_proxy``, ``noProxy``, ``NO_PROXY_HOSTS``): hosts matched against a request's
#: URL to skip the proxy, in any form (bare, URL, ``host:port``), never connected to
PROXY_BYPASS_NAME_RE = lazy_compile(r"(^|_)NO_?PROXY(_|$)")


def names_proxy_bypass(name: str | None) -> bool:
    """``no_proxy = ["http://127.0.0.1", "localhost:8000"]``: a list of hosts the proxy is skipped
    for — compared with each request's URL, never a destination, whatever the entries' form."""
    return bool(name) and PROXY_BYPASS_NAME_RE.search(name.upper()) is not None  # type: ignore[union-attr]


def names_non_destination(name: str | None) -> bool:
    """A host bound to this name is not connected to: a host check-list, a bind address or a
    certificate subject."""
    if not name:
        return False
    upper = name.upper()
    return (HOST_LIST_NAME_RE.search(upper) is not None or BIND_NAME_RE.search(upper) is not None
            or CERTIFICATE_NAME_RE.search(upper) is not None)
ENVIRONMENT_NAME_RE = lazy_compile(r"^([A-Z0-9]+_)*(ENV|ENVIRONMENT|ENV_NAME|STAGE|DEPLOY_ENV|RUN_ENV)$")
DATABASE_NAME_RE = lazy_compile(r"(^|_)(DB|DATABASE|DB_NAME|DBNAME|DATABASE_NAME|SCHEMA|KEYSPACE)$")


# -- hosts ---------------------------------------------------------------------------------------
def host_kind(host: str) -> str | None:
    """``"local"`` for loopback names and addresses, ``"bind-all"`` for 0.0.0.0 / ::, else None."""
    if not host or PLACEHOLDER in host:
        return None
    lowered = host.lower().rstrip(".")
    if lowered.startswith("[") and lowered.endswith("]"):
        lowered = lowered[1:-1]
    if lowered in BIND_ALL_HOSTS:
        return "bind-all"
    if lowered in LOCAL_HOST_NAMES or lowered.endswith(".localhost"):
        return "local"
    if lowered[:1].isdigit() or ":" in lowered:
        try:
            address = ipaddress.ip_address(lowered)
        except ValueError:
            return None
        if address.is_unspecified:
            return "bind-all"
        if address.is_loopback:
            return None if address in LOOPBACK_BLOCK_BOUNDS else "local"
    return None


#: the first and last address of the IPv4 loopback block (``127.0.0.0/8``): written as the base of a
#: range (``cidr("127.0.0.0", 8)`` in an SSRF guard's table of blocked networks), never as a host
LOOPBACK_BLOCK_BOUNDS = frozenset({ipaddress.ip_address("127.0.0.0"), ipaddress.ip_address("127.255.255.255")})


@dataclass(frozen=True)
class HostRef:
    """One host a value names, with what travels with it."""

    host: str
    kind: str | None  # "local", "bind-all" or None (a real or dynamic host)
    form: str  # "url", "hostport", "bare" or "dsn"
    scheme: str = ""
    port: int | None = None
    username: str = ""
    password: str = ""  # literal password (never shown unmasked)
    path: str = ""

    @property
    def described(self) -> str:
        """How a message names it: ``local host `localhost```, the local server's socket of a URL
        with no host, ``bind-all address `0.0.0.0```."""
        if self.kind == "local":
            return f"local host `{self.host}`" if self.host else "local server's socket (a URL with no host)"
        return f"bind-all address `{self.host}`"

    @property
    def is_loopback_program(self) -> bool:
        """A web URL on the loopback at the port of a program that listens there by default and
        for one user (:data:`LOOPBACK_PROGRAM_PORTS`): that program's documented address."""
        return (self.kind == "local" and self.form == "url" and self.scheme in ("http", "https", "ws")
                and self.port in LOOPBACK_PROGRAM_PORTS)

    @property
    def database(self) -> str:
        """The database a DB URL names (last path segment), for dev-name checks."""
        if self.form == "url" and not DB_SCHEME_RE.match(self.scheme):
            return ""
        return self.path.strip("/").split("/")[-1].split("?")[0] if self.path else ""


@dataclass(frozen=True)
class ParsedValue:
    """A string read as a connection value. ``refs`` is empty when it is not one."""

    text: str
    refs: tuple[HostRef, ...] = ()

    @property
    def local_refs(self) -> tuple[HostRef, ...]:
        return tuple(ref for ref in self.refs if ref.kind == "local")

    @property
    def bind_all_refs(self) -> tuple[HostRef, ...]:
        return tuple(ref for ref in self.refs if ref.kind == "bind-all")

    @property
    def is_bare_host(self) -> bool:
        return len(self.refs) == 1 and self.refs[0].form == "bare"

    @property
    def is_bare_host_list(self) -> bool:
        """One or more bare host names (``localhost,127.0.0.1``): no URL, port or credentials."""
        return bool(self.refs) and all(ref.form == "bare" for ref in self.refs)

    def destination_refs(self, names_backing_service: bool) -> tuple[HostRef, ...]:
        """Local hosts a client would connect to. A bind-all address (0.0.0.0, ::) is where a
        *server listens* — standard in containers — so it counts only inside a URL (nobody serves
        ``http://0.0.0.0``; browsers and clients treat it as this machine) or when the name it is
        bound to talks about a backing service (``REDIS_HOST = "0.0.0.0"``)."""
        return tuple(
            ref for ref in self.refs
            if ref.kind == "local" and not ref.is_loopback_program
            or (ref.kind == "bind-all" and (ref.form == "url" or names_backing_service))
        )

    @property
    def passwords(self) -> tuple[str, ...]:
        return tuple(ref.password for ref in self.refs if ref.password)


_HOSTPORT_HINT_RE = lazy_compile(r"[\w\]]:[0-9]{2,5}\b")


def might_be_connection_value(text: str) -> bool:
    """A cheap test before :func:`parse_value`: a URL, a ``host:port`` or a key=value DSN."""
    if "://" in text:
        return True
    if "=" in text:
        lowered = text.lower()
        return "host" in lowered or "server" in lowered or "data source" in lowered
    return _HOSTPORT_HINT_RE.search(text) is not None


def parse_value(text: str) -> ParsedValue:
    """Read ``text`` as a connection value: URL(s), host[:port], or a key=value DSN."""
    stripped = text.strip()
    if not stripped or len(stripped) > 2048:
        return ParsedValue(text)
    refs: list[HostRef] = []
    if any(ch.isspace() for ch in stripped) or ";" in stripped and "=" in stripped:
        dsn = _parse_dsn(stripped)
        if dsn is not None:
            return ParsedValue(text, dsn)
        if "://" not in stripped:
            return ParsedValue(text)
    parts = _URL_LIST_SPLIT_RE.split(stripped) if "://" in stripped else re.split(r"\s*,\s*", stripped)
    for part in parts:
        if not part or any(ch.isspace() for ch in part):
            return ParsedValue(text)
        parsed = _parse_url(part) if "://" in part else _parse_hostport(part)
        if parsed is None:
            return ParsedValue(text)
        refs.extend(parsed)
    return ParsedValue(text, tuple(refs))


def _parse_url(part: str) -> list[HostRef] | None:
    scheme, _, rest = part.partition("://")
    if not _SCHEME_RE.match(scheme):
        return None
    netloc_end = len(rest)
    for sep in "/?#":
        index = rest.find(sep)
        if index != -1:
            netloc_end = min(netloc_end, index)
    netloc, path = rest[:netloc_end], rest[netloc_end:]
    username = password = ""
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        username, _, password = userinfo.partition(":")
    password = literal_password(password)
    if not netloc and LOCAL_SOCKET_SCHEME_RE.match(scheme):
        return [HostRef("", "local", "url", scheme.lower(), None, username, password, path)]
    refs = []
    for hostport in netloc.split(",") if netloc else []:
        split = _split_hostport(hostport)
        if split is None:
            return None
        host, port = split
        refs.append(HostRef(host, host_kind(host), "url", scheme.lower(), port, username, password, path))
    return refs


def _split_hostport(hostport: str) -> tuple[str, int | None] | None:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            return None
        host, tail = hostport[: end + 1], hostport[end + 1 :]
        port_text = tail[1:] if tail.startswith(":") else ("" if not tail else None)
    elif hostport.count(":") > 1:  # bare IPv6 without a port
        host, port_text = hostport, ""
    else:
        host, _, port_text = hostport.partition(":")
    if port_text is None or port_text and not _PORT_RE.match(port_text):
        return None
    if host and not host.startswith("[") and ":" not in host and not _HOSTNAME_RE.match(host):
        return None
    port = int(port_text) if is_ascii_number(port_text) else None
    return host, port


def _parse_hostport(part: str) -> list[HostRef] | None:
    username = password = ""
    hostport, slash, path = part.partition("/")
    if "@" in hostport:
        userinfo, _, hostport = hostport.rpartition("@")
        username, colon, password = userinfo.partition(":")
        if not colon:
            return None  # user@host without a password or scheme reads as an e-mail address
    split = _split_hostport(hostport)
    if split is None:
        return None
    host, port = split
    kind = host_kind(host)
    if port is None and slash and path.isascii() and path.isdigit():
        return None  # 127.0.0.0/8: a network (CIDR), not a host
    run_time_port = hostport.endswith(":" + PLACEHOLDER)  # f"localhost:{port}"
    if port is None and not part.endswith(host) and not slash and not run_time_port:
        return None
    if kind is None and port is None:
        return None  # a plain word is not a host
    password = literal_password(password)
    form = "bare" if port is None and not slash and not username and not run_time_port else "hostport"
    return [HostRef(host, kind, form, "", port, username, password, slash + path)]


def literal_password(password: str) -> str:
    """``password`` when it is a literal; "" for an interpolation or a mask (``${DB_PASSWORD}``,
    ``{password}``, ``%(pw)s``, ``<password>``, ``****``)."""
    if not password or PLACEHOLDER in password or any(mark in password for mark in ("${", "{", "}", "%(", "<", ">")):
        return ""
    if set(password) <= set("*xX.") or password.startswith("$"):
        return ""
    return password


def _parse_dsn(text: str) -> tuple[HostRef, ...] | None:
    """libpq ``host=localhost port=5432 dbname=app`` or ODBC ``Server=localhost;Database=app``."""
    tokens = [t for t in (text.split(";") if ";" in text else text.split()) if t.strip()]
    pairs: dict[str, str] = {}
    for token in tokens:
        match = _KV_TOKEN_RE.match(token.strip())
        if not match:
            return None
        pairs[match.group("key").strip().lower()] = match.group("value").strip().strip("'\"")
    host = next((pairs[k] for k in pairs if k in _DSN_HOST_KEYS), None)
    if host is None:
        return None
    host, _, port_text = host.partition(",") if "," in host else host.partition(":") if host.count(":") == 1 else (host, "", "")
    port_text = pairs.get("port", port_text)
    port = int(port_text) if is_ascii_number(port_text) else None
    password = next((pairs[k] for k in pairs if k in _DSN_PASSWORD_KEYS), "")
    database = pairs.get("dbname") or pairs.get("database") or pairs.get("initial catalog") or ""
    return (HostRef(host, host_kind(host), "dsn", "", port, pairs.get("user", ""),
                    literal_password(password), f"/{database}" if database else ""),)


# -- names -----------------------------------------------------------------------------------------
def is_loopback_alias_list(texts: list[str | None]) -> bool:
    """Two or more spellings of the loopback and nothing else (``["localhost", "127.0.0.1",
    "[::1]"]``): a set of aliases of one machine is only ever used to recognise it — a
    destination is one host. ``texts`` are the elements' string values (None: not a string)."""
    hosts = set()
    for text in texts:
        if text is None or not parse_value(text).is_bare_host:
            return False
        if host_kind(text) == "local":
            hosts.add(text.strip().lower())
    return len(hosts) >= 2


def names_backing_service(name: str | None) -> bool:
    return bool(name) and BACKING_SERVICE_RE.search(name.upper()) is not None  # type: ignore[union-attr]


def is_ascii_number(text: str) -> bool:
    """``"6379"`` — not ``"₀"``, which ``str.isdigit`` accepts and ``int`` rejects."""
    stripped = text.strip()
    return 0 < len(stripped) <= 5 and stripped.isascii() and stripped.isdigit()


def service_port(value: object) -> str | None:
    """The service a well-known port belongs to (``6379`` → Redis), for ints and digit strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and is_ascii_number(value):
        value = int(value.strip())
    return SERVICE_PORTS.get(value) if isinstance(value, int) else None


def is_dev_credential(value: str) -> bool:
    """Well-known default and development passwords (``postgres``, ``changeme``,
    ``dev-secret-change-in-production``, ``admin_password``). Real-looking secrets are the secrets
    family's (ISO2xx)."""
    stripped = value.strip()
    if not stripped or PLACEHOLDER in stripped or stripped.startswith(("${", "$", "%(", "{{", "<")):
        return False
    lowered = stripped.lower()
    return (lowered in DEV_CREDENTIALS or _DEV_CREDENTIAL_RE.search(stripped) is not None
            or _PLAIN_PHRASE_RE.match(stripped) is not None or _is_trivial_digits(stripped)
            or _names_itself(stripped))


#: lower-case words joined by ``_``/``-``: ``admin_password``, ``your_cookie_signing_secret``
_JOINED_WORDS_RE = lazy_compile(r"^[a-z]+(?:[_\-][a-z]+)+$")
#: what a credential is called; a generated one never spells it
_CREDENTIAL_WORDS = frozenset({"password", "passwd", "pass", "pwd", "secret", "key", "token"})


def _names_itself(value: str) -> bool:
    """A credential written as words that say what it is (``admin_password``,
    ``your_cookie_signing_secret``): a stand-in somebody typed, never a generated value."""
    return _JOINED_WORDS_RE.match(value) is not None and not _CREDENTIAL_WORDS.isdisjoint(re.split(r"[_\-]", value))


def _is_trivial_digits(text: str) -> bool:
    """``0000``, ``1111``, ``0123``, ``12345``: three to eight digits, all one or counting up."""
    if not (3 <= len(text) <= 8 and text.isascii() and text.isdigit()):
        return False
    return _REPEATED_DIGIT_RE.match(text) is not None or text in "0123456789"


def is_dev_database(name: str) -> bool:
    return bool(name) and PLACEHOLDER not in name and DEV_DATABASE_RE.match(name) is not None


# -- development values by name ------------------------------------------------------------------
@dataclass(frozen=True)
class DevReason:
    kind: str  # local-host | bind-all | service-port | credential | database | debug | environment | sqlite
    text: str  # human description, never containing a secret

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DevValue:
    value: str
    reasons: tuple[DevReason, ...] = ()
    secrets: tuple[str, ...] = field(default=())  # substrings of ``value`` to mask

    def __bool__(self) -> bool:
        return bool(self.reasons)

    @property
    def description(self) -> str:
        return ", ".join(str(reason) for reason in self.reasons)

    @property
    def shown(self) -> str:
        return display_value(self.value, self.secrets)


#: words a port's name uses for a service, and the service (as :data:`SERVICE_PORTS` names it)
#: whose standard ports fit it
SERVICE_NAME_WORDS = (("postgres", "PostgreSQL"), ("pg", "PostgreSQL"), ("mysql", "MySQL"), ("mariadb", "MySQL"),
                      ("redis", "Redis"), ("mongo", "MongoDB"), ("clickhouse", "ClickHouse"), ("rabbit", "RabbitMQ"),
                      ("amqp", "RabbitMQ"), ("kafka", "Kafka"), ("zookeeper", "ZooKeeper"), ("memcache", "Memcached"),
                      ("elastic", "Elasticsearch"), ("mssql", "SQL Server"), ("sqlserver", "SQL Server"),
                      ("oracle", "Oracle"), ("nats", "NATS"), ("cassandra", "Cassandra"), ("influx", "InfluxDB"),
                      ("neo4j", "Neo4j"), ("qdrant", "Qdrant"), ("etcd", "etcd"))


def names_another_service(name: str, service: str) -> bool:
    """``redis_port: int = 5432``, ``os.getenv("REDIS_PORT", "5432")``: the name (a settings
    field's, an environment variable's) names a service whose standard port this is not — a
    mistake or a value copied from elsewhere, not the protocol's default. A standard port under
    its own service's name, or under a name that names no service, is that default."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    named = {known for word in words for key, known in SERVICE_NAME_WORDS if word.startswith(key)}
    return bool(named) and not any(service.startswith(known) for known in named)


def classify_dev_value(name: str | None, value: object, *, include_ports: bool = True) -> DevValue:
    """Why ``value`` (bound to the environment variable / key ``name``) is a development value.

    ``include_ports``: a well-known service port is a development default in code when the
    variable names another service (``REDIS_PORT`` → ``5432``); a service's own standard port is
    its protocol's default, and a deployed env file is exactly where a port belongs.
    """
    upper = (name or "").upper()
    if isinstance(value, bool):
        if value and DEBUG_NAME_RE.search(upper) and not TEST_SCOPED_NAME_RE.search(upper):
            return DevValue(str(value), (DevReason("debug", "debug mode on"),))
        return DevValue(str(value))
    if isinstance(value, int):
        service = service_port(value) if include_ports and PORT_NAME_RE.search(upper) else None
        service = service if service and names_another_service(upper, service) else None
        reasons = (DevReason("service-port", f"the default {service} port"),) if service else ()
        return DevValue(str(value), reasons)
    if not isinstance(value, str):
        return DevValue(repr(value))
    text = value
    stripped = text.strip()
    reasons: list[DevReason] = []
    secrets: list[str] = []
    parsed = parse_value(text)
    backing = names_backing_service(upper) or "URL" in upper or "DSN" in upper
    not_destination = names_non_destination(upper) or BIND_ENV_VAR_RE.match(upper) is not None
    not_destination = not_destination or parsed.is_bare_host and IDENTIFIER_NAME_RE.search(upper) is not None
    destinations = () if parsed.is_bare_host_list and not_destination else parsed.destination_refs(backing)
    if names_telemetry_agent(upper):
        destinations = tuple(ref for ref in destinations if ref.kind != "local")
    for ref in destinations:
        reasons.append(DevReason("local-host" if ref.kind == "local" else "bind-all", f"the {ref.described}"))
        break
    for ref in parsed.refs:
        if ref.password:
            secrets.append(ref.password)
            if is_dev_credential(ref.password) or ref.password == ref.username:
                reasons.append(DevReason("credential", "development credentials"))
                break
    for ref in parsed.refs:
        if is_dev_database(ref.database):
            reasons.append(DevReason("database", f"the development database `{ref.database}`"))
            break
    if stripped.lower().startswith("sqlite") and "://" in stripped and re.search(r"(DB|DATABASE)", upper):
        reasons.append(DevReason("sqlite", "a local SQLite database"))
    if not parsed.refs:
        if PASSWORD_NAME_RE.search(upper) or SECRET_NAME_RE.search(upper):
            if is_dev_credential(stripped):
                secrets.append(stripped)
                reasons.append(DevReason("credential", "a development credential"))
        elif DEBUG_NAME_RE.search(upper) and not TEST_SCOPED_NAME_RE.search(upper) and stripped in TRUTHY:
            reasons.append(DevReason("debug", "debug mode on"))
        elif ENVIRONMENT_NAME_RE.search(upper) and stripped.lower() in DEV_ENVIRONMENTS:
            reasons.append(DevReason("environment", f"the `{stripped}` environment"))
        elif DATABASE_NAME_RE.search(upper) and is_dev_database(stripped):
            reasons.append(DevReason("database", f"the development database `{stripped}`"))
        elif include_ports and PORT_NAME_RE.search(upper) and (service := service_port(stripped)) \
                and names_another_service(upper, service):
            reasons.append(DevReason("service-port", f"the default {service} port"))
    return DevValue(text, tuple(reasons), tuple(secrets))


def display_value(text: str, secrets: tuple[str, ...] | list[str] = (), limit: int = 80) -> str:
    """``text`` fit for a message: secrets masked, placeholders shown as ``{…}``, long values cut."""
    shown = text
    for secret in sorted(set(secrets), key=len, reverse=True):
        if not secret:
            continue
        if shown.strip() == secret:
            shown = shown.replace(secret, mask_secret(secret))
            continue
        for before, after in ((":", "@"), ("=", ";"), ("=", " "), ("=", "")):
            needle = f"{before}{secret}{after}"
            if needle in shown and (after or shown.endswith(needle)):
                shown = shown.replace(needle, f"{before}{mask_secret(secret)}{after}")
    shown = shown.replace(PLACEHOLDER, "{…}")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def secret_span(source, whole: Range, secret: str) -> Range:
    """Where ``secret`` sits inside ``whole`` (a literal or a dotenv value) of ``source``, so
    outputs that show the line mask exactly it (``core.model.SECRET_RANGE``); ``whole`` when
    it cannot be found."""
    segment = source.text_in(whole)
    index = segment.find(f":{secret}@")
    index = index + 1 if index != -1 else segment.find(secret)
    if index == -1:
        return whole
    start = source.offset(whole.start) + index
    return Range(source.position_at(start), source.position_at(start + len(secret)))
