"""An import much larger than the store: its contacts go in with their indexes built after.

Keeping the contacts' indexes and full-text index while a million rows go in is a random
insert per row and index (20 of them, and the full-text index's segments merged again and
again): most of the writing process's time. Creating an index over the rows is one sort.
So when a file is large against the store (:func:`worth_building_after`), the batch is
written in one transaction that first drops the contacts' indexes and the full-text index's
insert trigger and, after the last chunk, creates them again (:mod:`db.deferred`, as the demo
fills a new store); the full-text index takes each chunk's new contacts in one statement as
they go in, and is merged into one segment at the end. A cancel, an error or a killed process
leaves the indexes as they were: the drop is part of the transaction that is rolled back.

What it costs others: readers see the store as it was meanwhile (with its indexes); another
writer waits until the indexes are back — the import notices it waits (:mod:`db.lockwait`),
builds them at once and goes on in short transactions with the indexes kept, as a smaller
import does. The duplicate look-ups read the e-mail and name indexes, so those are kept.
SQLite only: on PostgreSQL the rows go in by ``COPY`` with the indexes kept — dropping an
index there locks the table against every other user's reads until the transaction ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from db.deferred import DeferredIndexes

if TYPE_CHECKING:
    from app.importing.readers import TableSource

# a file with fewer rows is written with the indexes kept: each insert costs little while
# they fit in the cache, and building them again has a fixed part
MIN_ROWS = 50_000
# ... and one with fewer rows than this many times the contacts already stored: building the
# indexes again reads every contact, the stored ones too (measured at 100,000 rows: ~20 µs a
# contact to build, ~60 µs a row saved), and another writer (the window's move) waits for it
MIN_ROWS_PER_CONTACT = 2.0
# the page cache while the indexes are built (KiB, negative as SQLite takes it), and the changed
# pages it keeps before writing them to the log
BUILD_CACHE_KB = -16000
BUILD_SPILL_PAGES = 4000
# what the duplicate look-ups read while the rows go in (app.importing.merge): by e-mail
# (ix_contacts_email_norm, or ix_contacts_email_key from migration 0021 on) and by name;
# and the partial indexes whose condition no new contact meets as it goes in (a deal, sales
# ready, an owner — unless the import gives one —, an answer awaited: set later, if at all,
# by the hooks), so they stay near empty: keeping them costs a test of the condition a row,
# building them after a read of every contact each (1,000,000 contacts: ~0.3 s of CPU each)
KEPT_INDEXES = (
    "ix_contacts_email_norm",
    "ix_contacts_email_key",
    "ix_contacts_name",
    "ix_contacts_stage_deal",
    "ix_contacts_sales_ready",
    "ix_contacts_owner",
    "ix_contacts_awaiting",
)


def worth_building_after(conn: Connection, table: TableSource) -> bool:
    """Whether to write this file's contacts with their indexes built after them: a SQLite
    store, a file of :data:`MIN_ROWS` rows or more (the reader's estimate from its first
    part) and at least :data:`MIN_ROWS_PER_CONTACT` rows for each contact stored."""
    if conn.dialect.name != "sqlite":
        return False
    rows = table.row_estimate or 0
    if rows < MIN_ROWS:
        return False
    stored = int(conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar() or 0)
    return rows >= MIN_ROWS_PER_CONTACT * stored


def set_aside(conn: Connection) -> DeferredIndexes:
    """Drop the contacts' indexes (but :data:`KEPT_INDEXES`) and the full-text index's insert
    trigger in the transaction of ``conn``: the writer adds each chunk's new contacts to the
    full-text index itself (:meth:`DeferredIndexes.add_to_full_text`), while the reading
    process prepares the next chunk, rather than all of them after the last one."""
    return DeferredIndexes.take(conn, ("contacts",), keep=KEPT_INDEXES, full_text_by_caller=True)


def build_again(conn: Connection, deferred: DeferredIndexes) -> None:
    """Create the indexes again and rebuild the full-text index, in the same transaction,
    with a page cache of :data:`BUILD_CACHE_KB`: each index's sort keeps as much in memory as
    the cache holds, and the new index's pages stay in it until it spills (with the write
    cache, 1,000,000 contacts took the writing process from ~155 to 228 MB)."""
    sizes = {
        pragma: int(conn.exec_driver_sql(f"PRAGMA {pragma}").scalar_one())
        for pragma in ("cache_size", "cache_spill")
    }
    conn.exec_driver_sql(f"PRAGMA cache_size={BUILD_CACHE_KB}")
    conn.exec_driver_sql(f"PRAGMA cache_spill={BUILD_SPILL_PAGES}")
    try:
        deferred.restore(conn, ("contacts",))
    finally:
        for pragma, value in sizes.items():
            conn.exec_driver_sql(f"PRAGMA {pragma}={value}")
