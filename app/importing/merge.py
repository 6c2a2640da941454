"""Writing one chunk of prepared rows inside the batch's transaction: duplicates, inserts,
updates and the record undo needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    Table,
    Text,
    and_,
    bindparam,
    false,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from app import hooks
from app.importing.policies import contact_changes, contains, merge_rows, row_as_existing
from app.importing.report import ImportReport, LikelyDuplicate, RowIssue
from app.importing.rows import ROW_COLUMNS, PreparedRow, Stored, stored_values

if TYPE_CHECKING:
    from app.importing.derive import Derivation
    from db.deferred import DeferredIndexes
from app.names import sort_key
from app.points import import_records
from db import bulk
from db.models import EMAIL_KEY, Contact, ContactPoint, ImportChange, Stage, StageChange

NameKey = tuple[str, str]
_STAGING = "winnow_import_staging"
# a new contact's record (BatchWriter._insert): the row's own columns, then those it sets
# itself (source and consent have defaults), then the derived ones and who
_INSERT_ROW_COLUMNS = tuple(c for c in ROW_COLUMNS if c not in ("source", "consent"))
# ... those of them with a default of their own: given (None) even where no row fills them
_DEFAULTED_ROW_COLUMNS = frozenset(
    c
    for c in _INSERT_ROW_COLUMNS
    if Contact.__table__.c[c].default is not None
    or Contact.__table__.c[c].server_default is not None
)
_INSERT_OWN_COLUMNS = (
    "source",
    "consent",
    "name",
    "sort_name",
    "email_normalized",
    "domain",
    "domain_class",
    "extra",
    "other_emails",
    "import_batch_id",
    "stage_id",
    "stage_changed_at",
    "created_at",
    "updated_at",
    "sales_ready",
)
_EXISTING_COLUMNS = (
    Contact.id,
    Contact.import_batch_id,
    Contact.name,
    Contact.sort_name,
    EMAIL_KEY.label("email_normalized"),  # the normalised e-mail (migration 0021)
    Contact.domain,
    Contact.domain_class,
    Contact.extra,
    Contact.other_emails,
    Contact.updated_at,
    *(getattr(Contact, c) for c in ROW_COLUMNS),
)


def insert_many(
    conn: Connection, table: Any, records: list[dict[str, Any]], *, staged: bool = False
) -> None:
    """One executemany of ``records`` (dicts with the same keys): :func:`insert_rows`."""
    if not records:
        return
    columns = list(records[0])
    if bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_rows(conn, table, records)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), records)
        return
    getter = itemgetter(*columns)
    if len(columns) > 1:
        rows = [list(getter(rec)) for rec in records]
    else:
        rows = [[getter(rec)] for rec in records]
    insert_rows(conn, table, columns, rows, staged=staged)


def insert_rows(
    conn: Connection,
    table: Any,
    columns: Sequence[str],
    rows: list[list[Any]],
    *,
    staged: bool = False,
    defaults: dict[str, Any] | None = None,
) -> None:
    """One executemany of ``rows`` (lists of the values of ``columns``, in that order). On
    SQLite the rows go straight to the driver, each value put in place in the form SQLAlchemy
    stores (its bind processors, e.g. for times) — the per-row overhead of the Core layer is
    most of an import's insert time otherwise.

    ``staged`` (SQLite): the rows go to a temporary table first and into ``table`` with one
    ``INSERT … SELECT``, in order. The table's triggers still fire for every row, but as one
    statement: the full-text index of contacts then takes its new rows in one go instead of
    flushing a segment per row (its trigger is most of the insert time otherwise).

    ``defaults``: :func:`_column_defaults` of ``table``, when the caller has them (read
    here otherwise)."""
    if not rows:
        return
    if bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_lists(conn, table, columns, rows)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    dialect = conn.dialect
    if defaults is None:
        defaults = _column_defaults(conn, table.name)
    names: list[str] = []
    data: list[Sequence[Any]] = []  # the values of each column kept, in the rows' order
    for column, given in zip(columns, zip(*rows, strict=True), strict=True):
        if given.count(None) == len(given) and defaults.get(column) is None:
            # NULL in every row: left out, the column's own default (NULL) stores the same;
            # each value bound costs the driver and SQLite's record (the benchmark's new
            # contacts leave 9 of the 33 columns given NULL: their INSERT 1.8 -> 1.25 s of
            # CPU at 100,000 rows)
            continue
        p = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        data.append(given if p is None else _processed(given, p))
        names.append(column)
    if not names:  # (a row of NULLs only: the first column given, as before)
        names, data = [columns[0]], [[None] * len(rows)]
    values = list(zip(*data, strict=True))  # what SQLAlchemy hands the driver: tuples
    marks = ", ".join("?" * len(names))
    if not staged:
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", values
        )
        return
    quoted = ", ".join(f'"{c}"' for c in names)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGING}")
    # no declared types: the values stay exactly as bound until the real table takes them
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGING} ({quoted})")
    conn.exec_driver_sql(f"INSERT INTO temp.{_STAGING} ({quoted}) VALUES ({marks})", values)
    conn.exec_driver_sql(
        f"INSERT INTO main.{table.name} ({quoted}) "
        f"SELECT {quoted} FROM temp.{_STAGING} ORDER BY rowid"
    )
    conn.exec_driver_sql(f"DROP TABLE temp.{_STAGING}")


def _processed(values: Sequence[Any], processor: Any) -> list[Any]:
    """``values`` in the form SQLAlchemy stores them (``processor``: a column type's bind
    processor), each distinct value converted once (the same time stamp on every row); None
    stays None. (A loop a value in Python cost ~0.4 s of CPU at 1,000,000 rows.)"""
    memo: dict[Any, Any] = {v: processor(v) for v in set(values) if v is not None}
    memo[None] = None
    return list(map(memo.__getitem__, values))


def _column_defaults(conn: Connection, table: str) -> dict[str, Any]:
    """The default of each column of ``table`` as the SQLite store declares it (None: NULL)."""
    rows = conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
    return {str(r[1]): r[4] for r in rows}


@lru_cache(maxsize=8)
def _existing_among(name: str, dialect: str) -> Any:
    """The contacts (their :data:`_EXISTING_COLUMNS`) whose column ``name`` is one of the values
    of the parameter ``keys``: one value however many they are (an IN list of 500 named
    parameters was compiled again for every chunk, ~10 µs a row), so the statement is
    compiled once. SQLite: a JSON array read by ``json_each``; PostgreSQL: a text array."""
    column = EMAIL_KEY if name == "email_key" else getattr(Contact, name)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # only there: not loaded for SQLite

        among = column == func.any(bindparam("keys", type_=ARRAY(Text())))
    else:
        keys: Any = select(literal_column("value")).select_from(
            func.json_each(bindparam("keys", type_=Text()))
        )
        among = column.in_(keys)
    # no ORDER BY: the rows are put in id order in Python (:func:`_by_id`). Asked for them in
    # id order, PostgreSQL walked the primary key testing every contact against the keys
    # wherever it took the contacts for few (a store whose statistics have not seen it grow:
    # a first import of 10,000 rows into a new one tested 95,000 contacts, 1.49 s of the
    # server's 3.9 s of statement time at a load of 7); unordered, it reads the column's
    # index (0.02 s for the 20 chunks), or the table once while it is small
    return select(*_EXISTING_COLUMNS).where(among)


def _by_id(rows: Any) -> list[Any]:
    """The look-up's rows in id order (the first of several contacts with a key wins)."""
    return sorted(rows, key=itemgetter(0))


