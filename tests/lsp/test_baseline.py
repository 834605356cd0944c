"""The `baseline` setting in the editor: findings the baseline accepts are shown as hints by
default, hidden or shown as they are per `baselinedFindings`; new ones keep their severity."""

from __future__ import annotations

import asyncio
import json

from lsprotocol import types

from isolint.api import lint_paths, write_run_baseline
from tests.lsp.conftest import TEST_MODULE
from tests.lsp.support import profile, start_session, uri_of


def _adopt_baseline(workspace) -> None:
    write_run_baseline(lint_paths([workspace]), workspace / "isolint-baseline.json")
    config = workspace / "pyproject.toml"
    config.write_text(config.read_text() + 'baseline = "isolint-baseline.json"\n', encoding="utf-8")


async def test_baselined_findings_are_hints_and_new_ones_are_not(client, workspace):
    _adopt_baseline(workspace)
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    [baselined] = await session.diagnostics(uri)
    assert baselined.code == "ISO502" and baselined.severity == types.DiagnosticSeverity.Hint
    line = len(session.texts[uri].splitlines())
    version = session.change(uri, (line, 0), (line, 0),
                             '\n\ndef test_other():\n    os.environ["A"] = "1"\n')
    await session.diagnostics(uri, version)
    # the server may first republish the old diagnostics moved to the new version, then the check's
    expected = [(4, types.DiagnosticSeverity.Hint), (line + 3, types.DiagnosticSeverity.Warning)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        latest = session.recorded.published[uri][-1].diagnostics
        found = sorted((d.range.start.line, d.severity) for d in latest if d.code == "ISO502")
        if found == expected or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert found == expected


async def test_hide_and_show(client, workspace):
    _adopt_baseline(workspace)
    session = await start_session(client, workspace, profile("emacs"),
                                  initialization_options={"baselinedFindings": "hide"})
    uri = session.open(workspace / TEST_MODULE)
    assert list((await session.published(uri, 1)).diagnostics) == []


async def test_show(client, workspace):
    _adopt_baseline(workspace)
    session = await start_session(client, workspace, profile("emacs"),
                                  initialization_options={"baselinedFindings": "show"})
    uri = session.open(workspace / TEST_MODULE)
    [shown] = (await session.published(uri, 1)).diagnostics
    assert shown.severity == types.DiagnosticSeverity.Warning


async def test_a_baseline_rewritten_on_disk_applies_to_open_documents(client, workspace):
    """`isolint check --write-baseline` run while files are open: the client watches the
    baseline for the server, and the open documents are checked against the new one."""
    _adopt_baseline(workspace)
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    [baselined] = await session.diagnostics(uri)
    assert baselined.severity == types.DiagnosticSeverity.Hint
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not any(r.id == "isolint-baseline-files" for r in session.recorded.registrations) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    [registration] = [r for r in session.recorded.registrations if r.id == "isolint-baseline-files"]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert [w["globPattern"] for w in registration.register_options["watchers"]] == ["**/isolint-baseline.json"]
    # The baseline is rewritten without the test module's finding.
    baseline = workspace / "isolint-baseline.json"
    data = json.loads(baseline.read_text(encoding="utf-8"))
    data["findings"] = [entry for entry in data["findings"] if entry["path"] != TEST_MODULE]
    data["total"] = len(data["findings"])
    baseline.write_text(json.dumps(data), encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=uri_of(baseline), type=types.FileChangeType.Changed)]))
    deadline = loop.time() + 10
    while loop.time() < deadline:
        latest = session.recorded.published[uri][-1].diagnostics
        if [(d.code, d.severity) for d in latest] == [("ISO502", types.DiagnosticSeverity.Warning)]:
            break
        await asyncio.sleep(0.05)
    assert [(d.code, d.severity) for d in latest] == [("ISO502", types.DiagnosticSeverity.Warning)]
    assert session.versions[uri] == 1, "no edit was needed"
