"""The window's first screen read with ``sqlite3`` alone (``app.first_screen``) is what the ORM
path reads: its SQL is the text SQLAlchemy makes of the ORM's statements (compiled here, or
caught as the ORM runs them), and on real files — the demo, random contacts, an empty
database, hidden stages, a contact with no name, every sort both ways — each read returns the
values the window's ORM functions return (times, flags, raw sort keys)."""

from __future__ import annotations

import inspect
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app import (
    contacts,
    deals,
    first_screen,
    operations,
    paging,
    qualification,
    scoring,
    triage,
)
from app.contacts import ContactQuery
from app.demo import generate_demo
from app.followup import local_midnight_utc
from app.identity import current_actor
from app.queues import QUEUES
from app.settings import get_setting, set_setting
from app.stage_visibility import HIDDEN_SETTING, hidden_keys, set_stage_hidden, shown_stages
from app.stages import list_stages
from app.values import Key
from db import times, visibility
from db.engine import Database, open_database
from db.models import BantCriterion, Contact, Operation, Setting, Stage
from db.plain_open import plain_start

pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 12, 1, 11, 0, 0)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plain(db: Database, db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection as the plain start gives it (the file at the head revision)."""
    start = plain_start(db_path)
    assert start is not None
    con = start.connect()
    yield con
    con.close()


def _compiled(db: Database, stmt: Any) -> str:
    return str(stmt.compile(dialect=db.engine.dialect))


def test_the_statements_are_sqlalchemy_s(db: Database) -> None:
    """Each statement's text is SQLAlchemy's for the ORM's statement (a change there fails
    here, not in a user's start)."""
    ops = select(
        Operation.id,
        Operation.kind,
        Operation.label,
        Operation.at,
        Operation.contact_count,
        Operation.state,
        Operation.undone_at,
        Operation.created_by,
    )
    expected = {
        first_screen.STAGES: select(
            Stage.id, Stage.key, Stage.name, Stage.color, Stage.position, Stage.kind
        ).order_by(Stage.position, Stage.id),
        first_screen.SETTING: select(Setting.value).where(Setting.key == "k"),
        first_screen.CRITERIA: select(BantCriterion.id, BantCriterion.name).order_by(
            BantCriterion.position, BantCriterion.id
        ),
        first_screen.COUNT: select(func.count()).select_from(Contact),
        first_screen.BY_STAGE: select(Contact.stage_id, func.count())
        .select_from(Contact)
        .group_by(Contact.stage_id),
        first_screen.SOURCES: select(Contact.source, func.count())
        .where(Contact.source.is_not(None))
        .group_by(Contact.source)
        .order_by(func.count().desc()),
        first_screen.OWNED: select(func.count()).select_from(Contact).where(Contact.owner == "x"),
        first_screen.UNOWNED: select(func.count())
        .select_from(Contact)
        .where(Contact.owner.is_(None)),
        first_screen.UNDO: ops.where(Operation.state == "done")
        .order_by(Operation.id.desc())
        .limit(1),
        first_screen.REDO: ops.where(Operation.state == "undone")
        .order_by(Operation.undone_at.desc(), Operation.id.asc())
        .limit(1),
    }
    for text, stmt in expected.items():
        assert text == _compiled(db, stmt)
    # the list's rows: app.contacts' own text for the driver
    assert contacts._rows_sql(db.engine.dialect)[0] == first_screen.ROWS
    assert first_screen.MARKS == qualification._ANSWERS_SQL
    deal = select(Contact.id, Contact.deal_amount, Contact.expected_close_at).where(
        Contact.id.in_([1, 2]),
        (Contact.deal_amount.is_not(None)) | (Contact.expected_close_at.is_not(None)),
    )
    # SQLAlchemy expands the ids' list as the statement runs: "?, ?" for two
    assert first_screen.DEALS.format("?, ?") == _compiled(db, deal).replace(
        "(__[POSTCOMPILE_id_1])", "(?, ?)"
    )
    assert f'"{first_screen.RUNNING_IMPORTS}"' in inspect.getsource(visibility.unfinished_batches)


def test_each_queue_s_condition_is_sqlalchemy_s(db: Database) -> None:
    """The queues' conditions, SQLAlchemy's with its values written in, are ours with the
    queue's times written in as stored."""
    assert set(first_screen.QUEUE_CONDITIONS) == set(QUEUES)
    stored = first_screen.queue_times(NOW)
    for name, queue in QUEUES.items():
        theirs = queue.condition(NOW).compile(
            dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
        )
        ours = first_screen.QUEUE_CONDITIONS[name]
        for key, value in stored.items():
            ours = ours.replace(f":{key}", repr(value))
        assert ours == str(theirs), name


def test_the_constants_are_the_modules(db: Database) -> None:
    assert first_screen.THRESHOLD_SETTING == scoring.THRESHOLD_SETTING
    assert first_screen.DEFAULT_THRESHOLD == scoring.DEFAULT_THRESHOLD
    assert first_screen.TARGET_STAGE == scoring.TARGET_STAGE
    assert first_screen.PROPOSED_STAGE == scoring.PROPOSED_STAGE
    assert first_screen.UNTRIAGED_STAGES == triage.UNTRIAGED_STAGES
    assert first_screen.HIDDEN_SETTING == HIDDEN_SETTING
    assert set(first_screen.SORTS) == set(contacts.SORT_COLUMNS)
    due = contacts.SORT_COLUMNS["due"]
    assert times.to_number(datetime(9999, 12, 31)) == first_screen.UNDATED
    assert "?" in first_screen._DUE and "coalesce(CASE" in _compiled(db, select(due))


@pytest.mark.parametrize("sort", sorted(contacts.SORT_COLUMNS))
def test_the_first_page_is_the_orm_s_in_every_sort(
    demo_db: Database, plain: sqlite3.Connection, sort: str
) -> None:
    """Every sort both ways (nullable sorts read in two runs): the same statements run, the
    same keys come back (raw, as app.paging keeps them), the same rows and marks."""
    for descending in (True, False):
        q = ContactQuery(sort=sort, descending=descending)
        for limit in (200, 7, 400):
            ran: list[str] = []

            def caught(_c: Any, _cur: Any, statement: str, *_a: Any, ran: list[str] = ran) -> None:
                if statement.startswith("SELECT contacts.id"):
                    ran.append(statement)

            event.listen(demo_db.engine, "before_cursor_execute", caught)
            try:
                keys = paging.keys_between(demo_db, q, limit=limit)
            finally:
                event.remove(demo_db.engine, "before_cursor_execute", caught)
            page = first_screen.first_page(plain, sort, descending, limit)
            assert page == keys, (sort, descending, limit)
            runs = ["IS NOT NULL", "IS NULL"] if first_screen.SORTS[sort].nullable else [""]
            if not descending:
                runs.reverse()
            assert ran == [first_screen.page_sql(sort, descending, r) for r in runs][: len(ran)]
        ids = [k.id for k in page]
        assert first_screen.rows(plain, ids) == contacts.load_rows(demo_db, ids)
        assert first_screen.bant_marks(plain, ids) == qualification.bant_marks(demo_db, ids)


@pytest.mark.parametrize("sort", ["created", "score", "name", "due", "stage"])
def test_a_board_column_s_first_page_and_cards_are_the_orm_s(
    demo_db: Database, plain: sqlite3.Connection, sort: str
) -> None:
    """The board's columns read before the database is open (``board_cards``): each stage's
    first page in the sort both ways — the statements the ORM runs, the same keys — and the
    first cards' rows, BANT marks and deals (some contacts with a deal, one with only a
    close date)."""
    some = contacts.query_ids(demo_db, ContactQuery(stage_keys=("mql",)), 0, 3)
    deals.set_deal(demo_db, some[0], 12500.5, datetime(2027, 1, 4, 9, 30))
    deals.set_deal(demo_db, some[1], None, datetime(2027, 2, 1))
    deals.set_deal(demo_db, some[2], 0.0, None)
    keys = [st.key for st in shown_stages(demo_db)]
    for descending in (True, False):
        for key in keys:
            q = ContactQuery(sort=sort, descending=descending, stage_keys=(key,))
            ran: list[str] = []

            def caught(_c: Any, _cur: Any, statement: str, *_a: Any, ran: list[str] = ran) -> None:
                if statement.startswith("SELECT contacts.id"):
                    ran.append(statement)

            event.listen(demo_db.engine, "before_cursor_execute", caught)
            try:
                expected = paging.keys_between(demo_db, q, limit=40)
            finally:
                event.remove(demo_db.engine, "before_cursor_execute", caught)
            assert first_screen.first_page(plain, sort, descending, 40, key) == expected, key
            runs = ["IS NOT NULL", "IS NULL"] if first_screen.SORTS[sort].nullable else [""]
            if not descending:
                runs.reverse()
            assert (
                ran == [first_screen.page_sql(sort, descending, r, True) for r in runs][: len(ran)]
            )
        cards = first_screen.board_cards(plain, keys, sort, descending, 40, 6)
        ids = [
            k.id
            for key in keys
            for k in paging.keys_between(
                demo_db, ContactQuery(sort=sort, descending=descending, stage_keys=(key,)), limit=6
            )
        ]
        assert set(cards.rows) == set(ids) and len(ids) > 30
        assert cards.rows == contacts.load_rows(demo_db, ids)
        assert cards.bant == qualification.bant_marks(demo_db, ids)
        assert cards.deals == deals.deal_marks(demo_db, ids)
    with_deals = first_screen.deal_marks(plain, some)
    assert with_deals == deals.deal_marks(demo_db, some) and len(with_deals) == 3
    assert with_deals[some[1]].amount is None and with_deals[some[2]].amount == 0.0
    assert first_screen.board_cards(plain, keys, "created", True, 40, 0).rows == {}


def _randomise(path: Path, seed: int) -> int:
    """Random stages, scores, readiness, due times around today's bounds, owners, sources
    and BANT answers; one contact without a name (its id returned)."""
    rng = random.Random(seed)

    def stored() -> int | float | None:
        if rng.random() < 0.3:
            return None
        base = rng.choice([NOW, local_midnight_utc(NOW.date()), local_midnight_utc(NOW.date())])
        off = timedelta(minutes=30 * rng.randint(-96, 96), seconds=rng.choice([0, -1, 1]))
        return times.to_number(base + off + timedelta(microseconds=rng.choice([0, 250_000])))

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        stage_ids = [r[0] for r in conn.execute("SELECT id FROM stages")]
        ids = [r[0] for r in conn.execute("SELECT id FROM contacts")]
        for cid in ids:
            conn.execute(
                "UPDATE contacts SET stage_id = ?, sales_ready = ?, score = ?, "
                "response_due_at = ?, first_response_at = ?, next_action_at = ?, "
                "triaged_at = ?, owner = ?, source = ? WHERE id = ?",
                (
                    rng.choice(stage_ids),
                    rng.random() < 0.3,
                    rng.choice([None, 0, 10, 59, 60, 61, 75, 100]),
                    stored(),
                    stored() if rng.random() < 0.5 else None,
                    stored(),
                    None if rng.random() < 0.5 else times.to_number(NOW),
                    rng.choice([None, "me", "anna"]),
                    rng.choice([None, "Fair 2026", "Web form", "Referral", "fair 2026"]),
                    cid,
                ),
            )
        nameless = max(ids)
        conn.execute("UPDATE contacts SET name = '', sort_name = '' WHERE id = ?", (nameless,))
        if seed % 2:  # the stages in another order
            conn.execute("UPDATE stages SET position = 30 WHERE key = 'mql'")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return nameless


def _window_counts(db: Database) -> first_screen.SidebarCounts:
    """What ``MainWindow.refresh_counts`` reads, through the ORM."""
    by_stage = contacts.count_by_stage(db, ContactQuery())
    return first_screen.SidebarCounts(
        stages={st.key: by_stage.get(st.key, 0) for st in list_stages(db)},
        queues={q: contacts.count(db, ContactQuery(queue=q)) for q in QUEUES},
        sources=contacts.distinct_sources(db)[:12],
        all=sum(by_stage.values()),
        owned=contacts.count(db, ContactQuery(owner=current_actor(db))),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_first_screen_is_the_orm_s_on_random_contacts(
    db: Database, db_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(db, 300, seed=seed)
    if seed == 2:
        set_setting(db, "scoring.threshold", 61)
    db.close()
    if seed == 3:  # the queues' local days half an hour off the UTC hours
        monkeypatch.setenv("TZ", "America/St_Johns")
        time.tzset()
    nameless = _randomise(db_path, seed)
    monkeypatch.setenv("LOGNAME", "me")
    monkeypatch.setattr(contacts, "utcnow", lambda: NOW)  # the queues at the same time
    database = open_database(str(db_path))
    start = plain_start(db_path)
    assert start is not None
    con = start.connect()
    try:
        # an operation done and one undone: Edit ▸ Undo and Redo both say something
        for source, target in (("customer", "nurture"), ("opportunity", "disqualified")):
            some = contacts.query_ids(database, ContactQuery(stage_keys=(source,)), 0, 2)
            operations.move_contacts(database, some, target)
        operations.undo_operation(database)
        with first_screen.snapshot(con):
            all_stages = first_screen.stages(con)
            assert all_stages == list_stages(database)
            assert first_screen.criterion_names(con) == [
                c.name for c in qualification.list_criteria(database)
            ]
            state = first_screen.undo_state(con)
            assert state == operations.undo_state(database)
            assert state.undo is not None and state.redo is not None
            assert first_screen.actor() == current_actor(database) == "me"
            assert first_screen.count(con) == contacts.count(database, ContactQuery()) == 300
            assert first_screen.setting(con, "scoring.threshold", 5) == get_setting(
                database, "scoring.threshold", 5
            )
            counted = first_screen.sidebar_counts(con, all_stages, "me", NOW)
            assert counted == _window_counts(database)
            assert list(counted.stages) == [st.key for st in all_stages]
            assert len(set(counted.queues.values())) > 2, "queues that differ"
            for owner in ("anna", "", "nobody"):
                assert first_screen.owned_count(con, owner) == contacts.count(
                    database, ContactQuery(owner=owner)
                )
            page = first_screen.first_page(con, "name", False, 300)
            assert Key("", nameless) in page[:5]  # the contact with no name among the first
            ids = [k.id for k in page]
            assert first_screen.rows(con, ids) == contacts.load_rows(database, ids)
            assert first_screen.rows(con, [nameless])[nameless].name == ""
            assert first_screen.bant_marks(con, ids) == qualification.bant_marks(database, ids)
    finally:
        con.close()
        database.close()
        monkeypatch.undo()
        time.tzset()


def test_hidden_stages_leave_the_board_and_the_shown_stages(
    demo_db: Database, plain: sqlite3.Connection
) -> None:
    operations.add_stage(demo_db, "parked", "Parked", kind="side")
    set_stage_hidden(demo_db, "parked")
    by_stage = contacts.count_by_stage(demo_db, ContactQuery())
    all_stages = first_screen.stages(plain)
    assert first_screen.hidden_keys(plain) == hidden_keys(demo_db) == {"parked"}
    assert first_screen.shown_stages(plain, all_stages) == shown_stages(demo_db)
    assert "parked" in [st.key for st in all_stages]
    assert first_screen.board_columns(plain, all_stages) == [
        (st, by_stage.get(st.key, 0)) for st in shown_stages(demo_db)
    ]
    assert sum(n for _st, n in first_screen.board_columns(plain, all_stages)) == 300


def test_an_empty_database(db: Database, plain: sqlite3.Connection) -> None:
    with first_screen.snapshot(plain):
        all_stages = first_screen.stages(plain)
        assert all_stages == list_stages(db)
        assert first_screen.count(plain) == 0
        assert first_screen.undo_state(plain) == operations.undo_state(db)
        assert first_screen.undo_state(plain).undo_text == "Undo"
        for sort in first_screen.SORTS:
            assert first_screen.first_page(plain, sort, True) == []
        assert first_screen.rows(plain, [1, 2]) == {}
        assert first_screen.bant_marks(plain, [1]) == {}
        counted = first_screen.sidebar_counts(plain, all_stages, "me", NOW)
        assert counted.all == 0 and set(counted.stages.values()) == {0}
        assert counted.sources == [] and set(counted.queues.values()) == {0}
        assert first_screen.hidden_keys(plain) == frozenset()


def test_a_running_import_leaves_the_start_to_the_orm(
    demo_db: Database, plain: sqlite3.Connection
) -> None:
    plain.execute(
        "INSERT INTO import_batches (id, created_at, read_count, imported_count, "
        "updated_count, skipped_count, rejected_count, state) "
        "VALUES (900, 0, 0, 0, 0, 0, 0, 'running')"
    )
    with pytest.raises(first_screen.NotPlain), first_screen.snapshot(plain):
        pass
    assert not plain.in_transaction


def test_the_module_imports_neither_sqlalchemy_nor_qt() -> None:
    code = (
        "import sys, app.first_screen; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'PySide6',"
        " 'alembic', 'shiboken6'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_queues_labels_are_the_sidebar_s() -> None:
    """The window lists the sidebar's queues from here (no SQLAlchemy before usable)."""
    assert {name: q.label for name, q in QUEUES.items()} == first_screen.QUEUE_LABELS
    assert list(first_screen.QUEUE_LABELS) == list(QUEUES)
