"""The message contract end to end: cross-language findings, the incremental story the LSP
relies on, the rename fix, the metric, the export command and the configuration."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from isolint.api import fix_source, lint_paths, lint_source
from isolint.core.config import ConfigError, Settings, load_settings
from isolint.core.metrics import MetricInput
from isolint.core.model import Applicability
from isolint.engine.project import ProjectIndex
from isolint.rules.contract.catalogue import FACT_KINDS
from isolint.rules.contract.metrics import count_message_mismatches, message_mismatches
from isolint.rules.registry import RULE_BY_CODE

ROOT = Path("/isolint-contract-root")
MONOREPO = Path(__file__).resolve().parents[2] / "examples" / "monorepo"
PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
BACKEND_PATH = ROOT / "services/api/app/ws/messages.py"
FRONTEND_PATH = ROOT / "frontend/src/ws/client.ts"

BACKEND = """\
from enum import Enum


class MessageType(str, Enum):
    THREAD_CREATED = "thread_created"
    THREAD_UPDATE = "thread_update"


async def push(websocket, thread):
    await websocket.send_json({"type": MessageType.THREAD_UPDATE, "data": thread})
    await websocket.send_json({"type": MessageType.THREAD_CREATED, "payload": thread})
"""

FRONTEND = """\
export type ServerMessageType = 'thread_created' | 'thread_updated';

