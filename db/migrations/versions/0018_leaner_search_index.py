"""the full-text index's prefix tables for one and two letters, sort keys found by id, no index
entries for contacts of no import

Issue 15 (a million contacts: search as you type, and the store's size):

- SQLite's full-text index (``contacts_fts``) keeps prefix tables for one and two letters
  (``prefix='1 2'``, was ``'2 3'``) and no per-document column sizes (``columnsize=0``: they
  serve only ranking, which Winnow does not do). A word typed to one letter ("Jürgen M",
  "plant m") merged the lists of every word starting with that letter, in every plan and
  every sort order (at 1,000,000 contacts 50-65 ms a keystroke, the slowest of the
  benchmark's in three orders of four; now 25-35 ms); a prefix of three letters or more
  merges the few words it starts (as fast as its table was on the demo: "jür" 0.2-0.3 ms,
  "kes" 0.3-0.4 ms at 100,000). At 1,000,000 demo contacts the index took 148 bytes a
  contact, now 138 (without the one-letter table it would be 95). Built again from the
  contacts (81 s at 1,000,000 at a load of 17).
- ``ix_contacts_id_name`` on (id, sort name): a search sorted by name looks each match's sort
  key up in it instead of reading the match's row (``app.contacts.sort_key_index``, by
  SQLite's ``INDEXED BY``): at 1,000,000 contacts "Jürgen" (about 30,000 matches) 67 -> 22 ms
  in SQLite. About 27 bytes a contact. Made on PostgreSQL as well (one schema; an index-only
  scan can use it).
- ``ix_contacts_batch`` holds only the contacts an import made (``import_batch_id IS NOT
  NULL``): every query of it names a batch (a batch's contacts, its undo), and contacts
  typed in, from a web form or the demo have none (9 bytes a contact in the demo).

Downgrade: the full-text index as 0017 left it, the full batch index, no id/name index.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 14:30:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_COLUMNS = "name, email, company, title, other_emails"


def _fts(options: str) -> None:
    # the triggers (0009) name the table, not its options: they stay as they are
    op.execute("DROP TABLE contacts_fts")
    op.execute(
        f"""CREATE VIRTUAL TABLE contacts_fts USING fts5(
            {_COLUMNS},
            content='contacts', content_rowid='id',
            tokenize="unicode61 remove_diacritics 2",
            {options}
        )"""
    )
    op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")


def _batch_index(partial: bool) -> None:
    op.drop_index("ix_contacts_batch", table_name="contacts")
    where = text("import_batch_id IS NOT NULL") if partial else None
    op.create_index(
        "ix_contacts_batch",
        "contacts",
        ["import_batch_id"],
        sqlite_where=where,
        postgresql_where=where,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _fts("prefix='1 2', columnsize=0")
    _batch_index(partial=True)
    if op.get_bind().dialect.name == "sqlite":  # only SQLite's INDEXED BY reads it
        op.create_index("ix_contacts_id_name", "contacts", ["id", "sort_name"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_contacts_id_name", table_name="contacts")
    _batch_index(partial=False)
    if op.get_bind().dialect.name == "sqlite":
        _fts("prefix='2 3'")
