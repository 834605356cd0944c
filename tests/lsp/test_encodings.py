"""Positions under each negotiated encoding: ranges, incremental edits and fix edits land on
the right characters of a line holding é, 🎉 and CJK before the finding."""

from __future__ import annotations

import pytest

from tests.lsp.support import apply_text_edits, client_position, profile, start_session, text_at, write_tree

LINE = 'GREETING = "héllo 🎉 中文"; REDIS_HOST = "localhost"\n'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_ranges_edits_and_fixes_under_each_encoding(client, tmp_path, encoding):
    root = write_tree(tmp_path / "repo", {"pyproject.toml": "[tool.isolint]\n", "services/api/app/__init__.py": "",
                                          "services/api/Dockerfile": "FROM python:3.11\n"})
    session = await start_session(client, root, profile("vscode", encodings=[encoding]))
    assert session.encoding == encoding, "the server takes the client's only encoding"
    uri = session.open(root / "services/api/app/config.py", LINE)
    [diagnostic] = await session.diagnostics(uri)
    assert diagnostic.code == "ISO101"
    assert text_at(session.texts[uri], diagnostic.range, encoding) == '"localhost"'

    # An incremental edit right after the emoji, positioned in this encoding's units.
    at = client_position(session.texts[uri], " 中文", encoding)
    version = session.change(uri, (at.line, at.character), (at.line, at.character), "🎉é")
    [moved] = await session.diagnostics(uri, version)
    assert text_at(session.texts[uri], moved.range, encoding) == '"localhost"'

    offered = await session.code_actions(uri, moved.range, [moved])
    fix = await session.resolved(next(a for a in offered if a.title.startswith("Read `REDIS_HOST`")))
    fixed = apply_text_edits(session.texts[uri], session.edits_of(fix.edit, uri), encoding)
    assert fixed == 'import os\nGREETING = "héllo 🎉🎉é 中文"; REDIS_HOST = os.environ["REDIS_HOST"]\n'

    ignore = await session.resolved(next(a for a in offered if a.title == "Ignore ISO101 on this line"))
    ignored = apply_text_edits(session.texts[uri], session.edits_of(ignore.edit, uri), encoding)
    assert ignored == 'GREETING = "héllo 🎉🎉é 中文"; REDIS_HOST = "localhost"  # isolint: ignore[ISO101]\n'
    version = session.apply(uri, session.edits_of(ignore.edit, uri))
    assert await session.diagnostics(uri, version) == []


@pytest.mark.parametrize("name, expected", [("neovim-0.7", "utf-16"), ("neovim", "utf-8"), ("emacs", "utf-32")])
async def test_each_editor_gets_its_preferred_encoding(client, tmp_path, name, expected):
    root = write_tree(tmp_path / "repo", {"pyproject.toml": "[tool.isolint]\n", "services/api/Dockerfile": "FROM x\n",
                                          "services/api/app/__init__.py": ""})
    session = await start_session(client, root, profile(name))
    assert session.encoding == expected
    uri = session.open(root / "services/api/app/config.py", LINE)
    [diagnostic] = await session.diagnostics(uri)
    assert text_at(session.texts[uri], diagnostic.range, expected) == '"localhost"'
