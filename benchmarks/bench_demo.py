"""Demo generation: ``winnow demo --contacts N`` as a user runs it, a fresh process writing a new
file (issue 15: ≤ 15 s at 100,000 contacts, ≤ 3 min at 1,000,000).

Wall time, the process's CPU time (user + system, which a busy machine does not inflate) and its
peak memory, read from that one child (``os.wait4``), and the file's bytes a contact. The file
is written in a folder of its own and removed afterwards; the cached demo databases are not
touched. At ``--size 1000000`` this takes minutes (20 or more on a loaded machine).

    python -m benchmarks demo [--size N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size

ROOT = Path(__file__).resolve().parents[1]


def _target_s(contacts: int) -> float | None:
    return 15.0 if contacts <= 100_000 else 180.0 if contacts <= 1_000_000 else None


def measure(contacts: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="winnow-bench-demo-"))
    path = work / "demo.sqlite"
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: compiled modules cached
    argv = [sys.executable, "-m", "app", "--db", str(path), "demo", "--contacts", str(contacts)]
    load = os.getloadavg()
    try:
        start = time.perf_counter()
        child = subprocess.Popen([*argv, "--quiet"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"winnow demo exited with {child.returncode}")
        size = path.stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    target = _target_s(contacts)
    return {
        "contacts": contacts,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "user_s": round(usage.ru_utime, 2),
        "system_s": round(usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "file_bytes_a_contact": round(size / contacts),
        "load_average_before": [round(x, 2) for x in load],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "target_s": target,
        "ok": None if target is None else wall <= target,
        "ok_in_cpu_time": None if target is None else cpu <= target,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """``python -m benchmarks demo [--size N]``: a new demo file of the benchmark size."""
    return measure(bench_size(quick))
