"""the metrics' histograms per week and source; the history's inquiry times indexed where they
differ

Issue 15 (dashboard numbers within 0.3 s at 1,000,000 contacts). The dashboard's period with a
source picked (its last 12 weeks of one trade show) copied and sorted that period's stays and
answers to find their medians (0.9 s of CPU at 1,000,000). ``metric_days`` gains their
histograms per week (from a Monday, UTC) and source (kinds ``w``, ``W`` of the stays, ``v``,
``V`` of the answered inquiries' hours; those per year and source stay, for a source all time):
a period and a source read their whole weeks from them, and only the contacts of the few days
around those weeks one by one.

Those contacts are found by when they became inquiries: ``metric_contacts.inquiry_at`` has its
index; the time in the history, which the stays are chosen by, differs from it only for an
inquiry received before it was moved there — ``ix_metric_contacts_history_inquiry`` holds those
alone (none in the demo). ``ix_metric_contacts_inquiry_response`` goes: nothing reads it since
the medians are found in the histograms (5 MB at 1,000,000; the new rows take 13 MB).

When the derived rows were derived under the version before (``metric_meta``), the new rows
are derived here, in SQL, and the record says so; otherwise the next read derives every row, as
after any change of what they are derived under. Downgrade: the index as 0012 made it, no
partial one, no rows per week, and every derived row derived again on the next read.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

KINDS = ("w", "W", "v", "V")
# app.aggregates as of this revision: values counted per bucket, an octave split in 64
LOW, HIGH, SUBS, STAGE_SPAN = -20, 20, 64, 4096
VERSION_BEFORE, VERSION_AFTER = 3, 4


def _code(octave: int, sub: int) -> int:
    return (octave + 32) * 64 + sub


def _below(column: str, octave: int) -> str:
    if octave < 0:
        return f"{column} * {2**-octave}.0 < 1"
    return f"{column} < {2**octave}.0"


def _scaled(column: str, octave: int) -> str:
    if octave < 0:
        return f"{column} * {2**-octave}.0"
    return f"{column} / {2**octave}.0"


def _bucket(sqlite: bool, column: str) -> str:
    """A value's bucket (its octave, then its 64th), exactly as ``app.aggregates.bucket_sql``."""

    def octaves(low: int, high: int) -> str:
        if high - low == 1:
            part = f"({_scaled(column, low)} - 1) * {SUBS}"
            sub = f"CAST({part} AS INTEGER)" if sqlite else f"CAST(FLOOR({part}) AS INTEGER)"
            return f"{_code(low, 0)} + {sub}"
        middle = (low + high) // 2
        return (
            f"CASE WHEN {_below(column, middle)} THEN {octaves(low, middle)} "
            f"ELSE {octaves(middle, high)} END"
        )

    return (
        f"(CASE WHEN {_below(column, LOW)} THEN {_code(LOW - 1, 0)} "
        f"WHEN {_below(column, HIGH + 1)} THEN {octaves(LOW, HIGH + 1)} "
        f"ELSE {_code(HIGH + 1, 0)} END)"
    )


def _week(sqlite: bool, column: str) -> str:
    """The Monday of a stored time's UTC week (``YYYY-MM-DD`` on SQLite, a date on PostgreSQL)."""
    if sqlite:
        whole = f"CAST({column} AS INTEGER)"
        return f"date({whole} - ({column} < {whole}), 'unixepoch', 'weekday 0', '-6 days')"
    return f"CAST(date_trunc('week', {column}) AS DATE)"


def _derive_source_weeks(sqlite: bool) -> None:
    values = {
        "stays": f"""
            SELECT {_week(sqlite, "mc.history_inquiry_at")} AS week, mc.source AS source,
                   ms.stage_id * {STAGE_SPAN} + {_bucket(sqlite, "ms.days")} AS code
            FROM metric_stays ms JOIN metric_contacts mc ON mc.contact_id = ms.contact_id""",
        "responses": f"""
            SELECT {_week(sqlite, "inquiry_at")} AS week, source,
                   {_bucket(sqlite, "response_hours")} AS code
            FROM metric_contacts WHERE response_hours IS NOT NULL""",
    }
    ctes = ", ".join(
        f"{name} AS (SELECT week, source, code, COUNT(*) AS n FROM ({sql}) v "
        "GROUP BY week, source, code)"
        for name, sql in values.items()
    )
    parts = []
    for kind, counted, fine in (
        ("w", "stays", False),
        ("W", "stays", True),
        ("v", "responses", False),
        ("V", "responses", True),
    ):
        code = "code" if fine else "code - code % 64"
        parts.append(
            f"SELECT '{kind}', week, source, {code}, SUM(n), 0, 0, 0, 0, 0, 0.0 "
            f"FROM {counted} GROUP BY week, {code}, source"
        )
    op.execute(
        "INSERT INTO metric_days (kind, day, source, max_pos, n, qualified, answered, decided, "
        f"late, pending, amount) WITH {ctes} " + " UNION ALL ".join(parts)
    )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    where = sa.text("history_inquiry_at <> inquiry_at")
    op.create_index(
        "ix_metric_contacts_history_inquiry",
        "metric_contacts",
        ["history_inquiry_at"],
        sqlite_where=where,
        postgresql_where=where,
    )
    op.drop_index("ix_metric_contacts_inquiry_response", table_name="metric_contacts")
    op.execute("DELETE FROM metric_days WHERE kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")")
    stored = bind.execute(sa.text("SELECT value FROM metric_meta WHERE key = 'signature'")).scalar()
    try:
        signature = json.loads(stored) if stored else None
    except ValueError:
        signature = None
    if not isinstance(signature, list) or not signature or signature[-1] != VERSION_BEFORE:
        op.execute("DELETE FROM metric_meta")  # every row derived on the next read
        return
    _derive_source_weeks(sqlite)
    signature[-1] = VERSION_AFTER
    bind.execute(
        sa.text("UPDATE metric_meta SET value = :v WHERE key = 'signature'"),
        {"v": json.dumps(signature)},
    )


def downgrade() -> None:
    op.drop_index("ix_metric_contacts_history_inquiry", table_name="metric_contacts")
    answered = sa.text("response_hours IS NOT NULL")
    op.create_index(
        "ix_metric_contacts_inquiry_response",
        "metric_contacts",
        ["inquiry_at", "response_hours"],
        sqlite_where=answered,
        postgresql_where=answered,
    )
    op.execute("DELETE FROM metric_days WHERE kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")")
    op.execute("DELETE FROM metric_meta")  # every derived row derived again on the next read
