"""Issue 15, the window's start: the list left in an order other than by date added (its
header's state saved) is read once, in that order — on a plain start with the driver alone,
the database not opened for it (restoring the header asked the model for the order again:
a second read, through the database, the window waiting for its opening)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QStandardItemModel

from tests.ui.start_helpers import window_as_run_gui_makes_it
from ui.contact_table import COLUMNS, saved_sort

pytestmark = pytest.mark.gui

NAME = [c[0] for c in COLUMNS].index("name")
COMPANY = [c[0] for c in COLUMNS].index("company")


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    """A real SQLite file with the 300 demo contacts."""
    from app.demo import generate_demo
    from db.engine import open_database

    path = tmp_path / "crm.sqlite"
    db = open_database(path)
    try:
        generate_demo(db, 300, seed=7)
    finally:
        db.close()
    return path


def _header_state(column: int, order: Qt.SortOrder) -> QByteArray:
    """What the list's header saves, sorted by ``column`` (the window's own list view)."""
    from ui.main_window import ContactListView

    view = ContactListView()
    try:
        view.setModel(QStandardItemModel(0, len(COLUMNS), view))
        view.horizontalHeader().setSortIndicator(column, order)
        return view.horizontalHeader().saveState()
    finally:
        view.deleteLater()


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_saved_sort_reads_the_header_s_own_state(qapp: Any, order: Qt.SortOrder) -> None:
    for column, (_key, _label, sort_key) in enumerate(COLUMNS):
        found = saved_sort(_header_state(column, order).data())
        if sort_key is None:  # BANT does not sort
            assert found is None
        else:
            assert found is not None
            assert (found.column, found.order, found.key) == (column, order, sort_key)


def test_saved_sort_is_none_for_what_is_no_header_state() -> None:
    assert saved_sort(b"") is None
    assert saved_sort(b"\0\0\0\xff\0\0\0\0\0\0\0\x01") is None  # cut short
    assert saved_sort(b"\0" * 40) is None  # no marker
    vertical = b"\0\0\0\xff\0\0\0\0\0\0\0\x02\0\0\0\x00\0\0\0\x00\x01"
    assert saved_sort(vertical) is None
    unsorted = b"\0\0\0\xff\0\0\0\0\0\0\0\x01\0\0\0\x00\xff\xff\xff\xff\x01"
    assert saved_sort(unsorted) is None
    beyond = b"\0\0\0\xff\0\0\0\0\0\0\0\x01\0\0\0\x00\0\0\0\x63\x01"
    assert saved_sort(beyond) is None


def _window(qtbot: Any, path: Path, *, plain: bool) -> Any:
    """A window as ``run_gui`` makes it, with the user's saved state (the database opened only
    when something asks for it on a plain start)."""
    # built, its first page read and the saved state restored (in the constructor); on a
    # plain start the first page in the saved order read with the driver, nothing opened for
    # it (later, the jobs after usable open the database: when is up to the machine's load)
    win = window_as_run_gui_makes_it(path, plain=plain, persist_state=True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _drain(win: Any) -> None:
    win.persist_state = False  # the state saved by the test stays as it was
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)
    win.close_database()


def _shown(win: Any) -> tuple[object, ...]:
    model = win.model
    header = win.list_view.horizontalHeader()
    rows = [model.data(model.index(r, NAME)) for r in range(min(model.rowCount(), 60))]
    return (
        model.query.sort,
        model.query.descending,
        header.sortIndicatorSection(),
        header.sortIndicatorOrder(),
        model.loaded_ids(),
        rows,
    )


@pytest.mark.parametrize(
    ("column", "order"),
    [(NAME, Qt.SortOrder.AscendingOrder), (COMPANY, Qt.SortOrder.DescendingOrder)],
)
def test_a_saved_order_is_read_once_without_the_database_on_a_plain_start(
    qtbot: Any, crm: Path, column: int, order: Qt.SortOrder
) -> None:
    from ui.main_window import HEADER_KEY

    QSettings("Winnow", "Winnow").setValue(HEADER_KEY, _header_state(column, order))
    plain = _window(qtbot, crm, plain=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        seen = _shown(plain)
    finally:
        _drain(plain)
    usual = _window(qtbot, crm, plain=False)
    try:
        qtbot.waitUntil(usual.counts_shown, timeout=10000)
        expected = _shown(usual)
    finally:
        _drain(usual)
    key = COLUMNS[column][2]
    assert seen[:4] == (key, order == Qt.SortOrder.DescendingOrder, column, order)
    assert seen == expected
    names = seen[5]
    assert isinstance(names, list) and len(names) == 60
    if column == NAME:
        from app.names import sort_key

        assert [sort_key(n) for n in names] == sorted(sort_key(n) for n in names)
