"""Live views: another process's change reaches an open window's list and board within 2 s,
on one SQLite file and on a shared PostgreSQL database, without the user losing their place
or selection; a server out of reach makes the window read only (said in the status bar, edits
refused, nothing on screen lost) until it is back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from app import operations
from app.contacts import ContactQuery, count, query_ids
from app.demo import generate_demo
from app.live import PgListener, ServerUnreachable
from db.engine import Database, open_database
from tests.cli_process import winnow_elsewhere
from tests.postgres_cluster import Cluster
from tests.relay import Relay
from tests.ui.board_helpers import board_of
from tests.ui.conftest import settle
from ui import message_box
from ui.live import OFFLINE_TEXT

pytestmark = pytest.mark.gui
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
LIVE_S = 2.0  # the target: other people's changes on screen within 2 seconds


def stage_in_list(window: Any, cid: int) -> str | None:
    row = window.model.row_for_id(cid)
    found = window.model.contact_row(row) if row is not None else None
    return found.stage_key if found is not None else None


def wait_live(
    qtbot: Any,
    since: float,
    condition: Any,
    window: Any = None,
    shown: Any = None,
) -> None:
    """``condition`` comes true within LIVE_S of ``since`` (the other process's commit).
    If not, the failure says what ``window`` heard meanwhile (the change notices that reached
    its views, and whether the live feed still holds some back) and ``shown()`` (what the
    views show against the database): a miss in a full run must say where it stopped."""
    heard: list[str] = []

    def noted(changes: Any, initiator: Any) -> None:
        flags = [f for f in ("all_contacts", "imports", "undo_log") if getattr(changes, f)]
        what = f"{len(changes.contacts | changes.created)} contacts {'+'.join(flags)}"
        by = type(initiator).__name__
        heard.append(f"{time.monotonic() - since:+.2f} s {what} from {by}")

    if window is not None:
        window.ops.operation_did_execute.connect(noted)
    try:
        qtbot.waitUntil(condition, timeout=int(LIVE_S * 1000))
    except Exception as exc:
        live = getattr(window, "live", None)
        feed = getattr(live, "feed", None)
        state = (
            f"; feed {type(feed).__name__} running={getattr(feed, 'running', None)}, "
            f"online={getattr(live, 'online', None)}, "
            f"held back={bool(getattr(live, '_pending', None))}"
            if live is not None
            else ""
        )
        raise AssertionError(
            f"not on screen {time.monotonic() - since:.2f} s after the commit elsewhere; "
            f"notices heard since it ended: {heard or 'none'}{state}"
            f"{'; ' + shown() if shown is not None else ''}"
        ) from exc
    finally:
        if window is not None:
            window.ops.operation_did_execute.disconnect(noted)
    assert time.monotonic() - since <= LIVE_S + 0.2


def beside(qtbot: Any) -> Callable[[Callable[[], bool]], None]:
    """How a test waits for the other process: with the window's events going on, as a user's
    window goes on beside another person's work. Blocked in ``subprocess.run`` the window found
    the notice only once the process had ended, behind what piled up meanwhile (the paints of
    the test's own selection): traced at a load of 7-10, 0.35-0.73 s after the process ended
    before the notice was taken up (the feed had it 0.03-0.3 s before the end), and 1 to 3 of 30
    imports missed LIVE_S."""
    return lambda ended: qtbot.waitUntil(ended, timeout=60000)


def select_and_scroll_to(window: Any, qtbot: Any, row: int) -> int:
    """The list loaded (100 rows at least), its ``row`` selected and scrolled to the top: the
    contact's id."""
    view, model = window.list_view, window.model
    qtbot.waitUntil(lambda: model.rowCount() >= 100, timeout=5000)
    chosen = model.contact_id(row)
    window.select_contact(chosen)
    view.scrollTo(model.index(row, 0), view.ScrollHint.PositionAtTop)
    return int(chosen)


def board_suspects(window: Any, qtbot: Any) -> tuple[Any, Any]:
    """The board shown and its Suspect column loaded (more than 20 cards)."""
    window.show_view("kanban")
    board = board_of(window)
    suspects = board.column("suspect")
    qtbot.waitUntil(lambda: suspects.model.rowCount() > 20, timeout=5000)
    return board, suspects


@BOTH
def test_another_process_s_move_reaches_the_list_in_place(
    window: Any, qtbot: Any, backend: str
) -> None:
    view, model = window.list_view, window.model
    chosen = select_and_scroll_to(window, qtbot, 60)  # the user has scrolled down and chosen
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    # someone else moves a contact shown a few rows below
    other = next(
        model.contact_id(r) for r in range(62, 90) if model.contact_row(r).stage_key == "suspect"
    )
    since = winnow_elsewhere(
        window.db.url,
        "move",
        str(other),
        "nurture",
        "--why",
        "elsewhere",
        user="anna-live",
        wait=beside(qtbot),
    )
    wait_live(qtbot, since, lambda: stage_in_list(window, other) == "nurture", window)
    assert window.selected_ids() == [chosen]
    assert view.verticalScrollBar().value() == scrolled
    # Edit ▸ Undo now offers what the log would undo: the other process's move, and whose
    qtbot.waitUntil(lambda: "move" in window.undo_action.text().lower(), timeout=2000)
    if backend == "sqlite":  # on PostgreSQL the actor is the login role, the same here
        assert "(by anna-live)" in window.undo_action.text()


@BOTH
def test_another_process_s_move_reaches_the_board_in_place(window: Any, qtbot: Any) -> None:
    board, suspects = board_suspects(window, qtbot)
    chosen = suspects.model.contact_id(15)
    suspects.view.select_ids([chosen])
    bar = suspects.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    other = suspects.model.contact_id(3)
    since = winnow_elsewhere(
        window.db.url,
        "move",
        str(other),
        "mql",
        "--override",
        "checked on the phone",
        wait=beside(qtbot),
    )
    wait_live(qtbot, since, lambda: board.column("mql").model.contains(other), window)
    assert not suspects.model.contains(other)
    assert suspects.view.selected_ids() == [chosen]
    assert bar.value() == scrolled


@BOTH
def test_a_big_change_elsewhere_refreshes_the_views_in_place(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """An import (every view reads again) keeps the list's and the board's place."""
    chosen = select_and_scroll_to(window, qtbot, 50)
    _board, suspects = board_suspects(window, qtbot)
    card = suspects.model.contact_id(12)
    suspects.view.select_ids([card])
    before = window.kanban.board.column("suspect").model.total
    source = tmp_path / "more.csv"
    source.write_text("First name,Last name,Email\nLive,Person,live.person@example.org\n")
    since = winnow_elsewhere(
        window.db.url, "import", str(source), "--stage", "suspect", wait=beside(qtbot)
    )

    def shown() -> str:
        board = window.kanban.board
        counted = count(window.db, ContactQuery(stage_keys=("suspect",)))
        return (
            f"board's suspects {suspects.model.total} (the column shown: "
            f"{board.column('suspect') is suspects}, before {before}), the database's "
            f"{counted}; tasks {[getattr(t.fn, '__qualname__', t.label) for t in window.tasks.active]}"
        )

    wait_live(qtbot, since, lambda: suspects.model.total == before + 1, window, shown)
    assert suspects.view.selected_ids() == [card]
    window.show_view("list")
    assert window.selected_ids() == [chosen]


# --- offline: the server out of reach ---------------------------------------------------------


@pytest.fixture
def relayed_db(postgresql_cluster: Cluster) -> Iterator[tuple[Database, Relay]]:
    url = postgresql_cluster.new_database()
    relay = Relay(postgresql_cluster.port)
    relay.start()
    db = open_database(url.replace(f":{postgresql_cluster.port}/", f":{relay.port}/"))
    generate_demo(db, 300, seed=7)
    yield db, relay
    relay.cut()
    db.close()
    postgresql_cluster.drop_database(url)


@pytest.fixture
def relayed_window(
    relayed_db: tuple[Database, Relay], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A window on the database behind the relay (gone before the relay is cut for good: its
    timers must not read a database that is no longer there)."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    monkeypatch.setattr(PgListener, "RETRY_S", (0.2, 0.4))
    make_app()
    window = MainWindow(relayed_db[0])
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_server_out_of_reach_makes_the_window_read_only_until_it_is_back(
    relayed_db: tuple[Database, Relay],
    relayed_window: Any,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        message_box, "warning", lambda _p, title, text, *_a, **_k: shown.append((title, text))
    )
    _db, relay = relayed_db
    window = relayed_window
    live = window.live
    indicator = live.indicator
    qtbot.waitUntil(lambda: window.model.rowCount() >= 100, timeout=5000)
    on_screen = window.model.loaded_ids()
    chosen = on_screen[5]
    window.select_contact(chosen)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=5000)
    qtbot.wait(500)  # what the window does after opening (counts, column widths) is done
    assert not indicator.isVisible()

    relay.cut()  # the server is gone (for this window)
    qtbot.waitUntil(lambda: indicator.isVisible(), timeout=5000)
    assert indicator.text() == OFFLINE_TEXT
    assert not live.online
    # edits are refused with the reason, and nothing is written anywhere
    ran: list[int] = []
    failures: list[Exception] = []
    window.ops.run(lambda: ran.append(1), on_failure=failures.append)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: bool(failures), timeout=2000)
    assert not ran and isinstance(failures[0], ServerUnreachable)
    assert "read only" in str(failures[0])
    window.move_contacts([chosen], "nurture")
    qtbot.waitUntil(lambda: bool(shown), timeout=2000)
    assert "read only" in shown[-1][1]
    # what was on screen stays, selection included
    assert window.model.loaded_ids() == on_screen
    assert window.selected_ids() == [chosen]

    relay.start()  # back (same port)
    qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=10000)
    assert live.online and window.ops.refusal is None
    window.move_contacts([chosen], "nurture")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: stage_in_list(window, chosen) == "nurture", timeout=5000)
    assert window.selected_ids() == [chosen]


def test_an_operation_that_cannot_reach_the_server_makes_the_window_read_only(
    relayed_db: tuple[Database, Relay], relayed_window: Any, qtbot: Any
) -> None:
    """The operation's failure is said plainly (not a driver's message), the window goes read
    only at once and the listener looks: still reachable, so it is back to normal."""
    db = relayed_db[0]
    window = relayed_window
    qtbot.waitUntil(lambda: window.live.online and window.live.feed.online, timeout=5000)
    states: list[bool] = []
    window.live.online_changed.connect(states.append)
    failures: list[Exception] = []

    def unreachable() -> Any:
        import psycopg
        from sqlalchemy.exc import OperationalError

        raise OperationalError("COMMIT", None, psycopg.OperationalError("server closed"))

    window.ops.run(unreachable, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], ServerUnreachable)
    assert "cannot be reached" in str(failures[0])
    qtbot.waitUntil(lambda: states == [False, True], timeout=5000)
    ids = query_ids(db, ContactQuery(stage_keys=("suspect",)))[:1]
    window.move_contacts(ids, "nurture")
    settle(qtbot, window)
    assert operations.history(db)[0].label.startswith("move")
