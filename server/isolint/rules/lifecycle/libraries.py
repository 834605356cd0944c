"""What isolint knows about the libraries that open database sessions and connections.

One table per question the ISO3xx rules ask — *does this call open something that must be
closed? is it async? which of its methods return awaitables? can it be a context manager?* —
so the rules and the session-factory indexer never spell library names themselves.

Covered: SQLAlchemy 1.4/2.x sync and async (``Session``, ``AsyncSession``, ``sessionmaker``,
``async_sessionmaker``, ``scoped_session``, ``create_engine``, ``create_async_engine``,
``engine.connect()``), SQLModel, asyncpg, psycopg 3 / psycopg2 and the other DB-API drivers,
redis / redis.asyncio, aiohttp and httpx client sessions, and the clients of other data stores
that hold their own connections until closed (MongoDB, Cassandra, InfluxDB, ArangoDB, Kusto,
Elasticsearch / OpenSearch, Neo4j, ClickHouse, RabbitMQ, LDAP, DuckDB).
"""

from __future__ import annotations

import ast
import enum
import re
from dataclasses import dataclass, replace

from isolint.core.lazy_regex import lazy_compile


class Kind(str, enum.Enum):
    SESSION = "session"                  # ORM unit of work; close() returns its connection
    CONNECTION = "connection"            # a checked-out database connection
    CLIENT = "client"                    # redis / HTTP client owning a connection pool
    ENGINE = "engine"                    # connection pool + dialect; one per process
    POOL = "pool"                        # a driver-level pool (asyncpg.create_pool)
    SESSION_FACTORY = "session-factory"  # sessionmaker(): calling it opens a session
    SCOPED_SESSION = "scoped-session"    # scoped_session registry: owns its sessions

    @property
    def must_be_closed(self) -> bool:
        """Resources one code path opens and must close itself."""
        return self in (Kind.SESSION, Kind.CONNECTION, Kind.CLIENT)

    @property
    def is_per_request(self) -> bool:
        """Resources that must not be shared between requests (unlike engines and pools)."""
        return self in (Kind.SESSION, Kind.CONNECTION)


@dataclass(frozen=True)
class Resource:
    kind: Kind
    is_async: bool
    library: str
    #: ``with`` / ``async with`` when the object is its own context manager that closes it on
    #: exit and does nothing else; None when entering it means something else (psycopg2
    #: commits but does not close) or it is not a context manager (asyncpg connections).
    context_manager: str | None = None
    #: the call that releases it, as a format string over the bound name
    cleanup: str = "{name}.close()"
    #: methods that return awaitables (async resources) or block on I/O (sync resources);
    #: None means "every method except ``non_io_methods``" (redis clients)
    io_methods: frozenset[str] | None = frozenset()
    non_io_methods: frozenset[str] = frozenset()
    #: for factories and engines: what calling the factory / ``connect()`` produces
    produces: "Resource | None" = None
    #: an instance of a project class that builds this resource for itself and never releases
    #: it (``self.engine = create_engine(url)`` in ``__init__``, no ``dispose()``): constructing
    #: the class creates the resource, and nothing but the class could release it
    owned_by_class: bool = False
    #: what messages call it when the kind's name would mislead (``connection`` for an LDAP
    #: client, ``cluster`` for Cassandra's)
    noun: str | None = None
    #: methods that open a session on it which its own cleanup ends too (Cassandra's
    #: ``cluster.connect()``): shown with its finding, not tracked apart
    opens: frozenset[str] = frozenset()
    #: hands out databases, collections or sessions that work only while it is open (a fix
    #: closes it after the last of them, not after the client's own last use)
    hands_out_views: bool = False

    @property
    def cleanup_method(self) -> str:
        """``close``, ``shutdown``, ``unbind``: the method ``cleanup`` calls."""
        return self.cleanup.rpartition(".")[2].partition("(")[0]

    def is_io_method(self, method: str) -> bool:
        if self.io_methods is None:
            return method not in self.non_io_methods and not method.startswith("_")
        return method in self.io_methods

    @property
    def is_http_client(self) -> bool:
        """An HTTP client session (aiohttp, httpx): a connection pool, but not to a database."""
        return self.library in HTTP_LIBRARIES

    @property
    def description(self) -> str:
        """``SQLAlchemy async session``, ``asyncpg connection`` — for messages."""
        described = f"{self.library} {'async ' if self.is_async else ''}{self.noun or self.kind.value}"
        return f"object holding its own {described}" if self.owned_by_class else described

    def to_fact(self) -> dict:
        fact = {"kind": self.kind.value, "async": self.is_async, "library": self.library}
        return {**fact, "owned_by_class": True} if self.owned_by_class else fact


