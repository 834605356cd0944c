"""An editor's text that libcst would take minutes to parse (a 3.12 f-string holding a huge
operator chain: its time grows with the cube of the chain, holding the GIL) gets a clear ISO001
at once, and the server still answers ``shutdown`` — over stdio against the real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.support import SERVER_COMMAND, TIMEOUT, make_client, profile, start_session, write_tree
from tests.robustness.hostile import fstring_operator_chain

CHAIN_MODULE = "services/api/app/chain.py"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "shop", {
        "pyproject.toml": "[project]\nname = 'shop'\n\n[tool.isolint]\n",
        "services/api/Dockerfile": "FROM python:3.11-slim\n",
        "services/api/app/__init__.py": "",
        "services/api/app/chain.py": "",
    })


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    yield  # each test shuts the server down itself: that it answers is what they check


async def test_the_file_is_reported_with_the_reason_and_shutdown_is_answered(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / CHAIN_MODULE, fstring_operator_chain())
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["ISO001"]
    assert "more than 1,500 tokens without a comma" in diagnostics[0].message
    assert diagnostics[0].range.start.line == 1
    await asyncio.wait_for(client.shutdown_session(), TIMEOUT)


async def test_shutdown_right_after_opening_the_file_is_answered(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    session.open(workspace / CHAIN_MODULE, fstring_operator_chain())
    # the timeout only guards against a hang (before the bound: minutes)
    await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