export function listen(ws: WebSocket) {
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    switch (message.type) {
      case 'thread_created':
        return add(message.payload);
      case 'thread_updated':
        return update(message.payload);
    }
  };
}
"""


def lint_pair(backend: str = BACKEND, frontend: str = FRONTEND, project: ProjectIndex | None = None):
    settings = Settings(root=ROOT)
    project = project or ProjectIndex(settings)
    lint_source(backend, BACKEND_PATH, settings, project)
    front = lint_source(frontend, FRONTEND_PATH, settings, project)
    back = lint_source(backend, BACKEND_PATH, settings, project)
    return project, back, front


def codes(result) -> list[tuple[str, int]]:
    return [(f.code, f.range.start.line) for f in result.findings]


def test_findings_on_both_sides_with_messages() -> None:
    _, back, front = lint_pair()
    assert codes(back) == [("ISO403", 5)]
    assert back.findings[0].message == ("Message type `thread_update` does not match `thread_updated` in the frontend "
                                        "(same words, another tense or number)")
    assert codes(front) == [("ISO403", 0), ("ISO404", 9)]
    assert front.findings[1].message == ("`payload` is read from `thread_updated` messages, but the backend never "
                                         "sets it (it sends `data`)")


def test_a_file_alone_has_no_peer_and_no_findings() -> None:
    assert lint_source(FRONTEND, FRONTEND_PATH, Settings(root=ROOT)).findings == []


def test_editing_a_python_type_updates_the_typescript_diagnostics_on_the_next_analysis() -> None:
    project, _, front = lint_pair()
    assert ("ISO403", 0) in codes(front)
    fixed_backend = BACKEND.replace('"thread_update"', '"thread_updated"').replace('"data"', '"payload"')
    changed = project.update("services/api/app/ws/messages.py", {})  # the LSP's per-file update
    assert changed and set(changed) <= set(FACT_KINDS)
    settings = Settings(root=ROOT)
    lint_source(fixed_backend, BACKEND_PATH, settings, project)
    assert lint_source(FRONTEND, FRONTEND_PATH, settings, project).findings == []
    # every contract rule declares the fact kinds, so the LSP knows to re-check the open .ts
    for code in ("ISO401", "ISO402", "ISO403", "ISO404"):
        assert set(RULE_BY_CODE[code].uses_facts) == set(FACT_KINDS)


def test_near_miss_fix_renames_every_literal_on_the_frontend_and_is_display_only_on_the_backend() -> None:
    project, back, front = lint_pair()
    front_fix = front.findings[0].fix
    assert front_fix is not None and front_fix.applicability is Applicability.UNSAFE
    assert front_fix.title == "Rename to `thread_update` (the spelling in the backend)"
    assert len(front_fix.edits) == 2  # the union member and the case label
    assert back.findings[0].fix.applicability is Applicability.DISPLAY_ONLY
    outcome = fix_source(FRONTEND, FRONTEND_PATH, Settings(root=ROOT), unsafe=True, project=project, only={"ISO403"})
    assert "'thread_updated'" not in outcome.text and outcome.text.count("'thread_update'") == 2


def test_unknown_and_unsent_types() -> None:
    backend = BACKEND + (
        "\n\nasync def receive(websocket):\n    message = await websocket.receive_json()\n"
        "    if message['type'] == 'archive_thread':\n        pass\n"
    )
    frontend = FRONTEND.replace("'thread_created' | 'thread_updated'", "'thread_created' | 'thread_update' | 'toast'")
    frontend = frontend.replace("case 'thread_updated':", "case 'thread_update':")
    _, back, front = lint_pair(backend, frontend)
    assert codes(back) == [("ISO402", 15)]
    assert back.findings[0].message == ("Message type `archive_thread` is handled by the backend but the frontend "
                                        "never sends it")
    assert ("ISO401", 0) in codes(front)
    assert any(f.message == "Message type `toast` is declared by the frontend but the backend never sends or handles it"
               for f in front.findings)


def test_example_monorepo_metric_counts_each_mismatch_once() -> None:
    run = lint_paths([MONOREPO], jobs=1)
    project = run.projects[MONOREPO.resolve()]
    alignment = count_message_mismatches(project)
    assert alignment.measured
    assert alignment.by_kind == {"near-miss": 2, "payload": 1, "unknown": 2, "unsent": 2}
    assert alignment.mismatches == 7
    result = message_mismatches(MetricInput([], dict(run.projects)))
    assert result is not None and result.value == 7 and not result.passed and result.target == 0


def test_metric_is_not_measured_without_a_peer() -> None:
    run = lint_paths([PROJECTS / "iso4_backend_only"], jobs=1)
    assert message_mismatches(MetricInput([], dict(run.projects))) is None


@pytest.mark.parametrize(("table", "message"), [
    ('backnd = "x/**"', "unknown key `backnd`"),
    ('shared = "contract.json"', "`shared` must be the path of one .py or .ts file"),
    ("frontend = []", "`frontend` must be a glob or a list of globs"),
])
def test_contract_table_is_validated_with_its_line(tmp_path: Path, table: str, message: str) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[project]\nname = 'x'\n\n[tool.isolint.message-contract]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert message in info.value.message and info.value.line == 4


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isolint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_contract_export_writes_checks_and_is_not_mistaken_for_frontend_handling(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    shutil.copytree(MONOREPO, project, ignore=shutil.ignore_patterns(".isolint_cache"))
    output = project / "frontend/src/ws/generated-contract.ts"
    stale = run_cli("contract", "export", "--to", "typescript", "-o", str(output), "--check", cwd=project)
    assert stale.returncode == 1 and "+export type ServerMessageType =" in stale.stdout
    before = lint_paths([project], jobs=1).findings
    written = run_cli("contract", "export", "--to", "typescript", "-o", str(output), cwd=project)
    assert written.returncode == 0, written.stderr
    text = output.read_text(encoding="utf-8")
    assert "  | 'run_progress'" in text and "RESUME_AGENT: 'resume_agent'," in text
    assert run_cli("contract", "export", "-o", str(output), "--check", cwd=project).returncode == 0
    after = lint_paths([project], jobs=1).findings
    assert sorted((f.path, f.code, f.range.start.line) for f in after) == \
        sorted((f.path, f.code, f.range.start.line) for f in before)


def test_shared_contract_is_the_default_export_target(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    shutil.copytree(PROJECTS / "iso4_shared_contract", project)
    assert run_cli("contract", "export", "--check", cwd=project).returncode == 1
    assert run_cli("contract", "export", cwd=project).returncode == 0
    exported = (project / "contract/messages.ts").read_text(encoding="utf-8")
    assert "'job_finish'" in exported and "'cancel_job'" in exported
    settings = load_settings(project / "pyproject.toml")
    assert settings.message_contract == {"shared": "contract/messages.ts"}