HTTP_LIBRARIES = frozenset({"aiohttp", "httpx"})
_ORM_IO = frozenset({
    "execute", "scalar", "scalars", "get", "get_one", "commit", "rollback", "close", "flush", "refresh",
    "delete", "merge", "stream", "stream_scalars", "run_sync", "connection", "invalidate", "reset",
})
_SYNC_ORM_IO = (_ORM_IO | {"query", "begin", "bulk_save_objects", "bulk_insert_mappings"}) - {"stream", "run_sync"}
_SA_CONN_IO = frozenset({"execute", "scalar", "scalars", "stream", "commit", "rollback", "close",
                          "exec_driver_sql", "run_sync", "start", "invalidate", "get_raw_connection"})
_ASYNCPG_CONN_IO = frozenset({
    "execute", "executemany", "fetch", "fetchrow", "fetchval", "close", "prepare", "copy_from_query",
    "copy_from_table", "copy_to_table", "copy_records_to_table", "set_type_codec", "reset",
    "add_listener", "remove_listener", "reload_schema_state",
})
_DBAPI_IO = frozenset({"execute", "executemany", "cursor", "commit", "rollback", "close", "fetchone",
                        "fetchall", "fetchmany", "callproc"})
_HTTP_IO = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send",
                       "ws_connect", "close", "aclose"})
_REDIS_NON_IO = frozenset({"pipeline", "pubsub", "lock", "register_script", "get_encoder",
                            "get_connection_kwargs", "client", "monitor", "connection_pool", "scan_iter",
                            "hscan_iter", "sscan_iter", "zscan_iter", "from_url", "from_pool", "transaction"})

SYNC_SESSION = Resource(Kind.SESSION, False, "SQLAlchemy", "with", io_methods=_SYNC_ORM_IO)
ASYNC_SESSION = Resource(Kind.SESSION, True, "SQLAlchemy", "async with", "await {name}.close()", _ORM_IO)
SYNC_SA_CONNECTION = Resource(Kind.CONNECTION, False, "SQLAlchemy", "with", io_methods=_SA_CONN_IO)
ASYNC_SA_CONNECTION = Resource(Kind.CONNECTION, True, "SQLAlchemy", "async with", "await {name}.close()",
                               _SA_CONN_IO)
SYNC_ENGINE = Resource(Kind.ENGINE, False, "SQLAlchemy", cleanup="{name}.dispose()",
                       io_methods=frozenset({"connect", "begin", "execute", "raw_connection"}),
                       produces=SYNC_SA_CONNECTION)
ASYNC_ENGINE = Resource(Kind.ENGINE, True, "SQLAlchemy", cleanup="await {name}.dispose()",
                        io_methods=frozenset({"dispose"}),
                        produces=ASYNC_SA_CONNECTION)
