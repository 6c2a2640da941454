"""the sidebar's Awaiting and Overdue counts read only the unanswered inquiries

``Awaiting response`` (a due time, no answer, a pipeline stage) and the inquiries of
``Overdue`` (due before now, no answer, a pipeline stage) were read through
``ix_contacts_followup`` (first response, due time): it finds the unanswered contacts but not
their stage, so each count looked up every one of their rows — at a million contacts 0.7 s
and 0.9 s of every sidebar count, at start-up and after each change. One partial index holds
only the unanswered contacts with a due time, by stage and due time (the condition written as
the awaiting query writes it; the overdue query states it too, beside its ``due < now``):
both counts read the index alone. It replaces ``ix_contacts_followup``, which nothing else
reads and which SQLite would otherwise keep choosing for these queries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CONDITION = "response_due_at IS NOT NULL AND first_response_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_contacts_awaiting",
        "contacts",
        ["stage_id", "response_due_at"],
        sqlite_where=sa.text(CONDITION),
        postgresql_where=sa.text(CONDITION),
    )
    op.drop_index("ix_contacts_followup", table_name="contacts")


def downgrade() -> None:
    op.create_index("ix_contacts_followup", "contacts", ["first_response_at", "response_due_at"])
    op.drop_index("ix_contacts_awaiting", table_name="contacts")
