"""Row images: a table row as JSON, and putting one back (the generic half of undo and redo).

An operation names the rows it may change (``OpContext.track``); they are read before it runs
and again before it commits, and every row that differs is stored as its image before and
after. Undo puts the "before" image back where the row still matches its "after" image —
a row someone changed since is a conflict, never silently overwritten — and redo does the
reverse. Columns that other code derives from a row (scores, the go-look columns) are left
out: they are recomputed after an undo or redo, like after any change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from db.models import Base

# Columns kept up to date by the derived-data hooks (app.hooks) or owned by the move log:
# never part of an image. A move's stage is undone from its stage changes (app.operations.log).
DERIVED_COLUMNS: dict[str, frozenset[str]] = {
    "contacts": frozenset(
        {
            "stage_id",
            "stage_changed_at",
            "score",
            "score_breakdown",
            "sales_ready",
            "response_due_at",
            "first_response_at",
            "domain_class",
            "persona_name",
            "persona_fit",
            "updated_at",
            # team mode: every change bumps the version and names who made it, undo and redo
            # included (app.operations.core), so neither goes back with an image
            "version",
            "changed_by",
        }
    ),
}

# Tables restored parents first (a contact before its history and answers).
_PARENTS_FIRST = ("stages", "bant_criteria", "import_batches", "contacts")

_CHUNK = 500


def table_of(name: str) -> Table:
    return cast(Table, Base.metadata.tables[name])


def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _own(table: Table, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """The image without derived columns: what decides whether a row really changed."""
    if image is None:
        return None
    skip = DERIVED_COLUMNS.get(table.name, frozenset())
    return {k: v for k, v in image.items() if k not in skip}


def decode(table: Table, image: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in image.items():
        col = table.c.get(k)
        if col is not None and isinstance(col.type, DateTime) and isinstance(v, str):
            out[k] = datetime.fromisoformat(v)
        else:
            out[k] = v
    return out


@dataclass
class Tracker:
    """Rows of one table matching ``where``, as they were when tracking began."""

    table: Table
    where: ColumnElement[bool]
    contact_column: str | None
    before: dict[tuple[Any, ...], dict[str, Any]]

    def read(self, s: Session) -> dict[tuple[Any, ...], dict[str, Any]]:
        keys = _pk(self.table)
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in s.execute(select(self.table).where(self.where)).mappings():
            values = dict(row)
            rows[tuple(values[k] for k in keys)] = values
        return rows


def start_tracking(
    s: Session, table: Table, where: ColumnElement[bool], contact_column: str | None
) -> Tracker:
    tracker = Tracker(table, where, contact_column, {})
    tracker.before = tracker.read(s)
    return tracker


@dataclass(frozen=True)
class RowImage:
    table: str
    key: tuple[Any, ...]
    contact_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def differences(s: Session, tracker: Tracker) -> list[RowImage]:
    """The tracked rows that the operation changed, created or deleted."""
    after_rows = tracker.read(s)
    table = tracker.table
    images: list[RowImage] = []
    for key in list(tracker.before) + [k for k in after_rows if k not in tracker.before]:
        b = tracker.before.get(key)
        a = after_rows.get(key)
        eb = _encode(b) if b is not None else None
        ea = _encode(a) if a is not None else None
        if _own(table, eb) == _own(table, ea):
            continue
        source = a if a is not None else b
        assert source is not None
        cid = source.get(tracker.contact_column) if tracker.contact_column else None
        images.append(RowImage(table.name, key, cid, eb, ea))
    return images


def created_rows(
    s: Session, table: Table, where: ColumnElement[bool], contact_column: str | None
) -> list[RowImage]:
    """Images of rows an operation inserted without tracking them (``where`` selects them)."""
    keys = _pk(table)
    images = []
    for row in s.execute(select(table).where(where)).mappings():
        values = dict(row)
        cid = values.get(contact_column) if contact_column else None
        images.append(
            RowImage(table.name, tuple(values[k] for k in keys), cid, None, _encode(values))
        )
    return images


def dump_key(key: tuple[Any, ...]) -> str:
    return json.dumps(list(key), default=str)


def load_key(table: Table, raw: str) -> tuple[Any, ...]:
    values = json.loads(raw)
    names = _pk(table)
    return tuple(decode(table, dict(zip(names, values, strict=True))).values())


@dataclass(frozen=True)
class StoredImage:
    table: Table
    key: tuple[Any, ...]
    contact_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def load_images(
    rows: Iterable[tuple[str, str, int | None, str | None, str | None]],
) -> list[StoredImage]:
    out = []
    for table_name, raw_key, cid, before, after in rows:
        table = table_of(table_name)
        out.append(
            StoredImage(
                table,
                load_key(table, raw_key),
                cid,
                decode(table, json.loads(before)) if before else None,
                decode(table, json.loads(after)) if after else None,
            )
        )
    return out


def _current(
    s: Session, table: Table, keys: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    names = _pk(table)
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    if len(names) == 1:
        col = table.c[names[0]]
        flat = [k[0] for k in keys]
        for i in range(0, len(flat), _CHUNK):
            for row in s.execute(select(table).where(col.in_(flat[i : i + _CHUNK]))).mappings():
                values = dict(row)
                found[(values[names[0]],)] = values
    else:
        for key in keys:
            cond = and_(*(table.c[n] == v for n, v in zip(names, key, strict=True)))
            hit = s.execute(select(table).where(cond)).mappings().first()
            if hit is not None:
                found[key] = dict(hit)
    return found


def _matches(
    current: dict[str, Any] | None, image: dict[str, Any] | None, columns: set[str]
) -> bool:
    if image is None or current is None:
        return image is None and current is None
    return all(current.get(c) == image.get(c) for c in columns)


def conflicts(s: Session, images: Sequence[StoredImage], *, undo: bool) -> list[StoredImage]:
    """Images whose row no longer looks as the operation left it (undo) or found it (redo),
    and rows that putting an image back would delete while other rows still hang on them (a
    contact with an activity logged since, a stage with contacts in it): deleting such a row
    would take later work with it, or fail."""
    bad: list[StoredImage] = []
    by_table: dict[str, list[StoredImage]] = {}
    for im in images:
        by_table.setdefault(im.table.name, []).append(im)
    doomed: dict[str, list[tuple[StoredImage, dict[str, Any]]]] = {}
    # what each row becomes: a row the same undo (or redo) points elsewhere (a merge's
    # activities going back to the contact they came from) no longer holds on to its parent
    targets = {
        name: {im.key: (im.before if undo else im.after) for im in group}
        for name, group in by_table.items()
    }
    for group in by_table.values():
        table = group[0].table
        current = _current(s, table, [im.key for im in group])
        for im in group:
            expected = im.after if undo else im.before
            cols = set(im.before or {}) | set(im.after or {})
            cols -= DERIVED_COLUMNS.get(table.name, frozenset())
            now = current.get(im.key)
            if not _matches(now, expected, cols):
                bad.append(im)
            elif now is not None and (im.before if undo else im.after) is None:
                doomed.setdefault(table.name, []).append((im, now))
    if doomed:
        bad += _still_referenced(s, doomed, targets)
    return bad


def _still_referenced(
    s: Session,
    doomed: dict[str, list[tuple[StoredImage, dict[str, Any]]]],
    targets: dict[str, dict[tuple[Any, ...], dict[str, Any] | None]],
) -> list[StoredImage]:
    """The rows about to be deleted that rows outside the images refer to (foreign keys);
    rows the same undo (or redo) deletes or points elsewhere do not count."""
    going: dict[str, set[tuple[Any, ...]]] = {
        name: {im.key for im, _ in rows} for name, rows in doomed.items()
    }
    bad: dict[int, StoredImage] = {}
    for name, rows in doomed.items():
        for other in Base.metadata.tables.values():
            for fk in other.foreign_keys:
                if fk.column.table.name != name:
                    continue
                col, ref = fk.parent, fk.column.name
                by_value: dict[Any, list[StoredImage]] = {}
                for im, now in rows:
                    by_value.setdefault(now[ref], []).append(im)
                values = list(by_value)
                pk = [other.c[k] for k in _pk(other)]
                leaving = going.get(other.name, set())
                becoming = targets.get(other.name, {})
                for i in range(0, len(values), _CHUNK):
                    chunk = values[i : i + _CHUNK]
                    for hit in s.execute(select(col, *pk).where(col.in_(chunk))):
                        if tuple(hit[1:]) in leaving:
                            continue  # deleted by the same undo (or redo)
                        target = becoming.get(tuple(hit[1:]))
                        if target is not None and target.get(col.name) != hit[0]:
                            continue  # pointed elsewhere by the same undo (or redo)
                        for im in by_value.get(hit[0], ()):
                            bad[id(im)] = im
    return list(bad.values())


def images_of(s: Session, operation_id: int) -> list[StoredImage]:
    """The row images an operation's log entry keeps, in the order they were written."""
    from db.models import OperationRow

    return load_images(
        s.execute(
            select(
                OperationRow.table_name,
                OperationRow.row_key,
                OperationRow.contact_id,
                OperationRow.before,
                OperationRow.after,
            )
            .where(OperationRow.operation_id == operation_id)
            .order_by(OperationRow.id)
        )
    )


