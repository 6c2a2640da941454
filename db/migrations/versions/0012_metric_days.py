"""the metrics' counts per day, source and furthest stage, kept with the derived rows

``metric_days`` sums the rows of ``metric_contacts`` per day (UTC) and kind: ``i`` by the day a
contact became an inquiry (count, qualified now, answered, response decided or late without
depending on "now", still waiting for a response), ``q`` by the day it became a qualified lead,
``c`` by the day it reached Customer (count, deal amounts). ``metric_contacts`` gains each
inquiry's hours to its first response, indexed (the median is one offset into the index). ``app.aggregates`` keeps it in step
with ``metric_contacts``; a period's whole days are read from it and only the contacts of its
first and last part-days from ``metric_contacts`` (by the indexes added here). Derived data: the
first read after this upgrade derives it (no record in ``metric_meta`` of it yet).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_metric_contacts_inquiry", ["inquiry_at"]),
    ("ix_metric_contacts_qualified", ["qualified_at"]),
    ("ix_metric_contacts_customer", ["customer_at"]),
)


def upgrade() -> None:
    op.create_table(
        "metric_days",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.String(200)),
        sa.Column("max_pos", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("qualified", sa.Integer, nullable=False),
        sa.Column("answered", sa.Integer, nullable=False),
        sa.Column("decided", sa.Integer, nullable=False),
        sa.Column("late", sa.Integer, nullable=False),
        sa.Column("pending", sa.Integer, nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
    )
    op.create_index("ix_metric_days_key", "metric_days", ["kind", "day", "source", "max_pos"])
    for name, columns in INDEXES:
        op.create_index(name, "metric_contacts", columns)
    # hours from received to the first response: the median is an offset into this index
    op.add_column("metric_contacts", sa.Column("response_hours", sa.Float))
    answered = sa.text("response_hours IS NOT NULL")
    op.create_index(
        "ix_metric_contacts_response",
        "metric_contacts",
        ["response_hours"],
        sqlite_where=answered,
        postgresql_where=answered,
    )
    # a period's: counted and put in order from this index alone
    op.create_index(
        "ix_metric_contacts_inquiry_response",
        "metric_contacts",
        ["inquiry_at", "response_hours"],
        sqlite_where=answered,
        postgresql_where=answered,
    )
    where = sa.text("first_at IS NULL AND due_at IS NOT NULL")
    op.create_index(
        "ix_metric_contacts_waiting",
        "metric_contacts",
        ["due_at"],
        sqlite_where=where,
        postgresql_where=where,
    )
    op.execute("DELETE FROM metric_meta")  # every derived row derived again on the next read


def downgrade() -> None:
    op.drop_index("ix_metric_contacts_waiting", table_name="metric_contacts")
    op.drop_index("ix_metric_contacts_response", table_name="metric_contacts")
    op.drop_index("ix_metric_contacts_inquiry_response", table_name="metric_contacts")
    with op.batch_alter_table("metric_contacts") as batch:
        batch.drop_column("response_hours")
    for name, _columns in INDEXES:
        op.drop_index(name, table_name="metric_contacts")
    op.drop_table("metric_days")
    op.execute("DELETE FROM metric_meta")
