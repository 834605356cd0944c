"""An outside client (tests/lsp/blackbox: raw JSON-RPC, its own text model and position
arithmetic) drives ``isolint server`` through whole editing sessions under each position
encoding: files of examples/monorepo and generated files it has never seen (Python with LF and
CRLF, a deployed .env, .ts, .tsx), each with é, 🎉 and CJK before its findings; incremental
edits of every shape; code actions, resolve, hover, pull diagnostics. Everything the server
says must fit the text the client holds, and the final diagnostics must equal a fresh run's."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.lsp.blackbox.corpus import EXAMPLE_FILES, copy_monorepo, unseen_files
from tests.lsp.blackbox.session import (
    BlackboxSession,
    ClientDocument,
    Inconsistent,
    apply_text_edits,
    expected_diagnostics,
    normalised,
    parses,
    split,
)

ENCODINGS = [["utf-8"], ["utf-16"], ["utf-32"], None, ["utf-32", "utf-8", "utf-16"]]


def _is_python(document: ClientDocument) -> bool:
    return document.language_id == "python"


def _comment(document: ClientDocument) -> str:
    return "//" if document.language_id.startswith(("typescript", "javascript")) else "#"


def _newline(document: ClientDocument) -> str:
    return "\r\n" if "\r\n" in document.text else "\n"


def _keeps_parsing(document: ClientDocument, new_text: str) -> bool:
    return not _is_python(document) or not parses(document.text) or parses(new_text)


def edit_session(session: BlackboxSession, document: ClientDocument, rng: random.Random) -> None:
    """Edits of every shape a user makes, each kept only when Python still parses after it
    (the half-typed case is the fuzzer's): a multi-line insertion of wide text above the
    findings, emoji typed at line ends (before ``\\r\\n`` in CRLF files), a multi-line
    replacement, a deletion spanning lines, several changes in one notification."""
    nl, marker = _newline(document), _comment(document)

    def attempt(changes: list[tuple[int, int, str]]) -> bool:
        text = document.text
        for start, end, new in changes:
            text = text[:start] + new + text[end:]
        if not _keeps_parsing(document, text):
            return False
        session.change(document, changes)
        return True

    # 1. three lines of wide text inserted at the top (a multi-line insertion)
    header = f"{marker} 🎉 é 中文{nl}{marker} 👩‍💻 𝔘 日本語{nl}{marker} ß{nl}"
    attempt([(0, 0, header)])
    # 2. an emoji typed at the end of every line carrying a diagnostic-worthy literal
    lines = split(document.text)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + len(nl))
    for index in rng.sample(range(len(lines)), min(6, len(lines))):
        end_of_line = starts[index] + len(lines[index])
        if attempt([(end_of_line, end_of_line, f"  {marker} 🎉")]):
            starts = [s + (len(f"  {marker} 🎉") if i > index else 0) for i, s in enumerate(starts)]
    # 3. a multi-line replacement: the header's last two lines become one wide line
    text = document.text
    second = text.find(f"{marker} 👩‍💻")
    if second >= 0:
        end = text.find(nl, text.find(f"{marker} ß", second)) + len(nl)
        attempt([(second, end, f"{marker} 中文 🎉 é{nl}")])
    # 4. a deletion spanning lines: the header goes away again (from inside its first line)
    text = document.text
    first = text.find(f"{marker} 🎉 é 中文")
    if first == 0:
        end = text.find(nl, text.find(f"{marker} 中文 🎉 é")) + len(nl)
        attempt([(0, end, "")])
    # 5. two changes in one notification; the second's offsets refer to the first's result
    text = document.text
    middle = len(text) // 2
    cut = text.find(nl, middle)
    if cut > 0:
        attempt([(cut, cut, f" {marker} é"), (0, 0, f"{marker} 🎉{nl}")])


def exercise_actions(session: BlackboxSession, document: ClientDocument, rng: random.Random) -> None:
    """Ask for the code actions of a few diagnostics, resolve every one, check every edit
    against the client's text; apply one "Ignore" (its diagnostic must go) and one quick fix
    (preferred exactly when safe; the code must still parse), then fix-all until it offers nothing more."""
    ignore_applied = fix_applied = False
    for _ in range(5):
        diagnostics = session.diagnostics(document)
        if not diagnostics or (ignore_applied and fix_applied):
            break
        diagnostic = rng.choice(diagnostics)
        actions = session.code_actions(document, diagnostic["range"], [diagnostic])
        titles = [a["title"] for a in actions]
        assert (f"Ignore {diagnostic['code']} on this line" in titles
                or _python_line_takes_no_comment(document, diagnostic)), (diagnostic, titles)
        for action in actions:
            assert action.get("kind") in ("quickfix", "source.fixAll.isolint"), action
            session.check_diagnostics(document.text, action.get("diagnostics", []), "code action's diagnostic")
            resolved = session.resolve(action)
            assert resolved.get("edit"), f"{action['title']}: resolved without an edit"
            new_text = apply_text_edits(document.text, _edits_of(resolved["edit"], document.uri), session.units)
            assert new_text != document.text, f"{action['title']}: an edit that changes nothing"
            if action["title"].startswith("Ignore") and not ignore_applied:
                line = diagnostic["range"]["start"]["line"]
                session.apply_workspace_edit(resolved["edit"])
                after = session.diagnostics(document)
                assert not [d for d in after if d["code"] == diagnostic["code"]
                            and d["range"]["start"]["line"] == line], (action["title"], after)
                ignore_applied = True
                break
            if (action["kind"] == "quickfix" and not action["title"].startswith("Ignore") and not fix_applied
                    and _keeps_parsing(document, new_text)):
                assert action.get("isPreferred") == ("(unsafe)" not in action["title"]), action
                session.apply_workspace_edit(resolved["edit"])
                session.diagnostics(document)
                fix_applied = True
                break
    for _ in range(4):
        fix_all = session.code_actions(document, {"start": {"line": 0, "character": 0},
                                                  "end": {"line": 0, "character": 0}}, [],
                                       only=["source.fixAll"])
        if not fix_all:
            break
        assert [a["kind"] for a in fix_all] == ["source.fixAll.isolint"], fix_all
        resolved = session.resolve(fix_all[0])
        before = document.text
        session.apply_workspace_edit(resolved["edit"])
        assert document.text != before
        if _is_python(document):
            assert parses(document.text) or not parses(before), "fix-all broke the code"
        session.diagnostics(document)
    else:
        pytest.fail(f"{document.path.name}: fix-all still offered after four rounds")


def _python_line_takes_no_comment(document: ClientDocument, diagnostic: dict) -> bool:
    line = split(document.text)[diagnostic["range"]["start"]["line"]]
    return _is_python(document) and (line.rstrip().endswith("\\") or '"""' in line or "'''" in line)


def _edits_of(edit: dict, uri: str) -> list[dict]:
    found = [e for change in edit.get("documentChanges") or [] if change["textDocument"]["uri"] == uri
             for e in change["edits"]]
    return found + list((edit.get("changes") or {}).get(uri, []))


def exercise_hover(session: BlackboxSession, document: ClientDocument) -> None:
    for diagnostic in session.diagnostics(document)[:4]:
        hover = session.hover(document, diagnostic["range"]["start"])
        assert hover is not None, f"no hover over {diagnostic['code']} in {document.path.name}"
        assert diagnostic["code"] in hover["contents"]["value"]
        if "range" in hover:
            session.check_diagnostics(document.text, [{**diagnostic, "range": hover["range"]}], "hover range")


def exercise_pull(session: BlackboxSession, documents: list[ClientDocument]) -> None:
    for document in documents:
        first = session.pull_document(document)
        assert first["kind"] == "full" and first.get("resultId"), first
        again = session.pull_document(document, first["resultId"])
        assert again["kind"] == "unchanged" and again["resultId"] == first["resultId"], again
    report = session.client.request("workspace/diagnostic", {"previousResultIds": [],
                                                             "workDoneToken": "blackbox-progress"}, 120)
    by_uri = {item["uri"]: item for item in report["items"]}
    for document in documents:
        item = by_uri.get(document.uri)
        assert item is not None, f"{document.uri} missing from workspace/diagnostic"
        assert item["version"] == document.version, (item["version"], document.version)
        session.check_diagnostics(document.text, item.get("items", []), f"workspace {document.path.name}")
    open_uris = {d.uri for d in documents}
    for uri, item in by_uri.items():
        if uri not in open_uris:
            assert item["version"] is None, item
            session.check_disk_diagnostics(uri, item.get("items", []), "workspace (on disk)")


def assert_fresh(session: BlackboxSession, documents: list[ClientDocument], root: Path) -> None:
    session.settle()
    expected = expected_diagnostics(root, documents, session.units)

    def current() -> dict:
        return {d.uri: normalised(session.diagnostics(d)) for d in documents}

    session.settle_until(lambda: current() == expected)
    got = current()
    for document in documents:
        assert got[document.uri] == expected[document.uri], (
            f"{document.path.relative_to(root)} ({session.encoding}): server and a fresh run differ\n"
            f"only server: {sorted(set(got[document.uri]) - set(expected[document.uri]))}\n"
            f"only fresh run: {sorted(set(expected[document.uri]) - set(got[document.uri]))}")


@pytest.mark.parametrize("encodings", ENCODINGS, ids=lambda e: "+".join(e) if e else "none")
def test_push_session(tmp_path: Path, encodings: list[str] | None) -> None:
    run_session(tmp_path, encodings, pull=False, lazy=encodings != ["utf-16"], seed=len(str(encodings)))


@pytest.mark.parametrize("encodings", [["utf-8"], ["utf-16"]], ids=lambda e: "+".join(e))
def test_pull_session(tmp_path: Path, encodings: list[str]) -> None:
    run_session(tmp_path, encodings, pull=True, lazy=True, seed=7 + len(encodings[0]))


def run_session(tmp_path: Path, encodings: list[str] | None, pull: bool, lazy: bool, seed: int) -> None:
    root = copy_monorepo(tmp_path / "monorepo")
    unseen = unseen_files(root, seed)
    rng = random.Random(seed)
    session = BlackboxSession(root, tmp_path / "server.log", encodings, pull=pull, lazy=lazy,
                              document_changes=lazy)
    try:
        documents = [session.open(root / rel) for rel in EXAMPLE_FILES] + [session.open(p) for p in unseen]
        assert_fresh(session, documents, root)  # as opened
        for document in documents:
            edit_session(session, document, rng)
        assert_fresh(session, documents, root)  # after the edits, positions shifted by wide text
        for document in documents:
            exercise_hover(session, document)
            exercise_actions(session, document, rng)
        if pull:
            exercise_pull(session, documents)
        assert_fresh(session, documents, root)  # after the code actions
        session.check_publications()
        closing = documents[-1]
        session.close(closing)
        if not pull:
            session.client.wait_for(lambda: [n for n in session.client.notifications_of(
                "textDocument/publishDiagnostics") if n.params["uri"] == closing.uri][-1].params["diagnostics"] == [],
                30, "the close to clear the diagnostics")
        session.check_publications()
        session.finish()
    except BaseException:
        session.client.kill()
        raise


def test_inconsistent_ranges_are_caught() -> None:
    """The checks can fail: a column inside a surrogate pair, past the end, reversed."""
    from tests.lsp.blackbox.session import Units, check_range

    text = "a🎉b\nxy"
    utf16 = Units("utf-16")
    assert check_range(text, {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 3}}, utf16, "t") == (1, 2)
    for bad in ({"start": {"line": 0, "character": 2}, "end": {"line": 0, "character": 3}},
                {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}},
                {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 1}},
                {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}):
        with pytest.raises(Inconsistent):
            check_range(text, bad, utf16, "t")
    with pytest.raises(Inconsistent):
        check_range(text, {"start": {"line": 0, "character": 2}, "end": {"line": 0, "character": 2}}, Units("utf-8"), "t")
