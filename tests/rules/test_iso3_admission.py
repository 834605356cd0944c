"""ISO3xx admission: which files the session-lifecycle rules and the ``session-factories``
indexer look at before any parse. Conservative first (every form a finding or a fact can take
is admitted), then narrow (a web framework's ``request.session``, ``signal.connect`` and
``connection.cursor()`` are not)."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest
from isolint.core.config import Settings
from isolint.core.model import Language
from isolint.engine.project import ProjectIndex
from isolint.core.source import SourceFile
from isolint.rules.lifecycle.admission import PACKAGE_SCANS, may_create_engine
from isolint.rules.lifecycle.engine_created_per_call import EngineCreatedPerCall
from isolint.rules.lifecycle.libraries import ANNOTATIONS, CONSTRUCTORS, CONVENTIONAL_FACTORIES
from isolint.rules.lifecycle.manual_close_not_in_finally import ManualCloseNotInFinally
from isolint.rules.lifecycle.session_factories import SessionFactoryIndexer
from isolint.rules.lifecycle.session_without_context_manager import SessionWithoutContextManager

ROOT = Path("/isolint-admission-root")


def source(code: str, rel_path: str = "services/api/app/jobs.py") -> SourceFile:
    text = textwrap.dedent(code)
    return SourceFile.from_text(ROOT / rel_path, text, Settings(root=ROOT), Language.PYTHON, rel_path=rel_path)


def rules_admit(code: str, rel_path: str = "services/api/app/jobs.py", project=None) -> bool:
    return SessionWithoutContextManager.admits(source(code, rel_path), project)


TYPED_ALONE = {
    "session class": """
        from sqlalchemy.orm import Session

        def rename(engine):
            session = Session(engine)
    """,
    "module alias": """
        import sqlalchemy as sa

        engine = sa.create_engine(URL)
    """,
    "imported under another name": """
        from sqlalchemy import create_engine as make

        engine = make(URL)
    """,
    "multi-line import": """
        from sqlalchemy.ext.asyncio import (
            AsyncSession,  # the request's session
        )
    """,
    "unimported dotted name": """
        def connect():
            return sqlalchemy.create_engine(URL)
    """,
    "string annotation under TYPE_CHECKING": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from sqlalchemy.ext.asyncio import AsyncSession

        async def handler(db: "AsyncSession"):
            db.commit()
    """,
    "redis client": """
        import redis.asyncio as aioredis

        cache = aioredis.Redis.from_url(URL)
    """,
    "httpx client in a class body": """
        import httpx

        class Gateway:
            client = httpx.AsyncClient()
    """,
    "DB-API driver": """
        import psycopg2

        def export():
            conn = psycopg2.connect(DSN)
    """,
    "conventional factory": """
        from app.db import SessionLocal

        def job():
            db = SessionLocal()
    """,
    "conventional factory under an alias": """
        from app.db import AsyncSessionLocal as Maker
    """,
    "engine heuristic": """
        def report(app):
            conn = app.state.db_engine.connect()
    """,
    "engine heuristic, upper case, multi-line": """
        def report():
            conn = (ENGINE
                    ).connect()
    """,
    "pool heuristic": """
        async def report(self):
            conn = await self.pg_pool.acquire()
    """,
    "unlisted driver's PEP 249 submodule": """
        import trino

        def run(query):
            return trino.dbapi.connect(host="trino")
    """,
    "unlisted driver used as a PEP 249 connection": """
        import tdclient

        def run(query):
            conn = tdclient.connect(apikey="k")
            conn.cursor().execute(query)
    """,
}


@pytest.mark.parametrize("code", TYPED_ALONE.values(), ids=TYPED_ALONE.keys())
def test_a_file_typing_a_resource_alone_is_admitted_by_the_rules_and_the_indexer(code: str) -> None:
    assert rules_admit(code)
    assert SessionFactoryIndexer().admits(source(code), None)


def test_a_file_inside_the_library_is_admitted_through_its_relative_imports() -> None:
    code = """
        from .session import Session

        def make(bind):
            return Session(bind)
    """
    assert rules_admit(code, "sqlalchemy/orm/scoping.py")
    assert not rules_admit(code, "myapp/orm/scoping.py")


@pytest.mark.parametrize("qualified", sorted({*CONSTRUCTORS, *ANNOTATIONS}))
def test_every_library_name_is_admitted_imported_or_dotted(qualified: str) -> None:
    module, _, last = qualified.rpartition(".")
    assert rules_admit(f"from {module} import {last}\n")
    assert rules_admit(f"import {module.partition('.')[0]}\nx = {qualified}()\n")


@pytest.mark.parametrize("name", sorted(CONVENTIONAL_FACTORIES))
def test_every_conventional_factory_name_is_admitted(name: str) -> None:
    assert rules_admit(f"def job():\n    db = {name}()\n")


