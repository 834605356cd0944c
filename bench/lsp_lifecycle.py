"""Language server while it indexes a workspace: how soon a newly opened file gets its first
diagnostics, and how soon the process is gone once told to leave.

Editors give a server a second or two to leave before they kill it, and a user opens files
while the workspace is still being indexed. For each delay after indexing starts (read from the
server's INFO log), the script starts a fresh server on the workspace, opens one production
file, times its first ``publishDiagnostics``, then tells it to leave (``--leave``: ``shutdown`` +
``exit``; ``stdin`` closed; ``client``, the editor process named in ``initialize`` killed) and
times until the process is gone. The server's log says whether indexing was interrupted.

    .venv/bin/python bench/lsp_lifecycle.py "$(python bench/corpora.py path openhands)" --open openhands/server/app.py
    .venv/bin/python bench/lsp_lifecycle.py "$(python bench/corpora.py path skyvern)" --leave shutdown stdin client
    .venv/bin/python bench/lsp_lifecycle.py                 # a generated 5,000-file workspace

Targets (issue 13): first diagnostics <= 300 ms during indexing; gone within 1 s of being told.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_latency import StdioClient, generate_workspace

TARGET_FIRST_MS, TARGET_EXIT_MS = 300.0, 1000.0


LEAVING = {
    "shutdown": "shutdown + exit",
    "stdin": "stdin closed",
    "client": "the client process killed",
}


def one_run(workspace: Path, opened: Path, delay: float, logs: Path, how: str = "shutdown") -> tuple[float, float, bool]:
    log_file = logs / f"server-{how}-{delay}.log"
    client = StdioClient([sys.executable, "-m", "isolint", "server", "--log-level", "INFO", "--log-file",
                          str(log_file)], workspace, logs / "stderr.log")
    # "client": the editor is a process of its own, named in initialize, that dies without a word
    editor = subprocess.Popen(["sleep", "600"]) if how == "client" else None
    try:
        uri = opened.resolve().as_uri()
        client.request("initialize", {"processId": editor.pid if editor else None,
                                      "rootUri": workspace.resolve().as_uri(), "capabilities": {}}, timeout=120)
        client.notify("initialized", {})
        deadline = time.perf_counter() + 120
        while "indexing started" not in _text(log_file):
            if time.perf_counter() > deadline:
                raise TimeoutError("indexing never started")
            time.sleep(0.01)
        time.sleep(delay)
        sent = client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": opened.read_text(encoding="utf-8")}})
        published = client.wait_for_version(uri, 1, 120)
        first_ms = (published.received - sent) * 1000 if published else float("inf")
        sent = time.perf_counter()
        if how == "shutdown":
            client.request("shutdown", None, timeout=60)
            client.notify("exit", None)
        elif how == "stdin":
            client.process.stdin.close()
        else:
            editor.kill()
            editor.wait()
        client.process.wait(60)
        exit_ms = (time.perf_counter() - sent) * 1000
        return first_ms, exit_ms, "indexing interrupted" in _text(log_file)
    finally:
        if client.process.poll() is None:
            client.process.kill()
        if editor is not None and editor.poll() is None:
            editor.kill()


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", nargs="?", type=Path, help="a project to index (default: a generated one)")
    parser.add_argument("--open", type=Path, help="file to open, relative to the workspace")
    parser.add_argument("--files", type=int, default=5_000, help="size of the generated workspace")
    parser.add_argument("--delays", type=float, nargs="*", default=[0.0, 0.5, 1.0, 2.0, 4.0])
    parser.add_argument("--leave", choices=list(LEAVING), nargs="+", default=["shutdown"],
                        help="how the server is told to go: shutdown + exit, stdin closed, or its client killed")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="isolint-lifecycle-bench-"))
    workspace = args.workspace
    if workspace is None:
        workspace = scratch / "workspace"
        generate_workspace(workspace, args.files)
    opened = workspace / args.open if args.open else next(p for p in sorted(workspace.rglob("*.py"))
                                                          if "test" not in p.name and p.stat().st_size > 2000)
    print(f"workspace {workspace}; opening {opened.relative_to(workspace)}")
    firsts, exits = [], []
    for how in args.leave:
        for delay in args.delays:
            first_ms, exit_ms, interrupted = one_run(workspace, opened, delay, scratch, how)
            firsts.append(first_ms)
            exits.append(exit_ms)
            print(f"open {delay:4.1f} s into indexing: first diagnostics {first_ms:7.0f} ms; {LEAVING[how]} → gone "
                  f"{exit_ms:6.0f} ms; indexing {'interrupted' if interrupted else 'had finished'}", flush=True)
    print(f"first diagnostics: median {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms "
          f"(target <= {TARGET_FIRST_MS:.0f}); leaving: median {statistics.median(exits):.0f} ms, "
          f"max {max(exits):.0f} ms (target <= {TARGET_EXIT_MS:.0f}); load average {os.getloadavg()[0]:.1f}")
    return 0 if max(firsts) <= TARGET_FIRST_MS and max(exits) <= TARGET_EXIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
