from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Severity
from isolint.core.rule import TEST_ZONES, Rule
from isolint.core.test_tiers import BETWEEN_TOKENS, identifier_bytes
from isolint.rules.common.names import dotted_name
from isolint.rules.test_isolation.hand_made_patchers import (
    MOCK_PATCHER, MONKEYPATCH, HandMadePatcher, hand_made_patchers,
)
from isolint.rules.test_isolation.knowledge import literal_text, normalise, patch_target, runs_in_own_process
from isolint.rules.test_isolation.replaced_attributes import leaking_functions
from isolint.rules.test_isolation.shared_settings_left_changed import ATTRIBUTE_ASSIGNMENT

if TYPE_CHECKING:
    from isolint.core.context import PythonContext
    from isolint.core.source import SourceFile

#: what a ``MonkeyPatch`` changes besides the environment (ISO502's): attributes of modules and
#: classes, items of shared mappings, ``sys.path`` and the working directory
PATCH_METHODS = frozenset({"setattr", "delattr", "setitem", "delitem", "syspath_prepend", "chdir"})
_PATCH_METHOD_BYTES = tuple(method.encode() for method in PATCH_METHODS)
#: ``MonkeyPatch(`` or ``MonkeyPatch.context``: one made, not the fixture's annotation
_MADE = lazy_compile(rb"MonkeyPatch" + BETWEEN_TOKENS + rb"[(.]")
#: ``.start()``: a ``unittest.mock`` patcher started by hand
_STARTED = lazy_compile(rb"\.\s*start\s*\(\s*\)")


class PatchNeverUndone(Rule):
    """A test patching shared state by hand (own patcher, assignment) and never undoing it.

    ## What it does
    Flags `setattr`, `delattr`, `setitem`, `delitem`, `syspath_prepend` and `chdir` through a
    `MonkeyPatch()` that test code makes itself, a `unittest.mock` patcher started by hand
    (`patcher.start()`), and a stand-in (a mock, a lambda, a fake the file defines) assigned to an
    attribute of an imported class or module (`Alert.evaluate = MagicMock()`), when nothing
    undoes it where that runs whatever the test's outcome. One finding per patcher, or per test,
    fixture or set-up method for assignments; the other patches are related locations.

    ## Why is this bad?
    Unlike pytest's `monkeypatch` fixture or a `with patch(…)`, a patcher made by hand is undone
    only by its own `undo()` or `stop()`, and an assignment by nothing at all. Its patches of
    `os.path.exists` or a model's method stay for every later test in the session, so tests pass
    or fail depending on their order — the audit's "tests leaking state into each other". An
    `undo()` or a restore written after the assertions only runs when they pass.

    ## Example
    ```python
    # tests/test_scripts.py
    import subprocess
    from unittest import TestCase

    from pytest import MonkeyPatch

    class TestRunScript(TestCase):
        monkeypatch = MonkeyPatch()

        def test_success(self):
            self.monkeypatch.setattr(subprocess, "check_output", lambda *a, **k: "ok")
            assert run_script("deploy.sh") == "ok"
    ```

    ## Use instead
    ```python
    # tests/test_scripts.py
    import subprocess
    from unittest import TestCase

    from pytest import MonkeyPatch

    class TestRunScript(TestCase):
        def setUp(self):
            self.monkeypatch = MonkeyPatch()
            self.addCleanup(self.monkeypatch.undo)

        def test_success(self):
            self.monkeypatch.setattr(subprocess, "check_output", lambda *a, **k: "ok")
            assert run_script("deploy.sh") == "ok"
    ```

    ## Known look-alikes
    - pytest's `monkeypatch` fixture, `with MonkeyPatch.context() as mp:`, and an assignment
      to an attribute a `patch` or `monkeypatch.setattr` of the same test also replaces.
    - A patcher undone (or stopped, `patch.stopall()` too), or an attribute put back, in
      `tearDown`, by `addCleanup`/`addfinalizer`, in a `finally`, after a fixture's `yield`, by
      an autouse fixture, anywhere in the module for a module's own patcher.
    - Assignments to a fresh local object, `self`, a fixture's value or an imported instance; a
      plain value or a saved original; a conftest's autouse fixture; code at import time.
    - Launchers and scripts run as their own process (`__main__` blocks, `manage.py`, modules
      the `testpaths` of the pytest configuration leave out).
    - Environment changes are ISO502's, shared settings objects ISO504's.
    """

    code = "ISO505"
    name = "patch-never-undone"
    message = "Test patches {target} {how}; the patch leaks into later tests"
    severity = Severity.WARNING
    zones = TEST_ZONES
    tokens = (b"MonkeyPatch", b"start", b"=")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # most files naming MonkeyPatch annotate the fixture with it; most that patch use a
        # decorator or a `with`; a replacement by assignment needs an attribute assigned
        raw = identifier_bytes(source)
        return (_MADE.search(raw) is not None and any(method in raw for method in _PATCH_METHOD_BYTES)) \
            or (b"patch" in raw and _STARTED.search(raw) is not None) \
            or ATTRIBUTE_ASSIGNMENT.search(raw) is not None

    def begin_file(self, ctx: "PythonContext") -> None:
        #: patches through a hand-made patcher nothing undoes, per patcher, in order
        self._unrestored: dict[tuple[int, str], tuple[HandMadePatcher, list[ast.Call]]] = {}

    def visit_Call(self, node: ast.Call, ctx: "PythonContext") -> None:
        if not isinstance(node.func, ast.Attribute):
            return
        if node.func.attr in PATCH_METHODS:
            kind = MONKEYPATCH
        elif node.func.attr == "start" and not node.args and not node.keywords:
            kind = MOCK_PATCHER
        else:
            return
        patcher = hand_made_patchers(ctx).never_undone(node, ctx, kind)
        if patcher is None or runs_in_own_process(ctx):
            return
        self._unrestored.setdefault(patcher.identity, (patcher, []))[1].append(node)

    def end_file(self, ctx: "PythonContext") -> None:
        """One finding per patcher, its first patch, the others related; one per test, fixture
        or set-up method replacing shared attributes by assignment, its first, the others
        related."""
        for patcher, calls in self._unrestored.values():
            first, *others = calls
            if patcher.kind == MONKEYPATCH:
                made, undo = "a `MonkeyPatch()` made by hand", "undone only when the test passes" \
                    if patcher.undone_on_happy_path else "never undone"
            else:
                made, undo = "a patcher started by hand", "stopped only when the test passes" \
                    if patcher.undone_on_happy_path else "never stopped"
            related = [(call, f"{_target(call, patcher)} patched through the same `{patcher.spelling}`")
                       for call in others]
            ctx.report(self, first, target=_target(first, patcher), how=f"through `{patcher.spelling}`, {made} and {undo}",
                       related=related)
        if ctx.tree is None or ATTRIBUTE_ASSIGNMENT.search(identifier_bytes(ctx.source)) is None \
                or runs_in_own_process(ctx):
            return
        for leak in leaking_functions(ctx):
            first, *others = leak.replacements
            related = [(other.statement, f"`{other.target}` replaced by assignment in the same function")
                       for other in others]
            related += [(statement, "put back only when every statement before it passed")
                        for statement in leak.happy_path_restores]
            how = "by assigning a stand-in to it, " + ("and puts it back only when the test passes"
                                                      if leak.happy_path_restores else "and never puts it back")
            ctx.report(self, first.statement, target=f"`{first.target}`", how=how, related=related)


