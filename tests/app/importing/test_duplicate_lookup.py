"""The duplicate look-ups of an import's chunks: which contact a row matches, and that each
chunk's look-up reads the index of e-mail addresses or names, not every contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, update

from app.contacts import create_contact, get_contact
from app.importing.service import import_file
from db.engine import Database
from db.models import Contact
from tests.app.importing.service_fixtures import BADGE_HEADERS, JURGEN_ROW, write_csv


def test_a_row_goes_to_the_oldest_contact_with_its_address(db: Database, tmp_path: Path) -> None:
    """Two contacts share the row's address: the oldest is the one the row fills in, even
    where the index of addresses hands the other over first (PostgreSQL keeps equal keys in
    the order of the rows' places in the table, and an update moves a row to a new place)."""
    oldest = create_contact(
        db, first_name="Jürgen", last_name="Weißmann", email="j.weissmann@acme-maschinen.de"
    )
    other = create_contact(
        db, first_name="J.", last_name="Weissmann", email="J.Weissmann@ACME-Maschinen.de"
    )
    with db.session() as s:  # the oldest's row written again, after the other's (an indexed
        # column changed: PostgreSQL's index entries then point at the row's new place)
        s.execute(update(Contact).where(Contact.id == oldest).values(source="Messe"))
    report = import_file(
        db, write_csv(tmp_path / "one.csv", BADGE_HEADERS, [JURGEN_ROW]), on_duplicate="fill"
    )
    assert (report.imported, report.updated) == (0, 1)
    assert (get_contact(db, oldest).company, get_contact(db, other).company) == (
        "ACME Maschinen GmbH",
        None,
    )


def test_no_chunk_walks_every_contact_in_id_order_to_find_its_keys(
    db: Database, tmp_path: Path
) -> None:
    """A first import into a new store: its own earlier chunks are what the look-ups search,
    in a table whose statistics say it is empty. Asked for the contacts in id order,
    PostgreSQL walked the primary key testing every contact against the chunk's 500 keys
    (the work grew with the square of the file: a 10,000-row import spent 1.49 s of the
    server's 3.9 s of statement time there, at a load of 7); the look-ups by e-mail address
    and by name read their column's index, or the table (PostgreSQL, while it is small)."""
    rows = [
        [f"Name{i}", f"Last{i}", f"p{i}@firma{i % 50}.de", f"Firma {i % 50}", "", "", ""]
        if i % 3
        else [f"Name{i}", f"Last{i}", "", f"Firma {i % 50}", "", "", ""]
        for i in range(3000)
    ]
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "WHERE contacts.email_key" in statement or "WHERE contacts.sort_name" in statement:
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        report = import_file(db, write_csv(tmp_path / "new.csv", BADGE_HEADERS, rows))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert report.imported == 3000
    by_email = [(s, p) for s, p in seen if "WHERE contacts.email_key" in s]
    by_name = [(s, p) for s, p in seen if "WHERE contacts.sort_name" in s]
    assert len(by_email) == 6 and len(by_name) == 6  # a look-up of each kind a chunk
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        for (statement, params), index in [
            (by_email[-1], "ix_contacts_email_key"),
            (by_name[-1], "ix_contacts_name"),
        ]:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, params))
            assert "pk_contacts" not in plan and "PRIMARY KEY" not in plan, plan
            if db.is_sqlite:
                assert index in plan, plan
            else:
                assert index in plan or "Seq Scan on contacts" in plan, plan
