"""Code actions: a quick fix per fixable finding, "Ignore ISOxxx on this line" for every finding,
and ``source.fixAll.isolint`` (safe fixes only).

Actions are built from the findings the server already holds for the document's current
version (or the finding a diagnostic's ``data`` carries) — never by linting again. When the
client can resolve code actions lazily (``resolveSupport`` lists ``edit``), the edit is computed
in ``codeAction/resolve``: fixes that restructure code build with libcst, and most code actions
listed are never applied.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from isolint.core.model import Applicability, Edit, Finding, Range
from isolint.core.source import SourceFile
from isolint.engine.fixing import materialize
from isolint.engine.ignore_comments import ignore_edit
from isolint.fixers import FixNotApplicable
from isolint.lsp.convert import PositionCodec, finding_from_data, to_diagnostic, to_text_edit
from isolint.lsp.documents import Document

if TYPE_CHECKING:
    from isolint.lsp.server import IsolintLanguageServer

log = logging.getLogger(__name__)

FIX_ALL_KIND = "source.fixAll.isolint"
FIX, IGNORE, FIX_ALL = "fix", "ignore", "fixAll"


@dataclass(frozen=True)
class ClientSupport:
    lazy_edits: bool
    document_changes: bool

    @classmethod
    def of(cls, capabilities: types.ClientCapabilities) -> ClientSupport:
        code_action = capabilities.text_document.code_action if capabilities.text_document else None
        resolve = code_action.resolve_support if code_action else None
        lazy = bool(resolve and "edit" in resolve.properties and code_action.data_support)
        edit = capabilities.workspace.workspace_edit if capabilities.workspace else None
        return cls(lazy_edits=lazy, document_changes=bool(edit and edit.document_changes))


def kind_allowed(kind: str, only: Sequence[str] | None) -> bool:
    """``context.only`` filters by kind prefix: ``source`` admits ``source.fixAll.isolint``."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def fix_title(finding: Finding) -> str:
    assert finding.fix is not None
    suffix = " (unsafe)" if finding.fix.applicability is Applicability.UNSAFE else ""
    return f"{finding.fix.title}{suffix}"


def offers_fix(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability is not Applicability.DISPLAY_ONLY


def fix_edits(finding: Finding, text: str) -> tuple[Edit, ...]:
    """The fix's edits against ``text``; empty when the code no longer has the fix's shape."""
    if not offers_fix(finding):
        return ()
    try:
        return materialize(finding.fix, text)  # type: ignore[arg-type]
    except FixNotApplicable as exc:
        log.info("fix for %s no longer applies: %s", finding.code, exc)
        return ()


def workspace_edit(document: Document, edits: Iterable[Edit], codec: PositionCodec, support: ClientSupport
                   ) -> types.WorkspaceEdit:
    text_edits = [to_text_edit(edit, document.lines, codec) for edit in edits]
    if support.document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=identifier, edits=text_edits)])
    return types.WorkspaceEdit(changes={document.uri: text_edits})


def _touches(finding: Finding, range_: Range) -> bool:
    return finding.range.start <= range_.end and range_.start <= finding.range.end


def relevant_findings(findings: Sequence[Finding], range_: Range, context_diagnostics: Sequence[types.Diagnostic]
                      ) -> list[Finding]:
    """Findings under the requested range, plus those the client names in the context (a client
    may ask for the actions of a diagnostic whose range it widened)."""
    from isolint.lsp.convert import finding_from_data

    named = [f for f in (finding_from_data(d.data) for d in context_diagnostics) if f is not None]
    chosen = [f for f in findings if _touches(f, range_) or f in named]
    return chosen


def build_actions(
    document: Document,
    source: SourceFile,
    findings: Sequence[Finding],
    all_findings: Sequence[Finding],
    only: Sequence[str] | None,
    codec: PositionCodec,
    support: ClientSupport,
    project: Any = None,
) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    lines = document.lines
    if kind_allowed(types.CodeActionKind.QuickFix.value, only):
        fixes, ignores = [], []
        ignored_lines: set[tuple[str, int]] = set()
        for finding in findings:
            diagnostic = to_diagnostic(finding, lines, codec, document.uri, document.version)
            if offers_fix(finding):
                action = types.CodeAction(
                    title=fix_title(finding), kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    is_preferred=finding.fix.is_safe,  # type: ignore[union-attr]
                )
                if _complete(action, FIX, finding, document, source, codec, support):
                    fixes.append(action)
            key = (finding.code, finding.range.start.line)
            if key in ignored_lines:
                continue
            ignored_lines.add(key)
            action = types.CodeAction(title=f"Ignore {finding.code} on this line",
                                      kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic])
            if _complete(action, IGNORE, finding, document, source, codec, support):
                ignores.append(action)
        actions.extend(fixes + ignores)
    if kind_allowed(FIX_ALL_KIND, only) and any(offers_fix(f) and f.fix.is_safe for f in all_findings):  # type: ignore[union-attr]
        action = types.CodeAction(title="isolint: Fix all safely fixable problems", kind=FIX_ALL_KIND)
        if _complete(action, FIX_ALL, None, document, source, codec, support, project):
            actions.append(action)
    return actions


