"""The list model: a valid Qt model, paged, sorted in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database
from ui.contact_table import COLUMNS, ContactIdRole, ContactTableModel, decode_ids

pytestmark = pytest.mark.gui


def test_model_passes_qtmodeltester(qtmodeltester, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    model = ContactTableModel(demo_db)
    qtmodeltester.check(model)
    model.set_query(ContactQuery(search="gmail"))
    qtmodeltester.check(model)


def test_pages_are_fetched_as_the_view_scrolls(demo_db: Database) -> None:
    model = ContactTableModel(demo_db)
    assert model.total == 300
    assert model.rowCount() == model.PAGE
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 300
    assert not model.canFetchMore(QModelIndex())


def test_header_click_sorts_in_sql(demo_db: Database) -> None:
    model = ContactTableModel(demo_db)
    name_col = [c[0] for c in COLUMNS].index("name")
    model.sort(name_col, Qt.SortOrder.AscendingOrder)
    names = [model.data(model.index(r, name_col)) for r in range(model.rowCount())]
    from app.names import sort_key

    assert [sort_key(n) for n in names] == sorted(sort_key(n) for n in names)
    assert model.query.sort == "name" and not model.query.descending


def test_drag_data_carries_the_selected_ids(demo_db: Database) -> None:
    model = ContactTableModel(demo_db)
    idx = [model.index(0, 0), model.index(0, 3), model.index(2, 0)]
    ids = decode_ids(model.mimeData(idx))
    assert ids == [model.data(idx[0], ContactIdRole), model.data(idx[2], ContactIdRole)]


def test_bant_marks_overdue_and_sales_ready_show_in_the_list(db: Database) -> None:
    from datetime import timedelta

    from app import activities
    from app.contacts import create_contact
    from app.qualification import set_bant
    from app.timeutil import utcnow
    from ui.contact_table import OVERDUE_COLOR, BantRole, text_brush

    late = create_contact(
        db, first_name="Late", last_name="Inquirer", email="late@example.org", stage="inquiry"
    )
    activities.log_activity(db, late, "inquiry-received", at=utcnow() - timedelta(days=3))
    keen = create_contact(
        db, first_name="Keen", last_name="Buyer", email="keen@example.org", stage="inquiry"
    )
    activities.log_activity(db, keen, "asked-for-sales")
    set_bant(db, keen, {"budget": "yes"})
    set_bant(db, late, {"need": "no"})  # a required "no": never sales-ready
    model = ContactTableModel(db)
    cols = [c[0] for c in COLUMNS]

    def cell(cid: int, key: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = model.row_for_id(cid)
        assert row is not None
        return model.data(model.index(row, cols.index(key)), role)

    assert cell(keen, "bant", BantRole) == ("yes", "unknown", "unknown", "unknown")
    assert "Budget: yes" in str(cell(keen, "bant", Qt.ItemDataRole.ToolTipRole))
    assert cell(late, "bant", BantRole) == ("unknown", "unknown", "no", "unknown")
    assert "Need: no" in str(cell(late, "bant", Qt.ItemDataRole.ToolTipRole))
    late_color = cell(late, "name", Qt.ItemDataRole.ForegroundRole)
    # the overdue red as the palette shows it (darkened to 4.5:1 on an application palette an
    # earlier test left with a lighter alternate base: compared with itself, not the constant)
    overdue = text_brush(OVERDUE_COLOR).color().name()
    assert late_color is not None and late_color.color().name() == overdue  # type: ignore[attr-defined]
    assert "overdue" in str(cell(late, "name", Qt.ItemDataRole.ToolTipRole))
    assert cell(keen, "name", Qt.ItemDataRole.ForegroundRole) is None
    assert str(cell(keen, "score")).startswith("★")
    assert not str(cell(late, "score")).startswith("★")


def test_the_first_page_is_read_in_two_transactions(demo_db: Database) -> None:
    """Opening the list and showing its first rows: the stages, the criteria, the count and
    the first page in one read transaction, the rows and their BANT marks in another — on
    PostgreSQL each transaction asks once for running imports (db.visibility), so each read
    of its own paid a round trip more."""
    from sqlalchemy import event

    begun: list[int] = []

    def begin(_conn: object) -> None:
        begun.append(1)

    event.listen(demo_db.engine, "begin", begin)
    try:
        model = ContactTableModel(demo_db)
        opened = len(begun)
        for row in range(40):
            for col in range(model.columnCount()):
                model.data(model.index(row, col))
    finally:
        event.remove(demo_db.engine, "begin", begin)
    assert (opened, len(begun)) == (1, 2)


def test_a_keystroke_reads_its_page_and_the_rows_in_sight_in_one_transaction(
    demo_db: Database,
) -> None:
    """A search typed in a list whose view told its rows in sight: the first page's keys, the
    rows in sight and their BANT marks are read in one session and one read transaction
    (the rows were read at the first paint, in a session and a transaction of their own: two
    a keystroke); those rows are the page's top ones, and showing them reads nothing more.
    The count runs on its worker, as before."""
    import threading

    from sqlalchemy import event

    name = [c[0] for c in COLUMNS].index("name")
    model = ContactTableModel(demo_db)
    model.set_rows_in_sight(12)
    painted = ContactTableModel(demo_db)  # no rows in sight told: rows read as painted
    here = threading.get_ident()
    begun: list[int] = []
    made: list[int] = []
    sessions = demo_db.sessions

    def begin(_conn: object) -> None:
        if threading.get_ident() == here:
            begun.append(1)

    def session(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == here:
            made.append(1)
        return sessions(*args, **kwargs)

    reads = _reads(model)
    for q in (ContactQuery(search="a", sort="company"), ContactQuery(search="mü", sort="name")):
        # first in the other model (as the window's search is prepared ahead, the file's
        # index by name looked for once per engine: a connection of its own)
        painted.set_query(q)
        painted.counter.wait(10_000)
        begun.clear()
        made.clear()
        reads.clear()
        event.listen(demo_db.engine, "begin", begin)
        demo_db.sessions = session  # type: ignore[assignment]
        try:
            model.set_query(q)
            shown = [model.data(model.index(row, name)) for row in range(model.rowCount())[:12]]
        finally:
            demo_db.sessions = sessions
            event.remove(demo_db.engine, "begin", begin)
        model.counter.wait(10_000)
        assert len(made) == 1, "one session a keystroke"
        if demo_db.is_sqlite:  # (PostgreSQL's estimate asks the planner outside any)
            assert len(begun) == 1, "one read transaction a keystroke"
        assert reads == [model.loaded_ids()[:12]], "the rows in sight, read with the page"
        assert model.loaded_ids() == painted.loaded_ids()[: len(model.loaded_ids())]
        assert shown == [painted.data(painted.index(row, name)) for row in range(len(shown))]
        assert [model._marks(i) for i in reads[0]] == [painted._marks(i) for i in reads[0]]


def _reads(model: ContactTableModel) -> list[list[int]]:
    """The ids of each block of rows the model reads from now on."""
    reads: list[list[int]] = []
    load = model._pager._load

    def counted(ids: Sequence[int]) -> dict[int, Any]:
        reads.append(list(ids))
        return load(ids)

    model._pager._load = counted
    return reads


def test_a_view_of_few_rows_reads_those_and_scrolls_to_the_same_contacts(
    demo_db: Database,
) -> None:
    """Told how many rows its view shows, the list reads a first page of ids half a screen
    longer (at least MIN_FIRST_PAGE) and the rows in sight alone at a keystroke; scrolled to
    the end it shows the same contacts, in the same order and with the same values, as a list
    that read a PAGE of ids and a BLOCK of rows."""
    name = [c[0] for c in COLUMNS].index("name")
    full, few = ContactTableModel(demo_db), ContactTableModel(demo_db)
    few.set_rows_in_sight(12)
    assert few.first_page == few.MIN_FIRST_PAGE == 50 and full.first_page == full.PAGE
    few.set_rows_in_sight(60)
    assert few.first_page == 90
    few.set_rows_in_sight(12)
    reads = _reads(few)
    for q in (ContactQuery(sort="name"), ContactQuery(search="a", sort="company")):
        full.set_query(q)
        few.set_query(q)
        assert few.rowCount() == 50 < full.rowCount()
        shown = [few.data(few.index(row, name)) for row in range(12)]
        assert reads == [few.loaded_ids()[:12]], "the rows in sight, no more"
        assert shown == [full.data(full.index(row, name)) for row in range(12)]
        while few.canFetchMore(QModelIndex()):
            few.fetchMore(QModelIndex())
        while full.canFetchMore(QModelIndex()):
            full.fetchMore(QModelIndex())
        assert few.loaded_ids() == full.loaded_ids() == contacts.query_ids(demo_db, q)
        for row in range(few.rowCount()):  # scrolled: read in blocks, as before
            assert few.contact_row(row) == full.contact_row(row)
            assert few._marks(few.contact_id(row)) == full._marks(full.contact_id(row))
        assert all(len(block) <= few._pager.BLOCK for block in reads[1:])
        reads.clear()


def test_the_list_view_tells_the_model_its_rows_in_sight(qtbot: Any, demo_db: Database) -> None:
    """The list's column fitter tells the model how many rows the view shows as it is sized;
    a new query then reads those rows first and the view shows the contacts the query
    orders first."""
    from PySide6.QtWidgets import QTableView

    from ui.contact_table import ColumnFitter

    model = ContactTableModel(demo_db)
    view = QTableView()
    qtbot.addWidget(view)
    view.verticalHeader().setDefaultSectionSize(28)
    view.setModel(model)
    ColumnFitter(view, model)
    view.resize(900, 420)
    view.show()
    qtbot.waitExposed(view)
    sight = view.viewport().height() // 28 + 2
    assert sight == model._pager.FIRST_BLOCK and model.first_page == max(50, sight + sight // 2)
    view.resize(900, 2400)
    qtbot.waitUntil(lambda: view.viewport().height() // 28 + 2 == model._pager.FIRST_BLOCK)
    assert model.first_page == model._pager.FIRST_BLOCK * 3 // 2 > 50
    view.resize(900, 420)
    qtbot.waitUntil(lambda: sight == model._pager.FIRST_BLOCK)
    reads = _reads(model)
    q = ContactQuery(sort="name")
    model.set_query(q)
    qtbot.waitUntil(lambda: bool(reads))
    qtbot.wait(50)  # painted, the rows in sight measured (ui.row_fit)
    assert reads == [contacts.query_ids(demo_db, q)[:sight]], "the rows in sight, once"
    top = view.indexAt(view.viewport().rect().topLeft())
    assert top.row() == 0 and model.data(top, ContactIdRole) == reads[0][0]
