"""bench/quality.py and bench/corpora.py on tiny corpora built here: the real isolint runs on a
synthetic monorepo, and the scorer must count found, missed and flagged look-alike lines right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import corpora
import quality

SERVICE_CONFIG = '''\
import os

DB_HOST = os.getenv("DB_HOST", "localhost")
CACHE_URL = os.environ["CACHE_URL"]


def is_local(host: str) -> bool:
    return host == "localhost"
'''

FILES = {
    "pyproject.toml": "[project]\nname = \"shop\"\n",
    "services/api/Dockerfile": "FROM python:3.11\n",
    "services/api/app/__init__.py": "",
    "services/api/app/config.py": SERVICE_CONFIG,
}

HEADER = "path\tline\tfamily\tkind\treason\n"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def write_labels(path: Path, rows: list[tuple]) -> Path:
    path.write_text(HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, list]:
    """The synthetic monorepo and isolint's real findings on it (one run for the module)."""
    root = write_tree(tmp_path_factory.mktemp("corpus"), FILES)
    return root, quality.run_isolint(root)


def test_found_missed_and_flagged_look_alike_are_counted(synthetic, tmp_path):
    root, findings = synthetic
    assert any(f.code.startswith("ISO1") and f.location.covers("services/api/app/config.py", 3) for f in findings)
    labels = quality.read_labels(write_labels(tmp_path / "labels.tsv", [
        ("services/api/app/config.py", 3, "ISO1", "must-flag", "dev host fallback in a service"),
        ("services/api/app/config.py", 4, "ISO1", "must-flag", "pretend recall gap: a required lookup"),
        ("services/api/app/config.py", 8, "ISO1", "look-alike", "comparison with localhost, not a fallback"),
        ("services/api/app/config.py", 3, "ISO3", "look-alike", "no session here: other families stay apart"),
        ("services/api/app/config.py", 3, "ISO2", "look-alike", "no secret: a family without findings"),
    ]), root)
    result = quality.score(labels, findings)["families"]
    rules_on_line_3 = {f.code: 1 for f in findings
                       if f.code.startswith("ISO1") and f.location.covers("services/api/app/config.py", 3)}
    assert result["ISO1"]["must_flag"] == {"found": 1, "total": 2, "missed": ["services/api/app/config.py:4"],
                                           "by_rule": rules_on_line_3}
    assert result["ISO1"]["look_alike"] == {"flagged": 0, "total": 1, "flagged_lines": [], "by_rule": {}}
    assert result["ISO3"]["look_alike"]["flagged"] == 0
    assert result["ISO2"]["look_alike"] == {"flagged": 0, "total": 1, "flagged_lines": [], "by_rule": {}}


def test_a_flagged_look_alike_is_counted_against_the_family(synthetic, tmp_path):
    root, findings = synthetic
    labels = quality.read_labels(write_labels(tmp_path / "labels.tsv", [
        ("services/api/app/config.py", 3, "ISO1", "look-alike", "say a maintainer would not act on it"),
    ]), root)
    look = quality.score(labels, findings)["families"]["ISO1"]["look_alike"]
    assert look["flagged"] == look["total"] == 1
    assert look["flagged_lines"] == ["services/api/app/config.py:3"]
    assert sum(look["by_rule"].values()) >= 1 and all(code.startswith("ISO1") for code in look["by_rule"])


def test_score_command_runs_isolint_and_reports_json(synthetic, tmp_path, capsys):
    root, findings = synthetic
    labels = write_labels(tmp_path / "labels.tsv", [
        ("services/api/app/config.py", 3, "ISO1", "must-flag", "dev host fallback in a service"),
    ])
    assert quality.main(["score", "--path", str(root), "--labels", str(labels), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)[root.name]
    assert result["families"]["ISO1"]["must_flag"]["found"] == 1
    assert sum(result["rules"].values()) == result["findings"] == len(findings)


def test_related_locations_count_as_found(tmp_path):
    """A must-flag line found only as a related location, in both report formats."""
    root = write_tree(tmp_path / "corpus", {"a.py": "x = 1\ny = 2\nz = 3\n"})
    labels = [quality.Label("a.py", 3, "ISO5", "must-flag", "second line of the same fake")]
    json_report = tmp_path / "report.json"
    json_report.write_text(json.dumps([{
        "code": "ISO501", "message": "m", "severity": "warning", "filename": str(root / "a.py"), "path": "a.py",
        "location": {"row": 1, "column": 1}, "end_location": {"row": 1, "column": 5},
        "related_locations": [{"path": "a.py", "location": {"row": 3, "column": 1},
                               "end_location": {"row": 3, "column": 5}}],
    }]), encoding="utf-8")
    sarif_report = tmp_path / "report.sarif"
    sarif_report.write_text(json.dumps({"version": "2.1.0", "runs": [{"results": [{
        "ruleId": "ISO501", "level": "warning", "message": {"text": "m"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}],
        "relatedLocations": [{"physicalLocation": {"artifactLocation": {"uri": (root / "a.py").as_uri()},
                                                   "region": {"startLine": 3, "endLine": 3}}}],
    }]}]}), encoding="utf-8")
    for report in (json_report, sarif_report):
        found = quality.score(labels, quality.read_findings(report, root))["families"]["ISO5"]["must_flag"]
        assert found["found"] == 1, report.name
    unrelated = quality.score([quality.Label("a.py", 2, "ISO5", "must-flag", "r")],
                              quality.read_findings(json_report, root))
    assert unrelated["families"]["ISO5"]["must_flag"]["missed"] == ["a.py:2"]


