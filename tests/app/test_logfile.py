"""The log file: in the user's data folder, with tracebacks, rotating, never fatal."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logfile import HeldLines, default_log_path, hold_log_lines, start_log_file, stop_log_file

log = logging.getLogger("app.test_logfile")


@pytest.fixture
def handlers() -> Iterator[list[logging.Handler]]:
    """Handlers the test attached to the root logger, removed afterwards."""
    attached: list[logging.Handler] = []
    yield attached
    for handler in attached:
        stop_log_file(handler)


def test_errors_go_to_the_data_folder_with_their_traceback(
    tmp_path: Path, handlers: list[logging.Handler]
) -> None:
    handler = start_log_file()
    assert handler is not None
    handlers.append(handler)
    path = tmp_path / "xdg-data" / "Winnow" / "logs" / "winnow.log"  # XDG_DATA_HOME (conftest)
    assert default_log_path() == path
    assert Path(handler.baseFilename) == path
    try:
        {"stages": []}["stage"]
    except KeyError:
        log.exception("moving contacts failed")
    handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "ERROR app.test_logfile [MainThread] moving contacts failed" in text
    assert "Traceback (most recent call last)" in text
    assert "KeyError: 'stage'" in text


def test_the_file_rotates_and_keeps_a_few_old_ones(
    tmp_path: Path, handlers: list[logging.Handler]
) -> None:
    path = tmp_path / "logs" / "winnow.log"
    handler = start_log_file(path, max_bytes=2_000, backup_count=2)
    assert handler is not None
    handlers.append(handler)
    for i in range(200):
        log.warning("line %03d %s", i, "x" * 40)
    handler.flush()
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "winnow.log",
        "winnow.log.1",
        "winnow.log.2",
    ]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")


def test_starting_twice_attaches_one_handler(
    tmp_path: Path, handlers: list[logging.Handler]
) -> None:
    path = tmp_path / "logs" / "winnow.log"
    first = start_log_file(path)
    assert first is not None
    handlers.append(first)
    assert start_log_file(path) is first
    log.warning("once")
    first.flush()
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_a_folder_that_cannot_be_written_is_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    before = list(logging.getLogger().handlers)
    assert start_log_file(blocker / "logs" / "winnow.log") is None
    assert logging.getLogger().handlers == before
    assert "cannot write the log file" in capsys.readouterr().err


def _held(path: Path) -> Iterator[HeldLines]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # as the window's start sets it
    held = hold_log_lines(path)
    try:
        yield held
    finally:
        root.removeHandler(held)
        root.setLevel(level)
        held.close()


@pytest.fixture
def held(tmp_path: Path) -> Iterator[HeldLines]:
    """The window's start: lines held (not the file's modules, not the data folder) until the
    file is started."""
    yield from _held(tmp_path / "logs" / "winnow.log")


def test_lines_held_at_start_reach_the_file_once_it_is_started_in_order(
    tmp_path: Path, held: HeldLines
) -> None:
    path = tmp_path / "logs" / "winnow.log"
    log.info("the first screen read")
    log.debug("below the file's level")
    log.warning("a count came late")
    assert not path.exists(), "nothing written before the file is started"
    assert held.file is None
    handler = held.start_file()
    assert handler is not None and held.start_file() is handler  # once
    log.info("after usable")
    handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "INFO app.test_logfile [MainThread] the first screen read",
        "WARNING app.test_logfile [MainThread] a count came late",
        "INFO app.test_logfile [MainThread] after usable",
    ]
    assert held.path == path.resolve()


def test_a_held_line_keeps_the_time_it_was_logged(
    tmp_path: Path, held: HeldLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    log.info("logged at start")
    later = time.time() + 3600  # the file started an hour later
    monkeypatch.setattr(time, "time", lambda: later)
    handler = held.start_file()
    assert handler is not None
    handler.flush()
    (line,) = (tmp_path / "logs" / "winnow.log").read_text(encoding="utf-8").splitlines()
    stamp = time.strftime("%Y-%m-%d %H", time.localtime(later))
    assert "logged at start" in line and not line.startswith(stamp)


def test_an_error_while_lines_are_held_is_written_at_once_after_them(
    tmp_path: Path, held: HeldLines
) -> None:
    path = tmp_path / "logs" / "winnow.log"
    log.info("opening")
    try:
        {"stages": []}["stage"]
    except KeyError:
        log.exception("building the window failed")
    assert held.file is not None, "the error started the file"
    held.flush()
    text = path.read_text(encoding="utf-8")
    assert text.index("INFO app.test_logfile [MainThread] opening") < text.index(
        "ERROR app.test_logfile [MainThread] building the window failed"
    )
    assert "KeyError: 'stage'" in text


def test_lines_held_when_the_process_ends_before_usable_are_written(tmp_path: Path) -> None:
    """``logging.shutdown`` at the process's end closes the handler: what it holds is
    written (a database that would not open ends the start before usable)."""
    path = tmp_path / "logs" / "winnow.log"
    script = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from app.logfile import hold_log_lines\n"
        "logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])\n"
        "hold_log_lines(Path(sys.argv[1]))\n"
        "logging.getLogger('ui.application').info('cannot open the database')\n"
        "print('logging.handlers' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "False"  # held: the file's modules not imported
    assert "INFO ui.application [MainThread] cannot open the database" in path.read_text(
        encoding="utf-8"
    )


def test_holding_twice_attaches_one_handler(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "winnow.log"
    for held in _held(path):
        assert hold_log_lines(path) is held
        assert sum(isinstance(h, HeldLines) for h in logging.getLogger().handlers) == 1