def _target(call: ast.Call, patcher: HandMadePatcher) -> str:
    """What the patch replaces, for the message: `os.path.exists`, `registry["key"]`,
    `sys.path`, the working directory."""
    method = call.func.attr
    if patcher.kind == MOCK_PATCHER:
        made = patcher.made
        kind = (normalise(dotted_name(made.func)) or "") if isinstance(made, ast.Call) else ""
        kind = kind.split("mock.", 1)[-1]
        if kind == "patch.dict" and made.args:
            return f"`{dotted_name(made.args[0]) or literal_text(made.args[0]) or 'a mapping'}`"
        target = patch_target(made, kind) if isinstance(made, ast.Call) and kind else None
        return f"`{target}`" if target else "its target"
    if method == "syspath_prepend":
        return "`sys.path`"
    if method == "chdir":
        return "the working directory"
    args = call.args
    if not args:
        return "an attribute" if method.endswith("attr") else "an item"
    owner = dotted_name(args[0]) or literal_text(args[0])
    if method.endswith("attr"):
        # setattr(owner, "name", value) and delattr(owner, "name"); setattr("pkg.mod.name", value)
        named = len(args) > 2 if method == "setattr" else len(args) > 1
        name = literal_text(args[1]) if named else None
        if owner and name:
            return f"`{owner}.{name}`"
        return f"`{owner}`" if owner else "an attribute"
    key = literal_text(args[1]) if len(args) > 1 else None
    if owner and key:
        return f"`{owner}[{key!r}]`"
    return f"an item of `{owner}`" if owner else "an item"
