"""Life while typing: half-typed code, cross-file facts, cancellation, documents that are huge,
binary or oddly encoded, dotenv and TypeScript documents."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from isolint.api import lint_source
from tests.lsp.conftest import TEST_MODULE
from tests.lsp.support import profile, start_session


async def _last_published_codes_become(session, uri: str, codes: list[str], rounds: int = 200,
                                       why: str = "") -> None:
    """Wait until the last diagnostics published for ``uri`` carry exactly ``codes``."""
    for _ in range(rounds):
        published = session.recorded.published.get(uri, [])
        if published and [d.code for d in published[-1].diagnostics] == codes:
            break
        await asyncio.sleep(0.05)
    assert [d.code for d in session.recorded.published[uri][-1].diagnostics] == codes, why


async def _start_a_long_analysis_without_the_mock(client, session, conftest_uri: str, test_uri: str) -> None:
    """Unsaved: the conftest's fixture no longer hands out a mock, in a text long enough that
    its analysis is still running when this returns (after a round trip, the server has read
    the change)."""
    filler = "".join(f"\n\ndef helper_{i}(value):\n    total = value + {i}\n    return total * 2\n"
                     for i in range(4000))
    unsaved = session.texts[conftest_uri].replace("return MagicMock()", "return object()") + filler
    session.replace_all(conftest_uri, unsaved)
    await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=test_uri), position=types.Position(line=0, character=4))), 20)


async def test_syntax_errors_mid_typing_keep_the_last_findings_in_place(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    [before] = (await session.published(uri, 1)).diagnostics
    # The user starts typing a function above the finding: the file no longer parses.
    version = session.change(uri, (2, 0), (2, 0), "def helper(:\n    \n")
    during = (await session.published(uri, version)).diagnostics
    codes = sorted(d.code for d in during)
    assert codes == ["ISO001", "ISO502"], "the finding stays (moved down), the parse problem is reported"
    kept = next(d for d in during if d.code == "ISO502")
    assert kept.range.start.line == before.range.start.line + 2
    assert (kept.range.start.character, kept.range.end.character) == (before.range.start.character,
                                                                      before.range.end.character)
    actions = await session.code_actions(uri, kept.range, [kept])
    assert [a.title for a in actions] == ["Ignore ISO502 on this line"], "no fix for code that moved since"
    # Finished typing: fresh findings, no ISO001.
    session.change(uri, (2, 11), (2, 12), "):")
    version = session.change(uri, (3, 4), (3, 4), "pass")
    assert session.texts[uri].splitlines()[2:4] == ["def helper():", "    pass"]
    after = (await session.published(uri, version)).diagnostics
    assert [d.code for d in after] == ["ISO502"] and after[0].data["finding"].get("fix")


@pytest.mark.parametrize("header", ["def first(items):", "def first[T](items: list[T]) -> T:"],
                         ids=["older syntax", "newer syntax"])
async def test_a_line_typed_without_waiting_ends_with_what_a_check_reports(client, workspace, header):
    """A line typed one character at a time without waiting for diagnostics: most texts of the
    burst do not parse (``os.``) and are no newer syntax either; the last publish is of the last
    version, with exactly a fresh check's findings — newer syntax read through its rewrite."""
    path = workspace / "services/api/app/generic.py"
    text = f"import os\n\n\n{header}\n    return items[0]\n\n"
    session = await start_session(client, workspace, profile("neovim-0.7"))  # push diagnostics
    uri = session.open(path, text)
    assert not (await session.published(uri, 1)).diagnostics
    line, typed = text.count("\n"), 'API_URL = os.getenv("API_URL", "http://localhost:8000")'
    versions = [session.change(uri, (line, column), (line, column), char) for column, char in enumerate(typed)]
    last = await session.published(uri, versions[-1])
    fresh = lint_source(session.texts[uri], path)
    assert fresh.parse_error is None and fresh.findings, "the text is read and the default reported"
    assert sorted((d.code, d.range.start.line, d.range.start.character) for d in last.diagnostics) == sorted(
        (f.code, f.range.start.line, f.range.start.column) for f in fresh.findings)
    published = [p.version for p in session.recorded.published[uri]]
    assert published == sorted(published) and published[-1] == versions[-1], "never an older version last"


