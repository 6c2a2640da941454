"""Issue 15: a database opened on a thread of its own; whoever needs it waits for it, and an
opening that failed raises its error on the thread that asks."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from db.engine import Database, NotWinnowDatabase, open_database
from db.handle import DatabaseOpening


def test_the_database_is_waited_for_and_opened_on_a_thread_of_its_own(tmp_path: Path) -> None:
    go = threading.Event()
    threads: list[str] = []

    def opener(on_step: Callable[[str], None]) -> Database:
        threads.append(threading.current_thread().name)
        on_step("Opening…")
        go.wait(10)
        return open_database(tmp_path / "crm.sqlite")

    opening = DatabaseOpening(opener).start()
    assert not opening.wait(0.05)  # still opening: nothing to use yet
    got: list[Database] = []
    asker = threading.Thread(target=lambda: got.append(opening.database()))
    asker.start()
    asker.join(0.1)
    assert asker.is_alive() and not got  # the asker waits for it
    go.set()
    asker.join(10)
    db = opening.database()
    try:
        assert got == [db]
        assert threads == ["winnow-open"]
        assert opening.steps.get_nowait() == "Opening…"
        with db.session() as s:
            assert s.connection().exec_driver_sql("SELECT count(*) FROM stages").scalar()
    finally:
        db.close()


def test_an_opening_that_failed_raises_its_error_to_each_asker(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (id INTEGER)")
    con.close()
    opening = DatabaseOpening(lambda on_step: open_database(foreign, on_step=on_step)).start()
    assert opening.wait(30)
    for _ in range(2):
        with pytest.raises(NotWinnowDatabase):
            opening.database()


def test_a_database_later_waits_for_the_opening_and_holds_writes_as_it_opens(
    tmp_path: Path,
) -> None:
    """What the window holds on a plain start: its url and name at once; anything else is
    the open database's, the opening begun by the first ask; the integrity check's hold and
    verdict, asked before it opens, are set on it as it opens."""
    from db.handle import DatabaseLater

    path = tmp_path / "crm.sqlite"
    open_database(path).close()
    opened: list[str] = []

    def opener(on_step: Callable[[str], None]) -> Database:
        opened.append(threading.current_thread().name)
        return open_database(path, on_step=on_step)

    waits: list[str] = []
    opening = DatabaseOpening(opener)
    later = DatabaseLater(opening, f"sqlite:///{path}", str(path), waits.append)
    assert (later.url, later.display_name) == (f"sqlite:///{path}", str(path))
    later.hold_writes()
    assert not opening.started and not later.ready
    got: list[bool] = []
    asker = threading.Thread(target=lambda: got.append(later.writable_now()))
    asker.start()
    asker.join(30)
    assert opened == ["winnow-open"] and waits == ["writable_now"]
    assert got == [False]  # held as it opened: writes wait for the check's verdict
    later.writes_checked(None)
    assert later.ready and later.writable_now()
    later.close()


@pytest.mark.parametrize("fails", [False, True])
def test_an_opening_beside_the_window_switches_threads_often_while_it_runs(
    tmp_path: Path, fails: bool
) -> None:
    """``switch_interval_s``: the interpreter's switch interval is that while the opening runs
    (the window's thread gets the interpreter back quickly beside SQLAlchemy's import), and
    what it was once the opening is over, opened or failed; without it, left alone."""
    import sys

    before = sys.getswitchinterval()
    seen: list[float] = []

    def opener(_step: Callable[[str], None]) -> Database:
        seen.append(sys.getswitchinterval())
        if fails:
            raise NotWinnowDatabase("not a Winnow database")
        return open_database(tmp_path / "crm.sqlite")

    opening = DatabaseOpening(opener, switch_interval_s=0.0001).start()
    assert opening.wait(30)
    assert seen == [pytest.approx(0.0001)]
    assert sys.getswitchinterval() == before
    if fails:
        with pytest.raises(NotWinnowDatabase):
            opening.database()
    else:
        opening.database().close()
    plain = DatabaseOpening(opener).start()
    assert plain.wait(30)
    assert seen[-1] == before  # not asked: Python's own
    if not fails:
        plain.database().close()