SYNC_SESSION_FACTORY = Resource(Kind.SESSION_FACTORY, False, "SQLAlchemy", produces=SYNC_SESSION)
ASYNC_SESSION_FACTORY = Resource(Kind.SESSION_FACTORY, True, "SQLAlchemy", produces=ASYNC_SESSION)
SCOPED = Resource(Kind.SCOPED_SESSION, False, "SQLAlchemy", io_methods=_SYNC_ORM_IO)
ASYNCPG_CONNECTION = Resource(Kind.CONNECTION, True, "asyncpg", None, "await {name}.close()", _ASYNCPG_CONN_IO)
ASYNCPG_POOLED = replace(ASYNCPG_CONNECTION, context_manager="async with")
ASYNCPG_POOL = Resource(Kind.POOL, True, "asyncpg", "async with", "await {name}.close()",
                        frozenset({"acquire", "release", "close", "execute", "executemany", "fetch", "fetchrow",
                                   "fetchval"}),
                        produces=ASYNCPG_POOLED)
PSYCOPG2_CONNECTION = Resource(Kind.CONNECTION, False, "psycopg2", None, io_methods=_DBAPI_IO)
DBAPI_CONNECTION = Resource(Kind.CONNECTION, False, "DB-API driver", None, io_methods=_DBAPI_IO)
ASYNC_DBAPI_CONNECTION = Resource(Kind.CONNECTION, True, "async DB driver", None, "await {name}.close()",
                                  _DBAPI_IO)
#: psycopg 3's ``AsyncConnection``: ``cursor()`` hands out an ``AsyncCursor`` synchronously;
#: only the statements and the transaction calls are coroutines
PSYCOPG_ASYNC_CONNECTION = Resource(Kind.CONNECTION, True, "psycopg", None, "await {name}.close()",
                                    frozenset({"execute", "commit", "rollback", "close", "set_autocommit",
                                               "set_isolation_level", "set_read_only", "notifies", "cancel_safe"}))
SYNC_REDIS = Resource(Kind.CLIENT, False, "redis", "with", io_methods=None, non_io_methods=_REDIS_NON_IO)
ASYNC_REDIS = Resource(Kind.CLIENT, True, "redis.asyncio", "async with", "await {name}.aclose()",
                       io_methods=None, non_io_methods=_REDIS_NON_IO)
AIOHTTP_SESSION = Resource(Kind.CLIENT, True, "aiohttp", "async with", "await {name}.close()", _HTTP_IO)
HTTPX_CLIENT = Resource(Kind.CLIENT, False, "httpx", "with", io_methods=_HTTP_IO)
HTTPX_ASYNC_CLIENT = Resource(Kind.CLIENT, True, "httpx", "async with", "await {name}.aclose()", _HTTP_IO)

#: clients of data stores and brokers that open their own connections (and, for most, monitor
#: threads) when built and keep them until closed. None of their methods is listed as I/O: the
#: rules ask of them only whether they are closed. ``with`` where the client's ``__exit__``
#: closes it; None where it is no context manager (the fix then closes it in a ``finally``).


def _store_client(library: str, context_manager: str | None, cleanup: str = "{name}.close()", *,
                  is_async: bool = False, noun: str | None = None, opens: frozenset[str] = frozenset()) -> Resource:
    return Resource(Kind.CLIENT, is_async, library, context_manager, cleanup, noun=noun, opens=opens,
                    hands_out_views=True)


MONGO_CLIENT = _store_client("pymongo", "with")
MONGO_ASYNC_CLIENT = _store_client("pymongo", "async with", "await {name}.close()", is_async=True)
MOTOR_CLIENT = _store_client("motor", None)
CASSANDRA_CLUSTER = _store_client("cassandra-driver", "with", "{name}.shutdown()", noun="cluster",
                                  opens=frozenset({"connect"}))
