"""Generated docs are current, and every rule's examples behave as documented: the `Example`
triggers the rule, `Use instead` does not (examples are tests, Fixit's habit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.api import lint_paths
from isolint.cli.docs import OPTION_EXAMPLES, example_blocks, stale_pages
from isolint.core.config import OPTIONS, load_settings, tomllib
from isolint.rules.registry import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


def test_generated_docs_are_current() -> None:
    stale = stale_pages(DOCS)
    assert not stale, f"stale docs: {[str(p) for p in stale]}; run `python -m isolint.cli.docs`"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_doc_has_the_required_sections(rule) -> None:
    sections = rule.doc_sections()
    missing = [name for name in SECTIONS if not sections.get(name, "").strip()]
    assert not missing, f"{rule.code} lacks {missing}"
    if rule.fixable.value != "none":
        assert sections.get("Fix safety"), f"{rule.code} is fixable but has no `Fix safety` section"


def _lint_section(tmp_path: Path, rule, section: str):
    """Write the section's blocks as a project and lint it; None when nothing is lintable."""
    sections = rule.doc_sections()
    defaults = example_blocks(sections["Example"]) if section != "Example" else None
    blocks = [b for b in example_blocks(sections[section], defaults) if b.path]
    if not blocks:
        return None, None
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    settings: dict = {"extend-select": [rule.code]}
    for block in blocks:
        target = tmp_path / block.path
        assert not target.exists(), f"{rule.code}: two blocks of `{section}` are linted as {block.path}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")
        settings.update(block.settings)
    run = lint_paths([tmp_path], overrides=settings, jobs=1)
    assert not run.config_errors, run.config_errors
    return blocks[0].path, run


#: cross-file rules whose docs show one file of a multi-file situation: their `Example` needs the
#: other files as further blocks (each naming its file in a first-line comment). Strict: the
#: test fails once an example works, so the entry gets removed.
NEEDS_MORE_FILES = {
    "ISO401": "the peer side (frontend) of the contract", "ISO402": "the peer side of the contract",
    "ISO403": "the backend side of the contract", "ISO404": "the backend side of the contract",
    "ISO503": "the conftest.py fixture that hands out the mock",
    "ISO601": "the other service's files", "ISO602": "the service package it imports",
    "ISO603": "a `contracts` setting (`# isolint-example: settings={...}`)",
}


@pytest.mark.parametrize("rule", [
    pytest.param(rule, marks=pytest.mark.xfail(reason=f"example lacks {NEEDS_MORE_FILES[rule.code]}", strict=True))
    if rule.code in NEEDS_MORE_FILES else rule
    for rule in RULES
], ids=lambda rule: rule.code)
def test_example_triggers_the_rule_and_use_instead_does_not(rule, tmp_path: Path) -> None:
    first, run = _lint_section(tmp_path / "example", rule, "Example")
    if run is None:
        pytest.skip(f"{rule.code}: the example is prose (```text), not code")
    hits = {r.source.rel_path for r in run.results for f in r.findings if f.code == rule.code}
    assert first in hits, f"{rule.code}: the first `Example` block ({first}) does not trigger the rule"
    _, run = _lint_section(tmp_path / "instead", rule, "Use instead")
    assert run is not None, f"{rule.code}: `Use instead` has no lintable block"
    wrong = [(r.source.rel_path, f.message) for r in run.results for f in r.findings if f.code == rule.code]
    assert not wrong, f"{rule.code}: `Use instead` triggers the rule: {wrong}"


def test_every_option_has_a_valid_example(tmp_path: Path) -> None:
    assert set(OPTION_EXAMPLES) == {option.key for option in OPTIONS}
    for key, example in OPTION_EXAMPLES.items():
        config = tmp_path / key / "pyproject.toml"
        config.parent.mkdir()
        config.write_text(f"[tool.isolint]\n{key} = {example}\n")
        tomllib.loads(config.read_text())
        load_settings(config)  # raises ConfigError when the example is not a valid value


def test_configuration_reference_documents_every_option() -> None:
    text = (DOCS / "configuration.md").read_text()
    for option in OPTIONS:
        assert f"### `{option.key}`" in text
    for topic in ("## Zones", "## Services", "## Suppression comments", "## Per-file ignores"):
        assert topic in text
