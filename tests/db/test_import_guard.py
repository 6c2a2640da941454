"""Imports made beside a database's opening wait for it (db.import_guard): two threads importing
SQLAlchemy at once can be handed each other's half-made modules, the opening fails and SQLAlchemy
stays half imported; the guard makes the other threads wait, never the opening's, never forever.

The races need a process that has not imported SQLAlchemy yet: each runs in one of its own."""

from __future__ import annotations

import builtins
import importlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db import import_guard
from db.engine import open_database
from db.handle import DatabaseOpening
from tests.cli_process import python_in_project

ROOT = Path(__file__).resolve().parents[2]

# the window's opening (ui.opening.opening_of, less Qt) and, at the same moment, other threads
# importing SQLAlchemy's submodules and the modules the window's workers import. "bare": the same
# with the guard left out (the race this guards against, shown to happen here)
BESIDE_PROBE = """
import sys
import threading
assert "sqlalchemy" not in sys.modules
import db.import_guard
from db.handle import DatabaseOpening
mode, path = sys.argv[1], sys.argv[2]
db.import_guard.WAIT_S = 600  # an opening that waited for itself would hang, not go on
if mode == "bare":
    db.import_guard.opening_began = lambda *args: None
    db.import_guard.opening_ended = lambda thread: None
def opener(on_step):
    import app.reference
    import app.stages  # noqa: F401
    from app.store import open_store
    return open_store(path, on_step=on_step)
NAMES = ["sqlalchemy.engine", "sqlalchemy.sql.expression", "sqlalchemy.orm", "app.paging"]
errors = []
go = threading.Barrier(len(NAMES) + 1)
def imports(name):
    go.wait()
    try:
        __import__(name)
    except Exception as exc:
        errors.append(f"{name}: {exc!r}")
threads = [threading.Thread(target=imports, args=(name,)) for name in NAMES]
for thread in threads:
    thread.start()
opening = DatabaseOpening(opener).start()
go.wait()
for thread in threads:
    thread.join()
try:
    opening.database().close()
except Exception as exc:
    errors.append(f"opening: {exc!r}")
try:  # what the first report saw: SQLAlchemy left half imported for the rest of the process
    import sqlalchemy.util
    sqlalchemy.util.inject_docstring_text
except Exception as exc:
    errors.append(f"sqlalchemy.util half made: {exc!r}")
print(errors or "ok", flush=True)
"""


def _probes(probe: str, *argsets: list[str], timeout: float = 120) -> list[str]:
    """``probe`` run once per argument list, each in a process of its own, all at once: the
    last line each printed (each must have ended well)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", probe, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in argsets
    ]
    outs = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise
        assert proc.returncode == 0, err
        outs.append(out.splitlines()[-1])
    return outs


def test_sqlalchemy_imported_beside_the_opening_waits_for_it(tmp_path: Path) -> None:
    """Four threads import SQLAlchemy's submodules (and app.paging) as the database's opening
    begins: with the guard each waits for the opening and every import succeeds, in every
    process; without it the same imports fail (one thread handed another's half-made module:
    "cannot import name 'AdaptedConnection' from partially initialized module")."""
    path = tmp_path / "crm.sqlite"
    open_database(path).close()
    outs = _probes(BESIDE_PROBE, *([mode, str(path)] for mode in ["guard", "bare"] * 3))
    guarded, bare = outs[0::2], outs[1::2]
    assert guarded == ["ok"] * 3
    assert any("partially initialized" in out or "half made" in out for out in bare), bare


# a thread imports a module ('held') that the opening needs, and inside it comes to SQLAlchemy
# while the opening still runs: it must go on (the opening waits for 'held'), not wait for it
HELD_PROBE = """
import logging
import sys
import threading
sys.path.insert(0, sys.argv[1])
import db.import_guard
from db.handle import DatabaseOpening
logging.basicConfig(level=logging.INFO, format="%(message)s")
db.import_guard.WAIT_S = 90  # waited for the opening: the other thread late
import probe_state
def opener(on_step):
    import sqlalchemy  # noqa: F401
    probe_state.inside.wait(60)
    import held  # noqa: F401  (being imported by the other thread: the opening waits for it)
    return "open"