async def test_a_change_in_one_file_rechecks_the_files_that_read_its_facts(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    test_uri = session.open(workspace / "services/api/tests/integration/test_checkout.py")
    conftest = workspace / "services/api/tests/integration/conftest.py"
    conftest_uri = session.open(conftest)
    # the background index brings the conftest's fixture facts
    await _last_published_codes_become(session, test_uri, ["ISO503"])
    count = len(session.recorded.published[test_uri])
    # The fixture stops handing out a mock (unsaved edit in the conftest).
    text = session.texts[conftest_uri]
    session.replace_all(conftest_uri, text.replace("return MagicMock()", "return object()"))
    for _ in range(200):
        if len(session.recorded.published[test_uri]) > count:
            break
        await asyncio.sleep(0.05)
    assert list(session.recorded.published[test_uri][-1].diagnostics) == []


async def test_a_document_closed_mid_analysis_keeps_its_facts_from_disk(client, workspace):
    """Closing cancels the wait for an analysis, not the analysis: it still writes the facts of
    the unsaved text when it ends. Those must not outlive the re-index from disk that closing
    starts, or files reading them are checked against text nobody saved."""
    session = await start_session(client, workspace, profile("vscode"))
    test_uri = session.open(workspace / "services/api/tests/integration/test_checkout.py")
    conftest_uri = session.open(workspace / "services/api/tests/integration/conftest.py")
    await session.published(conftest_uri, 1)
    # the background index brings the conftest's fixture facts
    await _last_published_codes_become(session, test_uri, ["ISO503"])
    await _start_a_long_analysis_without_the_mock(client, session, conftest_uri, test_uri)
    session.close(conftest_uri)
    # test_checkout is checked again after the close: against the conftest on disk
    version = session.change(test_uri, (0, 0), (0, 0), "# edited\n")
    after = await session.published(test_uri, version, timeout=60)
    assert [d.code for d in after.diagnostics] == ["ISO503"], "the closed document's unsaved facts won"


async def test_facts_of_an_overtaken_analysis_still_reach_their_readers(client, workspace):
    """An analysis overtaken by a newer text is abandoned midway, possibly after it wrote the
    facts of its text; the next one then sees no change of its own, and the files reading
    those facts must be checked again all the same."""
    session = await start_session(client, workspace, profile("vscode"))
    test_uri = session.open(workspace / "services/api/tests/integration/test_checkout.py")
    conftest_uri = session.open(workspace / "services/api/tests/integration/conftest.py")
    await session.published(conftest_uri, 1)
    # the background index brings the conftest's fixture facts
    await _last_published_codes_become(session, test_uri, ["ISO503"])
    await _start_a_long_analysis_without_the_mock(client, session, conftest_uri, test_uri)
    last = session.change(conftest_uri, (0, 0), (0, 0), "# still no mock\n")  # the same facts
    await session.published(conftest_uri, last, timeout=60)
    await _last_published_codes_become(session, test_uri, [], rounds=400, why="the readers never heard")


async def test_cancel_request_is_honoured(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    body = 'def test_{0}():\n    os.environ["K{0}"] = "v"\n\n'
    big = "import os\n\n" + "".join(body.format(i) for i in range(6000))
    uri = session.open(workspace / "services/api/tests/test_big.py", big)
    request = asyncio.ensure_future(client.protocol.send_request_async(types.TEXT_DOCUMENT_HOVER, types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=4)),
        msg_id="hover-to-cancel"))
    await asyncio.sleep(0)  # let the request go out; the server handles the cancel after it, in order
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="hover-to-cancel"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(request, 30)
    published = await session.published(uri, 1, timeout=60)
    assert len(published.diagnostics) == 6000, "the shared analysis was not cancelled with the request"


async def test_a_newer_version_obsoletes_older_ones(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / TEST_MODULE)
    versions = [session.change(uri, (0, 0), (0, 0), f"# edit {i}\n") for i in range(30)]
    final = await session.published(uri, versions[-1])
    assert final.diagnostics[0].range.start.line == 4 + 30
    published = [p.version for p in session.recorded.published[uri]]
    assert published == sorted(published), "never an older version after a newer one"
    for params in session.recorded.published[uri]:
        line = params.version - 1 + 4
        assert all(d.range.start.line == line for d in params.diagnostics), "each publish matches its version"


@pytest.mark.parametrize("text, code", [
    ("\x00\x01\x02binary\x00\x00\n", "ISO002"),
    ("import os\n".encode("utf-16-le").decode("utf-8"), "ISO002"),  # a wide encoding shown as UTF-8
    ("import os\n" + "x = 1\n" * 1_000_000, "ISO002"),
    ('import os\nSEPARATOR = "\x00"\nos.environ["A"] = "1"\n', "ISO001"),  # text Python refuses to parse
])
async def test_binary_and_huge_documents_are_refused_not_crashed_on(client, workspace, text, code):
    session = await start_session(client, workspace, profile("neovim-0.7"))
    uri = session.open(workspace / "services/api/app/blob.py", text)
    assert [d.code for d in (await session.published(uri, 1, timeout=60)).diagnostics] == [code]


@pytest.mark.parametrize("text", [
    'X = "\u2028"\nimport os\nos.environ["A"] = "1"\n',  # a line separator inside a string
    "\f\nimport os\n\x0bos.environ['A'] = '1'\n",  # form feed and vertical tab
    "import os\r\nos.environ['A'] = '1'\r\n\rdef test_x(:\n",  # mixed line endings, broken code
    'S = "\ud800"\n',  # a lone surrogate (valid JSON, invalid UTF-8)
    "",
])
async def test_odd_documents_do_not_crash_the_server(client, workspace, text):
    session = await start_session(client, workspace, profile("emacs"))
    uri = session.open(workspace / "services/api/tests/test_odd.py", text)
    await session.published(uri, 1)
    version = session.change(uri, (0, 0), (0, 0), "é🎉\n")
    await session.published(uri, version)
    session.close(uri)
    # Still alive and answering.
    second = session.open(workspace / TEST_MODULE)
    assert [d.code for d in (await session.published(second, 1)).diagnostics] == ["ISO502"]


async def test_dotenv_documents_are_checked(client, workspace):
    session = await start_session(client, workspace, profile("vscode"))
    uri = session.open(workspace / ".env.example", "JWT_SECRET=9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc\n",
                       language_id="dotenv")
    [diagnostic] = (await session.published(uri, 1)).diagnostics
    assert diagnostic.code == "ISO202"
    assert "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc" not in diagnostic.message, "never a secret in full"
    actions = await session.code_actions(uri, diagnostic.range, [diagnostic])
    fix = await session.resolved(actions[0])
    assert fix.is_preferred and "(unsafe)" not in fix.title
    ignore = await session.resolved(next(a for a in actions if a.title.startswith("Ignore")))
    version = session.apply(uri, session.edits_of(ignore.edit, uri))
    assert session.texts[uri].endswith("ffeeddcc # isolint: ignore[ISO202]\n")
    assert list((await session.published(uri, version)).diagnostics) == []
