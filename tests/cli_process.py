"""The ``winnow`` command line (or any Python code) run in a process of its own: as a second
person would run it against the same database (the live-update tests), or as a user runs it
(the screenshot tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_elsewhere(*argv: str, user: str | None = None) -> float:
    """Run ``python ARGV`` in another process with the project importable (as ``user``: the
    OS user SQLite records); it must succeed. Returns when it finished (monotonic)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if user is not None:
        env["LOGNAME"] = user
    done = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return time.monotonic()


def winnow_elsewhere(url: str, *args: str, user: str | None = None) -> float:
    """Run ``winnow --db URL ARGS`` in another process, as :func:`python_elsewhere`."""
    return python_elsewhere("-m", "app", "--db", url, *args, user=user)


def winnow_offscreen(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``winnow ARGS`` in a process of its own as a user runs it, from the project folder,
    offscreen and with no DNS server to reach (a name server on the discard port); its result,
    whatever its exit code."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONIOENCODING": "utf-8",
        "WINNOW_NAMESERVER": "127.0.0.1:9",  # never asked; if it were, it goes nowhere
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
