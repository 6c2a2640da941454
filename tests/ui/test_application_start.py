"""Starting the window from a terminal: nothing printed on a normal start, one line and exit 1
when there is no display (not Qt's abort)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_process import python_in_project
from ui.application import missing_display

ROOT = Path(__file__).resolve().parents[2]
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def _start(db: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return python_in_project("-m", "app", "--db", str(db), env=env)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
def test_without_a_display_one_line_says_how_and_exits_1(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    out = _start(tmp_path / "crm.sqlite", env)
    assert out.returncode == 1, out.stderr
    (line,) = out.stderr.splitlines()
    assert "xvfb-run winnow" in line and "desktop session" in line
    assert "qt.qpa" not in out.stderr and "Aborted" not in out.stderr
    assert out.stdout == ""
    assert not (tmp_path / "crm.sqlite").exists()  # nothing opened, nothing created


def test_which_environments_have_a_display() -> None:
    assert missing_display({}, "linux") is not None
    assert missing_display({"DISPLAY": ":0"}, "linux") is None
    assert missing_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert missing_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert missing_display({"DISPLAY": ""}, "linux") is not None
    assert missing_display({}, "darwin") is None and missing_display({}, "win32") is None


def test_a_normal_start_prints_nothing(tmp_path: Path) -> None:
    """First start on a new database (created, migrated, seeded): stdout carries only the
    benchmark hook's line, stderr nothing — no Alembic INFO lines."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WINNOW_EXIT_WHEN_SHOWN": "1",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }
    out = _start(tmp_path / "crm.sqlite", env)
    assert out.returncode == 0, out.stderr
    # only the benchmark's lines (shown, usable, the board shown after): nothing else
    assert [line.split()[0] for line in out.stdout.splitlines()] == [
        "winnow-shown",
        "winnow-usable",
        "winnow-board",
    ]
    assert out.stderr == ""
    log = tmp_path / "xdg-data" / "Winnow" / "logs" / "winnow.log"
    assert "alembic" in log.read_text(encoding="utf-8")  # the log file still has the details


def test_start_up_objects_leave_garbage_collection_but_garbage_goes_first() -> None:
    """What the window built is frozen out of gc walks (the event loop's 70-90 ms stalls);
    cycles that were already garbage are collected, not kept forever."""
    import gc
    import weakref

    from ui.application import leave_start_up_out_of_collections

    class Node:
        pass

    garbage = Node()
    garbage.me = garbage  # type: ignore[attr-defined]  # a cycle only gc can free
    gone = weakref.ref(garbage)
    kept = Node()
    kept.me = kept  # type: ignore[attr-defined]
    del garbage
    try:
        leave_start_up_out_of_collections()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # frozen: no longer walked
    finally:
        gc.unfreeze()


WINDOW_FREEZE_PROBE = """
import gc, sys
import ui.application
seen = []
ui.application.run_gui = lambda db, plain=None: seen.append(gc.get_freeze_count()) or 0
from app.cli import main
main(["--db", sys.argv[1]])  # as a test calls it: the collector left alone
sys.argv = ["winnow", "--db", sys.argv[1]]
main()  # the process's own command line: the window's start
print(*seen)
"""


