"""PostgreSQL: a session reads without a transaction until it writes (db.pgreads).

A read must cost its query (and db.visibility's, once a session), not a BEGIN and a COMMIT
around them; a session that writes must still write all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text

from db.bulk import copy_rows
from db.engine import Database
from db.models import Setting, Stage
from db.pgreads import plain_select


@pytest.fixture
def backend() -> str:
    return "postgresql"


def _statements(db: Database) -> list[str]:
    """Every statement psycopg sends from now on, BEGIN and COMMIT included (the driver's
    own: SQLAlchemy's events do not see them), as the server's count of them would."""
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        raw = conn.connection.driver_connection
        if not raw.autocommit and raw.info.transaction_status == 0:  # IDLE: BEGIN goes first
            seen.append("BEGIN")
        seen.append(statement.split()[0].upper())

    return seen


def test_a_read_opens_no_transaction(db: Database) -> None:
    db.engine.dispose()  # nothing pooled from opening: each read checks a connection out
    seen = _statements(db)
    for _ in range(3):
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Stage)) == 8
            raw: Any = s.connection().connection.driver_connection
            assert raw.info.transaction_status == 0  # IDLE: nothing left open on the server
    assert "BEGIN" not in seen  # (nor, then, a COMMIT or ROLLBACK on the server)
    with db.engine.connect() as conn:  # back in the pool: no longer in autocommit
        assert conn.connection.driver_connection.autocommit is False  # type: ignore[union-attr]


def test_a_search_keystroke_opens_no_transaction(db: Database) -> None:
    """A search sorted by date added reads its page with a ``WITH`` query (app.search_documents)
    and asks the planner how many documents match (app.search.estimate): neither is a write,
    and neither pays a ``BEGIN`` and an end of its own."""
    from app.contacts import ContactQuery, create_contact, query_ids

    made = [create_contact(db, name=f"Ann Smith{i}", email=f"ann{i}@example.com") for i in range(3)]
    create_contact(db, name="Bob Jones")
    db.engine.dispose()
    seen = _statements(db)
    assert query_ids(db, ContactQuery(search="ann smi"), 0, 200) == made[::-1]
    assert "WITH" in seen and "EXPLAIN" in seen  # the documents' page, the plan's estimate
    assert "BEGIN" not in seen


def test_a_session_that_writes_writes_all_or_nothing(db: Database) -> None:
    with db.session() as s:
        s.scalar(select(func.count()).select_from(Stage))  # a read first, without BEGIN
        s.execute(insert(Setting).values(key="kept", value="1"))
        s.execute(insert(Setting).values(key="kept too", value="1"))
    with pytest.raises(RuntimeError), db.session() as s:
        s.scalar(select(func.count()).select_from(Stage))
        s.execute(insert(Setting).values(key="gone", value="1"))
        s.add(Setting(key="gone too", value="1"))
        s.flush()
        raise RuntimeError("the operation fails after its writes")
    with pytest.raises(RuntimeError), db.session() as s:  # a write by COPY (db.bulk)
        s.scalar(select(func.count()).select_from(Stage))
        copy_rows(s.connection(), Setting.__table__, [{"key": "copied", "value": "1"}])  # type: ignore[arg-type]
        raise RuntimeError("fails after its COPY")
    with db.session() as s:
        keys = set(s.scalars(select(Setting.key)))
        assert {"kept", "kept too"} <= keys
        assert not keys & {"gone", "gone too", "copied"}


def test_a_row_lock_is_held_until_the_session_ends(db: Database) -> None:
    """``SELECT … FOR UPDATE`` begins a transaction: the lock lasts until the commit."""
    with db.session() as s:
        s.scalar(select(Stage.id).where(Stage.key == "mql").with_for_update())
        raw: Any = s.connection().connection.driver_connection
        assert raw.info.transaction_status != 0  # in a transaction, holding the row
        with db.engine.connect() as other:
            other.exec_driver_sql("SET lock_timeout = '50ms'")
            with pytest.raises(Exception, match="lock"):
                other.execute(text("SELECT id FROM stages WHERE key = 'mql' FOR UPDATE"))
            other.rollback()


@pytest.mark.parametrize(
    ("statement", "plain"),
    [
        ("SELECT id FROM contacts", True),
        ("  (SELECT 1) UNION (SELECT 2)", True),
        ("select count(*) from contact_search where document @@ q", True),
        ("SELECT id FROM contacts WHERE id = 1 FOR UPDATE", False),
        ("SELECT id FROM contacts FOR NO KEY UPDATE", False),
        ("SELECT id FROM stages FOR SHARE", False),
        ("SELECT pg_notify('winnow', 'x')", False),
        ("SELECT nextval('contacts_id_seq')", False),
        ("SELECT setval('s', 3)", False),
        ("SELECT pg_advisory_xact_lock(1)", False),
        ("SELECT * INTO t2 FROM t", False),
        ("WITH x AS (DELETE FROM t RETURNING id) SELECT id FROM x", False),
        ("WITH m AS MATERIALIZED (SELECT contact_id FROM contact_search) SELECT * FROM m", True),
        ("with recursive r(n) as (select 1 union all select n + 1 from r) select n from r", True),
        ("WITH x AS (SELECT 1) UPDATE t SET a = 1", False),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", False),
        (
            "WITH x AS (SELECT id FROM t) MERGE INTO u USING x ON true WHEN MATCHED THEN DELETE",
            False,
        ),
        ("WITH x AS (SELECT id FROM t FOR UPDATE) SELECT id FROM x", False),
        ("WITH x AS (SELECT nextval('s')) SELECT * FROM x", False),
        ("INSERT INTO t VALUES (1)", False),
        ("SAVEPOINT sa_1", False),
    ],
)
def test_what_counts_as_a_plain_read(statement: str, plain: bool) -> None:
    assert plain_select(statement) is plain
