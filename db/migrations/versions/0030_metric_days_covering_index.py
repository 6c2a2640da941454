"""the dashboard's sums and medians read ``metric_days`` from its index alone

Issue 15 (dashboard numbers and ``stats`` in process ≤ 0.05 s at 100,000 contacts). Every read of
``metric_days`` (the period's sums per source and stage and per day, the histograms' octaves and
64ths, the first and last week) finds its rows by ``ix_metric_days_key`` (kind, day, source,
max_pos) and then looked each row up in the table for its counts: ~90,000 rows at 100,000
contacts, a table page for every few index entries. The index now holds the measures too (``n,
qualified, answered, decided, late, pending, amount``, after the key's columns: the same order,
the same seeks) and SQLite reads them there (``EXPLAIN QUERY PLAN``: ``USING COVERING INDEX`` for
every one of those reads). Measured on copies of the 100,000-contact demo, the dashboard in
process, CPU medians of 7, three pairs alternating: the same code, the two indexes (load
1.2-1.9), last 12 weeks 27.3 / 27.6 / 30.6 -> 23.9 / 20.8 / 23.8 ms, all time 20.0 / 19.3 / 19.9
-> 18.0 / 16.3 / 17.2 ms; the code before on the file at 0029 against this on the file upgraded
(load 4.4), 12 weeks 27.1 / 25.4 / 26.4 -> 21.0 / 22.6 / 21.6 ms, all time 18.4 / 18.4 / 18.3 ->
16.3 / 16.7 / 16.4 ms. Writes, the two indexes alternating (load 2.7-3.0): the refresh after one
move 11.3-12.5 -> 10.5-12.2 ms, deriving every row 1.76 / 1.93 -> 1.73 / 1.79 s: no cost seen.
The index: 4.2 -> 5.0 MB at 100,000 (~7 B a contact; ~2 B at 1,000,000, whose ~250,000 rows are
nearly as many), built in ~0.15 s there (the upgrade with its backup: 1.4 s CPU).

PostgreSQL gets the same index (an index-only scan where the table's pages are all visible). An
update of a row's counts writes its index entry too: a refresh after an edit updates a few rows.

Downgrade: the index on the key's columns alone.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 21:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

KEY = ["kind", "day", "source", "max_pos"]
MEASURES = ["n", "qualified", "answered", "decided", "late", "pending", "amount"]


def upgrade() -> None:
    op.drop_index("ix_metric_days_key", table_name="metric_days")
    op.create_index("ix_metric_days_key", "metric_days", KEY + MEASURES)


def downgrade() -> None:
    op.drop_index("ix_metric_days_key", table_name="metric_days")
    op.create_index("ix_metric_days_key", "metric_days", KEY)
