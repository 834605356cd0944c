"""Quick fixes, ignore comments, fix-all: offered from the findings the server holds, resolved
lazily for clients that can (VS Code, Neovim) and inline for those that cannot (eglot)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.lsp.conftest import TEST_MODULE
from tests.lsp.support import apply_text_edits, profile, start_session, write_tree

FIX_ALL = "source.fixAll.isolint"


async def _actions_for_first(session, uri, only=None):
    diagnostics = await session.diagnostics(uri)
    diagnostic = diagnostics[0]
    return diagnostic, await session.code_actions(uri, diagnostic.range, [diagnostic], only)


@pytest.mark.parametrize("name", ["vscode", "neovim", "emacs"])
async def test_an_unsafe_fix_says_so_and_applies(client, workspace, name):
    session = await start_session(client, workspace, profile(name))
    uri = session.open(workspace / TEST_MODULE)
    _, offered = await _actions_for_first(session, uri)
    titles = [a.title for a in offered]
    assert titles == ["Use `monkeypatch.setenv` (unsafe)", "Ignore ISO502 on this line"]
    fix = offered[0]
    assert fix.kind == types.CodeActionKind.QuickFix and not fix.is_preferred
    assert fix.diagnostics[0].code == "ISO502"
    lazy = name != "emacs"
    assert (fix.edit is None) == lazy, "edits are resolved lazily exactly when the client can"
    resolved = await session.resolved(fix)
    fixed = apply_text_edits(session.texts[uri], session.edits_of(resolved.edit, uri), session.encoding)
    assert "def test_redis_host(monkeypatch):" in fixed
    assert 'monkeypatch.setenv("REDIS_HOST", "cache.internal")' in fixed
    version = session.apply(uri, session.edits_of(resolved.edit, uri))
    assert session.texts[uri] == fixed
    assert await session.diagnostics(uri, version) == []


async def test_ignore_comment_silences_the_line(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    _, offered = await _actions_for_first(session, uri)
    ignore = await session.resolved(offered[1])
    version = session.apply(uri, session.edits_of(ignore.edit, uri))
    assert 'os.environ["REDIS_HOST"] = "cache.internal"  # isolint: ignore[ISO502]' in session.texts[uri]
    assert await session.diagnostics(uri, version) == []


async def test_ignore_merges_into_an_existing_directive(client, tmp_path):
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/tests/test_env.py": """
            import os


            def test_env():
                os.environ["A"] = "1"  # keep the comment  # isolint: ignore[ISO003]
            """,
    })
    session = await start_session(client, root, profile("emacs"))
    uri = session.open(root / "services/api/tests/test_env.py")
    _, offered = await _actions_for_first(session, uri, only=[types.CodeActionKind.QuickFix])
    ignore = next(a for a in offered if a.title == "Ignore ISO502 on this line")
    version = session.apply(uri, session.edits_of(ignore.edit, uri))
    assert '# keep the comment  # isolint: ignore[ISO003, ISO502]' in session.texts[uri]
    assert await session.diagnostics(uri, version) == []


async def test_no_ignore_comment_inside_a_string(client, tmp_path):
    """A finding whose line ends inside a triple-quoted string gets no ignore action: a comment
    there would become part of the string."""
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/api/tests/test_env.py": '''
            import os


            def test_env():
                os.environ["A"] = """first
            second"""
            ''',
    })
    session = await start_session(client, root, profile("emacs"))
    uri = session.open(root / "services/api/tests/test_env.py")
    _, offered = await _actions_for_first(session, uri)
    assert [a.title for a in offered] == ["Use `monkeypatch.setenv` (unsafe)"]


async def test_context_only_is_honoured(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    _, quick = await _actions_for_first(session, uri, only=[types.CodeActionKind.QuickFix])
    assert {a.kind for a in quick} == {types.CodeActionKind.QuickFix}
    _, source = await _actions_for_first(session, uri, only=[types.CodeActionKind.Source])
    assert source == [], "no safe fix in the file, so no fix-all either"
    _, refactor = await _actions_for_first(session, uri, only=[types.CodeActionKind.Refactor])
    assert refactor == []


async def test_actions_need_no_context_diagnostics(client, workspace):
    """Some clients send no diagnostics in the context; the server answers from its own."""
    session = await start_session(client, workspace, profile("neovim-0.7"))
    uri = session.open(workspace / TEST_MODULE)
    diagnostic = (await session.diagnostics(uri))[0]
    cursor = types.Range(start=diagnostic.range.start, end=diagnostic.range.start)
    offered = await session.code_actions(uri, cursor)
    assert "Ignore ISO502 on this line" in [a.title for a in offered]
    elsewhere = await session.code_actions(uri, types.Range(start=types.Position(line=0, character=0),
                                                            end=types.Position(line=0, character=0)))
    assert elsewhere == []


async def test_resolve_after_the_text_moved_finds_the_finding_again(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    _, offered = await _actions_for_first(session, uri)
    version = session.change(uri, (0, 0), (0, 0), "# a new first line\n")
    await session.diagnostics(uri, version)
    resolved = await session.resolved(offered[1])
    edits = session.edits_of(resolved.edit, uri)
    assert edits and edits[0].range.start.line == 5, "the ignore comment goes on the finding's new line"
