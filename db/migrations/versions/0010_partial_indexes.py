"""a leaner store: two indexes hold only the rows that have a value

Most contacts have no owner (solo use), and most stage changes were not made by an undoable
operation (the demo's history, an import's first stage). Their indexes (``ix_contacts_owner``,
``ix_stage_changes_operation``) held an entry for every row all the same — 26 bytes a contact
of the 100,000-contact demo. Every query that reads them asks for a value (``owner = …``,
``owner IS NOT NULL``, ``operation_id = …``, ``operation_id IN (…)``), which SQLite and
PostgreSQL both take as implying ``IS NOT NULL``: the indexes now hold only those rows and the
plans stay the same. A query for the rows *without* a value (``owner IS NULL``: nobody's
contacts) reads the table, as it would for most rows anyway.

``ix_contacts_batch`` stays whole although most contacts have no batch either: while an import
runs, every count of contacts leaves its rows out with ``import_batch_id IS NULL OR
import_batch_id NOT IN (…)``, which reads that index alone (10 bytes a contact) instead of the
table (900).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (index, table, column): each holds only the rows where the column is not NULL
PARTIAL = (
    ("ix_contacts_owner", "contacts", "owner"),
    ("ix_stage_changes_operation", "stage_changes", "operation_id"),
)


def upgrade() -> None:
    for name, table, column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, table, column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
