"""Generated docs are current, and every rule's examples behave as documented: the `Example`
triggers the rule, `Use instead` does not (examples are tests, Fixit's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from isolint.api import lint_paths
from isolint.cli.docs import OPTION_EXAMPLES, example_blocks, stale_pages
from isolint.core.config import OPTIONS, load_settings, tomllib
from isolint.core.rule import DOC_SECTIONS
from isolint.rules.registry import RULES

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Known look-alikes")


def test_generated_docs_are_current() -> None:
    stale = stale_pages(DOCS)
    assert not stale, f"stale docs: {[str(p) for p in stale]}; run `python -m isolint.cli.docs`"


#: a sentence ends at . ! or ? followed by a space or the end (code spans removed first: `os.environ`)
SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
CODE_SPAN_RE = re.compile(r"`[^`]*`")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*]|\d+\.)\s", re.MULTILINE)


def sentence_count(text: str) -> int:
    prose = CODE_SPAN_RE.sub("code", text)
    return len(SENTENCE_END_RE.findall(prose)) + len(LIST_ITEM_RE.findall(prose))


def test_sentence_count_sees_code_spans_and_list_items() -> None:
    assert sentence_count("Flags `os.environ.get` in `app.py`. Only there.") == 2
    assert sentence_count("Flags:\n- one\n- two") == 2
    assert sentence_count("Ends without a full stop") == 0


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_doc_has_ruffs_shape(rule) -> None:
    """A one-line summary, then the known sections in order: the required ones, `Fix safety`
    exactly when the rule is fixable, `What it does` in at most three sentences and the look-alikes
    kept short (the fixtures hold the rest)."""
    summary = rule.summary()
    assert summary and summary.endswith(".") and len(summary) <= 90, \
        f"{rule.code}: summary {summary!r} (one line; `isolint rules` shows 90 characters)"
    sections = rule.doc_sections()
    assert rule.doc().startswith("## What it does"), f"{rule.code}: the summary is not one line before the sections"
    unknown = [name for name in sections if name not in DOC_SECTIONS]
    assert not unknown, f"{rule.code}: unknown sections {unknown} (known: {DOC_SECTIONS})"
    assert list(sections) == [name for name in DOC_SECTIONS if name in sections], f"{rule.code}: order {list(sections)}"
    missing = [name for name in REQUIRED_SECTIONS if not sections.get(name, "").strip()]
    assert not missing, f"{rule.code} lacks {missing}"
    assert ("Fix safety" in sections) is (rule.fixable.value != "none"), f"{rule.code}: `Fix safety` iff fixable"
    assert sentence_count(sections["What it does"]) <= 3, f"{rule.code}: `What it does` is over three sentences"
    look_alikes = sections["Known look-alikes"]
    assert len(LIST_ITEM_RE.findall(look_alikes)) <= 6 and len(look_alikes) <= 900, \
        f"{rule.code}: `Known look-alikes` is long ({len(look_alikes)} characters); the fixtures hold the rest"


def test_rule_codes_and_names_are_well_formed() -> None:
    """Codes are ISO + three digits, unique and sorted in the registry; names are unique kebab-case."""
    codes = [rule.code for rule in RULES]
    assert all(re.fullmatch(r"ISO\d{3}", code) for code in codes), codes
    assert codes == sorted(set(codes)), "RULES must list each code once, sorted"
    names = [rule.name for rule in RULES]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name) for name in names), names
    assert len(set(names)) == len(names)


def test_rules_index_rows_are_short() -> None:
    rows = [line for line in (DOCS / "rules" / "index.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| [")]
    assert len(rows) == len(RULES)
    long_rows = [row for row in rows if len(row) > 200]
    assert not long_rows, long_rows


#: backticked words shaped like a rule name (three or more lowercase words joined by hyphens)
#: that the docs use for something else: example values, editor commands
NOT_RULE_NAMES = frozenset({"dev-secret-key", "eglot-code-actions", "eglot-code-action-quickfix"})
RULE_NAME_LIKE_RE = re.compile(r"`([a-z]+(?:-[a-z]+){2,})`")
RULE_CODE_RE = re.compile(r"\bISO\d{3}\b")
MARKDOWN_LINK_RE = re.compile(r"\]\(([^)\s]+)\)")


def _documentation() -> dict[str, str]:
    """Every page a reader sees, and every rule docstring (hover, `isolint rule`)."""
    pages = [*DOCS.rglob("*.md"), REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "vscode-client" / "README.md"]
    texts = {str(path.relative_to(REPO)): path.read_text(encoding="utf-8") for path in pages if path.is_file()}
    texts |= {f"{rule.code} docstring": rule.__doc__ or "" for rule in RULES}
    return texts


#: CONTRIBUTING.md's "Adding a rule" walks through adding this rule, which does not exist
WORKED_EXAMPLE = {"CONTRIBUTING.md": {"ISO106", "debug-enabled-in-code"}}


def test_docs_name_only_rules_that_exist() -> None:
    codes = {rule.code for rule in RULES}
    names = {rule.name for rule in RULES} | {option.key for option in OPTIONS} | NOT_RULE_NAMES
    unknown = sorted({(where, code) for where, text in _documentation().items()
                      for code in RULE_CODE_RE.findall(text) if code not in codes | WORKED_EXAMPLE.get(where, set())}
                     | {(where, name) for where, text in _documentation().items()
                        for name in RULE_NAME_LIKE_RE.findall(text) if name not in names | WORKED_EXAMPLE.get(where, set())})
    assert not unknown, (f"docs mention rules that do not exist: {unknown} (a backticked word that is "
                         f"not meant as a rule name belongs in NOT_RULE_NAMES)")


def test_docs_link_only_to_files_in_the_repository() -> None:
    """Relative links resolve to a file or folder of the repository (nothing outside it)."""
    broken = []
    for where, text in _documentation().items():
        if where.endswith("docstring"):
            continue
        base = (REPO / where).parent
        for target in MARKDOWN_LINK_RE.findall(text):
            path = target.split("#")[0]
            if not path or "://" in path or path.startswith("mailto:"):
                continue
            resolved = (base / path).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append((where, target))
    assert not broken, broken


def test_the_rule_name_check_can_fail() -> None:
    assert RULE_NAME_LIKE_RE.findall("rule names (`localhost-in-production`) work") == ["localhost-in-production"]
    assert "localhost-in-production" not in {rule.name for rule in RULES}


def _lint_section(tmp_path: Path, rule, section: str):
    """Write the section's blocks as a project and lint it; None when nothing is lintable.

    `Use instead` is linted in the `Example`'s project: its blocks replace the files they name
    and the other files stay, so a cross-file rule's `Use instead` shows only what changes."""
    sections = rule.doc_sections()
    example = example_blocks(sections["Example"])
    if section == "Example":
        base, blocks = [], [b for b in example if b.path]
    else:
        base, blocks = [b for b in example if b.path], [b for b in example_blocks(sections[section], example) if b.path]
    if not blocks:
        return None, None
    named = [block.path for block in blocks]
    assert len(set(named)) == len(named), f"{rule.code}: two blocks of `{section}` are linted as the same file"
    files = {block.path: block.code for block in base + blocks}  # later blocks replace earlier ones
    settings: dict = {"extend-select": [rule.code]}
    for block in base + blocks:
        settings.update(block.settings)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[tool.isolint]\n")
    for path, code in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    run = lint_paths([tmp_path], overrides=settings, jobs=1)
    assert not run.config_errors, run.config_errors
    return blocks[0].path, run


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
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