INFLUXDB_CLIENT = _store_client("influxdb", "with")
INFLUXDB2_CLIENT = _store_client("influxdb-client", "with")
INFLUXDB2_ASYNC_CLIENT = _store_client("influxdb-client", "async with", "await {name}.close()", is_async=True)
ARANGO_CLIENT = _store_client("python-arango", None)
KUSTO_CLIENT = _store_client("azure-kusto-data", "with")
ELASTICSEARCH_CLIENT = _store_client("elasticsearch", "with")
ELASTICSEARCH_ASYNC_CLIENT = _store_client("elasticsearch", "async with", "await {name}.close()", is_async=True)
OPENSEARCH_CLIENT = _store_client("opensearch-py", None)
NEO4J_DRIVER = _store_client("neo4j", "with", noun="driver")
NEO4J_ASYNC_DRIVER = _store_client("neo4j", "async with", "await {name}.close()", is_async=True, noun="driver")
CLICKHOUSE_CLIENT = _store_client("clickhouse-driver", None, "{name}.disconnect()")
#: clickhouse-connect's client talks HTTP through a pool and is made to be shared by threads
CLICKHOUSE_CONNECT_CLIENT = _store_client("clickhouse-connect", "with")
PIKA_CONNECTION = _store_client("pika", "with", noun="connection")
LDAP_CONNECTION = _store_client("ldap3", "with", "{name}.unbind()", noun="connection")
#: every client above, by library and async-ness: ``resource_from_fact`` finds one recorded in
#: another module's facts
STORE_CLIENTS = (MONGO_CLIENT, MONGO_ASYNC_CLIENT, MOTOR_CLIENT, CASSANDRA_CLUSTER, INFLUXDB_CLIENT,
                 INFLUXDB2_CLIENT, INFLUXDB2_ASYNC_CLIENT, ARANGO_CLIENT, KUSTO_CLIENT, ELASTICSEARCH_CLIENT,
                 ELASTICSEARCH_ASYNC_CLIENT, OPENSEARCH_CLIENT, NEO4J_DRIVER, NEO4J_ASYNC_DRIVER, CLICKHOUSE_CLIENT,
                 PIKA_CONNECTION, LDAP_CONNECTION)

