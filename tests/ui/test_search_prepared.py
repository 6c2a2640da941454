"""Once told to (the window does it once usable), the list makes a search's first-page
statements on a worker ahead of typing, and again whenever its order changes: the first
keystroke in each order then compiles no statement on the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from app.contacts import ContactQuery
from db.engine import Database
from ui.contact_table import ContactTableModel
from ui.tasks import TaskRunner

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def many(db: Database) -> Database:
    from app.demo import generate_demo

    generate_demo(db, 900, seed=5)
    return db


def _compiled_here(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Statements compiled from now on on this thread (the count's worker compiles its own):
    by SQLAlchemy, or for the driver (a kept statement's SQL, ``app.paging._driver_form``)."""
    from app import paging

    here = threading.get_ident()
    compiled: list[str] = []
    compile_for_driver = paging._compile_for_driver

    def for_driver(conn: Any, stmt: Any) -> Any:
        form = compile_for_driver(conn, stmt)
        if threading.get_ident() == here:
            compiled.append(form[0] if form is not None else str(stmt))
        return form

    monkeypatch.setattr(paging, "_compile_for_driver", for_driver)

    @event.listens_for(db.engine, "before_cursor_execute")
    def seen(*args: Any) -> None:
        context = args[4]
        if threading.get_ident() != here or context is None:
            return
        if context.cache_hit == CacheStats.CACHE_MISS:
            compiled.append(args[2])

    return compiled


def test_the_first_keystroke_in_each_order_compiles_nothing(
    qtbot, many: Database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    model = ContactTableModel(many)
    tasks = TaskRunner()
    model.prepare_searches(tasks)
    assert tasks.wait()
    compiled = _compiled_here(many, monkeypatch)
    for sort, descending in (("created", True), ("company", False), ("score", True)):
        model.set_query(ContactQuery(sort=sort, descending=descending))  # the header clicked
        assert tasks.wait()
        compiled.clear()
        for typed in ("gm", "gma", "Jürgen M"):
            model.set_query(ContactQuery(search=typed, sort=sort, descending=descending))
            assert model.rowCount() > 0
        assert compiled == [], sort
        assert model.counter.wait()
    qtbot.wait(1)  # deliver what the workers queued


def test_nothing_is_made_ahead_until_asked(
    qtbot, many: Database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A list that was not told to (a board column's, a test's) reads as before: the first
    keystroke compiles its statements itself."""
    model = ContactTableModel(many)
    compiled = _compiled_here(many, monkeypatch)
    model.set_query(ContactQuery(search="gm", sort="title", descending=False))
    assert compiled
    assert model.counter.wait()
    qtbot.wait(1)
