"""Undoable deletes: a snapshot of contacts with everything that hangs on them, and its restore.

A snapshot holds the contact rows and every row of every table that references a contact
(stage history, activities, BANT answers, and whatever later features add to ``db.models``),
as plain column values. Restoring puts them back with the same ids, so an undo entry that
refers to a stage change by id (``MoveContactsCommand``) still works after "undo delete".
An id taken by a new row in the meantime is given a fresh one instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Table, delete, insert, select
from sqlalchemy.orm import Session

from app import hooks
from app.errors import WinnowError
from db.engine import Database
from db.models import Base, Contact

_CHUNK = 500


@dataclass(frozen=True)
class TableRows:
    """Rows of one table, as column values in ``columns`` order."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class ContactsSnapshot:
    """Deleted contacts and their dependent rows (contacts first)."""

    contact_ids: tuple[int, ...]
    tables: tuple[TableRows, ...]

    def rows_of(self, table: str) -> list[dict[str, Any]]:
        for t in self.tables:
            if t.table == table:
                return [dict(zip(t.columns, r, strict=True)) for r in t.rows]
        return []

    def __len__(self) -> int:
        return len(self.contact_ids)


def _contacts_table() -> Table:
    return Contact.__table__  # type: ignore[return-value]


def _contact_fk_column(table: Table) -> Column[Any] | None:
    """The column of ``table`` that references contacts.id (None if there is none)."""
    for fk in table.foreign_keys:
        if fk.column.table.name == "contacts" and fk.column.name == "id":
            return fk.parent  # type: ignore[return-value]
    return None


def dependent_tables() -> list[tuple[Table, Column[Any]]]:
    """Tables whose rows belong to a contact (found from the models, so new ones count too)."""
    out = []
    for table in Base.metadata.sorted_tables:
        col = _contact_fk_column(table)
        if col is not None and table.name != "contacts":
            out.append((table, col))
    return out


def _chunks(items: Sequence[int], size: int = _CHUNK) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _read(s: Session, table: Table, col: Column[Any], ids: Sequence[int]) -> TableRows:
    names = tuple(c.name for c in table.columns)
    rows: list[tuple[Any, ...]] = []
    pk = list(table.primary_key.columns)
    for chunk in _chunks(ids):
        stmt = select(*table.columns).where(col.in_(chunk)).order_by(*pk)
        rows.extend(tuple(r) for r in s.execute(stmt))
    return TableRows(table.name, names, tuple(rows))


def snapshot_in(s: Session, contact_ids: Sequence[int]) -> ContactsSnapshot:
    """Read the contacts and their dependent rows inside the caller's session."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    contacts = _read(s, _contacts_table(), _contacts_table().c.id, ids)
    found = {int(r[contacts.columns.index("id")]) for r in contacts.rows}
    ids = [i for i in ids if i in found]
    tables = [contacts] + [_read(s, t, c, ids) for t, c in dependent_tables()]
    return ContactsSnapshot(tuple(ids), tuple(tables))


def snapshot_contacts(db: Database, contact_ids: Sequence[int]) -> ContactsSnapshot:
    """Everything needed to bring these contacts back (ids that do not exist are left out)."""
    with db.session() as s:
        return snapshot_in(s, contact_ids)


def delete_with_snapshot(db: Database, contact_ids: Sequence[int]) -> ContactsSnapshot:
    """Delete contacts (history and activities go with them) and return what was deleted.

    Snapshot and delete run in one transaction, so the snapshot is exactly what was removed.
    """
    with db.session() as s:
        snap = snapshot_in(s, contact_ids)
        ids = list(snap.contact_ids)
        # dependents first: the result does not rely on the database enforcing ON DELETE CASCADE
        for table, col in reversed(dependent_tables()):
            for chunk in _chunks(ids):
                s.execute(delete(table).where(col.in_(chunk)))
        for chunk in _chunks(ids):
            s.execute(delete(Contact).where(Contact.id.in_(chunk)))
    return snap


def _existing(s: Session, col: Column[Any], values: set[Any]) -> set[Any]:
    found: set[Any] = set()
    items = list(values)
    for chunk in _chunks(items):
        found.update(s.scalars(select(col).where(col.in_(chunk))))
    return found


def _fix_references(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """References to rows that are gone since (an undone import batch): NULL when allowed."""
    for fk in table.foreign_keys:
        if fk.column.table.name == "contacts":
            continue
        name = fk.parent.name
        wanted = {r[name] for r in rows if r.get(name) is not None}
        if not wanted:
            continue
        missing = wanted - _existing(s, fk.column, wanted)
        if not missing:
            continue
        if not fk.parent.nullable:
            raise WinnowError(
                f"Cannot bring the contacts back: {fk.column.table.name} "
                f"{sorted(missing)[0]} they refer to no longer exists."
            )
        for r in rows:
            if r.get(name) in missing:
                r[name] = None


def restore_in(s: Session, snapshot: ContactsSnapshot) -> list[int]:
    """Re-insert a snapshot inside the caller's session; returns the contacts' ids now."""
    by_name = {t.table: t for t in snapshot.tables}
    contacts_table = _contacts_table()
    contact_rows = [
        dict(zip(by_name["contacts"].columns, r, strict=True)) for r in by_name["contacts"].rows
    ]
    taken = _existing(s, contacts_table.c.id, {r["id"] for r in contact_rows})
    new_id: dict[int, int] = {}
    _fix_references(s, contacts_table, contact_rows)
    keep = [r for r in contact_rows if r["id"] not in taken]
    for chunk in range(0, len(keep), _CHUNK):
        s.execute(insert(contacts_table), keep[chunk : chunk + _CHUNK])
    for r in contact_rows:
        if r["id"] in taken:  # the id was reused by a new contact: give this one a fresh id
            old = r.pop("id")
            result = cast(CursorResult[Any], s.execute(insert(contacts_table).values(**r)))
            new_id[old] = int(result.inserted_primary_key[0])  # type: ignore[index]
            r["id"] = new_id[old]
    for table, col in dependent_tables():
        snap_rows = by_name.get(table.name)
        if snap_rows is None or not snap_rows.rows:
            continue
        rows = [dict(zip(snap_rows.columns, r, strict=True)) for r in snap_rows.rows]
        for r in rows:
            r[col.name] = new_id.get(r[col.name], r[col.name])
        _fix_references(s, table, rows)
        _insert_keeping_ids(s, table, rows)
    ids = [new_id.get(r["id"], r["id"]) for r in contact_rows]
    s.flush()
    hooks.contacts_changed(s, ids)
    return ids


def _insert_keeping_ids(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert with the old ids; if any was taken meanwhile, all get fresh ones in the old order
    (history is ordered by id within the same second)."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and _existing(s, pk[0], {r[pk[0].name] for r in rows}):
        rows = [
            {k: v for k, v in r.items() if k != pk[0].name}
            for r in sorted(rows, key=lambda r: r[pk[0].name])
        ]
        for r in rows:
            s.execute(insert(table).values(**r))
        return
    for chunk in range(0, len(rows), _CHUNK):
        s.execute(insert(table), rows[chunk : chunk + _CHUNK])


def restore_contacts(db: Database, snapshot: ContactsSnapshot) -> list[int]:
    """Bring deleted contacts back with their history, activities and answers.

    Returns the contacts' ids (the same as before unless an id was taken in the meantime).
    """
    if not snapshot.contact_ids:
        return []
    with db.session() as s:
        return restore_in(s, snapshot)