#: calling these qualified names creates the resource
CONSTRUCTORS: dict[str, Resource] = {
    **dict.fromkeys(("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session",
                     "sqlmodel.orm.session.Session", "clickhouse_sqlalchemy.make_session"), SYNC_SESSION),
    **dict.fromkeys(("sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
                     "sqlmodel.ext.asyncio.session.AsyncSession"), ASYNC_SESSION),
    **dict.fromkeys(("sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"), SYNC_SESSION_FACTORY),
    **dict.fromkeys(("sqlalchemy.ext.asyncio.async_sessionmaker",
                     "sqlalchemy.ext.asyncio.session.async_sessionmaker"), ASYNC_SESSION_FACTORY),
    **dict.fromkeys(("sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session",
                     "sqlalchemy.ext.asyncio.async_scoped_session"), SCOPED),
    **dict.fromkeys(("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine",
                     "sqlalchemy.engine_from_config", "sqlalchemy.engine.engine_from_config"), SYNC_ENGINE),
    **dict.fromkeys(("sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.engine.create_async_engine",
                     "sqlalchemy.ext.asyncio.async_engine_from_config"), ASYNC_ENGINE),
    "asyncpg.connect": ASYNCPG_CONNECTION,
    "asyncpg.create_pool": ASYNCPG_POOL,
    "psycopg2.connect": PSYCOPG2_CONNECTION,
    **dict.fromkeys(("psycopg.connect", "psycopg.Connection.connect", "pymysql.connect", "MySQLdb.connect",
                     "mysql.connector.connect", "sqlite3.connect", "sqlean.connect", "pymssql.connect", "pyodbc.connect", "oracledb.connect",
                     "cx_Oracle.connect"), DBAPI_CONNECTION),
    **dict.fromkeys(("clickhouse_connect.get_client", "clickhouse_connect.driver.create_client"),
                    CLICKHOUSE_CONNECT_CLIENT),
    "psycopg.AsyncConnection.connect": PSYCOPG_ASYNC_CONNECTION,
    **dict.fromkeys(("aiomysql.connect", "aiosqlite.connect", "aiopg.connect"), ASYNC_DBAPI_CONNECTION),
    **dict.fromkeys(("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
                     "redis.client.Redis", "redis.StrictRedis.from_url"), SYNC_REDIS),
    **dict.fromkeys(("redis.asyncio.Redis", "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
                     "redis.asyncio.StrictRedis", "redis.asyncio.client.Redis", "aioredis.Redis",
                     "aioredis.from_url", "aioredis.Redis.from_url"), ASYNC_REDIS),
    "aiohttp.ClientSession": AIOHTTP_SESSION,
    "httpx.Client": HTTPX_CLIENT,
    "httpx.AsyncClient": HTTPX_ASYNC_CLIENT,
    "duckdb.connect": DBAPI_CONNECTION,
    **dict.fromkeys(("pymongo.MongoClient", "pymongo.mongo_client.MongoClient"), MONGO_CLIENT),
    **dict.fromkeys(("pymongo.AsyncMongoClient", "pymongo.asynchronous.mongo_client.AsyncMongoClient"),
                    MONGO_ASYNC_CLIENT),
    **dict.fromkeys(("motor.motor_asyncio.AsyncIOMotorClient", "motor.motor_tornado.MotorClient"), MOTOR_CLIENT),
    "cassandra.cluster.Cluster": CASSANDRA_CLUSTER,
    **dict.fromkeys(("influxdb.InfluxDBClient", "influxdb.InfluxDBClient.from_dsn", "influxdb.client.InfluxDBClient",
                     "influxdb.DataFrameClient"), INFLUXDB_CLIENT),
    **dict.fromkeys(("influxdb_client.InfluxDBClient", "influxdb_client.InfluxDBClient.from_config_file",
                     "influxdb_client.InfluxDBClient.from_env_properties"), INFLUXDB2_CLIENT),
    "influxdb_client.client.influxdb_client_async.InfluxDBClientAsync": INFLUXDB2_ASYNC_CLIENT,
    **dict.fromkeys(("arango.ArangoClient", "arango.client.ArangoClient"), ARANGO_CLIENT),
    **dict.fromkeys(("azure.kusto.data.KustoClient", "azure.kusto.data.client.KustoClient"), KUSTO_CLIENT),
    "elasticsearch.Elasticsearch": ELASTICSEARCH_CLIENT,
    "elasticsearch.AsyncElasticsearch": ELASTICSEARCH_ASYNC_CLIENT,
    "opensearchpy.OpenSearch": OPENSEARCH_CLIENT,
    **dict.fromkeys(("neo4j.GraphDatabase.driver", "neo4j.GraphDatabase.bolt_driver",
                     "neo4j.GraphDatabase.neo4j_driver"), NEO4J_DRIVER),
    "neo4j.AsyncGraphDatabase.driver": NEO4J_ASYNC_DRIVER,
    **dict.fromkeys(("clickhouse_driver.Client", "clickhouse_driver.Client.from_url"), CLICKHOUSE_CLIENT),
    "pika.BlockingConnection": PIKA_CONNECTION,
    **dict.fromkeys(("ldap3.Connection", "ldap3.core.connection.Connection"), LDAP_CONNECTION),
}

#: objects libraries hand out ready-made, by qualified name: FastAPI-SQLAlchemy's ``db.session``
#: is the request's sync session, opened and closed by its middleware (a registry's session, like
#: ``scoped_session``: used inside ``async def`` it blocks the loop; nothing for the code to close)
LIBRARY_VALUES: dict[str, Resource] = {
    "fastapi_sqlalchemy.db.session": SCOPED,
}

