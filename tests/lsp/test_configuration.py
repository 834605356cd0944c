"""Configuration: ``[tool.isolint]`` per workspace folder, reloaded when it changes on disk;
a broken config shown where it is broken while the last good settings stay in force; editor
settings from initializationOptions and ``workspace/configuration``."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.lsp.conftest import TEST_MODULE, WORKSPACE
from tests.lsp.support import profile, start_session, uri_of, write_tree


def _watched(session, path, kind=types.FileChangeType.Changed) -> None:
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=uri_of(path), type=kind)]))


async def _eventually(check, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(0.05)


async def test_watchers_are_registered_dynamically(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    assert await _eventually(lambda: session.recorded.registrations)
    [registration] = session.recorded.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = {watcher["globPattern"] for watcher in registration.register_options["watchers"]}
    assert "**/pyproject.toml" in globs and "**/isolint.toml" in globs


async def test_a_changed_config_applies_without_restart(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    assert [d.code for d in (await session.published(uri, 1)).diagnostics] == ["ISO502"]
    (workspace / "pyproject.toml").write_text('[tool.isolint]\nignore = ["ISO502"]\n', encoding="utf-8")
    count = len(session.recorded.published[uri])
    _watched(session, workspace / "pyproject.toml")
    assert await _eventually(lambda: len(session.recorded.published[uri]) > count)
    assert list(session.recorded.published[uri][-1].diagnostics) == []


async def test_a_broken_config_is_shown_at_its_line_and_the_last_good_one_stays(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    await session.published(uri, 1)
    config = workspace / "pyproject.toml"
    config.write_text('[project]\nname = "shop"\n\n[tool.isolint]\nignore = ["ISO502"]\n', encoding="utf-8")
    _watched(session, config)
    assert await _eventually(lambda: list(session.recorded.published[uri][-1].diagnostics) == [])
    # A typo: the option is unknown. The last good settings (ignore ISO502) stay in force.
    config.write_text('[project]\nname = "shop"\n\n[tool.isolint]\nignor = ["ISO5"]\n', encoding="utf-8")
    _watched(session, config)
    config_uri = uri_of(config)
    assert await _eventually(lambda: session.recorded.published.get(config_uri))
    [problem] = session.recorded.published[config_uri][-1].diagnostics
    assert problem.range.start.line == 4 and problem.severity == types.DiagnosticSeverity.Error
    assert "ignor" in problem.message and "did you mean `ignore`" in problem.message
    # the message follows the diagnostics in a separate write: wait for it, do not assume it came along
    assert await _eventually(lambda: any("ignor" in m.message for m in client.messages)), "the user is told once, too"
    assert list(session.recorded.published[uri][-1].diagnostics) == [], "linting continues with the last good settings"
    # TOML that does not parse points at the parser's line.
    config.write_text('[tool.isolint]\nselect = ["ISO5"\n', encoding="utf-8")
    _watched(session, config)
    assert await _eventually(lambda: "TOML" in session.recorded.published[config_uri][-1].diagnostics[0].message
                             if session.recorded.published[config_uri][-1].diagnostics else False)
    # Repaired: the problem goes away and the new settings apply.
    config.write_text('[tool.isolint]\nselect = ["ISO1"]\n', encoding="utf-8")
    _watched(session, config)
    assert await _eventually(lambda: list(session.recorded.published[config_uri][-1].diagnostics) == [])


async def test_initialization_options_and_bad_values(client, workspace):
    session = await start_session(client, workspace, profile("emacs"), initialization_options={
        "settings": {"ignore": ["ISO502"], "select": "ISO5", "run": "sometimes", "interpreter": ["/usr/bin/python3"]}})
    uri = session.open(workspace / TEST_MODULE)
    assert list((await session.published(uri, 1)).diagnostics) == []
    shown = " ".join(m.message for m in client.messages)
    assert "isolint.select" in shown and "isolint.run" in shown and "interpreter" not in shown


async def test_workspace_configuration_on_did_change_configuration(client, workspace):
    client.set_configuration({"isolint": {"extendSelect": [], "ignore": []}})
    session = await start_session(client, workspace, profile("vscode-pull"))
    uri = session.open(workspace / TEST_MODULE)
    assert [d.code for d in await session.diagnostics(uri)] == ["ISO502"]
    client.set_configuration({"isolint": {"ignore": ["ISO502"]}})
    refreshes = client.diagnostic_refresh_count
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await _eventually(lambda: client.diagnostic_refresh_count > refreshes), "pull clients are told to re-pull"
    # the refresh seen may be an earlier one (indexing ending): re-pull on each refresh until the new settings show
    pulled = await session.diagnostics(uri)
    for _ in range(5):
        if pulled == []:
            break
        seen = client.diagnostic_refresh_count
        await _eventually(lambda: client.diagnostic_refresh_count > seen)
        pulled = await session.diagnostics(uri)
    assert pulled == []


async def test_multi_root_folders_keep_their_own_config(client, tmp_path):
    quiet = dict(WORKSPACE, **{"pyproject.toml": '[tool.isolint]\nignore = ["ISO502"]\n'})
    first = write_tree(tmp_path / "first", WORKSPACE)
    second = write_tree(tmp_path / "second", quiet)
    third = write_tree(tmp_path / "third", WORKSPACE)
    client.set_configuration({"isolint": {"ignore": ["ISO502"]}}, scope_uri=uri_of(third))
    session = await start_session(client, first, profile("vscode"), folders=[first, second, third])
    loud = session.open(first / TEST_MODULE)
    silenced = session.open(second / TEST_MODULE)
    by_editor = session.open(third / TEST_MODULE)
    assert [d.code for d in await session.diagnostics(loud)] == ["ISO502"]
    assert await session.diagnostics(silenced) == []
    await session.published(by_editor, 1)
    assert await _eventually(lambda: list(session.recorded.published[by_editor][-1].diagnostics) == []), \
        "the folder's own editor settings (workspace/configuration scoped to it) apply"


async def _round_trip(client, uri: str) -> None:
    """A request answered after every message sent before it was handled."""
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)))


async def test_run_on_save(client, workspace):
    session = await start_session(client, workspace, profile("vscode"), initialization_options={"run": "onSave"})
    uri = session.open(workspace / TEST_MODULE)
    assert (await session.published(uri, 1)).diagnostics
    version = session.change(uri, (0, 0), (0, 0), "import sys\n")
    await _round_trip(client, uri)  # the change has been handled: a check would be scheduled by now
    assert all(p.version != version for p in session.recorded.published[uri]), "no check while typing"
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    saved = await session.published(uri, version)
    assert saved.diagnostics[0].range.start.line == 5


async def test_disabled(client, workspace):
    session = await start_session(client, workspace, profile("vscode"), initialization_options={"enable": False})
    uri = session.open(workspace / TEST_MODULE)
    assert list((await session.published(uri, 1)).diagnostics) == []


async def test_a_module_created_in_another_service_is_resolved_after_the_watcher_says_so(client, tmp_path):
    """Import resolution caches what exists on disk; a Created event must refresh it, or a
    cross-service import written before its target existed would stay quiet forever."""
    root = write_tree(tmp_path / "mono", {
        "pyproject.toml": "[tool.isolint]\n",
        "services/billing/Dockerfile": "FROM python:3.11\n",
        "services/billing/app/__init__.py": "",
        "services/auth/Dockerfile": "FROM python:3.11\n",
        "services/auth/main.py": "",
    })
    main = root / "services/billing/app/main.py"
    text = "from services.auth.app.tokens import issue\n\nTOKEN = issue\n"
    main.write_text(text, encoding="utf-8")
    session = await start_session(client, root, profile("vscode"))
    uri = session.open(main)
    assert list((await session.published(uri, 1)).diagnostics) == []
    target = root / "services/auth/app/tokens.py"
    target.parent.mkdir()
    target.write_text("def issue():\n    return 'token'\n", encoding="utf-8")
    _watched(session, target, types.FileChangeType.Created)
    await _round_trip(client, uri)  # the watcher event has been handled (messages are handled in order)
    version = session.change(uri, (2, 0), (2, 0), "# touched\n")
    diagnostics = (await session.published(uri, version)).diagnostics
    assert [d.code for d in diagnostics] == ["ISO601"]
    assert diagnostics[0].range.start.line == 0


async def test_an_explicit_configuration_file_replaces_the_nearest(client, workspace, tmp_path):
    """``isolint.configuration`` (the VS Code setting; any client's settings): that file's
    options for every file of the folder; a path that names no file is reported, and the nearest
    config stays in force."""
    elsewhere = tmp_path / "shared-config" / "isolint.toml"
    elsewhere.parent.mkdir()
    # relative paths in it are matched from the workspace folder, as with ruff's --config
    elsewhere.write_text(f'per-file-ignores = {{ "{TEST_MODULE}" = ["ISO502"] }}\n', encoding="utf-8")
    session = await start_session(client, workspace, profile("emacs"), initialization_options={
        "settings": {"configuration": str(elsewhere)}})
    uri = session.open(workspace / TEST_MODULE)
    assert list((await session.published(uri, 1)).diagnostics) == []
    client.set_configuration({"isolint": {"configuration": str(tmp_path / "missing.toml")}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await _eventually(lambda: [d.code for d in session.recorded.published[uri][-1].diagnostics] == ["ISO502"])
    assert any("no such file" in m.message and "missing.toml" in m.message for m in client.messages)


async def _pulled_codes_become(session, uri, expected, steps=200):
    """Re-pull (a round trip each) until the codes are ``expected``, within a step budget."""
    codes = None
    for _ in range(steps):
        codes = [d.code for d in await session.diagnostics(uri)]
        if codes == expected:
            return codes
        await asyncio.sleep(0.05)
    return codes


async def test_workspace_folders_added_and_removed_bring_their_settings(client, tmp_path):
    first = write_tree(tmp_path / "first", WORKSPACE)
    added = write_tree(tmp_path / "added", WORKSPACE)
    client.set_configuration({"isolint": {"ignore": ["ISO502"]}}, scope_uri=uri_of(added))
    session = await start_session(client, first, profile("vscode-pull"), folders=[first])
    uri = session.open(added / TEST_MODULE)
    assert [d.code for d in await session.diagnostics(uri)] == ["ISO502"], "not a folder yet: no scoped settings"
    folder = types.WorkspaceFolder(uri=uri_of(added), name="added")
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[folder], removed=[])))
    assert await _pulled_codes_become(session, uri, []) == [], "the added folder's editor settings apply"
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[], removed=[folder])))
    assert await _pulled_codes_become(session, uri, ["ISO502"]) == ["ISO502"], "a removed folder's settings go"


async def test_a_changed_pytest_configuration_applies_without_restart(client, workspace):
    """A script the service's testpaths leave out is quiet (ISO502); once pytest.ini takes its
    folder in, the open script is checked again with the new layout."""
    write_tree(workspace, {
        "services/api/pytest.ini": "[pytest]\ntestpaths = tests/pytest\n",
        "services/api/tests/pytest/__init__.py": "",
        "services/api/tests/manual/serve.py": "import os\n\nos.environ['AUTH'] = 'off'\n",
    })
    script = workspace / "services/api/tests/manual/serve.py"
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(script)
    assert list((await session.published(uri, 1)).diagnostics) == []
    (workspace / "services/api/pytest.ini").write_text("[pytest]\ntestpaths = tests\n", encoding="utf-8")
    count = len(session.recorded.published[uri])
    _watched(session, workspace / "services/api/pytest.ini")
    assert await _eventually(lambda: len(session.recorded.published[uri]) > count)
    assert [d.code for d in session.recorded.published[uri][-1].diagnostics] == ["ISO502"]
