"""The ISO3xx fixes: exact output, formatting and comments kept, and — run for real — the
same behaviour on the success path, with the cleanup now also on the error path."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from isolint.api import fix_source, lint_source
from isolint.core.config import Settings
from isolint.core.model import Applicability

ROOT = Path("/isolint-fixture-root")
PATH = ROOT / "services/api/app/repositories/users.py"


def fix(code: str, unsafe: bool = False, select: str = "ISO3") -> str:
    settings = Settings(root=ROOT).with_overrides({"select": [select]})
    return fix_source(textwrap.dedent(code), PATH, settings, unsafe=unsafe).text


def findings(code: str, select: str = "ISO3"):
    settings = Settings(root=ROOT).with_overrides({"select": [select]})
    return lint_source(textwrap.dedent(code), PATH, settings).findings


HEADER = "from app.db import SessionLocal\n\n\n"


def test_wrap_reindents_the_block_keeps_comments_and_drops_the_close() -> None:
    before = HEADER + textwrap.dedent("""\
        def rename(user_id, name):
            # load and rename
            session = SessionLocal()  # one unit of work
            user = session.get(User, user_id)
            if user is not None:
                user.name = name  # keep me

            session.commit()
            # closing
            session.close()
            return user
        """)
    assert fix(before) == HEADER + textwrap.dedent("""\
        def rename(user_id, name):
            # load and rename
            with SessionLocal() as session:  # one unit of work
                user = session.get(User, user_id)
                if user is not None:
                    user.name = name  # keep me

                session.commit()
                # closing
            return user
        """)


def test_async_session_gets_async_with() -> None:
    before = "from app.db import AsyncSessionLocal\n\n\n" + textwrap.dedent("""\
        async def deactivate(user_id):
            session = AsyncSessionLocal()
            await session.execute(text("UPDATE users SET active = false"))
            await session.commit()
            await session.close()
        """)
    assert fix(before).endswith(textwrap.dedent("""\
        async def deactivate(user_id):
            async with AsyncSessionLocal() as session:
                await session.execute(text("UPDATE users SET active = false"))
                await session.commit()
        """))


def test_never_closed_session_is_an_unsafe_fix_only() -> None:
    code = HEADER + "def count():\n    session = SessionLocal()\n    return session.query(User).count()\n"
    (finding,) = findings(code)
    assert finding.fix.applicability is Applicability.UNSAFE
    assert fix(code) == code
    assert fix(code, unsafe=True).endswith(
        "def count():\n    with SessionLocal() as session:\n        return session.query(User).count()\n")


def test_session_used_after_the_close_gets_no_fix() -> None:
    code = HEADER + textwrap.dedent("""\
        def leaky():
            session = SessionLocal()
            session.commit()
            session.close()
            session.expunge_all()
        """)
    (finding,) = findings(code)
    assert finding.fix is None


def test_close_in_another_block_gets_no_fix() -> None:
    code = HEADER + textwrap.dedent("""\
        def branchy(flag):
            session = SessionLocal()
            session.commit()
            if flag:
                session.close()
        """)
    (finding,) = findings(code)
    assert finding.fix is None


def test_driver_connection_moves_its_close_into_finally() -> None:
    before = "import psycopg2\n\n\n" + textwrap.dedent("""\
        def export(dsn):
            conn = psycopg2.connect(dsn)
            rows = conn.cursor().execute("SELECT 1")
            conn.close()
            return rows
        """)
    assert fix(before) == "import psycopg2\n\n\n" + textwrap.dedent("""\
        def export(dsn):
            conn = psycopg2.connect(dsn)
            try:
                rows = conn.cursor().execute("SELECT 1")
            finally:
                conn.close()
            return rows
        """)


def test_missing_await_is_added_with_parentheses_when_the_result_is_used() -> None:
    before = "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n" + textwrap.dedent("""\
        async def first(session: AsyncSession):
            session.commit()
            return session.scalars(select(User)).first()
        """)
    assert fix(before, unsafe=True).endswith(textwrap.dedent("""\
        async def first(session: AsyncSession):
            await session.commit()
            return (await session.scalars(select(User))).first()
        """))


def test_crlf_files_keep_their_line_endings() -> None:
    before = (HEADER + "def f():\n    s = SessionLocal()\n    s.commit()\n    s.close()\n").replace("\n", "\r\n")
    after = fix(before)
    assert after.endswith("def f():\r\n    with SessionLocal() as s:\r\n        s.commit()\r\n")
    assert "\n" not in after.replace("\r\n", "")


RECORDING_SESSION = textwrap.dedent("""\
    events = []


    class SessionLocal:
        def __enter__(self):
            events.append("enter")
            return self

        def __exit__(self, *exc):
            self.close()

        def commit(self):
            events.append("commit")

        def close(self):
            events.append("close")
    """)

LEAKY = textwrap.dedent("""\
    def work(fail):
        session = SessionLocal()
        events.append("body")
        if fail:
            raise RuntimeError("boom")
        session.commit()
        session.close()
    """)


def run(module_code: str, fail: bool) -> list[str]:
    namespace: dict = {}
    exec(compile(RECORDING_SESSION + module_code, "<fixture>", "exec"), namespace)  # test-only code
    try:
        namespace["work"](fail)
    except RuntimeError:
        pass
    return [event for event in namespace["events"] if event != "enter"]


def test_wrapped_code_behaves_the_same_and_now_closes_on_error() -> None:
    fixed = fix(HEADER + LEAKY).removeprefix(HEADER)
    ast.parse(fixed)
    assert "with SessionLocal() as session:" in fixed
    assert run(fixed, fail=False) == run(LEAKY, fail=False) == ["body", "commit", "close"]
    assert run(LEAKY, fail=True) == ["body"]
    assert run(fixed, fail=True) == ["body", "close"]


@pytest.mark.parametrize("keyword", ["with", "async with"])
def test_fix_titles_name_the_keyword(keyword: str) -> None:
    factory = "SessionLocal" if keyword == "with" else "AsyncSessionLocal"
    prefix = "async " if keyword == "async with" else ""
    await_ = "await " if keyword == "async with" else ""
    code = (f"from app.db import {factory}\n\n\n{prefix}def f():\n    s = {factory}()\n"
            f"    {await_}s.commit()\n    {await_}s.close()\n")
    (finding,) = findings(code, select="ISO301")
    assert finding.fix.title == f"Use `{keyword} … as s:`"
    assert finding.fix.applicability is Applicability.SAFE