#: parameter / attribute annotations naming a resource type (for ``db: AsyncSession = Depends()``)
ANNOTATIONS: dict[str, Resource] = {
    **{name: res for name, res in CONSTRUCTORS.items() if res.kind in (Kind.SESSION, Kind.CLIENT)},
    **dict.fromkeys(("sqlalchemy.engine.Connection", "sqlalchemy.Connection",
                     "sqlalchemy.engine.base.Connection"), SYNC_SA_CONNECTION),
    **dict.fromkeys(("sqlalchemy.ext.asyncio.AsyncConnection",
                     "sqlalchemy.ext.asyncio.engine.AsyncConnection"), ASYNC_SA_CONNECTION),
    **dict.fromkeys(("sqlalchemy.engine.Engine", "sqlalchemy.Engine", "sqlalchemy.engine.base.Engine"),
                    SYNC_ENGINE),
    **dict.fromkeys(("sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.engine.AsyncEngine"),
                    ASYNC_ENGINE),
    **dict.fromkeys(("asyncpg.Connection", "asyncpg.connection.Connection", "asyncpg.pool.PoolConnectionProxy"),
                    ASYNCPG_CONNECTION),
    **dict.fromkeys(("asyncpg.Pool", "asyncpg.pool.Pool"), ASYNCPG_POOL),
    **dict.fromkeys(("psycopg2.extensions.connection", "psycopg.Connection"), DBAPI_CONNECTION),
    **dict.fromkeys(("psycopg.AsyncConnection", "psycopg.connection_async.AsyncConnection"),
                    PSYCOPG_ASYNC_CONNECTION),
}

#: zero-config fallback for factories whose definition isolint cannot see (a package outside the
#: project, an indirect ``get_sessionmaker()``): the names the SQLAlchemy and FastAPI docs use.
CONVENTIONAL_FACTORIES: dict[str, Resource] = {
    **dict.fromkeys(("SessionLocal", "session_local", "Session_Local", "DBSession", "SessionFactory",
                     "session_factory", "session_maker", "sessionfactory"), SYNC_SESSION_FACTORY),
    **dict.fromkeys(("AsyncSessionLocal", "async_session", "async_session_maker", "async_session_factory",
                     "AsyncSessionFactory", "async_sessionmaker_", "AsyncSessionMaker", "async_session_local"),
                    ASYNC_SESSION_FACTORY),
}

#: PEP 249: a driver module's ``connect()`` opens a connection; ``dbapi`` is the submodule name
#: drivers that are more than a DB-API driver give their PEP 249 interface (``trino.dbapi``)
DBAPI_CONSTRUCTOR = "connect"
#: how a driver names its connection class (``Connection``, ``DatabaseConnection``): built from
#: a package outside the project, the class stands for its ``connect()``
DBAPI_CONNECTION_CLASS = "Connection"
DBAPI_SUBMODULE = "dbapi"
#: methods only a PEP 249 connection has among the objects a ``connect()`` returns: one called
#: on it shows the result of an unknown driver's ``connect()`` is a database connection
DBAPI_CONNECTION_METHODS = frozenset({"cursor", "commit", "rollback"})
#: PEP 249 modules whose connection holds nothing (a factory of HTTP cursors; ``close()`` does
#: nothing): leaving one unclosed leaks nothing
STATELESS_DBAPI_CONNECTS = frozenset({"pyhive.presto.connect", "pyhive.trino.connect", "prestodb.dbapi.connect"})

#: drivers of SQLite and DuckDB, whose database may live in the process's own memory
#: (``":memory:"``, ``"file::memory:"``, a ``mode=memory`` URI; DuckDB's ``connect()`` with no
#: database): such a connection holds no file, socket or server-side connection, so leaving it
#: to the garbage collector leaks nothing
SQLITE_CONNECTS = frozenset({"sqlite3.connect", "sqlean.connect", "aiosqlite.connect", "duckdb.connect"})
#: of those, the drivers whose ``connect()`` without a database opens one in memory
IN_MEMORY_BY_DEFAULT = frozenset({"duckdb.connect"})
_IN_MEMORY_DATABASE_RE = lazy_compile(r"^(:memory:$|file::memory:|file:[^?]*\?(.*&)?mode=memory\b)")

#: calls whose keyword arguments mean "borrowing a pool someone else owns": nothing to close
SHARED_POOL_KEYWORDS = frozenset({"connection_pool", "pool"})

