"""One pager for the list and the board columns: scrolling to the end shows every contact exactly
once, in query order, however contacts change while pages are loaded; the total stays right and
selected rows stay selected."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QTableView
from sqlalchemy import delete, select, update

from app import contacts
from app.contacts import ContactQuery
from app.names import sort_key
from app.stages import list_stages
from db.engine import Database, open_database
from db.models import Contact, Stage
from ui.contact_table import COLUMNS, ContactIdRole, ContactTableModel
from ui.kanban.column_model import KanbanColumnModel

pytestmark = pytest.mark.gui

NAME_COLUMN = [c[0] for c in COLUMNS].index("name")
ROOT = QModelIndex()


def _fetch_to_the_end(model: Any) -> None:
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)


def _shown(model: Any) -> list[int]:
    return [model.data(model.index(r, 0), ContactIdRole) for r in range(model.rowCount())]


def _rename(db: Database, cid: int, name: str) -> None:
    contacts.update_contact(db, cid, first_name=name, last_name="")
    assert contacts.get_contact(db, cid).name == name


# --- the reported defect -----------------------------------------------------------------


def _checked_by_name(qtmodeltester: Any, db: Database) -> ContactTableModel:
    """The list's model over ``db``, checked by Qt's model tester, sorted by name."""
    model = ContactTableModel(db)
    qtmodeltester.check(model)
    model.sort(NAME_COLUMN, Qt.SortOrder.AscendingOrder)
    return model


def _table_of(qtbot: Any, model: ContactTableModel) -> QTableView:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    return view


def test_list_rename_past_the_loaded_page_loses_no_contact(
    qtmodeltester: Any, demo_db: Database
) -> None:
    """Sort by name, rename a loaded contact to "Zzzz", scroll to the end: every contact once,
    the renamed one among the last (only Greek names sort after it), and the total still 300."""
    model = _checked_by_name(qtmodeltester, demo_db)
    assert model.rowCount() == model.PAGE < model.total == 300
    cid = model.contact_id(5)
    _rename(demo_db, cid, "Zzzz")
    model.refresh_contacts([cid])  # what the window calls after an edit
    assert model.row_for_id(cid) is None, "it sorts after the loaded rows now"
    _fetch_to_the_end(model)
    shown = _shown(model)
    assert shown == contacts.query_ids(demo_db, model.query)
    assert len(shown) == len(set(shown)) == model.total == 300
    assert shown.index(cid) > 280


def test_board_column_rename_past_the_loaded_page_loses_no_card(
    qtmodeltester: Any, demo_db: Database
) -> None:
    stage = next(s for s in list_stages(demo_db) if s.key == "suspect")
    model = KanbanColumnModel(demo_db, stage, ContactQuery(sort="name", descending=False))
    qtmodeltester.check(model)
    model._pager.PAGE = model._pager.FIRST_PAGE = 20
    model.reload()
    expected_total = model.total
    assert model.rowCount() == 20 < expected_total
    cid = model.contact_id(5)
    _rename(demo_db, cid, "Zzzz")
    model.refresh([cid], recount=False)  # what the board calls after a change
    _fetch_to_the_end(model)
    shown = _shown(model)
    assert shown == contacts.query_ids(demo_db, model.query)
    assert len(shown) == len(set(shown)) == model.total == expected_total
    assert shown.index(cid) > expected_total - 20


def test_in_the_window_renamed_and_scrolled_to_the_end(window: Any, qtbot: Any) -> None:
    """The whole user flow: header click, edit in the detail panel, scroll the list down."""
    view = window.list_view
    view.sortByColumn(NAME_COLUMN, Qt.SortOrder.AscendingOrder)
    model = window.model
    assert model.query.sort == "name" and model.rowCount() < model.total == 300
    cid = model.contact_id(5)
    window.select_contact(cid)
    window.edit_contact(cid, {"first_name": "Zzzz", "last_name": ""})
    bar = view.verticalScrollBar()
    for _ in range(50):
        bar.setValue(bar.maximum())
        QApplication.processEvents()
        if not model.canFetchMore(ROOT) and bar.value() == bar.maximum():
            break
    shown = _shown(model)
    assert len(shown) == len(set(shown)) == model.total == 300
    assert shown == contacts.query_ids(window.db, model.query)
    assert model.data(model.index(shown.index(cid), NAME_COLUMN)) == "Zzzz"
    assert shown.index(cid) > 280
    assert window.selected_ids() == [cid], "the edited contact is still the selected one"


def test_a_page_read_before_the_notice_moves_the_changed_selected_contact(
    qtbot: Any, demo_db: Database
) -> None:
    """A loaded, selected contact renamed past the window's end, and the next page read before
    the list is told (scrolled on between an edit's commit and its notice): the page moves its
    row where the contact now belongs, so it stays selected, is shown once, with its new name."""
    model = ContactTableModel(demo_db)
    model.sort(NAME_COLUMN, Qt.SortOrder.AscendingOrder)
    view = _table_of(qtbot, model)
    cid = model.contact_id(5)
    assert model.data(model.index(5, NAME_COLUMN)) != "Zzzz"  # read, and kept
    rows = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    view.selectionModel().select(model.index(5, 0), rows)
    _rename(demo_db, cid, "Zzzz")  # the list is not told
    _fetch_to_the_end(model)
    shown = _shown(model)
    assert shown == contacts.query_ids(demo_db, model.query) and shown.index(cid) > 280
    assert [i.row() for i in view.selectionModel().selectedRows()] == [shown.index(cid)]
    assert model.data(model.index(shown.index(cid), NAME_COLUMN)) == "Zzzz"


# --- placing changed contacts --------------------------------------------------------------


def test_a_selected_contact_renamed_within_the_page_moves_and_stays_selected(
    qtmodeltester: Any, demo_db: Database, qtbot: Any
) -> None:
    model = _checked_by_name(qtmodeltester, demo_db)
    view = _table_of(qtbot, model)
    cid = model.contact_id(150)
    other = model.contact_id(10)
    selection = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(model.index(150, 0), flags)
    selection.select(model.index(10, 0), flags)
    selection.setCurrentIndex(model.index(150, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    moved: list[tuple[int, int]] = []
    model.rowsMoved.connect(lambda _p, start, _e, _d, row: moved.append((start, row)))
    _rename(demo_db, cid, "Aaaaa")
    model.contacts_changed([cid])
    assert model.contact_id(0) == cid and moved == [(150, 0)]
    selected = sorted(model.contact_id(i.row()) for i in selection.selectedRows())
    assert selected == sorted([cid, other])
    assert model.contact_id(selection.currentIndex().row()) == cid
    assert _shown(model) == contacts.query_ids(demo_db, model.query)[: model.rowCount()]


def test_created_deleted_and_moved_contacts_come_and_go(
    qtmodeltester: Any, demo_db: Database
) -> None:
    model = ContactTableModel(demo_db)
    model.set_query(ContactQuery(stage_keys=("inquiry",), sort="name", descending=False))
    qtmodeltester.check(model)
    total = model.total
    new = contacts.create_contact(demo_db, first_name="Aaron", last_name="Aal", stage="inquiry")
    model.contacts_changed([new])
    assert model.contact_id(0) == new and model.total == total + 1
    gone = model.contact_id(3)
    contacts.delete_contacts(demo_db, [gone])
    model.contacts_removed([gone])
    assert model.row_for_id(gone) is None and model.total == total
    away = model.contact_id(1)
    with demo_db.session() as s:
        sql = select(Stage.id).where(Stage.key == "mql")
        s.execute(update(Contact).where(Contact.id == away).values(stage_id=sql.scalar_subquery()))
        s.commit()
    model.contacts_changed([away])
    assert model.row_for_id(away) is None and model.total == total - 1
    _fetch_to_the_end(model)
    assert _shown(model) == contacts.query_ids(demo_db, model.query)


def test_a_move_between_columns_needs_no_count(qtmodeltester: Any, demo_db: Database) -> None:
    """The board counts in the background; until then each column's total is worked out
    from the cards that came and went, and it is exact for a move and a new contact."""
    stages = {s.key: s for s in list_stages(demo_db)}
    query = ContactQuery(sort="created", descending=True)
    source = KanbanColumnModel(demo_db, stages["suspect"], query)
    target = KanbanColumnModel(demo_db, stages["inquiry"], query)
    for model in (source, target):
        qtmodeltester.check(model)
    moved = [source.contact_id(0), source.contact_id(3)]
    with demo_db.session() as s:
        inquiry = select(Stage.id).where(Stage.key == "inquiry").scalar_subquery()
        s.execute(update(Contact).where(Contact.id.in_(moved)).values(stage_id=inquiry))
        s.commit()
    new = contacts.create_contact(demo_db, first_name="New", last_name="One", stage="inquiry")
    for model in (source, target):
        model.refresh([*moved, new], recount=False)
        assert model.total == contacts.count(demo_db, model.query)
        assert _shown(model) == contacts.query_ids(demo_db, model.query)[: model.rowCount()]
    assert target.contact_id(0) == new and all(target.contains(i) for i in moved)


def test_a_refresh_without_ids_keeps_rows_and_selection(
    qtmodeltester: Any, demo_db: Database, qtbot: Any
) -> None:
    model = _checked_by_name(qtmodeltester, demo_db)
    view = _table_of(qtbot, model)
    keep = model.contact_id(40)
    view.selectRow(40)
    renamed = [model.contact_id(r) for r in (2, 60, 120)]
    for n, cid in enumerate(renamed):
        _rename(demo_db, cid, f"Zz{n}")
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.refresh()
    assert not resets
    assert _shown(model) == contacts.query_ids(demo_db, model.query)[: model.rowCount()]
    assert [model.contact_id(i.row()) for i in view.selectionModel().selectedRows()] == [keep]


def test_a_page_meeting_a_contact_changed_unannounced_moves_it(demo_db: Database) -> None:
    """Between a change and its notice the view may fetch: a contact met again past the
    window's end is moved there, never shown twice."""
    model = ContactTableModel(demo_db)
    model.sort(NAME_COLUMN, Qt.SortOrder.AscendingOrder)
    cid = model.contact_id(7)
    _rename(demo_db, cid, "Zzzz")
    _fetch_to_the_end(model)
    shown = _shown(model)
    assert len(shown) == len(set(shown)) == 300 and shown.index(cid) > 280
    model.contacts_changed([cid])  # the notice arrives late: nothing moves any more
    assert _shown(model) == contacts.query_ids(demo_db, model.query)


# --- randomised: edits, moves, deletes and creations interleaved with paging ----------------

STAGES = ("suspect", "inquiry", "mql")
SORTS = [
    ("name", False),
    ("name", True),
    ("company", False),
    ("company", True),
    ("score", True),
    ("created", False),
    ("stage", False),
]
NAMES = st.sampled_from(["anna", "bert", "cleo", "dora", "emil", "zora", "Ärger", "ölig"])
COMPANIES = st.sampled_from([None, "Acme", "Bolt", "Zeta"])
SCORES = st.sampled_from([None, 0, 10, 50])
START = datetime(2024, 1, 1)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated database with 30 contacts, copied for every example."""
    path = tmp_path_factory.mktemp("paging") / "template.sqlite"
    db = open_database(path)
    for i in range(30):
        contacts.create_contact(db, first_name=f"p{i}", last_name="x", stage="suspect")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    yield path


contact_values = st.tuples(NAMES, COMPANIES, SCORES, st.sampled_from(STAGES), st.integers(0, 4))
# which contact an operation changes: >= 0 any contact, < 0 one of the loaded rows
PICK = st.integers(-200, 200)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("name"), PICK, NAMES, st.booleans()),
        st.tuples(st.just("company"), PICK, COMPANIES, st.booleans()),
        st.tuples(st.just("score"), PICK, SCORES, st.booleans()),
        st.tuples(st.just("move"), PICK, st.sampled_from(STAGES), st.booleans()),
        st.tuples(st.just("delete"), PICK, st.none(), st.booleans()),
        st.tuples(st.just("create"), st.integers(0, 4), contact_values, st.booleans()),
        st.tuples(st.just("fetch"), st.just(0), st.none(), st.just(True)),
        st.tuples(st.just("refresh"), st.just(0), st.none(), st.just(True)),
    ),
    max_size=25,
)


class Board:
    """A model under test over a private copy of the template database."""

    def __init__(self, template: Path, column: bool, sort: tuple[str, bool], page: int) -> None:
        self.dir = tempfile.mkdtemp(prefix="winnow-paging-")
        path = Path(self.dir) / "db.sqlite"
        shutil.copy(template, path)
        self.db = open_database(path)
        self.stage_ids = {s.key: s.id for s in list_stages(self.db)}
        self.column = column
        query = ContactQuery(sort=sort[0], descending=sort[1])
        if column:
            stage = next(s for s in list_stages(self.db) if s.key == "suspect")
            self.model: Any = KanbanColumnModel(self.db, stage, query)
        else:
            self.model = ContactTableModel(self.db)
            self.model.set_query(query)
        self.model._pager.PAGE = page
        self.model.reload()
        self.view = QTableView()
        self.view.setModel(self.model)

    def close(self) -> None:
        self.view.setModel(None)
        self.view.deleteLater()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ids(self) -> list[int]:
        with self.db.session() as s:
            return list(s.scalars(select(Contact.id).order_by(Contact.id)))

    def write(self, cid: int, **values: Any) -> None:
        with self.db.session() as s:
            s.execute(update(Contact).where(Contact.id == cid).values(**values))
            s.commit()

    def create(self, values: tuple[str, str | None, int | None, str, int]) -> int:
        name, company, score, stage, day = values
        with self.db.session() as s:
            c = Contact(
                first_name=name,
                name=name,
                sort_name=sort_key(name),
                company=company,
                score=score,
                stage_id=self.stage_ids[stage],
                created_at=START + timedelta(days=day),
            )
            s.add(c)
            s.flush()
            cid = int(c.id)
            s.commit()
        return cid

    def notify(self, changed: list[int], removed: list[int]) -> None:
        if self.column:
            self.model.refresh(changed, recount=False)
            self.model.contacts_removed(removed, recount=False)
            self.model.set_total(contacts.count(self.db, self.model.query))  # the board's count
        else:
            self.model.contacts_changed(changed)
            self.model.contacts_removed(removed)
            # the list recounts on its worker (never on the GUI thread): wait for the count
            self.model.counter.wait()
            QApplication.processEvents()

    def selected(self) -> set[int]:
        return {self.model.contact_id(i.row()) for i in self.view.selectionModel().selectedRows()}

    def check(self) -> None:
        shown = _shown(self.model)
        fresh = contacts.query_ids(self.db, self.model.query)
        assert len(shown) == len(set(shown)), "no contact shown twice"
        assert shown == fresh[: len(shown)], "the loaded rows are the start of the query"
        assert self.model.total == len(fresh)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    column=st.booleans(),
    sort=st.sampled_from(SORTS),
    page=st.sampled_from([3, 7]),
    # REREAD_MAX, SEEK_MAX, MOVE_MAX, FOLLOW_MAX: placed by seeks or by reading the window
    # again, moved one by one or in a layout change, selected contacts followed or let go
    tuning=st.sampled_from(
        [(0, 24, 16, 5000), (10**6, 24, 16, 5000), (0, 24, 0, 2), (0, 0, 16, 5000)]
    ),
    start=st.lists(contact_values, min_size=30, max_size=30),
    fetched=st.integers(0, 3),
    selected=st.sets(st.integers(0, 20), max_size=4),
    ops=operations,
)
def test_every_contact_exactly_once_whatever_changes_while_paging(
    qapp: Any,
    qtmodeltester: Any,
    template: Path,
    column: bool,
    sort: tuple[str, bool],
    page: int,
    tuning: tuple[int, int, int, int],
    start: list[tuple[str, str | None, int | None, str, int]],
    fetched: int,
    selected: set[int],
    ops: list[tuple[str, int, Any, bool]],
) -> None:
    if column and sort[0] == "stage":
        sort = ("name", False)
    board = Board(template, column, sort, page)
    try:
        for cid, (name, company, score, stage, day) in zip(board.ids(), start, strict=True):
            board.write(
                cid,
                name=name,
                sort_name=sort_key(name),
                company=company,
                score=score,
                stage_id=board.stage_ids[stage],
                created_at=START + timedelta(days=day),
            )
        board.model.reload()
        pager = board.model._pager
        pager.REREAD_MAX, pager.SEEK_MAX, pager.MOVE_MAX, pager.FOLLOW_MAX = tuning
        qtmodeltester.check(board.model, force_py=True)
        for _ in range(fetched):
            board.model.fetchMore(ROOT)
        rows = board.model.rowCount()
        for row in sorted(r for r in selected if r < rows):
            board.view.selectionModel().select(
                board.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
        board.check()
        changed: list[int] = []
        removed: list[int] = []
        for kind, pick, value, notify_now in ops:
            before = board.selected()
            settled = not changed and not removed
            ids = board.ids() if pick >= 0 else board.model.loaded_ids()
            picked = ids[pick % len(ids)] if ids else None
            if kind == "fetch":
                board.model.fetchMore(ROOT)
            elif kind == "refresh":
                if column:
                    board.model.refresh([])
                else:
                    board.model.refresh()
                    board.model.counter.wait()  # the recount on the list's worker
                    QApplication.processEvents()
                changed.clear()
                removed.clear()
                if column:
                    board.model.set_total(contacts.count(board.db, board.model.query))
            elif kind == "create":
                changed.append(board.create(value))
            elif picked is None:
                continue
            elif kind == "delete":
                with board.db.session() as s:
                    s.execute(delete(Contact).where(Contact.id == picked))
                    s.commit()
                removed.append(picked)
            elif kind == "name":
                board.write(picked, name=value, sort_name=sort_key(value))
                changed.append(picked)
            elif kind == "move":
                board.write(picked, stage_id=board.stage_ids[value])
                changed.append(picked)
            else:
                board.write(picked, **{kind: value})
                changed.append(picked)
            if notify_now and (changed or removed):
                board.notify(changed, removed)
                changed, removed = [], []
                if settled and kind not in ("fetch", "refresh"):
                    visible = set(_shown(board.model))
                    assert board.selected() == before & visible, "selection kept by id"
            if not changed and not removed:
                board.check()
        board.notify(changed, removed)
        board.check()
        _fetch_to_the_end(board.model)
        shown = _shown(board.model)
        assert shown == contacts.query_ids(board.db, board.model.query)
        assert board.model.total == len(shown)
    finally:
        board.close()