def apply(s: Session, images: Sequence[StoredImage], *, undo: bool) -> None:
    """Put every image's "before" (undo) or "after" (redo) state in place, parents first when
    inserting and children first when deleting."""

    def order(im: StoredImage) -> int:
        name = im.table.name
        return _PARENTS_FIRST.index(name) if name in _PARENTS_FIRST else len(_PARENTS_FIRST)

    inserts: dict[str, list[dict[str, Any]]] = {}
    deletes: dict[str, list[tuple[Any, ...]]] = {}
    updates: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    pointed: dict[tuple[str, tuple[str, ...], int], tuple[StoredImage, dict[str, Any]]] = {}
    tables: dict[str, Table] = {}
    for im in sorted(images, key=order):
        target = im.before if undo else im.after
        other = im.after if undo else im.before
        name = im.table.name
        tables[name] = im.table
        if target is None:
            deletes.setdefault(name, []).append(im.key)
        elif other is None:
            inserts.setdefault(name, []).append(target)
        else:
            skip = DERIVED_COLUMNS.get(name, frozenset())
            changed = tuple(
                sorted(k for k in target if k not in skip and target.get(k) != other.get(k))
            )
            if changed:
                row = {f"_v_{k}": target[k] for k in changed}
                for n, v in zip(_pk(im.table), im.key, strict=True):
                    row[f"_k_{n}"] = v
                updates.setdefault((name, changed), []).append(row)
                if im.table.foreign_keys:
                    pointed[(name, changed, len(updates[(name, changed)]) - 1)] = (im, other)
    # a row pointed away from a row this undo (or redo) deletes — a merge's activities going
    # back to the kept contact — is updated first: deleting its old parent would cascade to it
    early: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    doomed = {name: set(keys) for name, keys in deletes.items()}
    for (name, changed, index), (im, other) in pointed.items() if doomed else ():
        if _leaves_deleted_parent(im, other, changed, doomed):
            row = updates[(name, changed)][index]
            early.setdefault((name, changed), []).append(row)
            row["_early"] = True
    for (name, changed), rows in early.items():
        _update(s, tables[name], changed, [_plain(r) for r in rows])
    if early:
        updates = {k: [r for r in rows if not r.get("_early")] for k, rows in updates.items()}
    for name in sorted(deletes, key=lambda n: -_order_index(n)):
        table = tables[name]
        names = _pk(table)
        if len(names) == 1:
            flat = [k[0] for k in deletes[name]]
            for i in range(0, len(flat), _CHUNK):
                s.execute(delete(table).where(table.c[names[0]].in_(flat[i : i + _CHUNK])))
        else:
            for key in deletes[name]:
                s.execute(
                    delete(table).where(
                        and_(*(table.c[n] == v for n, v in zip(names, key, strict=True)))
                    )
                )
    for name in sorted(inserts, key=_order_index):
        table = tables[name]
        rows = inserts[name]
        columns = sorted({k for r in rows for k in r})
        s.execute(insert(table), [{c: r.get(c) for c in columns} for r in rows])
    for (name, changed), rows in updates.items():
        if rows:
            _update(s, tables[name], changed, rows)


def _update(s: Session, table: Table, changed: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    stmt = (
        update(table)
        .where(and_(*(table.c[n] == bindparam(f"_k_{n}") for n in _pk(table))))
        .values({k: bindparam(f"_v_{k}") for k in changed})
    )
    s.execute(stmt, rows)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "_early"}


def _leaves_deleted_parent(
    im: StoredImage,
    other: dict[str, Any],
    changed: tuple[str, ...],
    doomed: dict[str, set[tuple[Any, ...]]],
) -> bool:
    """Whether the update points a foreign key away from a row the same undo (or redo)
    deletes (to a row that is there already: one being inserted is not yet)."""
    for fk in im.table.foreign_keys:
        column = fk.parent.name
        parent = fk.column.table.name
        if column in changed and (other.get(column),) in doomed.get(parent, ()):
            return True
    return False


def _order_index(name: str) -> int:
    return _PARENTS_FIRST.index(name) if name in _PARENTS_FIRST else len(_PARENTS_FIRST)
