"""A read that fails because the database server is out of reach (scrolling into rows not
loaded yet, a panel or a background read) shows no error dialog: the window goes offline —
read only, what is on screen kept, retrying — and reads everything again when it is back
(issue 14, item 6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6

from db.engine import Database
from tests.relay import Relay
from tests.ui.test_live import relayed_db, relayed_window
from ui.errors import ErrorReporter

pytestmark = pytest.mark.gui
__all__ = ["relayed_db", "relayed_window"]  # fixtures used below


@pytest.fixture
def reporter() -> Iterator[ErrorReporter]:
    """The application's exception hook, as the window's start-up makes it (called directly
    here: under pytest, pytest-qt's own hook stays installed)."""
    from ui.application import make_app

    app = make_app()
    hook = ErrorReporter(None, app)
    yield hook
    if hook.dialog is not None and shiboken6.isValid(hook.dialog):
        hook.dialog.close()
    hook.setParent(None)
    hook.deleteLater()


def _lost_connection() -> Exception:
    import psycopg
    from sqlalchemy.exc import OperationalError

    return OperationalError(
        "SELECT", None, psycopg.OperationalError("server closed the connection unexpectedly")
    )


def test_a_read_that_cannot_reach_the_server_goes_offline_without_a_dialog(
    reporter: ErrorReporter,
    relayed_db: tuple[Database, Relay],
    relayed_window: Any,
    qtbot: Any,
) -> None:
    window = relayed_window
    qtbot.waitUntil(lambda: window.live.online and window.live.feed.online, timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
    on_screen = window.model.loaded_ids()
    states: list[bool] = []
    window.live.online_changed.connect(states.append)
    greyed: list[bool] = []
    window.live.online_changed.connect(
        lambda online: greyed.append(not window.new_contact_action.isEnabled())
    )
    exc = _lost_connection()
    reporter.excepthook(type(exc), exc, None)  # a read on the GUI thread failed so
    # offline at once (edits greyed out), the listener looks: reachable, so back again
    qtbot.waitUntil(lambda: states == [False, True], timeout=5000)
    assert greyed == [True, False]
    assert reporter.dialog is None  # no error dialog for it
    assert window.model.loaded_ids() == on_screen
    # an error that is not about the connection is still shown
    try:
        raise ValueError("a bug")
    except ValueError as bug:
        reporter.excepthook(ValueError, bug, bug.__traceback__)
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=2000)


def test_a_read_through_a_cut_connection_says_offline_and_reads_again_when_back(
    reporter: ErrorReporter,
    relayed_db: tuple[Database, Relay],
    relayed_window: Any,
    qtbot: Any,
) -> None:
    from app import contacts

    window = relayed_window
    relay = relayed_db[1]
    qtbot.waitUntil(lambda: window.live.online and window.live.feed.online, timeout=5000)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
    on_screen = window.model.loaded_ids()
    relay.cut()
    window.db.engine.dispose()  # the next read needs a new connection
    with pytest.raises(Exception) as failed:
        contacts.get_contact(window.db, on_screen[0])
    reporter.excepthook(failed.type, failed.value, failed.tb)
    qtbot.waitUntil(window.live.indicator.isVisible, timeout=5000)
    assert reporter.dialog is None
    assert window.model.loaded_ids() == on_screen  # what was on screen stays
    relay.start()
    qtbot.waitUntil(lambda: not window.live.indicator.isVisible(), timeout=10000)
    assert window.live.online and window.new_contact_action.isEnabled()
