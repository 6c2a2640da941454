"""The list model: a valid Qt model, paged, sorted in SQL."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

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
