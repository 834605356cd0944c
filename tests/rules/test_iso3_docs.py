"""The ISO3xx docs are tests: each rule's `Example` triggers it and `Use instead` does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from isolint.api import lint_source
from isolint.cli.docs import example_blocks
from isolint.core.config import Settings
from isolint.rules.registry import RULES

ROOT = Path("/isolint-doc-root")
LIFECYCLE = [rule for rule in RULES if rule.code.startswith("ISO3")]


@pytest.mark.parametrize("rule", LIFECYCLE, ids=lambda rule: rule.code)
@pytest.mark.parametrize(("section", "expected"), [("Example", True), ("Use instead", False)])
def test_doc_examples(rule, section: str, expected: bool) -> None:
    block = example_blocks(rule.doc_sections()[section])[0]
    settings = Settings(root=ROOT).with_overrides({"select": [rule.code], **block.settings})
    found = [f for f in lint_source(block.code, ROOT / block.path, settings).findings if f.code == rule.code]
    assert bool(found) is expected, found
