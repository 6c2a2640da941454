"""tasks per contact (the next action is the first open one), an opportunity's amount and
expected close date

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_tasks_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sqlite_autoincrement=True,  # an undone delete puts a contact's tasks back, same ids
    )
    op.create_index("ix_tasks_contact_due", "tasks", ["contact_id", "due_at"])
    op.create_index("ix_tasks_open_due", "tasks", ["done_at", "due_at"])
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deal_amount", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("expected_close_at", sa.DateTime(), nullable=True))
    # a next-action date set before tasks existed becomes that contact's first open task
    op.execute(
        "INSERT INTO tasks (contact_id, title, kind, due_at, done_at, created_at) "
        "SELECT id, 'Next action', 'todo', next_action_at, NULL, "
        "coalesce(updated_at, created_at) FROM contacts WHERE next_action_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("expected_close_at")
        batch_op.drop_column("deal_amount")
    op.drop_index("ix_tasks_open_due", table_name="tasks")
    op.drop_index("ix_tasks_contact_due", table_name="tasks")
    op.drop_table("tasks")