def test_every_package_holds_one_of_the_package_scans() -> None:
    for qualified in {*CONSTRUCTORS, *ANNOTATIONS}:
        package = qualified.partition(".")[0].encode()
        assert any(scan in package for scan in PACKAGE_SCANS), package


LOOK_ALIKES = {
    "request session": """
        def remember(request, user):
            request.session["user_id"] = user.pk
            return request.session.get("next")
    """,
    "signal connect": """
        from django.db.models.signals import post_save

        post_save.connect(invalidate_cache, sender=Order)
    """,
    "framework connection": """
        from django.db import connection

        def count():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    """,
    "connect without a PEP 249 method": """
        import websockets

        def listen(url):
            socket = websockets.connect(url)
            socket.send("hello")
    """,
    "test client": """
        from django.test import Client

        client = Client()
    """,
    "library named in prose and as an attribute": """
        # A SQLAlchemy Session would be wrong here; see settings.redis for the cache.
        def configure(settings):
            url = settings.redis_url
            return settings.redis
    """,
    "template engine": """
        from django.template import engines

        def render(name):
            engine = engines["django"]
            return engine.from_string(name)
    """,
}


@pytest.mark.parametrize("code", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_framework_look_alikes_are_not_admitted(code: str) -> None:
    assert not rules_admit(code)
    assert not SessionFactoryIndexer().admits(source(code), None)


def test_a_project_factory_admits_the_files_that_name_it() -> None:
    code = """
        from app.db import make_orders_session as orders_session

        def archive():
            session = orders_session()
    """
    assert not rules_admit(code)
    project = ProjectIndex(Settings(root=ROOT))
    project.update("services/api/app/db/session.py", {"session-factories": {
        "module": "services.api.app.db.session", "zone": "production",
        "definitions": {"make_orders_session": {"kind": "session-factory", "async": False, "library": "SQLAlchemy"}},
        "engines": [], "with_creations": {"known": 0, "pending": []},
    }})
    assert rules_admit(code, project=project)
    assert not rules_admit(LOOK_ALIKES["request session"], project=project)
    # the name alone is not enough: the module part of ``x.make_orders_session`` must be one of
    # the defining module's (``db``, ``session``…) or come from the file's own package
    elsewhere = "from billing.reports import make_orders_session\n"
    assert not rules_admit(elsewhere, "tools/billing/export.py", project=project)
    assert rules_admit("from . import make_orders_session\n", "services/api/app/jobs.py", project=project)


def test_a_forward_to_nothing_admits_nothing() -> None:
    project = ProjectIndex(Settings(root=ROOT))
    project.update("services/api/app/paths.py", {"session-factories": {
        "module": "services.api.app.paths", "zone": "production",
        "definitions": {"join_session_path": {"kind": "forward", "function": True, "via": "os.path.join"}},
        "engines": [], "with_creations": {"known": 0, "pending": []},
    }})
    assert not rules_admit("from app.paths import join_session_path\n", project=project)


HANDED_ON = {
    "re-export module forwarding an imported factory": """
        from .session import ReadReplica, make_orders_session


        def open_report_session():
            return make_orders_session()
    """,
    "awaited, dotted, parenthesised": """
        async def get_conn():
            return (
                await pools.acquire_connection()
            )
    """,
    "managed creation of an imported session function": """
        def job():
            with db.session_scope() as session:
                session.add(x)
    """,
    "second with item": """
        async def job():
            async with lock() as held, get_session() as session:
                pass
    """,
    "ownership helper": """
        from contextlib import closing

        def job():
            with closing(make_connection()) as conn:
                pass
    """,
}


@pytest.mark.parametrize("code", HANDED_ON.values(), ids=HANDED_ON.keys())
def test_the_indexer_admits_calls_handed_on_under_the_family_vocabulary(code: str) -> None:
    assert SessionFactoryIndexer().admits(source(code), None)


def test_the_indexer_does_not_follow_methods_of_self() -> None:
    code = """
        class Store:
            def fresh(self):
                return self.new_session()
    """
    assert not SessionFactoryIndexer().admits(source(code), None)


def test_the_indexer_records_nothing_for_a_file_it_does_not_admit() -> None:
    """The premise of the indexer's admission, on the look-alikes: the census finds no typed
    definition, engine or managed creation there."""
    indexer = SessionFactoryIndexer()
    for code in LOOK_ALIKES.values():
        facts = indexer.extract(source(code), ast.parse(textwrap.dedent(code)))
        assert facts is None or (not facts["engines"] and not facts["with_creations"]["known"]
                                 and all(d["kind"] == "forward" for d in facts["definitions"].values()))


def test_iso302_needs_a_cleanup_and_a_database_operation() -> None:
    untyped = """
        from app.db import get_connection

        def archive(order_id):
            conn = get_connection()
            conn.execute("UPDATE orders SET archived = true")
            conn.close()
    """
    assert ManualCloseNotInFinally.admits(source(untyped), None)
    file_handling = """
        def read(path):
            handle = open_connection_log(path)
            data = handle.read()
            handle.close()
    """
    assert not ManualCloseNotInFinally.admits(source(file_handling), None)
    prose = """
        def archive(conn):
            \"\"\"Execute the query, commit, then close the connection.\"\"\"
            conn.execute(QUERY)
    """
    assert not ManualCloseNotInFinally.admits(source(prose), None)
    spread = """
        def archive():
            conn = get_connection()
            (conn
             .execute(QUERY))
            conn .  close()  # spaces are legal
    """
    assert ManualCloseNotInFinally.admits(source(spread), None)


def test_engine_rules_need_an_engine_or_pool_constructor() -> None:
    assert EngineCreatedPerCall.admits(source("from sqlalchemy import create_engine\n"), None)
    assert EngineCreatedPerCall.admits(source("import asyncpg\npool = asyncpg.create_pool(DSN)\n"), None)
    assert may_create_engine(source("import sqlmodel\ne = sqlmodel.create_engine(URL)\n"))
    assert not EngineCreatedPerCall.admits(source("from sqlalchemy.orm import Session\n"), None)


def test_the_project_names_pattern_finds_every_name_and_only_at_a_word_end() -> None:
    from isolint.rules.lifecycle.admission import _trie_pattern

    names = ["engine", "engines", "e", "get_session", "get_sessionmaker", "ReadReplica", "db1"]
    pattern = re.compile(_trie_pattern(names))
    for name in names:
        assert pattern.search(f"from app.db import {name}\n".encode()), name
        assert pattern.search(f"x = app.db.{name}()".encode()), name
    assert not pattern.search(b"get_sessions = 1\nreplica = ReadReplicas\nf(db12, x)\nvalue = none")


def test_outside_production_the_indexer_wants_a_binding_at_module_level() -> None:
    """Only definitions of test and development modules can matter (ISO304 and metric 2 read
    production facts): a test module that only uses sessions inside classes is not indexed."""
    indexer = SessionFactoryIndexer()
    class_only = """
        from sqlalchemy.orm import Session

        class OrderTest(TestBase):
            def test_rollback(self, connection):
                session = Session(connection)
                session.close()
    """
    assert not indexer.admits(source(class_only, "tests/test_orders.py"), None)
    assert indexer.admits(source(class_only, "services/api/app/orders.py"), None)
    for binding in ("engine = create_engine(URL)\n", "db: Session = make()\n", "a, b = pair()\n",
                    "def make_session():\n    return Session(ENGINE)\n", "if TYPE_CHECKING:\n    pass\n",
                    "import os; engine = create_engine(URL)\n"):
        code = "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\n" + binding
        assert indexer.admits(source(code, "tests/helpers.py"), None), binding


@pytest.mark.parametrize(("code", "admitted"), [
    ("from app.core.storage import engine\n", True),
    ("from .storage import reports_engine as reports\n", True),
    ("from app.settings import DB_ENGINE, Settings\n", True),
    ("from sqlalchemy import create_engine\n", True),  # admitted on its own: it may build an engine
    ("from app.search import engines\n", False),  # a collection, not an engine
    ("from app.vehicles import Engine\n", False),  # a class
    ("from app.render import template_engine\n", True),  # named as one: the facts decide nothing alone
])
def test_a_production_module_importing_an_engine_is_indexed_for_iso304(code: str, admitted: bool) -> None:
    """``from app.core.storage import engine``: ISO304 learns from the importer which module the
    rest of a service takes its engine from; outside production code nothing is counted."""
    assert SessionFactoryIndexer().admits(source(code), None) is admitted
    if admitted and "sqlalchemy" not in code:
        assert SessionFactoryIndexer().admits(source(code, "services/api/tests/test_jobs.py"), None) is False


def test_the_facts_keep_imported_engines_and_no_other_import() -> None:
    """An import edit that names no engine changes no fact (every file whose rules read the
    facts would be checked again); one that imports an engine by name is kept for ISO304."""
    body = "\nfrom app.db import SessionLocal\n\ndef rename(user_id):\n    with SessionLocal() as s:\n        s.commit()\n"

    def facts(imports: str):
        parsed = source(imports + body)
        return SessionFactoryIndexer().extract(parsed, ast.parse(parsed.text))

    assert facts("") == facts("import json\nfrom app.util import slugify, Cache\n")
    assert facts("from app.core.storage import engine as main_engine\n")["imported_values"] == ["app.core.storage.engine"]
