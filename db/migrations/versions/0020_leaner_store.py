"""a leaner store: the search index without word places, no domain index, the go-look cache
and the metrics' stays without a rowid

Issue 15 (a million contacts: a store of at most 1 KB a contact with the demo's history). At
1,000,000 demo contacts after 0019 the pages in use came to 1,187 bytes a contact, of which:

- the full-text index (``contacts_fts``) 138 bytes a contact. It kept each word's place in its
  column (``detail=full``), which only phrase and NEAR queries read; a search now asks for every
  typed word's parts apart (``app.search.fts_query``: ``"p1" AND "firma"*`` for ``p1@firma``).
  Made again with ``detail=none`` (each word's contacts alone) and prefix tables for one to six
  letters (``prefix='1 2 3 4 5 6'``, was ``'1 2'``): without positions FTS5 merges the lists of
  the words a longer prefix starts 2-3 times slower (at 1,000,000 "plant"* 2.6 -> 7.7 ms,
  "mana"* 6.8 -> 17 ms), so a prefix of up to six letters is read from its own table instead.
  52 bytes a contact. Built again from the contacts.
- SQLite: ``domain_checks`` (a domain's DNS answer, keyed by the domain's name) keeps its rows
  in its primary key's b-tree (``WITHOUT ROWID``), not in a rowid table beside an index of the
  names (8 bytes a contact).
- ``metric_stays`` (derived) is keyed by (contact, stage change): its rows are read and deleted
  by contact, which its separate contact index served (12 bytes a contact); on SQLite without a
  rowid, so that key is the table itself. Its rows are copied, not derived again.
- no index of the contacts' domain (``ix_contacts_domain``, 28 bytes a contact): go look's list
  of the domains to check (``app.golook.checks.contact_domains``, the only reader at run time)
  reads the rows, faster than that index with a row looked up for each entry (at 1,000,000
  2.1 s of CPU against 3.4 s).
- ``metric_contacts``' indexes of the qualified and the customers' times hold only the rows
  that have one (most inquiries never qualify): every query of them asks for a time.

After this upgrade a file's freed pages are given back by ``VACUUM``
(``db.engine.compact_after_upgrade``, after an upgrade that left a 20th of the file free).

The normalised e-mail is made leaner by 0021.

Downgrade: the index with positions and prefix tables for one and two letters, rowid tables,
the domain index, the metrics' indexes of every row.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_FTS_COLUMNS = "name, email, company, title, other_emails"


def _fts(options: str) -> None:
    # the triggers (0009) name the table, not its options: they stay as they are
    op.execute("DROP TABLE contacts_fts")
    op.execute(
        f"""CREATE VIRTUAL TABLE contacts_fts USING fts5(
            {_FTS_COLUMNS},
            content='contacts', content_rowid='id',
            tokenize="unicode61 remove_diacritics 2",
            {options}
        )"""
    )
    op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")


def _domain_checks(rowid: bool) -> None:
    """SQLite: ``domain_checks`` made again with or without a rowid, its rows copied."""
    op.execute(
        f"""CREATE TABLE domain_checks_new (
            domain VARCHAR(255) NOT NULL,
            dns_status VARCHAR(12) NOT NULL,
            mx TEXT,
            mail_host VARCHAR(40),
            checked_at DATETIME NOT NULL,
            CONSTRAINT pk_domain_checks PRIMARY KEY (domain)
        ){"" if rowid else " WITHOUT ROWID"}"""
    )
    op.execute(
        "INSERT INTO domain_checks_new (domain, dns_status, mx, mail_host, checked_at) "
        "SELECT domain, dns_status, mx, mail_host, checked_at FROM domain_checks ORDER BY domain"
    )
    op.execute("DROP TABLE domain_checks")
    op.execute("ALTER TABLE domain_checks_new RENAME TO domain_checks")


def _stays_sqlite(by_contact: bool) -> None:
    """SQLite: ``metric_stays`` keyed by (contact, change) without a rowid, or as 0011 made
    it; its rows copied."""
    op.execute("DROP INDEX IF EXISTS ix_metric_stays_stage_days")
    op.execute("DROP INDEX IF EXISTS ix_metric_stays_contact")
    key = "PRIMARY KEY (contact_id, change_id)" if by_contact else "PRIMARY KEY (change_id)"
    op.execute(
        f"""CREATE TABLE metric_stays_new (
            change_id INTEGER NOT NULL,
            contact_id INTEGER NOT NULL,
            stage_id INTEGER NOT NULL,
            days FLOAT NOT NULL,
            {key}
        ){" WITHOUT ROWID" if by_contact else ""}"""
    )
    order = "contact_id, change_id" if by_contact else "change_id"
    op.execute(
        "INSERT INTO metric_stays_new (change_id, contact_id, stage_id, days) "
        f"SELECT change_id, contact_id, stage_id, days FROM metric_stays ORDER BY {order}"
    )
    op.execute("DROP TABLE metric_stays")
    op.execute("ALTER TABLE metric_stays_new RENAME TO metric_stays")
    if not by_contact:
        op.create_index("ix_metric_stays_contact", "metric_stays", ["contact_id"])
    op.create_index("ix_metric_stays_stage_days", "metric_stays", ["stage_id", "days"])


def _stays_postgresql(by_contact: bool) -> None:
    name = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'metric_stays'::regclass"
            " AND contype = 'p'"
        )
        .scalar_one()
    )
    op.execute(f'ALTER TABLE metric_stays DROP CONSTRAINT "{name}"')
    if by_contact:
        op.drop_index("ix_metric_stays_contact", table_name="metric_stays")
        op.create_primary_key("pk_metric_stays", "metric_stays", ["contact_id", "change_id"])
    else:
        op.create_primary_key("pk_metric_stays", "metric_stays", ["change_id"])
        op.create_index("ix_metric_stays_contact", "metric_stays", ["contact_id"])


def _metric_indexes(partial: bool) -> None:
    """``metric_contacts``' indexes of the qualified and the customers' times: only the rows
    that have one (``partial``), or every row as 0011 made them."""
    for name, column in (
        ("ix_metric_contacts_qualified", "qualified_at"),
        ("ix_metric_contacts_customer", "customer_at"),
    ):
        op.drop_index(name, table_name="metric_contacts")
        where = text(f"{column} IS NOT NULL") if partial else None
        op.create_index(
            name, "metric_contacts", [column], sqlite_where=where, postgresql_where=where
        )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _metric_indexes(partial=True)
    op.drop_index("ix_contacts_domain", table_name="contacts")
    if sqlite:
        _fts("prefix='1 2 3 4 5 6', columnsize=0, detail=none")
        _domain_checks(rowid=False)
        _stays_sqlite(by_contact=True)
    else:
        _stays_postgresql(by_contact=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _stays_sqlite(by_contact=False)
        _domain_checks(rowid=True)
        _fts("prefix='1 2', columnsize=0")
    else:
        _stays_postgresql(by_contact=False)
    op.create_index("ix_contacts_domain", "contacts", ["domain"])
    _metric_indexes(partial=False)
