"""times on SQLite as seconds since 1970, not 26 characters of text

SQLAlchemy kept every time on SQLite as text (``2026-06-27 06:36:51.000000``, 27 bytes with
its header byte), in the rows and again in every index on a time. Winnow now stores them as
seconds since 1970-01-01 UTC (``db.times``): an INTEGER for a whole second (4 bytes until
2038), a REAL when there is a fraction. This converts the existing values, in place: the
columns stay declared ``DATETIME`` (numeric affinity), so no table is rebuilt.

Per table: its triggers (the metrics' dirty log would otherwise log every contact, and the
next dashboard derive them all again for values that mean the same) and the indexes on its
time columns are dropped, every time that reads as SQLAlchemy's text is converted with one
``UPDATE``, and the indexes (built afresh, packed) and triggers are created again from their
own SQL. Text that is not a time in that form is left as it is (Winnow reads text still).
The conversion is SQLite's calendar for the whole seconds and the text's six digits for the
fraction, the same number ``db.times.to_number`` makes of the same time (tested).

The space comes free inside the pages (new rows use it); the file shrinks only when compacted.
PostgreSQL keeps its ``timestamp`` columns: nothing to do.

Two indexes no query reads go as well: history by (stage, time) and activities by (type,
time), 28 and 32 bytes a contact of the demo's (with numeric times), on both databases.

Downgrade: the numbers become SQLAlchemy's text again; the two indexes come back.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

from typing import Any

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TIMES = {
    "domain_checks": ("checked_at",),
    "import_batches": ("created_at", "undone_at", "heartbeat_at"),
    "operations": ("at", "undone_at"),
    "contacts": (
        "stage_changed_at",
        "created_at",
        "updated_at",
        "received_at",
        "response_due_at",
        "first_response_at",
        "next_action_at",
        "triaged_at",
        "consent_at",
        "expected_close_at",
    ),
    "activities": ("at",),
    "bant_answers": ("updated_at",),
    "stage_changes": ("at", "undone_at", "from_changed_at"),
    "tasks": ("due_at", "done_at", "created_at"),
    "metric_contacts": (
        "history_inquiry_at",
        "inquiry_at",
        "qualified_at",
        "customer_at",
        "received_at",
        "due_at",
        "first_at",
    ),
}

# indexes no query uses (every statement of the app's tests run through EXPLAIN QUERY PLAN:
# only a bare count(*) of the history, which any index serves, and the sales gate's
# "contact_id IN (…) AND type = …", better served by the contact's index, chose them)
UNUSED_INDEXES = (
    ("stage_changes", "ix_stage_changes_to_at", ("to_stage_id", "at")),
    ("activities", "ix_activities_type_at", ("type", "at")),
)

_TEXT_TIME = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]*"


def _to_number(c: str) -> str:
    micro = f"CAST(substr(substr({c}, 21) || '000000', 1, 6) AS INTEGER)"
    whole = f"CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER)"
    fraction = f"length({c}) > 20 AND substr({c}, 20, 1) = '.' AND {micro} <> 0"
    return f"CASE WHEN {fraction} THEN {whole} + {micro} / 1000000.0 ELSE {whole} END"


def _to_text(c: str) -> str:
    whole = (
        f"(CASE WHEN {c} < CAST({c} AS INTEGER) THEN CAST({c} AS INTEGER) - 1"
        f" ELSE CAST({c} AS INTEGER) END)"
    )
    micro = f"CAST(round(({c} - {whole}) * 1000000.0) AS INTEGER)"
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', {whole}, 'unixepoch') || '.'"
        f" || printf('%06d', min({micro}, 999999))"
    )


def _convert(to_numbers: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    present = {
        r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_schema WHERE type = 'table'")
    }
    for table, columns in TIMES.items():
        if table not in present:
            continue
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?"
            " ORDER BY rowid",
            (table,),
        ).all()
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL ORDER BY rowid",
            (table,),
        ).all()
        timed = any(
            {r[2] for r in conn.exec_driver_sql(f'PRAGMA index_info("{name}")')} & set(columns)
            for name, _sql in indexes
        )
        # every index of the table again, in their order (the planner's choice between two of
        # equal cost follows it), with their statistics if ANALYZE made any
        if not timed:
            indexes = []
        stats: list[tuple[Any, ...]] = []
        if indexes and "sqlite_stat1" in present:
            stats = [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = ?", (table,)
                )
            ]
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        sets, wheres = [], []
        for name in columns:
            c = f'"{name}"'
            if to_numbers:
                when = f"typeof({c}) = 'text' AND {c} GLOB '{_TEXT_TIME}'"
                sets.append(f"{c} = CASE WHEN {when} THEN {_to_number(c)} ELSE {c} END")
            else:
                when = f"typeof({c}) IN ('integer', 'real')"
                sets.append(f"{c} = CASE WHEN {when} THEN {_to_text(c)} ELSE {c} END")
            wheres.append(when)
        # one pass over the table, every time column at once
        conn.exec_driver_sql(f'UPDATE "{table}" SET {", ".join(sets)} WHERE {" OR ".join(wheres)}')
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
        if stats:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
            conn.exec_driver_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stats
            )
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)


def upgrade() -> None:
    for table, name, _columns in UNUSED_INDEXES:
        op.drop_index(name, table_name=table)
    _convert(to_numbers=True)


def downgrade() -> None:
    _convert(to_numbers=False)
    for table, name, columns in UNUSED_INDEXES:
        op.create_index(name, table, list(columns))
