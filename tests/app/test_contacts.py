"""Contacts: create, validate, update, delete, and the paged query behind the views."""

from __future__ import annotations

import pytest

from app import contacts
from app.contacts import ContactQuery, ValidationError
from app.errors import UnknownContact, UnknownStage, UsageError
from db.engine import Database


def _make(db: Database, **values: object) -> int:
    return contacts.create_contact(db, **values)  # type: ignore[arg-type]


def test_create_and_get_keeps_every_character(db: Database) -> None:
    cid = _make(
        db,
        first_name="Jürgen",
        last_name="Weißmann",
        email=" J.Weissmann@Acme-Widgets.DE ",
        company="Acme Widgets GmbH",
        title="Einkaufsleiter",
        phone="+49 89 1234567",
        stage="inquiry",
    )
    c = contacts.get_contact(db, cid)
    assert c.name == "Jürgen Weißmann"
    assert c.email == "J.Weissmann@Acme-Widgets.DE"
    assert c.email_normalized == "j.weissmann@acme-widgets.de"
    assert c.domain == "acme-widgets.de"
    assert c.stage_key == "inquiry"
    assert c.phone == "+49 89 1234567"


def test_a_single_name_is_split_into_first_and_last(db: Database) -> None:
    c = contacts.get_contact(db, _make(db, name="Ludwig van Beethoven", company="Bonn"))
    assert (c.first_name, c.last_name) == ("Ludwig", "van Beethoven")
    c = contacts.get_contact(db, _make(db, name="Öztürk, Ayşe"))
    assert (c.first_name, c.last_name) == ("Ayşe", "Öztürk")


def test_validation_names_the_field(db: Database) -> None:
    with pytest.raises(ValidationError) as err:
        _make(db, first_name="Bob", email="bob at example.com")
    assert err.value.field == "email"
    with pytest.raises(ValidationError, match="whole number"):
        _make(db, first_name="Bob", company_size="many")
    with pytest.raises(UsageError, match="at least a name"):
        _make(db, title="CEO")
    with pytest.raises(UnknownStage, match="valid keys: suspect, inquiry"):
        _make(db, first_name="Bob", stage="lead")


def test_update_reports_what_changed_and_keeps_derived_columns(db: Database) -> None:
    cid = _make(db, first_name="Ann", last_name="Lee", email="ann@old.example")
    edit = contacts.update_contact(db, cid, email="ann@new.example", last_name="Lee")
    assert edit.changes == {"email": ("ann@old.example", "ann@new.example")}
    c = contacts.get_contact(db, cid)
    assert c.domain == "new.example"
    assert contacts.update_contact(db, cid, email="ann@new.example").changes == {}
    with pytest.raises(UnknownContact):
        contacts.update_contact(db, 999, city="Lyon")


def test_delete_removes_history_and_activities(db: Database) -> None:
    from app import activities, moves

    cid = _make(db, first_name="Eve")
    moves.move_to_stage(db, [cid], "inquiry")
    activities.log_activity(db, cid, "call")
    assert contacts.delete_contacts(db, [cid, cid]) == 1
    with pytest.raises(UnknownContact):
        contacts.get_contact(db, cid)
    with db.session() as s:
        from sqlalchemy import func, select

        from db.models import Activity, StageChange

        assert s.scalar(select(func.count()).select_from(StageChange)) == 0
        assert s.scalar(select(func.count()).select_from(Activity)) == 0


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    rows = {
        "jurgen": dict(
            first_name="Jürgen",
            last_name="Müller",
            email="jm@kessler.de",
            company="Kessler GmbH",
            title="Plant manager",
            source="Trade show: Hannover Messe 2026",
        ),
        "francoise": dict(
            first_name="Françoise",
            last_name="Lefèvre",
            email="fl@gmail.com",
            company="Lefèvre SAS",
            title="CEO",
            source="Web form",
            stage="inquiry",
        ),
        "ayse": dict(
            first_name="Ayşe",
            last_name="Öztürk",
            email="ayse@ozturk.com.tr",
            company="Öztürk Makine",
            title="Buyer",
            source="Trade show: Hannover Messe 2026",
            stage="sql",
        ),
        "bob": dict(
            first_name="<b>Bob</b>", last_name="Smith", company="Zeta Ltd", source="LinkedIn"
        ),
    }
    return {k: _make(db, **v) for k, v in rows.items()}


