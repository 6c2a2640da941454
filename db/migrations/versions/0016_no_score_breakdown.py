"""the score's lines are worked out when shown, not stored

``contacts.score_breakdown`` held each contact's score explanation as JSON: 305 bytes a
contact of the demo's million (about a third of the contacts table). The lines follow from
the contact's fields, activities and BANT answers, the rules and the time the score was
worked out (``app.scoring.score_items`` finds it), so the column goes.

SQLite rewrites every row to drop a column (``ALTER TABLE … DROP COLUMN``, no index touched;
not the batch copy of the table, which builds every index again). Measured on a copy of a
million-contact database at a load of 9 on two cores: 18 s for the statement and 6 s for the
commit (24 s wall, 5.7 s CPU); setting the column to NULL instead rewrites every row as well
(15 s wall, 4.2 s CPU) and leaves a column the models do not have. The space comes free
inside the pages (new rows and growing ones use it); the file shrinks only when compacted.
PostgreSQL drops a column without touching the rows.

Downgrade: the column comes back empty; the older Winnow shows no lines until it rescores.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("contacts", "score_breakdown")


def downgrade() -> None:
    op.add_column("contacts", sa.Column("score_breakdown", sa.Text(), nullable=True))
