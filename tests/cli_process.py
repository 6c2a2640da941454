"""The ``winnow`` command line (or any Python code) run in a process of its own: as a second
person would run it against the same database (the live-update tests), or as a user runs it
(the screenshot tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_in_project(
    *argv: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGV`` in a process of its own, from the project's folder, with ``env`` as its
    whole environment (this one's if None); its result, whatever its exit code (two minutes at
    most)."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def python_elsewhere(
    *argv: str, user: str | None = None, wait: Callable[[Callable[[], bool]], None] | None = None
) -> float:
    """Run ``python ARGV`` in another process with the project importable (as ``user``: the
    OS user SQLite records); it must succeed. Returns when it finished (monotonic).

    ``wait(ended)``: how to wait for it instead of blocking in ``subprocess.run`` (a window's
    test: ``qtbot.waitUntil``, so that the window goes on beside the other person's work as it
    does for a user, instead of finding it all piled up once the process has ended)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if user is not None:
        env["LOGNAME"] = user
    if wait is None:
        done = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, *argv], stdout=subprocess.DEVNULL, stderr=err, text=True, env=env
        )
        try:
            wait(lambda: proc.poll() is not None)
            ended = time.monotonic()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        assert proc.returncode == 0, err.read()
    return ended


def winnow_elsewhere(
    url: str,
    *args: str,
    user: str | None = None,
    wait: Callable[[Callable[[], bool]], None] | None = None,
) -> float:
    """Run ``winnow --db URL ARGS`` in another process, as :func:`python_elsewhere`."""
    return python_elsewhere("-m", "app", "--db", url, *args, user=user, wait=wait)


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