other = threading.Thread(target=lambda: __import__("held"))
other.start()
opening = DatabaseOpening(opener).start()
other.join(60)
late = other.is_alive()
assert opening.database() == "open"
print(probe_state.blocked, late, flush=True)
"""

HELD_MODULE = """
import importlib._bootstrap
import time
import probe_state
probe_state.inside.set()
def opening_waits_for_this():
    return any(
        getattr(lock, "name", None) == "held"
        for lock in list(importlib._bootstrap._blocking_on.values())
    )
deadline = time.monotonic() + 30
while not opening_waits_for_this() and time.monotonic() < deadline:
    time.sleep(0.005)
probe_state.blocked = opening_waits_for_this()
import sqlalchemy.ext.hybrid  # noqa: F401  (not imported yet: the guard's own case)
"""


def test_a_thread_importing_what_the_opening_waits_for_is_not_made_to_wait(tmp_path: Path) -> None:
    """The other thread is importing a module the opening comes to need, and inside it imports
    SQLAlchemy while the opening runs: the opening waits for that module, so the thread goes on
    at once (and says so in the log) instead of waiting for the opening (each for the other)."""
    (tmp_path / "probe_state.py").write_text(
        "import threading\ninside = threading.Event()\nblocked = None\n", encoding="utf-8"
    )
    (tmp_path / "held.py").write_text(HELD_MODULE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = python_in_project("-c", HELD_PROBE, str(tmp_path), env=env)
    assert out.returncode == 0, out.stderr
    # the opening waited for 'held', the other thread did not wait for the opening
    assert out.stdout.split() == ["True", "False"]
    assert (
        "sqlalchemy.ext.hybrid imported beside the database's opening, which waits for a module"
        " this thread is importing" in out.stderr
    )


def test_an_import_waits_for_an_opening_that_does_not_end_only_so_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A module the opening is importing, asked for by another thread: it waits for the opening,
    at most WAIT_S, then goes on (here to wait for the module as Python does) and says so; once
    the opening ends, loading a module is Python's own again. The same with another import
    statement put in place after the guard's (PySide6's ``__feature__`` import does so as its
    support modules load: a guard at the import statement was then out of the way)."""
    (tmp_path / "slow_to_import.py").write_text(
        "import slow_gate\nslow_gate.wait(30)\n",
        encoding="utf-8",
    )
    gate = threading.Event()
    monkeypatch.setitem(sys.modules, "slow_gate", gate)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(import_guard, "WAIT_S", 0.3)
    python_s = [getattr(importlib._bootstrap, name) for name in import_guard.HOOKED]
    statement = builtins.__import__

    def someone_elses_import(*args: Any, **kwargs: Any) -> Any:
        return statement(*args, **kwargs)

    def opener(_on_step: Callable[[str], None]) -> Any:
        return importlib.import_module("slow_to_import")

    try:
        opening = DatabaseOpening(opener).start()
        assert import_guard.guarding()  # guarded while it runs
        monkeypatch.setattr(builtins, "__import__", someone_elses_import)
        deadline = time.monotonic() + 10
        while not import_guard._opening_imports("slow_to_import") and time.monotonic() < deadline:
            time.sleep(0.005)
        got: list[object] = []
        began = time.monotonic()
        caplog.set_level(logging.INFO, logger="db.import_guard")
        other = threading.Thread(target=lambda: got.append(__import__("slow_to_import")))
        other.start()
        while "after waiting" not in caplog.text and time.monotonic() - began < 10:
            time.sleep(0.01)
        waited = time.monotonic() - began
        assert not opening.done.is_set()  # still importing it
        assert 0.3 <= waited < 5
        assert (
            "slow_to_import imported beside the database's opening after waiting 0.3 s for it"
            in caplog.text
        )
        gate.set()
        other.join(10)
        assert opening.database() is got[0] is sys.modules["slow_to_import"]
        assert [getattr(importlib._bootstrap, name) for name in import_guard.HOOKED] == python_s
        assert not import_guard.guarding()  # Python's again once it ended
    finally:
        gate.set()
        sys.modules.pop("slow_to_import", None)
