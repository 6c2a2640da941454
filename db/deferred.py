"""Indexes built after the data: a table's indexes dropped inside a transaction that writes
many rows into it, and created again (the same statements) before it commits.

Creating an index over a table's rows is one sort; keeping it while the rows go in is a
random insert per row and index, on a page that is seldom in the cache once the table is
large. The demo (``app.demo``) fills a new store this way, and an import much larger than
the store (``app.importing.bulkload``) too. On SQLite the full-text index of contacts is
set aside as well (its triggers dropped) and built again from the contacts. Everything
happens inside the caller's transaction: a rollback, or a process killed before the commit,
leaves the indexes as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

# the triggers that keep the full-text index of contacts (SQLite) in step with the table
FTS_TRIGGERS = ("contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au")


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

    @classmethod
    def take(
        cls, conn: Connection, tables: Sequence[str], keep: Sequence[str] = ()
    ) -> DeferredIndexes:
        """Drop the indexes of ``tables`` but those named in ``keep`` (and, with contacts
        among them, the full-text index's triggers) in the transaction of ``conn``."""
        if conn.dialect.name == "postgresql":
            return cls._take_postgresql(conn, tables, keep)
        named = ", ".join(f"'{t}'" for t in tables)
        names = ", ".join(f"'{t}'" for t in FTS_TRIGGERS) if "contacts" in tables else "''"
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
        return deferred

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
    config = "SELECT v FROM contacts_fts_config WHERE k = 'automerge'"
    before = conn.exec_driver_sql(config).scalar()
    _fts_setting(conn, "automerge", REBUILD_AUTOMERGE)
    conn.exec_driver_sql("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")
    conn.exec_driver_sql("INSERT INTO contacts_fts(contacts_fts) VALUES ('optimize')")
    _fts_setting(conn, "automerge", FTS5_AUTOMERGE if before is None else int(before))
    if before is None:  # the value just set is FTS5's default: the index reads it so anyway
        conn.exec_driver_sql("DELETE FROM contacts_fts_config WHERE k = 'automerge'")


FTS5_AUTOMERGE = 4  # FTS5's default 'automerge'


def _fts_setting(conn: Connection, name: str, value: int) -> None:
    conn.exec_driver_sql(
        f"INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('{name}', {int(value)})"
    )
