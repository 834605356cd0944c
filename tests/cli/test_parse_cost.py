"""A file libcst would take minutes to parse (its time grows with the cube of one expression's
length) is reported unparseable with the reason, at once, and the other files are still read."""

from __future__ import annotations

import json
from pathlib import Path

from tests.robustness.hostile import build_tree, fstring_operator_chain, run_isolint


def test_a_huge_operator_chain_in_a_newer_fstring_is_reported_not_parsed(tmp_path: Path) -> None:
    project = build_tree(tmp_path, {
        "pyproject.toml": "[tool.isolint]\n",
        "app/chain.py": fstring_operator_chain(),
        "app/config.py": 'REDIS_HOST = "localhost"\n',
    })
    # the timeout only guards against a hang (before the bound: minutes)
    done = run_isolint(project, "check", "--no-cache", "--format", "json", ".", timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    findings = {(item["path"], item["code"]): item for item in json.loads(done.stdout)}
    assert ("app/config.py", "ISO101") in findings, "the other files are still analysed"
    refused = findings[("app/chain.py", "ISO001")]
    assert "more than 1,500 tokens without a comma" in refused["message"]
    assert refused["location"]["row"] == 2
