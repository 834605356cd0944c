"""Hover shows the rule's documentation; commands apply fixes and describe the server's view."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from lsprotocol import types

from tests.lsp.conftest import TEST_MODULE
from tests.lsp.support import apply_text_edits, profile, start_session, write_tree


async def _hover(client, uri, line, character):
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))


async def test_hover_on_a_finding_and_on_an_ignore_comment(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    text = (workspace / TEST_MODULE).read_text() + '\n\ndef test_other():\n    x = 1  # isolint: ignore[ISO501, ISO502]\n'
    uri = session.open(workspace / TEST_MODULE, text)
    diagnostics = await session.diagnostics(uri)
    assert sorted(d.code for d in diagnostics) == ["ISO003", "ISO502"]
    # the ignore comment on the last line silences nothing, so ISO003 reports it there
    assert [d.range.start.line for d in diagnostics if d.code == "ISO003"] == [len(text.splitlines()) - 1]
    [diagnostic] = [d for d in diagnostics if d.code == "ISO502"]
    hover = await _hover(client, uri, diagnostic.range.start.line, diagnostic.range.start.character + 3)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("### ISO502 `environ-mutation-in-test`")
    assert "## Why is this bad?" in hover.contents.value
    line = text.splitlines()[-1]
    on_code = await _hover(client, uri, len(text.splitlines()) - 1, line.index("ISO501") + 2)
    assert on_code.contents.value.startswith("### ISO501") and "ISO502" not in on_code.contents.value
    on_directive = await _hover(client, uri, len(text.splitlines()) - 1, line.index("isolint:") + 1)
    assert "ISO501" in on_directive.contents.value and "ISO502" in on_directive.contents.value
    assert await _hover(client, uri, 0, 0) is None


async def test_apply_fix_and_fix_all_commands(client, tmp_path):
    root = write_tree(tmp_path / "repo", {
        "pyproject.toml": "[tool.isolint]\n", "services/api/Dockerfile": "FROM x\n",
        "services/api/app/repo.py": """
            from sqlalchemy.ext.asyncio import AsyncSession


            async def save(session: AsyncSession, item):
                session.add(item)
                session.commit()


            async def drop(session: AsyncSession, item):
                await session.delete(item)
                session.flush()
            """,
    })
    session = await start_session(client, root, profile("vscode"))
    uri = session.open(root / "services/api/app/repo.py")
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["ISO306", "ISO306"]
    offered = await session.code_actions(uri, diagnostics[0].range, [diagnostics[0]])
    assert offered[0].title == "Add `await`" and offered[0].is_preferred
    fix_all = await session.code_actions(uri, diagnostics[0].range, only=["source.fixAll"])
    assert [a.kind for a in fix_all] == ["source.fixAll.isolint"]
    resolved = await session.resolved(fix_all[0])
    fixed = apply_text_edits(session.texts[uri], session.edits_of(resolved.edit, uri), session.encoding)
    assert "    await session.commit()" in fixed and "    await session.flush()" in fixed

    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="isolint.applyFix", arguments=[diagnostics[1].data]))
    assert result == {"applied": True}
    [edit] = session.recorded.applied_edits
    assert "await session.flush()" in apply_text_edits(session.texts[uri], session.edits_of(edit, uri), "utf-16")
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="isolint.fixAll", arguments=[uri]))
    assert result == {"applied": True} and len(session.recorded.applied_edits) == 2


async def test_show_debug_info(client, workspace):
    session = await start_session(client, workspace, profile("emacs"))
    uri = session.open(workspace / TEST_MODULE)
    await session.diagnostics(uri)
    info = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="isolint.showDebugInfo", arguments=[uri]))
    assert "isolint 0." in info and "utf-32" in info and "push" in info
    assert f"config file: {workspace / 'pyproject.toml'}" in info
    assert "zone: test" in info and "service: api" in info


async def test_tcp_binds_loopback_by_default(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(sys.executable, "-m", "isolint", "server", "--tcp", "--port", str(port),
                                                  stderr=asyncio.subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the server did not listen")
        body = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"processId":null}}'
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        header = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        reply = await reader.readexactly(length)
        assert b'"name": "isolint"' in reply or b'"name":"isolint"' in reply
        listening = _listening_addresses(port)
        if listening is not None:
            assert listening == {"127.0.0.1"}, listening
        writer.close()
    finally:
        server.kill()
        await server.wait()


def _listening_addresses(port: int) -> set[str] | None:
    """IPv4 addresses listening on ``port`` (Linux /proc); None elsewhere."""
    try:
        rows = Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return None
    found = set()
    for row in rows:
        local, state = row.split()[1], row.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found
