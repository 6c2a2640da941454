"""Indexes built after the data: a table's indexes dropped inside a transaction that writes
many rows into it, and created again (the same statements) before it commits.

Creating an index over a table's rows is one sort; keeping it while the rows go in is a
random insert per row and index, on a page that is seldom in the cache once the table is
large. The demo (``app.demo``) fills a new store this way, and an import much larger than
the store (``app.importing.bulkload``) too. On SQLite the full-text index of contacts is
set aside as well (its triggers dropped) and built again from the contacts — or, for a
caller that adds each batch of new contacts to it as it goes (the import), only its insert
trigger is set aside. Everything happens inside the caller's transaction: a rollback, or a
process killed before the commit, leaves the indexes as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

# the triggers that keep the full-text index of contacts (SQLite) in step with the table
FTS_TRIGGERS = ("contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au")
# ... the one of them that adds a new contact
FTS_INSERT_TRIGGER = "contacts_fts_ai"


@dataclass
class DeferredIndexes:
    """The indexes of some tables and the full-text index's triggers (on PostgreSQL the
    B-tree indexes but the primary keys, and the foreign keys), dropped inside a transaction
    and created again (the same statements) once the data is in."""

    indexes: dict[str, list[tuple[str, str]]]  # table -> [(name, CREATE INDEX …)]
    triggers: list[str]
    # table -> what to run once its data is in (PostgreSQL: ALTER TABLE … ADD CONSTRAINT …
    # FOREIGN KEY …, the table's settings back)
    later: dict[str, list[str]] = field(default_factory=dict)
    # SQLite: the caller adds the new contacts to the full-text index (add_to_full_text),
    # which merges wider meanwhile; its settings before (None: FTS5's default)
    full_text_by_caller: bool = False
    merges_before: dict[str, int | None] = field(default_factory=dict)
    _full_text_columns: str = field(default="", init=False, repr=False)

    @classmethod
    def take(
        cls,
        conn: Connection,
        tables: Sequence[str],
        keep: Sequence[str] = (),
        *,
        full_text_by_caller: bool = False,
    ) -> DeferredIndexes:
        """Drop the indexes of ``tables`` but those named in ``keep`` (and, with contacts
        among them, the full-text index's triggers) in the transaction of ``conn``.

        ``full_text_by_caller`` (SQLite, contacts): only the trigger that indexes a new
        contact is dropped; the caller indexes each batch of new contacts itself
        (:meth:`add_to_full_text`: one statement for a batch, where the trigger's statement
        a row each flushes a segment), while the rows still go in — about the work of the
        rebuild after the last row, done while the writer would wait for the next rows
        instead of after them. Updates and deletes keep it in step through their triggers
        meanwhile. Each statement ends as a segment of its own (a chunk's), so the index
        merges :data:`CALLER_MERGE` of them at a time meanwhile: 1,000,000 contacts added
        500 at a time took 8.95 s of CPU and its 'optimize' 1.89 s, against the rebuild's
        8.83 + 1.75 s (16 at a time: 10.61 + 1.96 s; load 14)."""
        if conn.dialect.name == "postgresql":
            return cls._take_postgresql(conn, tables, keep)
        named = ", ".join(f"'{t}'" for t in tables)
        by_caller = full_text_by_caller and "contacts" in tables
        dropped = (FTS_INSERT_TRIGGER,) if by_caller else FTS_TRIGGERS
        names = ", ".join(f"'{t}'" for t in dropped) if "contacts" in tables else "''"
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND"
            f" ((type = 'index' AND tbl_name IN ({named})) OR"
            f" (type = 'trigger' AND name IN ({names})))"
        ).all()
        deferred = cls({t: [] for t in tables}, [])
        for kind, name, table, sql in rows:
            if kind == "index":
                if name in keep:
                    continue
                deferred.indexes[str(table)].append((str(name), str(sql)))
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            else:
                deferred.triggers.append(str(sql))
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        if by_caller and deferred.triggers:
            deferred.full_text_by_caller = True
            deferred.merges_before = _widen_merges(conn, CALLER_MERGE)
        return deferred

    def add_to_full_text(self, conn: Connection, first_id: int, last_id: int) -> None:
        """Index the contacts with ids ``first_id`` to ``last_id`` (just inserted) in the
        full-text index of contacts, in one statement, when the caller does so
        (``full_text_by_caller``); otherwise :meth:`restore` rebuilds it from every contact
        and this does nothing."""
        if not self.full_text_by_caller:
            return
        if not self._full_text_columns:  # the index's own columns, as its triggers list them
            found = conn.exec_driver_sql("PRAGMA table_info(contacts_fts)").all()
            self._full_text_columns = ", ".join(f'"{r[1]}"' for r in found)
        columns = self._full_text_columns
        conn.exec_driver_sql(
            f"INSERT INTO contacts_fts(rowid, {columns}) SELECT id, {columns} FROM contacts"
            " WHERE id BETWEEN ? AND ? ORDER BY id",
            (first_id, last_id),
        )

    @classmethod
    def _take_postgresql(
        cls, conn: Connection, tables: Sequence[str], keep: Sequence[str]
    ) -> DeferredIndexes:
        """The B-tree indexes of the tables but the primary keys and unique ones, and the
        foreign keys of these tables and of the BANT answers (checked row by row while the
        rows go in, each check locking the contact's row; once, by one join, when added
        again). The full-text index stays (built as the rows go in, once each). The contacts
        go in complete, with their scores and deals, and fill their pages: no update follows
        (the room the demo left on every page for its updates, 60 %, would stay empty).
        Indexes and constraints are transactional on PostgreSQL: a failed transaction leaves
        them as they were."""
        tables = (*tables, "bant_answers")
        named = ", ".join(f"'{t}'" for t in tables)
        mine = f"c.relname IN ({named}) AND c.relnamespace = current_schema()::regnamespace"
        deferred = cls({t: [] for t in tables}, [], {t: [] for t in tables})
        for table, name, sql in conn.exec_driver_sql(
            "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
            " JOIN pg_am a ON a.oid = i.relam"
            f" WHERE {mine} AND c.relname <> 'bant_answers' AND a.amname = 'btree'"
            " AND NOT x.indisprimary AND NOT x.indisunique"
        ).all():
            if name not in keep:
                deferred.indexes[str(table)].append((str(name), str(sql)))
        # the answers' keys come back with the contacts' (the answers go in with them)
        for table, name, definition in conn.exec_driver_sql(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
            f" JOIN pg_class c ON c.oid = k.conrelid WHERE {mine} AND k.contype = 'f'"
        ).all():
            back = "contacts" if table == "bant_answers" else str(table)
            deferred.later[back].append(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            )
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        names = [f'"{n}"' for found in deferred.indexes.values() for n, _sql in found]
        if names:
            conn.exec_driver_sql(f"DROP INDEX {', '.join(names)}")
        # the full-text index's last new entries into the index proper (a search reads the
        # pending ones one by one), as building it would have; since migration 0015 it is
        # on the search documents' own table (kept by triggers, so not set aside)
        deferred.later["contacts"].append(
            "SELECT gin_clean_pending_list(x.indexrelid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am a ON a.oid = i.relam"
            " WHERE x.indrelid IN ('contacts'::regclass, to_regclass('contact_search'))"
            " AND a.amname = 'gin'"
        )
        return deferred

    def restore(self, conn: Connection, tables: Sequence[str]) -> None:
        for table in tables:
            for _name, sql in self.indexes.pop(table, []):
                conn.exec_driver_sql(sql)
            for sql in self.later.pop(table, []):
                conn.exec_driver_sql(sql)
            if table == "contacts" and self.triggers:
                if self.full_text_by_caller:  # complete: into one segment, as a rebuild ends
                    conn.exec_driver_sql(
                        "INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')"
                    )
                    _merges_back(conn, self.merges_before)
                    self.full_text_by_caller = False
                else:
                    rebuild_full_text(conn)
                for sql in self.triggers:
                    conn.exec_driver_sql(sql)
                self.triggers = []


# how many segments of a level the full-text index merges into one while it is rebuilt
REBUILD_AUTOMERGE = 16


def rebuild_full_text(conn: Connection) -> None:
    """Build the full-text index of contacts (SQLite) again from the contacts, merging
    :data:`REBUILD_AUTOMERGE` segments at a time, then into one.

    FTS5 writes what it has gathered as a new segment every megabyte or so and merges them,
    by default four at a time ('automerge'), so each entry is written again at every level:
    11.1 s of CPU at 1,000,000 contacts (the benchmark's import; load 10-13). Sixteen at a
    time took 6.7 s, and one 'optimize' into a single segment after it (what a search reads
    fastest; the default left many) 1.5 s more: 8.3 s, the same 32 MB peak (a wider hash, 8
    MB, saved 7 % for 16 MB more). The setting is put back as it was (its row left out of the
    index's config table when it had none), so later writes merge as before."""
    before = _widen_merges(conn, REBUILD_AUTOMERGE)
    conn.exec_driver_sql("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
    conn.exec_driver_sql("INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')")
    _merges_back(conn, before)


# FTS5's defaults: segments merged at a time, and the most of a level before it must merge
FTS5_MERGES = {"automerge": 4, "crisismerge": 16}
# ... while a caller adds many small segments (DeferredIndexes.add_to_full_text)
CALLER_MERGE = 64


def _widen_merges(conn: Connection, width: int) -> dict[str, int | None]:
    """Let the full-text index merge up to ``width`` segments at a time ('automerge', and
    'crisismerge' if below it); returns the settings before (None: no row, FTS5's default)."""
    before: dict[str, int | None] = {}
    for name, default in FTS5_MERGES.items():
        if name == "crisismerge" and width <= default:
            continue
        value = conn.exec_driver_sql(
            f"SELECT v FROM contacts_fts_config WHERE k = '{name}'"
        ).scalar()
        before[name] = None if value is None else int(value)
        _fts_setting(conn, name, width)
    return before


def _merges_back(conn: Connection, before: dict[str, int | None]) -> None:
    """Put the settings back as :func:`_widen_merges` found them."""
    for name, value in before.items():
        _fts_setting(conn, name, FTS5_MERGES[name] if value is None else value)
        if value is None:  # the value just set is FTS5's default: the index reads it so anyway
            conn.exec_driver_sql(f"DELETE FROM contacts_fts_config WHERE k = '{name}'")


def _fts_setting(conn: Connection, name: str, value: int) -> None:
    conn.exec_driver_sql(
        f"INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('{name}', {int(value)})"
    )