def test_the_window_start_freezes_what_its_imports_made(tmp_path: Path) -> None:
    """``winnow`` with no command, as the process's own command line, hands over to the window
    with Qt's, SQLAlchemy's and the models' objects frozen out of garbage collection: left
    young, the first collections after the imports walked every one of them twice (~0.1 s of
    CPU before the window was usable). ``main(args)`` from a test or script freezes nothing."""
    out = subprocess.run(
        [sys.executable, "-c", WINDOW_FREEZE_PROBE, str(tmp_path / "crm.sqlite")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    called, own = (int(n) for n in out.stdout.split()[-2:])
    assert called == 0
    assert own > 50_000  # the modules' objects (~100,000; 0 before)


USABLE_MARK_PROBE = """
import sys
from ui.main_window import MainWindow
build = MainWindow._build_features

def with_a_waiting_step(self):
    build(self)
    self.after_usable(lambda: print("waited-for-usable", flush=True))

MainWindow._build_features = with_a_waiting_step
from app.cli import main
sys.argv = ["winnow", "--db", sys.argv[1]]
raise SystemExit(main())
"""


def _run_probe(tmp_path: Path, probe: str, **env: str) -> str:
    """Run a start-up probe as bench_spine starts the window (``WINNOW_EXIT_WHEN_SHOWN``) on a
    new file, with ``env`` added; its output once it exited 0."""
    out = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "crm.sqlite")],
        cwd=ROOT,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "WINNOW_EXIT_WHEN_SHOWN": "1",
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_benchmark_marks_usable_before_what_waits_for_it_runs(tmp_path: Path) -> None:
    """``WINNOW_EXIT_WHEN_SHOWN`` (benchmarks/bench_spine.py) marks the window usable as the
    counts are in and painted: the work that waits for usable (the day's backup, the scores'
    check, reminders) runs after the mark, not inside it (a look after the next events had
    counted it in some starts)."""
    lines = [line.split()[0] for line in _run_probe(tmp_path, USABLE_MARK_PROBE).splitlines()]
    assert lines[:2] == ["winnow-shown", "winnow-usable"], lines
    assert "waited-for-usable" in lines[2:]


def test_the_benchmark_s_later_click_comes_after_what_waits_for_usable(tmp_path: Path) -> None:
    """``WINNOW_BENCH_CLICK=after-jobs`` (bench_spine's case as a user clicks): the board is
    asked for after the work that waits for usable has run, marked ``click``, then shown;
    ``WINNOW_BENCH_WINDOW`` gives the window that size (the offscreen screen is 800x600).
    By then the board's read ahead has imported its modules on its worker (the click does
    not: ~15 ms of the GUI thread)."""
    probe = USABLE_MARK_PROBE.replace(
        "MainWindow._build_features = with_a_waiting_step",
        "MainWindow._build_features = with_a_waiting_step\n"
        # however long the read ahead takes on a busy machine: the click waits for it
        "import ui.application, ui.kanban\n"
        "ui.application.BENCH_LATE_CLICK_MAX_MS = ui.kanban.PREBUILD_AFTER_MS = 600_000\n"
        "MainWindow.show_view = lambda self, key, show=MainWindow.show_view: (\n"
        "    print('asked', key, self.width(), self.height(), 'ui.kanban.board' in sys.modules,\n"
        "          flush=True), show(self, key))",
    )
    stdout = _run_probe(
        tmp_path, probe, WINNOW_BENCH_CLICK="after-jobs", WINNOW_BENCH_WINDOW="1440x900"
    )
    lines = [line.split()[0] for line in stdout.splitlines()]
    assert lines == [
        "winnow-shown",
        "winnow-usable",
        "waited-for-usable",
        "winnow-click",
        "asked",
        "winnow-board",
    ], lines
    asked = next(line.split() for line in stdout.splitlines() if line.startswith("asked"))
    assert asked[1:] == ["kanban", "1440", "900", "True"]


def test_the_log_file_is_started_off_the_window_s_thread(tmp_path: Path) -> None:
    """Once the window is usable its log file is started on a thread of its own (the rotating
    file's modules and the data folder's look-up, not on the window's thread beside the
    database's opening); the lines held until then reach the file."""
    import logging
    import threading
    import time

    from app.logfile import HeldLines
    from ui.application import _start_log_file

    held = HeldLines(tmp_path / "logs" / "winnow.log")
    held.setFormatter(logging.Formatter("%(message)s"))
    held.handle(logging.LogRecord("probe", logging.INFO, __file__, 1, "held line", None, None))
    started_on: list[threading.Thread] = []
    start_file = held.start_file

    def recorded() -> object:
        started_on.append(threading.current_thread())
        return start_file()

    held.start_file = recorded  # type: ignore[method-assign,assignment]
    _start_log_file(held)
    deadline = time.monotonic() + 10
    while held.file is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started_on and started_on[0] is not threading.main_thread()
    assert held.file is not None
    held.close()
    assert "held line" in (tmp_path / "logs" / "winnow.log").read_text(encoding="utf-8")