def _complete(action: types.CodeAction, what: str, finding: Finding | None, document: Document, source: SourceFile,
              codec: PositionCodec, support: ClientSupport, project: Any = None) -> bool:
    """Attach the edit now, or the data to build it in ``codeAction/resolve``. False when the
    action has nothing to do (a fix that no longer applies, a line that takes no comment)."""
    if support.lazy_edits:
        action.data = action_data(what, document, finding)
        if what == IGNORE:  # cheap, and tells us whether a comment can go there at all
            return ignore_edit(source, finding.range.start.line, finding.code) is not None  # type: ignore[union-attr]
        return True
    edits = edits_for(what, finding, document, source, project)
    if not edits:
        return False
    action.edit = workspace_edit(document, edits, codec, support)
    return True


def action_data(what: str, document: Document, finding: Finding | None) -> dict[str, Any]:
    data: dict[str, Any] = {"action": what, "uri": document.uri, "version": document.version}
    if finding is not None:
        data["finding"] = finding.to_json()
    return data


def edits_for(what: str, finding: Finding | None, document: Document, source: SourceFile, project: Any = None
              ) -> tuple[Edit, ...]:
    if what == FIX and finding is not None:
        return fix_edits(finding, document.text)
    if what == IGNORE and finding is not None:
        edit = ignore_edit(source, finding.range.start.line, finding.code)
        return (edit,) if edit else ()
    if what == FIX_ALL:
        return fix_all_edits(document, source, project)
    return ()


def fix_all_edits(document: Document, source: SourceFile, project: Any = None) -> tuple[Edit, ...]:
    """Every safe fix, applied in rounds until none applies (the CLI's ``--fix``)."""
    from isolint.api import fix_source
    from isolint.fixers.text_edits import minimal_edit

    result = fix_source(document.text, source.path, source.settings, unsafe=False, project=project)
    edit = minimal_edit(document.text, result.text)
    return (edit,) if edit is not None else ()


# -- handlers ------------------------------------------------------------------------------------
CODE_ACTION_OPTIONS = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
                                              resolve_provider=True)


async def code_action(ls: IsolintLanguageServer, params: types.CodeActionParams):
    document, state = await ls.current(params.text_document.uri)
    if document is None or state is None:
        return None
    copy = Document(document.uri, document.text, document.version, document.language_id)
    source = ls.source_of(copy)
    if source is None:
        return None
    range_ = ls.codec.range_from_client(copy.lines, params.range)
    findings = relevant_findings(state.findings, range_, params.context.diagnostics)
    project = ls.projects.index_for(source.settings)
    return await asyncio.get_running_loop().run_in_executor(
        ls.checker, build_actions, copy, source, findings, list(state.findings),
        params.context.only, ls.codec, ls.support, project)


async def code_action_resolve(ls: IsolintLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    what, uri = data.get("action"), data.get("uri")
    if what not in (FIX, IGNORE, FIX_ALL) or not isinstance(uri, str):
        return action
    document, state = await ls.current(uri)
    if document is None or state is None:
        return action
    finding = finding_from_data(data)
    if data.get("version") != document.version and finding is not None:
        finding = same_finding(finding, state.findings)  # the text moved on: find it again
        if finding is None:
            return action
    edit = await edit_for(ls, document, what, finding)
    if edit is not None:
        action.edit = edit
    return action


def same_finding(finding: Finding, findings: Iterable[Finding]) -> Finding | None:
    """The current version of a finding listed for an older text (same rule, same message,
    nearest line)."""
    candidates = [f for f in findings if f.code == finding.code and f.message == finding.message]
    if not candidates:
        return None
    return min(candidates, key=lambda f: abs(f.range.start.line - finding.range.start.line))


async def edit_for(ls: IsolintLanguageServer, document: Document, what: str, finding: Finding | None
                   ) -> types.WorkspaceEdit | None:
    """Build the edit off the event loop (libcst may be involved) on a copy of the text; an
    edit for a text that changed meanwhile is not returned."""
    copy = Document(document.uri, document.text, document.version, document.language_id)
    source = ls.source_of(copy)
    if source is None:
        return None
    project = ls.projects.index_for(source.settings)
    edits = await asyncio.get_running_loop().run_in_executor(
        ls.checker, edits_for, what, finding, copy, source, project)
    if not edits or ls.documents.get(document.uri) is not document or document.version != copy.version:
        return None
    return workspace_edit(copy, edits, ls.codec, ls.support)
