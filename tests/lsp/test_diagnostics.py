"""Push and pull diagnostics, for Python, dotenv and TypeScript documents, under the client
profiles of VS Code, Neovim and Emacs."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.lsp.conftest import TEST_MODULE, WORKSPACE
from tests.lsp.support import profile, start_session, text_at, uri_of

PROFILES = ["vscode", "vscode-pull", "neovim-0.7", "neovim", "emacs"]


@pytest.mark.parametrize("name", PROFILES)
async def test_a_finding_arrives_with_everything_a_client_needs(client, workspace, name):
    session = await start_session(client, workspace, profile(name))
    uri = session.open(workspace / TEST_MODULE)
    diagnostics = await session.diagnostics(uri)
    assert [d.code for d in diagnostics] == ["ISO502"]
    diagnostic = diagnostics[0]
    assert diagnostic.source == "isolint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description.href.endswith("docs/rules/ISO502.md")
    assert text_at(session.texts[uri], diagnostic.range, session.encoding) == 'os.environ["REDIS_HOST"] = "cache.internal"'
    finding = diagnostic.data["finding"]
    assert finding["code"] == "ISO502" and finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"], "the fix descriptor travels with the diagnostic"


async def test_push_carries_the_version_and_follows_edits(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    first = await session.published(uri, 1)
    assert first.version == 1 and len(first.diagnostics) == 1
    # Two lines inserted above: the finding moves down with them.
    version = session.change(uri, (0, 0), (0, 0), "# setup\n# more\n")
    moved = await session.published(uri, version)
    assert [d.range.start.line for d in moved.diagnostics] == [first.diagnostics[0].range.start.line + 2]
    # Fixing the code by hand clears it.
    position = session.texts[uri].index('os.environ["REDIS_HOST"] =')
    line = session.texts[uri][:position].count("\n")
    version = session.change(uri, (line, 4), (line, 47), 'print("no leak")')
    assert list((await session.published(uri, version)).diagnostics) == []


async def test_close_clears_the_diagnostics(client, workspace):
    session = await start_session(client, workspace, profile("emacs"))
    uri = session.open(workspace / TEST_MODULE)
    assert (await session.published(uri, 1)).diagnostics
    session.close(uri)
    for _ in range(100):
        latest = session.recorded.published[uri][-1]
        if latest.version is None:
            break
        await asyncio.sleep(0.05)
    assert list(latest.diagnostics) == [] and latest.version is None


async def test_pull_answers_unchanged_while_nothing_changed(client, workspace):
    session = await start_session(client, workspace, profile("vscode-pull"))
    uri = session.open(workspace / TEST_MODULE)
    identifier = types.TextDocumentIdentifier(uri=uri)
    first = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    assert first.kind == "full" and [d.code for d in first.items] == ["ISO502"] and first.result_id
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id))
    assert again.kind == "unchanged" and again.result_id == first.result_id
    session.change(uri, (0, 0), (0, 0), "\n")  # the finding moves: a full report again
    moved = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier, previous_result_id=first.result_id))
    assert moved.kind == "full" and moved.items[0].range.start.line == first.items[0].range.start.line + 1
    assert session.recorded.published.get(uri) is None, "a pull client is never pushed to"


async def test_workspace_diagnostics_cover_closed_files_with_progress(client, workspace):
    session = await start_session(client, workspace, profile("vscode-pull"))
    token = "workspace-check"
    client.progress_reports[token] = []  # a client-chosen token needs no window/workDoneProgress/create
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[], work_done_token=token))
    by_uri = {item.uri: item for item in report.items}
    test_module = by_uri[uri_of(workspace / TEST_MODULE)]
    assert [d.code for d in test_module.items] == ["ISO502"]
    assert by_uri[uri_of(workspace / "services/api/tests/integration/test_checkout.py")].items[0].code == "ISO503"
    assert list(by_uri[uri_of(workspace / "services/api/app/config.py")].items) == []
    kinds = [value.kind for value in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    # Asked again with the result ids it holds, the client hears "unchanged" for every file.
    previous = [types.PreviousResultId(uri=item.uri, value=item.result_id) for item in report.items]
    again = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=previous))
    assert {item.kind for item in again.items} == {"unchanged"}
    assert session.pull


async def test_workspace_diagnostics_stream_partial_results(client, workspace):
    session = await start_session(client, workspace, profile("vscode-pull"))
    report = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[], partial_result_token="partial"))
    streamed = {item["uri"]: item for value in session.recorded.partial_results["partial"] for item in value["items"]}
    assert [d["code"] for d in streamed[uri_of(workspace / TEST_MODULE)]["items"]] == ["ISO502"]
    assert len(streamed) == sum(1 for path in WORKSPACE if not path.endswith("Dockerfile"))
    assert list(report.items) == [], "everything was streamed"