#: methods that release a resource, and the pool methods that release a connection given to them
CLEANUP_METHODS = frozenset({"close", "aclose", "release", "dispose", "terminate", "disconnect", "remove"})
POOL_RELEASE_METHODS = frozenset({"release", "putconn"})
#: context-manager helpers that take ownership of an object
OWNERSHIP_CALLS = frozenset({"enter_context", "enter_async_context", "push", "push_async_exit", "closing",
                             "aclosing", "register"})
CALLBACK_REGISTRATIONS = frozenset({"callback", "push_async_callback", "register", "add_done_callback"})

#: a connection checked out from a pool-like object: ``await pool.acquire()``
ACQUIRE_METHODS = frozenset({"acquire", "getconn"})
#: engine methods producing a connection that must be closed
ENGINE_CONNECT_METHODS = frozenset({"connect", "raw_connection"})

_POOL_NAME_RE = lazy_compile(r"(^|_)pool$", re.IGNORECASE)
_ENGINE_NAME_RE = lazy_compile(r"(^|_)engine$", re.IGNORECASE)


def constructed_by(qualified: str | None, call: ast.Call) -> Resource | None:
    """The resource calling ``qualified`` creates, honouring arguments that change it
    (``sessionmaker(class_=AsyncSession)``, ``Redis(connection_pool=shared)``)."""
    if not qualified:
        return None
    resource = CONSTRUCTORS.get(qualified)
    if resource is None:
        return DBAPI_CONNECTION if _names_dbapi_connect(qualified) else None
    if qualified in SQLITE_CONNECTS and _opens_in_memory_database(call, qualified in IN_MEMORY_BY_DEFAULT):
        return None
    keywords = {kw.arg for kw in call.keywords if kw.arg}
    if resource.kind is Kind.CLIENT and keywords & SHARED_POOL_KEYWORDS:
        return None
    if resource.kind is Kind.SESSION_FACTORY and _names_async_session(call):
        return ASYNC_SESSION_FACTORY
    if resource is SYNC_SESSION and any(kw.arg == "is_async" and not (isinstance(kw.value, ast.Constant)
                                                                     and not kw.value.value) for kw in call.keywords):
        return ASYNC_SESSION  # clickhouse_sqlalchemy.make_session(engine, is_async=True)
    return resource


def _opens_in_memory_database(call: ast.Call, by_default: bool = False) -> bool:
    """``sqlite3.connect(":memory:")``, ``connect(database="file::memory:?cache=shared", uri=True)``,
    ``duckdb.connect()``."""
    target = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "database"), None)
    if target is None:
        return by_default
    return isinstance(target, ast.Constant) and isinstance(target.value, str) \
        and _IN_MEMORY_DATABASE_RE.search(target.value) is not None


def _names_dbapi_connect(qualified: str) -> bool:
    """``trino.dbapi.connect``: the ``connect()`` of a package's PEP 249 submodule."""
    parts = qualified.split(".")
    return len(parts) >= 3 and parts[-1] == DBAPI_CONSTRUCTOR and parts[-2] == DBAPI_SUBMODULE \
        and qualified not in STATELESS_DBAPI_CONNECTS