def _keys_value(keys: Sequence[str], s: Session) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return list(keys)
    return json.dumps(list(keys), ensure_ascii=False)


class BatchWriter:
    """Writes the chunks of one batch; keeps only what undo and duplicate checks need."""

    def __init__(
        self,
        s: Session,
        batch_id: int,
        report: ImportReport,
        *,
        stage_key: str,
        policy: str,
        source: str,
        now: datetime,
        actor: str | None = None,
        owner: str | None = None,
        derivation: Derivation | None = None,
    ) -> None:
        self.s = s
        # what new contacts were derived with where the file was read (app.importing.derive);
        # each chunk checks it is still in force before it stores their values
        self.derivation = derivation
        # and the stored state it was last found in force with (derive.stored_state)
        self.derivation_state: tuple[Any, ...] | None = None
        # who imports (history and versions say so) and whom the new contacts go to: written
        # with each chunk, so the batch's last transaction stays short (a stamp of every row
        # at the end held the write lock for seconds at 100,000 rows)
        self.actor = actor
        self.owner = owner
        self.batch_id = batch_id
        self.report = report
        self.policy = policy
        self.source = source
        self.now = now
        self.stage_ids: dict[str, int] = dict(s.execute(select(Stage.key, Stage.id)).all())
        # pipeline stages before Inquiry: a row there with an earlier inquiry date enters its
        # stage at that date, so that the automatic move into Inquiry (app.scoring) is dated
        # at the inquiry itself, not at the import (history stays in order)
        inquiry = select(Stage.position).where(Stage.key == "inquiry").scalar_subquery()
        self.before_inquiry: frozenset[int] = frozenset(
            s.scalars(select(Stage.id).where(Stage.kind == "pipeline", Stage.position < inquiry))
        )
        self.default_stage = stage_key
        self.inquiry_id = self.stage_ids.get("inquiry")
        self.last_id = 0  # the highest contact id this batch has inserted so far
        # new contacts go in through a staging table (merge.insert_rows), so the full-text
        # index's trigger takes a chunk in one statement; not while the indexes are set aside
        # (app.importing.bulkload): then straight in, and into the full-text index by one
        # statement a chunk
        self.set_aside: DeferredIndexes | None = None
        # contacts from before this batch that it updated -> {column: [old, new]}
        self.updated_prev: dict[int, dict[str, list[Any]]] = {}
        # the contacts table's column defaults on SQLite (merge.insert_rows), read once for
        # the batch rather than by a PRAGMA a chunk
        self.contact_defaults: dict[str, Any] | None = None

    # --- lookups --------------------------------------------------------------------------

    def _existing_by_email(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if not keys:
            return found
        stmt = _existing_among("email_key", self.s.get_bind().dialect.name)
        for r in _by_id(self.s.execute(stmt, {"keys": _keys_value(keys, self.s)})):
            row = dict(r._mapping)
            found.setdefault(row["email_normalized"], row)
        return found

    def _existing_by_name(self, names: Sequence[str]) -> dict[NameKey, list[dict[str, Any]]]:
        found: dict[NameKey, list[dict[str, Any]]] = {}
        if not names:
            return found
        stmt = _existing_among("sort_name", self.s.get_bind().dialect.name)
        for r in _by_id(self.s.execute(stmt, {"keys": _keys_value(names, self.s)})):
            row = dict(r._mapping)
            key = (row["sort_name"], sort_key(row.get("company") or ""))
            found.setdefault(key, []).append(row)
        return found

    # --- one chunk ------------------------------------------------------------------------

    def write(self, rows: list[PreparedRow]) -> None:
        if not rows:
            return
        rows = self._merge_within_chunk(rows)
        by_email = self._existing_by_email(
            list({k for r in rows if (k := r.email_key) is not None})
        )
        no_email = [r for r in rows if r.email_key is None and r.name_key is not None]
        by_name = self._existing_by_name(list({r.name_key[0] for r in no_email if r.name_key}))
        new_rows: list[PreparedRow] = []
        changed: list[int] = []
        # earlier rows by name, for the rows without an e-mail address (if there are any)
        seen_names: dict[NameKey, PreparedRow] = {}
        track_names = bool(no_email)
        for row in rows:
            key = row.email_key
            if key is not None and key in by_email:
                self._apply_to_existing(row, by_email[key], changed)
            elif key is None and row.name_key is not None:
                if self._likely_duplicate(
                    row, by_name.get(row.name_key, []), seen_names.get(row.name_key)
                ):
                    continue
                new_rows.append(row)
            else:
                new_rows.append(row)
            if track_names and row.name_key is not None:
                seen_names.setdefault(row.name_key, row)
        derivation = self._derivation_in_force() if new_rows else None
        created, derived = self._insert(new_rows, derivation)
        # the hooks for the contacts whose derived values were not stored with them
        touched = [c for c in created if c not in derived] + changed
        if not touched:
            return  # no hook runs: no automatic move to stamp
        # (the new contacts' first entries, just written, already name the importer)
        first_entry = (self.s.scalar(select(func.max(StageChange.id))) or 0) + 1
        hooks.contacts_changed(self.s, touched)
        if self.actor is not None and created:
            # the automatic moves the rules just made (into Inquiry) are the importer's too
            self.s.execute(
                update(StageChange)
                .where(StageChange.id >= first_entry, StageChange.changed_by.is_(None))
                .values(changed_by=self.actor)
                .execution_options(synchronize_session=False)
            )

    def _merge_within_chunk(self, rows: list[PreparedRow]) -> list[PreparedRow]:
        first_by_email: dict[str, PreparedRow] = {}
        kept: list[PreparedRow] = []
        for row in rows:
            key = row.email_key
            first = first_by_email.get(key) if key is not None else None
            if first is None:
                if key is not None:
                    first_by_email[key] = row
                kept.append(row)
                continue
            merge_rows(first, row, self.policy)
            why = f"same e-mail address as row {first.row}; " + (
                "skipped" if self.policy == "skip" else "merged into that row"
            )
            self.report.skip(row.row, why)
            self.report.warnings.append(RowIssue(row.row, why))
        return kept

    def _apply_to_existing(
        self, row: PreparedRow, existing: dict[str, Any], changed: list[int]
    ) -> None:
        cid = int(existing["id"])
        in_this_file = existing["import_batch_id"] == self.batch_id or cid in self.updated_prev
        changes = contact_changes(existing, row, self.policy)
        if changes:
            changes["updated_at"] = self.now
        before = {col: existing.get(col) for col in changes}
        if changes:
            # one more version, and who: an edit made on the version before the import is
            # refused, as after any change (app.versions)
            stamp: dict[str, Any] = {"version": Contact.version + 1}
            if self.actor is not None:
                stamp["changed_by"] = self.actor
            self.s.execute(update(Contact).where(Contact.id == cid).values(**changes, **stamp))
            existing.update(changes)
            changed.append(cid)
        if in_this_file:
            why = "same e-mail address as an earlier row of this file; " + (
                "skipped" if self.policy == "skip" else "merged into that contact"
            )
            self.report.skip(row.row, why)
            self.report.warnings.append(RowIssue(row.row, why))
            if changes and cid in self.updated_prev:
                self._record_update(cid, before, changes)
            return
        if not changes:
            who = (
                f"contact {cid} ({existing['name']})" if existing.get("name") else f"contact {cid}"
            )
            self.report.skip(
                row.row,
                f"e-mail address already in Winnow: {who}; kept as it is"
                if self.policy == "skip"
                else f"already in Winnow with these values: {who}",
            )
            return
        self.report.updated += 1
        self._record_update(cid, before, changes)

    def _record_update(self, cid: int, before: dict[str, Any], changes: dict[str, Any]) -> None:
        """Keep {column: [value before the batch, value the batch wrote]} for undo."""
        first = cid not in self.updated_prev
        prev = self.updated_prev.setdefault(cid, {})
        for col, new in changes.items():
            if col in prev:
                prev[col][1] = new
            else:
                prev[col] = [before[col], new]
        payload = json.dumps(prev, ensure_ascii=False, default=str)
        if first:
            self.s.execute(
                insert(ImportChange).values(
                    batch_id=self.batch_id, contact_id=cid, action="updated", previous=payload
                )
            )
        else:
            self.s.execute(
                update(ImportChange)
                .where(
                    and_(
                        ImportChange.batch_id == self.batch_id,
                        ImportChange.contact_id == cid,
                        ImportChange.action == "updated",
                    )
                )
                .values(previous=payload)
            )

    def _likely_duplicate(
        self, row: PreparedRow, in_db: list[dict[str, Any]], in_chunk: PreparedRow | None
    ) -> bool:
        """Flag a row without e-mail that matches a contact's name and company. Returns True
        when the match already holds every value of the row: then it is a repeat, skipped."""
        if in_chunk is not None:
            if contains(row_as_existing(in_chunk), row):
                why = f"same as row {in_chunk.row}; skipped"
                self.report.skip(row.row, why)
                self.report.warnings.append(RowIssue(row.row, why))
                return True
            self.report.likely_duplicates.append(
                LikelyDuplicate(row.row, f"same name and company as row {in_chunk.row}", None)
            )
            return False
        for existing in in_db:
            if contains(existing, row):
                if existing["import_batch_id"] == self.batch_id:
                    why = "same as an earlier row of this file; skipped"
                    self.report.warnings.append(RowIssue(row.row, why))
                else:
                    why = (
                        f"already in Winnow: contact {existing['id']} ({existing['name']}) "
                        "has the same name, company and values; skipped"
                    )
                self.report.skip(row.row, why)
                return True
        if in_db:
            match = in_db[0]
            where = (
                "an earlier row of this file"
                if match["import_batch_id"] == self.batch_id
                else f"contact {match['id']}"
            )
            self.report.likely_duplicates.append(
                LikelyDuplicate(
                    row.row, f"same name and company as {where} ({match['name']})", int(match["id"])
                )
            )
        return False

    def _derivation_in_force(self) -> Derivation | None:
        """The derivation the new contacts' values were worked out with, if it is still the
        one in force (the personas, overrides and rules of this transaction)."""
        if self.derivation is None:
            return None
        from app.importing.derive import derivation_in, stored_state

        if self.derivation_state is not None and stored_state(self.s) == self.derivation_state:
            return self.derivation  # stored as when it was last found the same
        if derivation_in(self.s, writing=True).same_as(self.derivation):
            # (after the default personas were added, if they were)
            self.derivation_state = stored_state(self.s)
            return self.derivation
        return None

    def _insert(
        self, rows: list[PreparedRow], derivation: Derivation | None = None
    ) -> tuple[list[int], set[int]]:
        """Insert the new contacts; returns their ids, and those that were stored with their
        go-look columns and score (the hooks need not look at them)."""
        if not rows:
            return [], set()
        now, batch_id, source = self.now, self.batch_id, self.source
        stage_ids, default_stage = self.stage_ids, self.default_stage
        before_inquiry = self.before_inquiry
        stamp: dict[str, Any] = {}
        if self.actor is not None:
            stamp["changed_by"] = self.actor
        if self.owner is not None:
            stamp["owner"] = self.owner
        stamp_values = tuple(stamp.values())
        stored_rows: list[Stored] = []
        # rows whose derived values go in with them: their columns (but the domain class, a
        # column of every row) in every record
        derived_columns = _derived_columns(self.derivation)[1:]
        no_derived = (None,) * len(derived_columns)
        with_derived: list[bool] = []
        inquiry_id = self.inquiry_id
        # each record a list of the values of these columns (no dict a row: building one of
        # ~45 keys and reading it back cost more than the rest of the row's Python here)
        # of the row's own columns, those some row of the chunk fills (the others would be
        # NULL in every record, and insert_rows leaves such a column out anyway)
        filled = set().union(*[row.values for row in rows], _DEFAULTED_ROW_COLUMNS)
        row_columns = [c for c in _INSERT_ROW_COLUMNS if c in filled]
        columns = (*row_columns, *_INSERT_OWN_COLUMNS, *derived_columns, *stamp)
        records: list[list[Any]] = []
        for row in rows:
            given = row.values
            get = given.get
            # derived_values() without classifying the address again (rows.py did that); worked
            # out with the row where one process reads and writes the file, here where another
            # process reads it (pipeline.send_prepared leaves it to this one) or where the row
            # took in another since
            stored = row.stored or stored_values(row, derivation)
            stored_rows.append(stored)
            stage_id = stage_ids[row.stage_key or default_stage]
            received = get("received_at")
            # a contact with nothing but its row: no inquiry date, no move into Inquiry (the
            # hooks work out its follow-up times and automatic moves)
            derived = stored.derived
            domain_class = row.domain_class
            if (
                derived is not None
                and derivation is not None
                and received is None
                and stage_id != inquiry_id
            ):
                domain_class = derived.domain_class
                derived_values: tuple[Any, ...] = derived[1:] if derived_columns else ()
                with_derived.append(True)
            else:
                derived_values = no_derived
                with_derived.append(False)
            entered = (
                received
                if isinstance(received, datetime) and received < now and stage_id in before_inquiry
                else now
            )
            # one list display: the row's own columns, then the rest (a list and an extend
            # of a tuple cost more)
            record = [
                *map(get, row_columns),
                get("source") or source,
                get("consent") or "unknown",
                stored.name,
                stored.sort_name,
                # stored only where it differs from the address (migration 0021)
                None if row.email_key == get("email") else row.email_key,
                row.domain,
                domain_class,
                stored.extra,
                stored.other_emails,
                batch_id,
                stage_id,
                entered,
                now,
                now,
                False,
                *derived_values,
                *stamp_values,
            ]
            records.append(record)
        # executemany (RETURNING would send one statement per row on SQLite); the new ids are
        # this batch's ids above the last one seen, ascending in insertion order
        conn = self.s.connection()
        defaults = self.contact_defaults
        if defaults is None and conn.dialect.name == "sqlite":
            defaults = self.contact_defaults = _column_defaults(conn, Contact.__tablename__)
        insert_rows(
            conn,
            Contact.__table__,
            columns,
            records,
            staged=self.set_aside is None,
            defaults=defaults,
        )
        # each new contact's first history entry and its undo record, from the rows just
        # written (one statement each; a dict a row for these cost ~4 µs a row): the same
        # rows, in the same order (by contact id), the entry dated when the contact entered
        # its stage. On PostgreSQL in the statement that reads the new ids (WITH … INSERT):
        # one round trip for the three instead of three
        mine = {"batch": self.batch_id, "after": self.last_id}
        entry = {"reason": f"Imported: {self.source}", "actor": self.actor}
        recorded = bulk.is_postgresql(conn)
        if recorded:
            ids = list(self.s.scalars(_new_ids_recorded(), {**mine, **entry}))
        else:
            ids = list(
                self.s.scalars(select(Contact.id).where(_new_contacts()).order_by(Contact.id), mine)
            )
        if len(ids) != len(records):
            raise RuntimeError(f"inserted {len(records)} contacts but found {len(ids)}")
        self.last_id = ids[-1]
        if self.set_aside is not None:  # before anything may update them (their triggers)
            self.set_aside.add_to_full_text(conn, ids[0], ids[-1])
        # every e-mail, phone and address with its kind, where the row says more than the
        # contact's own columns hold (app.points)
        insert_many(
            conn,
            ContactPoint.__table__,
            [
                rec
                for cid, row, stored in zip(ids, rows, stored_rows, strict=True)
                if stored.says_more
                for rec in import_records(cid, row.emails, row.phones, row.addresses)
            ],
        )
        if not recorded:
            self.s.execute(_first_history_entries(), {**mine, **entry})
            self.s.execute(_created_records(), mine)
        self.report.imported += len(ids)
        return ids, {cid for cid, done in zip(ids, with_derived, strict=True) if done}


def _new_contacts() -> Any:
    """The contacts of the batch (parameter ``batch``) above the id ``after``."""
    return and_(Contact.import_batch_id == bindparam("batch"), Contact.id > bindparam("after"))


@lru_cache(maxsize=1)
def _first_history_entries() -> Any:
    """INSERT of the first history entry of each new contact (:func:`_new_contacts`): into
    its stage, when it entered it (``stage_changed_at``), by ``actor``, for ``reason``."""
    rows: Any = (
        select(
            Contact.id,
            literal_column("NULL"),
            Contact.stage_id,
            Contact.stage_changed_at,
            bindparam("reason", type_=Text()),
            false(),
            bindparam("actor", type_=Text()),
        )
        .where(_new_contacts())
        .order_by(Contact.id)
    )
    columns = ("contact_id", "from_stage_id", "to_stage_id", "at", "reason", "automatic")
    return insert(cast(Table, StageChange.__table__)).from_select([*columns, "changed_by"], rows)


@lru_cache(maxsize=1)
def _created_records() -> Any:
    """INSERT of the undo record ("created") of each new contact (:func:`_new_contacts`)."""
    rows: Any = (
        select(
            Contact.import_batch_id, Contact.id, literal_column("'created'"), literal_column("NULL")
        )
        .where(_new_contacts())
        .order_by(Contact.id)
    )
    columns = ("batch_id", "contact_id", "action", "previous")
    return insert(cast(Table, ImportChange.__table__)).from_select(columns, rows)


@lru_cache(maxsize=1)
def _new_ids_recorded() -> Any:
    """PostgreSQL: the ids of the new contacts (:func:`_new_contacts`, in order), read by the
    statement that writes their first history entries (:func:`_first_history_entries`) and
    their undo records (:func:`_created_records`) as two ``WITH … INSERT`` parts."""
    return (
        select(Contact.id)
        .where(_new_contacts())
        .order_by(Contact.id)
        .add_cte(_first_history_entries().cte("first_entries"))
        .add_cte(_created_records().cte("created_records"))
    )


def _derived_columns(derivation: Derivation | None) -> tuple[str, ...]:
    """The columns of :class:`app.importing.derive.Derived` a new contact's record sets (in
    its order)."""
    if derivation is None:
        return ()
    return ("domain_class", "persona_name", "persona_fit", "score")
