"""Keyset paging: pages after a key add up to the query's order, whatever changes above them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, update

import app.board  # noqa: F401  (registers the board's "due" sort)
from app import contacts, paging
from app.contacts import SORT_COLUMNS, ContactQuery
from db.engine import Database
from db.models import Contact


@pytest.fixture
def gappy_db(demo_db: Database) -> Database:
    """The demo contacts with empty companies, titles and scores, and many ties."""
    with demo_db.session() as s:
        s.execute(update(Contact).where(Contact.id % 7 == 0).values(company=None, score=None))
        s.execute(update(Contact).where(Contact.id % 5 == 0).values(title=None, score=40))
        s.execute(update(Contact).where(Contact.id % 3 == 0).values(sort_name="same"))
        s.commit()
    return demo_db


def _paged(db: Database, q: ContactQuery, size: int) -> list[int]:
    out: list[int] = []
    after = None
    while True:
        page = paging.keys_between(db, q, after=after, limit=size)
        out.extend(k.id for k in page)
        if len(page) < size:
            return out
        after = page[-1]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
def test_pages_after_keys_add_up_to_the_query_order(
    gappy_db: Database, sort: str, descending: bool
) -> None:
    q = ContactQuery(sort=sort, descending=descending)
    everything = contacts.query_ids(gappy_db, q)
    assert len(everything) == 300
    assert _paged(gappy_db, q, 23) == everything
    suspects = ContactQuery(sort=sort, descending=descending, stage_keys=("suspect",))
    assert _paged(gappy_db, suspects, 9) == contacts.query_ids(gappy_db, suspects)


def test_empty_values_sort_first_ascending_and_last_descending(gappy_db: Database) -> None:
    up = contacts.list_rows(gappy_db, ContactQuery(sort="company", descending=False))
    down = contacts.list_rows(gappy_db, ContactQuery(sort="company", descending=True))
    assert up[0].company is None and up[-1].company is not None
    assert down[0].company is not None and down[-1].company is None


def test_a_contact_renamed_above_the_key_does_not_shift_the_next_page(db: Database) -> None:
    """The defect an OFFSET pager has: the row moved out of the first page pulls the next
    page's first row into the gap, and nobody ever shows it."""
    for i in range(10):
        contacts.create_contact(db, first_name=f"N{i:02d}", last_name="Person")
    q = ContactQuery(sort="name", descending=False)
    first = paging.keys_between(db, q, limit=5)
    ids = [k.id for k in first]
    contacts.update_contact(db, ids[1], first_name="Zzzz")
    after = [k.id for k in paging.keys_between(db, q, after=first[-1], limit=5)]
    now = contacts.query_ids(db, q)
    assert after == now[now.index(ids[-1]) + 1 :][:5]
    assert set(ids) | set(after) == set(now), "every contact is on one of the two pages"
    offset_page = contacts.query_ids(db, q, offset=5, limit=5)
    assert set(ids) | set(offset_page) != set(now), "what OFFSET paging loses"


def test_place_says_which_changed_contacts_belong_in_a_window(gappy_db: Database) -> None:
    q = ContactQuery(sort="company", descending=True, stage_keys=("suspect",))
    order = contacts.query_ids(gappy_db, q)
    window = paging.keys_between(gappy_db, q, limit=20)
    end = window[-1]
    other_stage = contacts.query_ids(gappy_db, ContactQuery(stage_keys=("customer",)))[0]
    asked = [order[30], other_stage, order[3], order[19], 999_999]
    placed = paging.place(gappy_db, q, asked, end, complete=False)
    assert [(p.key.id, p.in_window) for p in placed] == [
        (order[3], True),
        (order[19], True),
        (order[30], False),
    ]
    assert all(p.in_window for p in paging.place(gappy_db, q, asked, end, complete=True))
    assert not any(p.in_window for p in paging.place(gappy_db, q, asked, None, complete=False))


def test_successors_skip_the_excluded_and_stop_at_the_window_end(gappy_db: Database) -> None:
    q = ContactQuery(sort="score", descending=True)
    keys = paging.keys_between(gappy_db, q, limit=12)
    ids = [k.id for k in keys]
    found = paging.successors(gappy_db, q, [keys[2], keys[10], keys[11]], keys[11], {ids[3]})
    assert found == [ids[4], ids[11], None]


def _read(db: Database, read: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What ``read()`` returns, and the statements it ran."""
    seen: list[str] = []

    def grab(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        return read(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


@pytest.mark.parametrize(
    "q",
    [
        ContactQuery(),
        ContactQuery(sort="score", descending=False),
        ContactQuery(sort="company", descending=True, source="web"),
        ContactQuery(sort="name", descending=False, search="SEARCHED"),
        ContactQuery(sort="score", descending=True, search="SEARCHED"),
    ],
    ids=["first page", "by score", "by company from a source", "search by name", "search by score"],
)
def test_a_page_reads_the_stages_only_when_its_query_names_one(
    gappy_db: Database, q: ContactQuery
) -> None:
    """Every contact has a stage: a page, a search's page or a capped count that filters and
    sorts on no stage reads no stage (no join to ``stages``, a step per contact on PostgreSQL),
    and finds the contacts the join did, in the same order."""
    if q.search:
        word = contacts.get_contact(gappy_db, 1).last_name or ""
        q = replace(q, search=word[:3])
    joined = contacts._filtered(contacts._base([Contact.id]), q, gappy_db)
    with gappy_db.session() as s:
        expected = list(s.scalars(joined.order_by(*contacts.order_by(q))))
    assert expected
    page, seen = _read(gappy_db, lambda: paging.keys_between(gappy_db, q, limit=25))
    assert [k.id for k in page] == expected[:25]
    assert _paged(gappy_db, q, 23) == expected
    n, counted = _read(gappy_db, lambda: contacts.count_capped(gappy_db, q, cap=10))
    assert n == min(len(expected), 11)
    for statement in seen + counted:
        assert "stages" not in statement, statement
    # a stage filter or the stage sort still reads them
    for staged in (replace(q, stage_keys=("suspect",)), replace(q, sort="stage")):
        page, seen = _read(gappy_db, partial(paging.keys_between, gappy_db, staged, limit=25))
        assert [k.id for k in page] == contacts.query_ids(gappy_db, staged)[:25]
        assert any("stages" in statement for statement in seen), seen


@pytest.mark.sqlite_only
def test_a_search_s_kept_statements_follow_the_file_s_indexes(db_path: Any) -> None:
    """A search's first page keeps its statements per query (app.paging._bound); a sorted
    search by name names the index it reads its keys in. A file at the same path opened
    again without that index (a schema before 0018) must not be given that statement."""
    import sqlite3

    from app.demo import generate_demo
    from db.engine import open_database

    q = ContactQuery(search="mü", sort="name", descending=False)
    db = open_database(db_path)
    generate_demo(db, 300, seed=7)
    with paging.search.forced(paging.search.SORT):
        first = paging.keys_between(db, q, limit=200)
    assert first and contacts.sort_key_index(q, db) is not None
    db.close()
    conn = sqlite3.connect(db_path)
    conn.execute("DROP INDEX ix_contacts_id_name")
    conn.commit()
    conn.close()
    db = open_database(db_path, migrate=False)
    try:
        assert contacts.sort_key_index(q, db) is None
        with paging.search.forced(paging.search.SORT):
            assert paging.keys_between(db, q, limit=200) == first
    finally:
        db.close()
