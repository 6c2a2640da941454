"""indexes for the board: each stage's column sorted by score or by name

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 19:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_stage_score", ["stage_id", "score"], unique=False)
        batch_op.create_index("ix_contacts_stage_name", ["stage_id", "sort_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_stage_name")
        batch_op.drop_index("ix_contacts_stage_score")