def _names_async_session(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "class_":
            value = keyword.value
            name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", "")
            return name == "AsyncSession"
    return False


def conventional_factory(name: str) -> Resource | None:
    return CONVENTIONAL_FACTORIES.get(name)


def produced_by_method(receiver: Resource | None, receiver_name: str, method: str) -> Resource | None:
    """``engine.connect()``, ``await pool.acquire()``: a method of a known (or engine/pool-named)
    receiver that checks out a connection."""
    if receiver is not None:
        if receiver.kind is Kind.ENGINE and method in ENGINE_CONNECT_METHODS:
            return SYNC_SA_CONNECTION if method == "raw_connection" else receiver.produces
        if receiver.kind is Kind.POOL and method in ACQUIRE_METHODS:
            return receiver.produces
        return None
    if method == "connect" and _ENGINE_NAME_RE.search(receiver_name):
        return SYNC_SA_CONNECTION
    if method == "acquire" and _POOL_NAME_RE.search(receiver_name):
        return ASYNCPG_POOLED
    return None


def annotation_resource(annotation: ast.expr | None, qualify) -> Resource | None:
    """The resource a type annotation names, looking through ``Annotated[X, …]``,
    ``Optional[X]``, ``X | None`` and string annotations. ``qualify`` maps a name node to its
    qualified name."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotation_resource(annotation.left, qualify) or annotation_resource(annotation.right, qualify)
    if isinstance(annotation, ast.Subscript):
        head = (qualify(annotation.value) or "").rsplit(".", 1)[-1]
        if head in ("Annotated", "Optional", "Union"):
            inner = annotation.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            candidates = parts[:1] if head == "Annotated" else parts
            for part in candidates:
                found = annotation_resource(part, qualify)
                if found:
                    return found
        return None
    qualified = qualify(annotation)
    if not qualified:
        return None
    return ANNOTATIONS.get(qualified)


def owned_by_class(resource: Resource) -> Resource:
    """``resource`` as an instance of a class that builds it and never releases it: no method of
    the library's object is called on the instance, and no cleanup call can be written for it."""
    return replace(resource, owned_by_class=True, cleanup="", context_manager=None, io_methods=frozenset(),
                   non_io_methods=frozenset(), produces=None)


def resource_from_fact(fact: dict) -> Resource | None:
    """Inverse of ``Resource.to_fact`` for the shapes the indexer records."""
    resource = _resource_from_fact(fact)
    return owned_by_class(resource) if resource is not None and fact.get("owned_by_class") else resource


def _resource_from_fact(fact: dict) -> Resource | None:
    try:
        kind = Kind(fact["kind"])
    except (KeyError, ValueError):
        return None
    is_async = bool(fact.get("async"))
    table = {
        Kind.SESSION_FACTORY: (SYNC_SESSION_FACTORY, ASYNC_SESSION_FACTORY),
        Kind.SESSION: (SYNC_SESSION, ASYNC_SESSION),
        Kind.ENGINE: (SYNC_ENGINE, ASYNC_ENGINE),
        Kind.SCOPED_SESSION: (SCOPED, SCOPED),
        Kind.POOL: (ASYNCPG_POOL, ASYNCPG_POOL),
    }
    if kind in table:
        return table[kind][is_async]
    if kind is Kind.CLIENT:
        for resource in (SYNC_REDIS, ASYNC_REDIS, AIOHTTP_SESSION, HTTPX_CLIENT, HTTPX_ASYNC_CLIENT, *STORE_CLIENTS):
            if resource.library == fact.get("library") and resource.is_async == is_async:
                return resource
        return ASYNC_REDIS if is_async else SYNC_REDIS
    if kind is Kind.CONNECTION:
        for resource in (SYNC_SA_CONNECTION, ASYNC_SA_CONNECTION, ASYNCPG_CONNECTION, PSYCOPG2_CONNECTION,
                         DBAPI_CONNECTION, ASYNC_DBAPI_CONNECTION, PSYCOPG_ASYNC_CONNECTION):
            if resource.library == fact.get("library") and resource.is_async == is_async:
                return resource
    return None


#: the words a project's own session, engine or client functions are named with
#: (``make_orders_session``, ``db_engine``, ``get_redis``)
FACTORY_VOCABULARY: tuple[bytes, ...] = (
    b"Session", b"session", b"engine", b"connect", b"Redis", b"redis", b"Client", b"acquire", b"pool",
)
#: Prefilter: a file none of whose bytes mention one of these cannot hold an ISO3xx finding
#: (the vocabulary, and the constructors of ``STORE_CLIENTS`` that spell none of it).
LIFECYCLE_TOKENS: tuple[bytes, ...] = (
    *FACTORY_VOCABULARY, b"Connection", b"Cluster", b"Elasticsearch", b"OpenSearch", b"GraphDatabase",
)
