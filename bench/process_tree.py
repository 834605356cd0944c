"""Run a command and measure its whole process tree: wall time, CPU (user+sys of the command and
every child it waited for) and peak memory as the summed proportional set size (PSS) of the
command and all its descendants, sampled every 20 ms from ``/proc/<pid>/smaps_rollup``.

PSS divides each shared page among the processes mapping it, so forked workers that still share
their parent's pages are not counted twice — the sum is what the tree really costs the machine.
Linux only (``/proc``); elsewhere the peak is reported as ``None``.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02


@dataclass
class TreeRun:
    wall: float
    cpu: float
    peak_pss_mb: float | None
    peak_processes: int
    returncode: int
    load: float


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from the kernel's per-thread children lists."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_average() -> float:
    return os.getloadavg()[0]


def run_tree(command: list[str], cwd: Path | str | None = None, env: dict | None = None) -> TreeRun:
    """Run ``command`` to completion (output discarded) and measure it as a whole tree."""
    load = load_average()
    sampling = Path("/proc/self/smaps_rollup").exists()
    peak = {"kb": 0, "processes": 0}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree = descendants(process.pid)
            total = sum(pss_kb(pid) for pid in tree)
            peak["kb"] = max(peak["kb"], total)
            peak["processes"] = max(peak["processes"], len(tree))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    if sampling:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sampling:
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    # wait4's usage covers the command and every descendant it reaped (the workers)
    cpu = usage.ru_utime + usage.ru_stime
    return TreeRun(wall, cpu, peak["kb"] / 1024 if sampling else None, peak["processes"], process.returncode, load)
