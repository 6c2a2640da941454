"""The log file: in the user's data folder, with tracebacks, rotating, never fatal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logfile import default_log_path, start_log_file, stop_log_file

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
