"""index for the follow-up queues (awaiting, overdue) and the overdue count

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_followup", ["first_response_at", "response_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_followup")
