"""Unexpected errors reach the user: a dialog, a log file, and a window that goes on working.

The hook is installed here by hand (the application installs it at start-up only, so that
pytest-qt's own hook keeps turning errors in slots into test failures everywhere else).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.errors import WinnowError
from app.logfile import start_log_file, stop_log_file
from ui.errors import ErrorDialog, ErrorReporter

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


def _dialogs() -> list[ErrorDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def _one_dialog(qtbot) -> ErrorDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(_dialogs()) == 1, timeout=5000)
    return _dialogs()[0]


@pytest.fixture
def log_file() -> Iterator[Path]:
    handler = start_log_file()  # the user's data folder (a temp dir in tests)
    assert handler is not None
    yield Path(handler.baseFilename)
    stop_log_file(handler)


@pytest.fixture
def reporter(qapp, log_file: Path) -> Iterator[ErrorReporter]:  # type: ignore[no-untyped-def]
    before = (sys.excepthook, threading.excepthook)
    hooks = ErrorReporter(log_file)
    hooks.install()
    yield hooks
    hooks.uninstall()
    assert (sys.excepthook, threading.excepthook) == before  # pytest-qt's hook is back
    for dialog in _dialogs():
        dialog.close()
    hooks.deleteLater()


def _logged(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_an_error_in_a_timer_callback_shows_a_dialog_and_the_window_goes_on(  # type: ignore[no-untyped-def]
    window, qtbot, reporter, log_file
) -> None:
    def refresh_forecast() -> None:
        raise ZeroDivisionError("no closed deals this quarter")

    QTimer.singleShot(0, refresh_forecast)
    dialog = _one_dialog(qtbot)
    assert dialog.thread() is window.thread()  # the GUI thread
    assert dialog.summary.text().startswith(
        "An unexpected error occurred in refresh_forecast (test_errors.py, line "
    )
    assert dialog.summary.text().endswith("ZeroDivisionError: no closed deals this quarter")
    assert dialog.log_label.text() == f"The details are in the log file {log_file}."
    assert "still running" in dialog.consequence.text()
    assert dialog.more.isHidden()

    text = _logged(log_file)
    assert "Traceback (most recent call last)" in text
    assert (
        'in refresh_forecast\n    raise ZeroDivisionError("no closed deals this quarter")' in text
    )

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert "Traceback (most recent call last)" in copied
    assert "ZeroDivisionError: no closed deals this quarter" in copied
    assert copied.startswith("Winnow 0.1.0, Python ")
    assert "PySide6 " in copied and "Qt " in copied

    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not _dialogs())
    # the window still answers the user: a search filters the list
    qtbot.keyClicks(window.search, "nobody-by-this-name")
    qtbot.waitUntil(lambda: window.current_query().search == "nobody-by-this-name")


def test_a_storm_of_errors_is_one_dialog_that_counts_them(  # type: ignore[no-untyped-def]
    window, qtbot, reporter, log_file
) -> None:
    def on_search_edited(text: str) -> None:
        raise KeyError(text)

    window.search.textChanged.connect(on_search_edited)
    qtbot.keyClicks(window.search, "abcd")  # four edits, four errors
    dialog = _one_dialog(qtbot)
    qtbot.waitUntil(lambda: dialog.more_count == 3)
    assert dialog.more.text() == "And 3 more errors since (also in the log)."
    assert "on_search_edited" in dialog.summary.text() and "KeyError: 'a'" in dialog.summary.text()
    assert all(f"KeyError: '{t}'" in dialog.details() for t in ("a", "ab", "abc", "abcd"))
    assert _logged(log_file).count("Traceback (most recent call last)") == 4
    window.search.textChanged.disconnect(on_search_edited)
    dialog.close()
    qtbot.waitUntil(lambda: not _dialogs())

    QTimer.singleShot(0, lambda: 1 / 0)  # the next error opens a fresh dialog
    assert _one_dialog(qtbot).more.isHidden()


def test_an_error_in_a_worker_thread_is_shown_on_the_gui_thread(  # type: ignore[no-untyped-def]
    window, qtbot, reporter, log_file
) -> None:
    def score_contacts() -> None:
        raise ValueError("score rule 'size' has no points")

    worker = threading.Thread(target=score_contacts, name="scoring")
    worker.start()
    worker.join()
    dialog = _one_dialog(qtbot)
    assert dialog.thread() is window.thread()  # the GUI thread
    assert dialog.summary.text().startswith(
        "An unexpected error occurred in a background task (thread 'scoring', score_contacts"
    )
    assert "In thread 'scoring'" in dialog.details()
    text = _logged(log_file)
    assert "ERROR ui.errors [scoring] An unexpected error occurred" in text
    assert "ValueError: score rule 'size' has no points" in text


def test_a_background_task_that_fails_with_no_one_to_handle_it_is_shown(  # type: ignore[no-untyped-def]
    window, qtbot, reporter, log_file
) -> None:
    def recompute_scores() -> None:
        raise RuntimeError("rule table is empty")

    window.tasks.run(recompute_scores, label="Recomputing scores")
    dialog = _one_dialog(qtbot)
    assert dialog.summary.text().startswith(
        "An unexpected error occurred in recompute_scores (test_errors.py, line "
    )
    assert dialog.summary.text().endswith("RuntimeError: rule table is empty")
    assert "RuntimeError: rule table is empty" in _logged(log_file)
    assert not window.tasks.active


def test_an_expected_error_shows_its_plain_message(  # type: ignore[no-untyped-def]
    window, qtbot, reporter
) -> None:
    message = "hannover-messe.csv is open in another program; close it and try again."

    def import_file() -> None:
        raise WinnowError(message)

    QTimer.singleShot(0, import_file)
    dialog = _one_dialog(qtbot)
    assert dialog.summary.text() == message
    shown = [dialog.windowTitle()] + [
        label.text() for label in (dialog.summary, dialog.consequence, dialog.log_label)
    ]
    assert not any("unexpected" in text.lower() for text in shown)


def test_user_text_in_an_error_is_not_rendered_as_html(qtbot, reporter) -> None:  # type: ignore[no-untyped-def]
    QTimer.singleShot(0, lambda: int("<b>Acme</b>"))
    dialog = _one_dialog(qtbot)
    assert dialog.summary.textFormat() == Qt.TextFormat.PlainText
    assert "'<b>Acme</b>'" in dialog.summary.text()


APP_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.application import make_app, run_gui
from ui.errors import ErrorDialog

app = make_app()

def sort_board():
    raise LookupError("no column for stage 'won'")

def quit_for_good():
    # the dialog can come up in a loop the start-up runs before the main one (opening the new
    # file on a busy machine), where a quit ends only that loop: asked again until the process ends
    app.quit()
    QTimer.singleShot(100, quit_for_good)

def check():
    check.tries += 1
    found = [w for w in QApplication.allWidgets() if isinstance(w, ErrorDialog) and w.isVisible()]
    if found or check.tries > 150:
        print("DIALOG", found[0].summary.text() if found else None, flush=True)
        quit_for_good()
    else:
        QTimer.singleShot(100, check)

check.tries = 0
QTimer.singleShot(0, sort_board)
QTimer.singleShot(100, check)
sys.exit(run_gui(sys.argv[1]))
"""


def test_the_application_start_up_installs_the_hook(tmp_path: Path) -> None:
    """The real path: ``winnow`` opens the window with the hook and the log file in place."""
    proc = subprocess.run(
        [sys.executable, "-c", APP_SCRIPT, str(tmp_path / "winnow.sqlite")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "DIALOG An unexpected error occurred in sort_board (<string>, line " in proc.stdout
    assert "LookupError: no column for stage 'won'" in proc.stdout
    assert "Traceback (most recent call last)" in proc.stderr  # and on stderr, as before
    log_path = tmp_path / "xdg-data" / "Winnow" / "logs" / "winnow.log"
    text = log_path.read_text(encoding="utf-8")
    assert "ERROR ui.errors [MainThread] An unexpected error occurred in sort_board" in text
    assert "LookupError: no column for stage 'won'" in text
