"""bench/fix_sweep.py: the checks it makes of ``--fix`` on a corpus, on a tiny monorepo built
here — the real isolint runs, fixes, and runs again."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import fix_sweep

SETTINGS = '''\
import json

from app.config import get_config

ENV = get_config("ENV")


class CacheSettings:
    host = "localhost"


def dump() -> str:
    return json.dumps({"env": ENV})
'''

SESSIONS = '''\
from app.db import SessionLocal


def count() -> int:
    session = SessionLocal()
    total = session.query(int).count()
    session.close()
    return total
'''


def test_the_diff_shown_may_mask_a_secret_but_nothing_else() -> None:
    written = "@@ -1 +1 @@\n-KEY = 'ab12cd34ef56'\n+KEY = os.environ['KEY']\n"
    shown = "@@ -1 +1 @@\n-KEY = 'ab********56'\n+KEY = os.environ['KEY']\n"
    assert fix_sweep.same_diff(shown, written)
    assert not fix_sweep.same_diff(shown.replace("KEY']", "KEYS']"), written)
    assert not fix_sweep.same_diff(shown + "+extra\n", written)


def test_hunks_are_attributed_to_the_rule_whose_edit_starts_in_them() -> None:
    diff = "--- a/x.py\n+++ b/x.py\n@@ -3,3 +3,3 @@\n a\n-b\n+c\n d\n@@ -20,1 +20,1 @@\n-e\n+f\n"
    findings = [{"path": "x.py", "code": "ISO101",
                 "fix": {"applicability": "unsafe", "edits": [{"location": {"row": 4}}]}},
                {"path": "x.py", "code": "ISO301",
                 "fix": {"applicability": "safe", "edits": [{"location": {"row": 40}}]}}]
    attributed = fix_sweep.attribute(fix_sweep.split_hunks(diff), findings, unsafe=True)
    assert [code for code, _, _ in attributed] == ["ISO101", "?"]
    assert [code for code, _, _ in fix_sweep.attribute(fix_sweep.split_hunks(diff), findings, unsafe=False)] \
        == ["?", "?"]


def test_damage_outside_the_fix_is_named() -> None:
    assert fix_sweep.outside_changes(b"\xef\xbb\xbfx = 1\n", b"x = 1\n") == "BOM changed"
    assert fix_sweep.outside_changes(b"a\r\nb\r\n", b"a\r\nc\nb\r\n") == "CRLF line endings mixed with LF"
    assert fix_sweep.outside_changes(b"a\n", b"a") == "final newline changed"
    assert fix_sweep.outside_changes(b"a\r\n", b"b\r\n") is None
    assert fix_sweep.python_parses(b"x = (\n") is not None and fix_sweep.python_parses(b"x = 1\n") is None


def test_a_sweep_fixes_checks_and_runs_again(tmp_path: Path) -> None:
    corpus = tmp_path / "corpora/tiny"
    for rel, text in {"services/api/app/cache.py": SETTINGS, "services/api/app/sessions.py": SESSIONS,
                      "services/api/Dockerfile": "FROM python:3.12\n", "services/web/package.json": "{}\n"}.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(text)
    safe, unsafe = fix_sweep.sweep("tiny", tmp_path / "corpora", tmp_path / "out", tmp_path / "copies")
    assert safe.files_fixed == 1 and safe.hunks == {"ISO301": 1}
    assert unsafe.files_fixed == 1 and unsafe.hunks == {"ISO101": 1}
    for result in (safe, unsafe):
        assert not (result.parse_failures or result.diff_mismatches or result.idempotence_failures
                    or result.not_gone or result.damage)
    fixed = (tmp_path / "copies/fix-tiny/services/api/app/cache.py").read_text()
    assert 'host = get_config("CACHE_HOST")' in fixed and "import os" not in fixed  # the module's accessor
    assert "with SessionLocal() as session:" in (tmp_path / "copies/fix-tiny/services/api/app/sessions.py").read_text()
    assert (corpus / "services/api/app/cache.py").read_text() == SETTINGS  # the corpus itself is untouched
