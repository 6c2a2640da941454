"""A search's first page is shown at once; its count arrives later from a worker, as
"N+" first, then "10,000+" (here a cap of 300) when there are many, then exactly."""

from __future__ import annotations

import pytest

from app import contacts, values
from app.contacts import ContactQuery
from db.engine import Database
from ui.contact_table import ContactTableModel
from ui.list_count import count_text

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def many(db: Database) -> Database:
    from app.demo import generate_demo

    generate_demo(db, 900, seed=5)
    return db


def test_count_text() -> None:
    assert count_text(12_345, True) == "12,345"
    assert count_text(200, False) == "200+"
    assert count_text(10_001, False, cap=10_000) == "10,000+"


def test_the_first_page_is_shown_before_the_count(
    qtbot, many: Database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(values, "COUNT_CAP", 300)
    model = ContactTableModel(many)
    shown: list[str] = []
    model.total_changed.connect(lambda: shown.append(model.total_text))
    q = ContactQuery(search="a")
    exact = contacts.count(many, q)
    assert exact > 301  # broad enough to be capped

    model.set_query(q)
    # the first page is there, the count not yet: nothing ran the event loop since
    assert model.rowCount() == model.PAGE
    assert not model.total_exact
    assert model.total_text == f"{model.PAGE}+"
    assert model.counter.pending

    qtbot.waitUntil(lambda: model.total_exact, timeout=10_000)
    assert shown == ["300+", f"{exact:,}"]
    assert model.total == exact
    assert model.counter.wait()


def test_a_newer_search_drops_the_older_count(qtbot, many: Database) -> None:  # type: ignore[no-untyped-def]
    model = ContactTableModel(many)
    shown: list[str] = []
    model.total_changed.connect(lambda: shown.append(model.total_text))
    model.set_query(ContactQuery(search="a"))
    model.set_query(ContactQuery(search="m"))
    qtbot.waitUntil(lambda: model.total_exact, timeout=10_000)
    model.counter.wait()
    qtbot.wait(50)
    assert shown == [f"{contacts.count(many, ContactQuery(search='m')):,}"]


def test_a_narrow_search_is_counted_with_its_page(many: Database) -> None:
    model = ContactTableModel(many)
    model.set_query(ContactQuery(search="zzzz"))
    assert model.total_exact and model.total == 0 and model.total_text == "0"
    model.set_query(ContactQuery(search="a", stage_keys=("won",)))
    if model.rowCount() < model.PAGE:  # one short page: that is the count
        assert model.total_exact and model.total == model.rowCount()


def test_the_status_bar_shows_the_count_as_it_arrives(qtbot, many: Database) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    window = MainWindow(many)
    qtbot.addWidget(window)
    window.search.setText("a")
    window.apply_filters()
    assert f"{window.model.PAGE}+ shown" in window.count_label.text()
    exact = contacts.count(many, ContactQuery(search="a"))
    qtbot.waitUntil(lambda: f"{exact:,} shown" in window.count_label.text(), timeout=10_000)


def test_a_change_while_searching_is_recounted_on_the_worker(qtbot, many: Database) -> None:  # type: ignore[no-untyped-def]
    model = ContactTableModel(many)
    q = ContactQuery(search="a")
    model.set_query(q)
    qtbot.waitUntil(lambda: model.total_exact, timeout=10_000)
    before = model.total
    shown = contacts.query_ids(many, q, 0, 1)[0]
    contacts.update_contact(many, shown, first_name="Zzyzx", last_name="Qwv", company=None)
    contacts.update_contact(many, shown, email=None, title=None)
    assert not contacts.query_ids(many, ContactQuery(search="a", ids=(shown,)))
    model.contacts_changed([shown])
    assert model.row_for_id(shown) is None
    assert model.total == before - 1  # estimated from what left
    assert model.counter.pending  # the count is taken on the worker, not here
    qtbot.waitUntil(lambda: not model.counter.pending, timeout=10_000)
    assert model.total_exact and model.total == before - 1 == contacts.count(many, q)
