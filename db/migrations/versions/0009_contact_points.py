"""every e-mail, phone and postal address of a contact; search finds every e-mail

``contact_points``: one row per e-mail address, phone number or postal address (with its kind
and whether it is the primary one) of the contacts that have more than their own columns hold
(``app.points``), and an index for the deal sums of the board and dashboard. Search then looks at every e-mail address of a contact: SQLite's full-text
table gains the ``other_emails`` column (rebuilt from the contacts), PostgreSQL's search
vector takes it with the primary address.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FTS_COLUMNS = {
    "new": "name, email, company, title, other_emails",
    "old": "name, email, company, title",
}


def _fts_sql(columns: str) -> list[str]:
    new_values = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old_values = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    return [
        "DROP TRIGGER IF EXISTS contacts_fts_ai",
        "DROP TRIGGER IF EXISTS contacts_fts_ad",
        "DROP TRIGGER IF EXISTS contacts_fts_au",
        "DROP TABLE IF EXISTS contacts_fts",
        f"""CREATE VIRTUAL TABLE contacts_fts USING fts5(
            {columns},
            content='contacts', content_rowid='id',
            tokenize="unicode61 remove_diacritics 2",
            prefix='2 3'
        )""",
        f"""CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
            INSERT INTO contacts_fts(rowid, {columns}) VALUES (new.id, {new_values});
        END""",
        f"""CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
            INSERT INTO contacts_fts(contacts_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
        END""",
        f"""CREATE TRIGGER contacts_fts_au AFTER UPDATE OF {columns} ON contacts
        BEGIN
            INSERT INTO contacts_fts(contacts_fts, rowid, {columns})
            VALUES ('delete', old.id, {old_values});
            INSERT INTO contacts_fts(rowid, {columns}) VALUES (new.id, {new_values});
        END""",
        "INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')",
    ]


# PostgreSQL: the indexed document is the same function over the primary and the other
# addresses (``||`` of text is immutable, as an index expression must be)
_PG_INDEX = {
    "new": "winnow_search_vector(name, coalesce(email, '') || ' ' || coalesce(other_emails, ''),"
    " company, title)",
    "old": "winnow_search_vector(name, email, company, title)",
}


def _search(which: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _fts_sql(_FTS_COLUMNS[which]):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contacts_search")
        op.execute(f"CREATE INDEX ix_contacts_search ON contacts USING gin ({_PG_INDEX[which]})")


def upgrade() -> None:
    op.create_table(
        "contact_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("po_box", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=40), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_contact_points_contact", "contact_points", ["contact_id", "kind", "position"]
    )
    _search("new")
    # the board's and dashboard's deal sums: only the contacts with an amount
    op.create_index(
        "ix_contacts_stage_deal",
        "contacts",
        ["stage_id", "deal_amount"],
        sqlite_where=sa.text("deal_amount IS NOT NULL"),
        postgresql_where=sa.text("deal_amount IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_stage_deal", table_name="contacts")
    _search("old")
    op.drop_index("ix_contact_points_contact", table_name="contact_points")
    op.drop_table("contact_points")