def test_search_matches_name_email_company_and_title_prefixes(
    db: Database, people: dict[str, int]
) -> None:
    def found(text: str) -> set[int]:
        return {r.id for r in contacts.list_rows(db, ContactQuery(search=text))}

    assert found("jurg") == {people["jurgen"]}  # accents folded
    assert found("müll") == {people["jurgen"]}
    assert found("lefèvre") == {people["francoise"]}
    assert found("gmail") == {people["francoise"]}
    assert found("makine") == {people["ayse"]}
    assert found("plant man") == {people["jurgen"]}
    assert found("ceo") == {people["francoise"]}
    assert found("nobody-like-this") == set()
    assert found('"unbalanced') == set()


def test_filters_sort_and_pages(db: Database, people: dict[str, int]) -> None:
    q = ContactQuery(source="hannover")
    assert {r.id for r in contacts.list_rows(db, q)} == {people["jurgen"], people["ayse"]}
    assert contacts.count(db, ContactQuery(stage_keys=("suspect",))) == 2
    by_name = contacts.list_rows(db, ContactQuery(sort="name", descending=False))
    assert (
        next(r.last_name if hasattr(r, "last_name") else r.name for r in by_name)
        == "<b>Bob</b> Smith"
    )
    ids = contacts.query_ids(db, ContactQuery(sort="name", descending=False))
    assert contacts.query_ids(db, ContactQuery(sort="name", descending=False), 1, 2) == ids[1:3]
    by_stage = contacts.count_by_stage(db, ContactQuery(source="hannover"))
    assert by_stage == {"suspect": 1, "sql": 1}
    with pytest.raises(UsageError):
        contacts.query_ids(db, ContactQuery(sort="shoe size"))


def test_load_rows_returns_plain_values(db: Database, people: dict[str, int]) -> None:
    rows = contacts.load_rows(db, [people["ayse"], 12345])
    assert list(rows) == [people["ayse"]]
    row = rows[people["ayse"]]
    assert (row.name, row.stage_key, row.company) == ("Ayşe Öztürk", "sql", "Öztürk Makine")


def test_load_rows_reads_every_column_as_the_statement_does(demo_db: Database) -> None:
    """load_rows reads SQLite's rows through the driver (app.contacts._rows_sql): every value
    as SQLAlchemy's statement of the same columns turns it (times, flags, numbers, empty
    values), and a running import's contacts left out as every query leaves them out."""
    from sqlalchemy import update

    from app.timeutil import utcnow
    from db.models import Contact, ImportBatch

    ids = contacts.query_ids(demo_db, ContactQuery())
    with demo_db.session() as s:  # some times set, others empty
        s.execute(
            update(Contact)
            .where(Contact.id.in_(ids[:50]))
            .values(next_action_at=utcnow(), first_response_at=utcnow(), response_due_at=None)
        )
    with demo_db.session() as s:
        expected = {}
        for r in s.connection().execute(contacts._ROWS_BY_ID, {"ids": ids}).all():
            values = list(r)
            values[10] = bool(values[10])  # the flag, as the row's type holds it
            expected[r[0]] = contacts.ContactRow(*values)
    rows = contacts.load_rows(demo_db, [*ids, 10**9])
    assert rows == expected and len(rows) == len(ids) == 300
    assert any(r.next_action_at is not None for r in rows.values())
    assert any(r.next_action_at is None for r in rows.values())
    assert all(isinstance(r.sales_ready, bool) for r in rows.values())
    with demo_db.session() as s:  # an import still being written: its contacts are not read
        batch = ImportBatch(created_at=utcnow(), state="running")
        s.add(batch)
        s.flush()
        s.execute(update(Contact).where(Contact.id == ids[0]).values(import_batch_id=batch.id))
        batch_id = batch.id
    for _ in range(8):  # PostgreSQL: prepared after a few uses (psycopg), the same rows
        assert set(contacts.load_rows(demo_db, ids)) == set(ids[1:])
    with demo_db.session() as s:  # the import finished: its contacts are read
        s.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(state="done"))
    assert set(contacts.load_rows(demo_db, ids)) == set(ids)


def test_load_rows_is_one_statement_on_postgresql(demo_db: Database) -> None:
    """PostgreSQL reads a block of rows in one round trip: the contacts of an unfinished
    import are left out by the statement itself, not asked for first (SQLite asks: a local
    call there, on the driver's cursor), and the ids go as one array, whatever their number.
    SQLite reads each block's rows in one statement too."""
    from tests.app.test_stages import statements

    ids = contacts.query_ids(demo_db, ContactQuery())
    for block in (ids[:60], ids[:100], ids):
        with statements(demo_db) as seen:
            assert len(contacts.load_rows(demo_db, block)) == len(block)
        reads = [s for s in seen if "FROM contacts" in s]
        assert len(reads) == 1
        if demo_db.engine.dialect.name == "postgresql":
            assert seen == reads and "import_batches" in reads[0]
