"""Typing into real modules, one keystroke at a time: after every keystroke the diagnostics the
server publishes for that version equal a from-scratch check of the same text.

The server's analysis of a keystroke re-uses the previous text's work — the tree of every
definition the edit is not in (``engine/incremental_parse``) and the answers kept with those
nodes (``core/scratch.SubtreeMemo``) — and its project index holds the facts of the previous
versions until this one's replace them. A from-scratch check here parses the whole text, against
an index of the workspace on disk with the file's facts taken from the same text, in a process
of its own forked for that one text from a test process that has checked nothing (so nothing a
check keeps — memoised answers included — is shared between two texts). Any answer a re-used
piece of work changed shows up as a difference."""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from isolint.api import lint_paths, lint_source
from tests.lsp.support import Session, profile, start_session, units

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Typing:
    """Enter at the end of the line starting with ``after`` (for a header ending in ``(``, of
    the first line of its body), then ``line`` typed one character per change at that line's
    indentation, then the typed line removed in one change (undo) — what a user does."""

    module: str
    after: str
    line: str


WORKSPACES = {
    "monorepo": (ROOT / "examples" / "monorepo", [
        # a function opening a session it does not close (ISO301), a coroutine using a sync one (ISO305)
        Typing("services/backend/app/repositories/users.py", "    user.name = name",
               "other = SessionLocal().get(User, user_id + 1)"),
        Typing("services/backend/app/repositories/users.py", "async def read_user(", "db.commit()"),
        # a message kind added to the catalogue (ISO4xx facts change with the text)
        Typing("services/backend/app/ws/messages.py", '    PING = "ping"', 'RUN_STATUS = "run_status"'),
        # development values (ISO101, ISO102)
        Typing("services/backend/app/config.py", "def smtp_host(", 'url = "http://localhost:8080"'),
        Typing("services/backend/app/core/redis_client.py", "    host = get_env()",
               'port = get_env().get("REDIS_PORT", "6379")'),
    ]),
    "iso3_carriers": (ROOT / "tests" / "fixtures" / "projects" / "iso3_carriers", [
        # calling a function whose decorator opens a sync session, from a coroutine (ISO305)
        Typing("backend/api/app/routes/admin.py", "        return session.get(User, user_id)", "purge_tx()"),
        Typing("backend/api/app/routes/admin.py", "async def purge_user(", "purge_tx()"),
        # a coroutine method reaching a sync session through a repository of ``self`` (ISO308),
        # through an alias too; a class whose attributes (the session-carriers facts) change
        Typing("backend/api/app/routes/recipes.py", "    async def label(", "pages = self.repos.recipes.page(1)"),
        Typing("backend/api/app/routes/recipes.py", "    async def label(", "recipes = self.repos.recipes"),
        Typing("backend/api/app/services/recipes.py", "        self.repos = repos", "self.session = repos.session"),
    ]),
}


_CLOSERS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'"}


def _typed(line: str) -> list[tuple[int, str]]:
    """The insertions (column, text) that type ``line`` as an editor does: an opening bracket or
    quote brings its closer, and typing the closer steps over it (no change is sent)."""
    buffer, cursor, insertions = "", 0, []
    for char in line:
        if cursor < len(buffer) and buffer[cursor] == char and char in _CLOSERS.values():
            cursor += 1
            continue
        inserted = char + _CLOSERS.get(char, "")
        insertions.append((cursor, inserted))
        buffer = buffer[:cursor] + inserted + buffer[cursor:]
        cursor += 1
    assert buffer == line, (buffer, line)
    return insertions


def _anchor(lines: list[str], after: str) -> int:
    index = next(i for i, line in enumerate(lines) if line.startswith(after))
    if after.endswith("("):
        while not lines[index].rstrip().endswith(":"):
            index += 1
        index += 1
    return index


