"""``db.idlist.id_in``: the ids are one bound value, so a statement naming contacts compiles
once for any ids (a one-card move compiled four statements again each time), and every
execution reads its own ids, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Select, select, update

from app import contacts
from db.engine import Database
from db.idlist import id_in
from db.models import Contact


def _ids_of(db: Database, wanted: list[int]) -> list[int]:
    with db.session() as s:
        return list(
            s.scalars(select(Contact.id).where(id_in(Contact.id, wanted)).order_by(Contact.id))
        )


def test_each_execution_reads_its_own_ids(db: Database) -> None:
    a, b, c = (contacts.create_contact(db, first_name=n) for n in "ABC")
    # the same statement, cached after its first run: the ids are the execution's own
    assert _ids_of(db, [a, c]) == [a, c]
    assert _ids_of(db, [b]) == [b]
    assert _ids_of(db, [c, a, b, 10**9]) == [a, b, c]
    assert _ids_of(db, []) == []
    with db.session() as s:  # in an UPDATE too, and in a subquery of one
        s.execute(
            update(Contact)
            .where(id_in(Contact.id, [b]))
            .values(company="Acme")
            .execution_options(synchronize_session=False)
        )
        s.execute(
            update(Contact)
            .where(Contact.id.in_(select(Contact.id).where(id_in(Contact.id, [c]))))
            .values(company="Initech")
            .execution_options(synchronize_session=False)
        )
        s.commit()
    rows = contacts.load_rows(db, [a, b, c])
    assert [rows[i].company for i in (a, b, c)] == [None, "Acme", "Initech"]


def test_one_compiled_form_for_any_ids(db: Database) -> None:
    def stmt(wanted: list[int]) -> Select[int]:
        return select(Contact.id).where(id_in(Contact.id, wanted))

    one, many = stmt([1]), stmt(list(range(1, 5000)))
    key = one._generate_cache_key()
    assert key is not None, "a statement with id_in can be cached"
    assert key == many._generate_cache_key(), "the ids are not part of the statement"
    dialect = db.engine.dialect
    assert str(one.compile(dialect=dialect)) == str(many.compile(dialect=dialect))
