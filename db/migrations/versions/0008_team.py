"""team mode: who did what, owners, and a version per contact

Who did what: the role (PostgreSQL) or the OS user (SQLite) that made each operation, stage
change, activity and import (``created_by`` / ``changed_by``, free text: a person's name is
not a foreign key, people come and go). Contacts get an ``owner`` (who is working it), a
``version`` that every change bumps (an edit made on a stale version is refused: no lost
update) and ``changed_by`` (who changed it last).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_WHO = {
    "operations": "created_by",
    "stage_changes": "changed_by",
    "activities": "created_by",
    "import_batches": "created_by",
}


def upgrade() -> None:
    # plain ADD COLUMN (SQLite has it): a batch would copy the contacts table and lose the
    # full-text triggers that 0001 made on it
    for table, column in _WHO.items():
        op.add_column(table, sa.Column(column, sa.String(length=200), nullable=True))
    op.add_column("contacts", sa.Column("owner", sa.String(length=200), nullable=True))
    op.add_column(
        "contacts",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column("contacts", sa.Column("changed_by", sa.String(length=200), nullable=True))
    op.create_index("ix_contacts_owner", "contacts", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_contacts_owner", table_name="contacts")
    for column in ("changed_by", "version", "owner"):
        op.drop_column("contacts", column)  # SQLite 3.35+ drops a column in place
    for table, column in _WHO.items():
        op.drop_column(table, column)
