"""indexes for sorting the list by company and job title

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 18:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_company", ["company"], unique=False)
        batch_op.create_index("ix_contacts_title", ["title"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_title")
        batch_op.drop_index("ix_contacts_company")