def _fresh(text: str, path: Path, project, encoding: str) -> list[tuple] | None:
    """A from-scratch check of ``text`` as the file at ``path`` — the whole text parsed, in this
    process, the file's facts in ``project`` replaced by the text's, as the server's are — in
    the client's terms (an empty range widened by one character, as the server documents);
    None when the text does not parse."""
    result = lint_source(text, path, project=project)
    if result.parse_error is not None:
        return None
    lines = text.split("\n")
    found = []
    for finding in result.findings:
        (l1, c1), (l2, c2) = ((finding.range.start.line, finding.range.start.column),
                              (finding.range.end.line, finding.range.end.column))
        if (l1, c1) == (l2, c2) and l1 < len(lines):
            if c1 < len(lines[l1]):
                c2 = c1 + 1
            elif c1 > 0:
                c1 -= 1
        found.append((finding.code, l1, units(lines[l1][:c1], encoding), l2, units(lines[l2][:c2], encoding),
                      finding.message))
    return sorted(found)


#: the workspace's index for the forked checks (inherited, never written in the test process)
_PROJECT = None


def _fresh_in_child(text: str, path: Path, encoding: str) -> list[tuple] | None:
    return _fresh(text, path, _PROJECT, encoding)


def _published(diagnostics) -> list[tuple]:
    return sorted((d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                   d.message) for d in diagnostics)


async def _settled(session: Session, uri: str, expected: list[tuple]) -> list[tuple]:
    """The latest diagnostics once they equal ``expected``, or after 30 s: the workspace's
    indexing may publish the opened document again with the other files' facts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        got = _published((await session.published(uri, session.versions[uri])).diagnostics)
        latest = session.recorded.published.get(uri, [])
        if latest:
            got = _published(latest[-1].diagnostics)
        if got == expected or loop.time() > deadline:
            return got
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("name", sorted(WORKSPACES))
async def test_every_keystroke_publishes_what_a_fresh_check_reports(client, tmp_path: Path, name: str):
    source, typings = WORKSPACES[name]
    root = shutil.copytree(source, tmp_path / name)
    global _PROJECT
    _PROJECT = next(iter(lint_paths([root], jobs=1).projects.values()))
    # a new process per check, forked from this one (which checks nothing itself)
    with multiprocessing.get_context("fork").Pool(1, maxtasksperchild=1) as fresh_checks:
        await _type_and_compare(client, root, typings, lambda text, path, encoding: fresh_checks.apply(
            _fresh_in_child, (text, path, encoding)))


async def _type_and_compare(client, root: Path, typings: list[Typing], fresh) -> None:
    session = await start_session(client, root, profile("neovim-0.7"))  # push diagnostics
    opened: dict[str, str] = {}
    keystrokes = compared = 0
    for typing in typings:
        path = root / typing.module
        if typing.module not in opened:
            uri = opened[typing.module] = session.open(path)
            expected = fresh(session.texts[uri], path, session.encoding)
            assert await _settled(session, uri, expected) == expected, f"{typing.module} as opened"
        uri = opened[typing.module]
        lines = session.texts[uri].split("\n")
        anchor = _anchor(lines, typing.after)
        indent = lines[anchor][:len(lines[anchor]) - len(lines[anchor].lstrip())]
        end = units(lines[anchor], session.encoding)
        changes = [((anchor, end), (anchor, end), "\n" + indent)]
        changes += [((anchor + 1, len(indent) + column),) * 2 + (inserted,)
                    for column, inserted in _typed(typing.line)]
        changes.append(((anchor, end), (anchor + 1, len(indent) + len(typing.line)), ""))
        keystrokes += len(changes)
        for start, stop, new_text in changes:
            version = session.change(uri, start, stop, new_text)
            published = _published((await session.published(uri, version)).diagnostics)
            text = session.texts[uri]
            checked = fresh(text, path, session.encoding)
            if checked is None:  # a half-typed line: the last good findings are shown (tests/lsp/test_editing.py)
                continue
            assert published == checked, (f"{typing.module} v{version} after typing "
                                        f"{text.split(chr(10))[anchor + 1]!r}: server and a fresh check differ")
            compared += 1
    assert compared >= keystrokes // 2, "most texts parse and were compared"