@pytest.mark.parametrize(("row", "complaint"), [
    (("a.py", 1, "ISO7", "must-flag", "r"), "family"),
    (("a.py", 1, "ISO1", "maybe", "r"), "kind"),
    (("a.py", 9, "ISO1", "must-flag", "r"), "has 1 lines"),
    (("b.py", 1, "ISO1", "must-flag", "r"), "not a file"),
    (("a.py", 1, "ISO1", "must-flag", " "), "reason"),
])
def test_bad_labels_are_refused_with_their_place(tmp_path, row, complaint):
    root = write_tree(tmp_path / "corpus", {"a.py": "x = 1\n"})
    labels = write_labels(tmp_path / "labels.tsv", [row])
    with pytest.raises(quality.QualityError, match=complaint) as raised:
        quality.read_labels(labels, root)
    assert "labels.tsv:2" in str(raised.value)


def test_a_line_labelled_twice_for_one_family_is_refused(tmp_path):
    root = write_tree(tmp_path / "corpus", {"a.py": "x = 1\n"})
    labels = write_labels(tmp_path / "labels.tsv", [("a.py", 1, "ISO1", "must-flag", "r"),
                                                    ("a.py", 1, "ISO1", "look-alike", "r")])
    with pytest.raises(quality.QualityError, match="labelled twice"):
        quality.read_labels(labels, root)


def test_sample_draws_per_rule_reproducibly_and_judged_scores_it(synthetic, tmp_path):
    root, findings = synthetic
    rules = {f.code for f in findings}
    first = quality.sample(findings, per_rule=1, seed=3, corpus_root=root)
    assert quality.sample(findings, per_rule=1, seed=3, corpus_root=root) == first
    assert sorted(row["rule"] for row in first) == sorted(rules)
    assert all(row["verdict"] == "" and row["source"] for row in first)
    out = tmp_path / "sample.tsv"
    for index, row in enumerate(first):
        row["verdict"] = "tp" if index == 0 else "fp"
    quality.write_tsv(first, quality.SAMPLE_COLUMNS, out)
    judged = quality.score_judged(out)
    assert judged["judged"] == len(first)
    assert judged["rules"][first[0]["rule"]]["tp"] == 1
    assert judged["tp_share"] == pytest.approx(1 / len(first))


def test_judged_refuses_an_unknown_verdict(tmp_path):
    out = tmp_path / "sample.tsv"
    quality.write_tsv([{"rule": "ISO101", "rule_total": "3", "verdict": "maybe"}], quality.SAMPLE_COLUMNS, out)
    with pytest.raises(quality.QualityError, match="verdict 'maybe'"):
        quality.score_judged(out)


def test_judged_weights_rules_by_volume(tmp_path):
    out = tmp_path / "sample.tsv"
    rows = ([{"rule": "ISO101", "rule_total": "90", "verdict": "tp"}]
            + [{"rule": "ISO501", "rule_total": "10", "verdict": v} for v in ("fp", "noise")])
    quality.write_tsv(rows, quality.SAMPLE_COLUMNS, out)
    judged = quality.score_judged(out)
    assert judged["tp_share"] == pytest.approx(1 / 3)
    assert judged["tp_share_weighted_by_volume"] == pytest.approx(0.9)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_corpus_is_materialised_from_a_bare_mirror_at_its_commit(tmp_path):
    work = write_tree(tmp_path / "work", {"app/main.py": "print('pinned')\n"})
    _git("init", "-q", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "first", cwd=work)
    _git("add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "pinned", cwd=work)
    pinned = _git("rev-parse", "HEAD", cwd=work)
    (work / "app/main.py").write_text("print('later')\n", encoding="utf-8")
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "later", cwd=work)
    _git("clone", "-q", "--bare", str(work), str(tmp_path / "mirrors/o+n/repo"), cwd=tmp_path)
    corpus = corpora.Corpus("tiny", "https://example.invalid/o/n", pinned, "o+n/repo")

    record = corpora.fetch(corpus, tmp_path / "mirrors", tmp_path / "corpora")
    dest = corpora.materialised_path(corpus, tmp_path / "corpora")
    assert (dest / "app/main.py").read_text(encoding="utf-8") == "print('pinned')\n"
    assert record["files"] == 1 and record["skipped_missing_blobs"] == []

    with pytest.raises(corpora.CorpusError, match="no bare mirror"):
        corpora.fetch(corpus, tmp_path / "elsewhere", tmp_path / "corpora")
    moved = corpora.Corpus("tiny", corpus.repository, "0" * 40, corpus.mirror)
    with pytest.raises(corpora.CorpusError, match="holds commit"):
        corpora.materialised_path(moved, tmp_path / "corpora")
    with pytest.raises(corpora.CorpusError, match="not materialised"):
        corpora.materialised_path(corpus, tmp_path / "nowhere")


@pytest.mark.parametrize("name", sorted(corpora.load_catalogue()))
def test_every_catalogued_corpus_has_valid_labels(name):
    """A corpus without labels (or with a malformed label file) cannot be scored; the check needs
    no corpus on disk: format, families, kinds, reasons and duplicates are read from the file."""
    labels = quality.read_labels(BENCH / "labels" / f"{name}.tsv")
    assert labels, f"bench/labels/{name}.tsv holds no label"
