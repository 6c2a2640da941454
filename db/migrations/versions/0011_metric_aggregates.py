"""the dashboard's and ``stats``' numbers read from tables kept current, not from history

``metric_contacts`` holds, per contact that reached Inquiry, what the metrics derive from its
stage history, answers and follow-up times (when it became an inquiry, a qualified lead, a
customer; the furthest stage reached…); ``metric_stays`` its completed stays in each stage.
Both are derived data, written only by ``app.aggregates``.

Every write that can change them — a move, an undo or redo, an import chunk, a delete, a BANT
answer, an edit of the source, deal amount or follow-up times — appends the contact's id to
``metric_dirty`` from a trigger, whatever code path made it (one small insert a row written).
The next read brings the contacts named there up to date in one set-based statement each and
empties the log. ``metric_meta`` records the stage positions and qualification criteria the
rows were derived under: when those differ (the stages reordered, a criterion made optional),
or on the first read after this upgrade (no record yet), every row is derived again once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, column naming the contact, the columns whose change matters; None: any insert,
# update or delete)
WATCHED = (
    ("stage_changes", "contact_id", ("contact_id", "to_stage_id", "at", "undone_at")),
    ("bant_answers", "contact_id", ("contact_id", "criterion_id", "answer", "updated_at")),
    (
        "contacts",
        "id",
        ("source", "received_at", "response_due_at", "first_response_at", "deal_amount"),
    ),
)


def _sqlite_triggers() -> list[str]:
    out = []
    for table, key, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        if table != "contacts":  # a new contact has no history yet: its first move names it
            out.append(
                f"CREATE TRIGGER metric_dirty_{table}_ins AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO metric_dirty (contact_id) VALUES (NEW.{key}); END"
            )
        out.append(
            f"CREATE TRIGGER metric_dirty_{table}_upd AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} WHEN {changed} BEGIN "
            f"INSERT INTO metric_dirty (contact_id) VALUES (NEW.{key}); "
            f"INSERT INTO metric_dirty (contact_id) SELECT OLD.{key} WHERE OLD.{key} <> NEW.{key}; "
            "END"
        )
        out.append(
            f"CREATE TRIGGER metric_dirty_{table}_del AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO metric_dirty (contact_id) VALUES (OLD.{key}); END"
        )
    return out


def _postgresql_triggers() -> list[str]:
    out = []
    for key in ("contact_id", "id"):
        out.append(f"""
            CREATE FUNCTION metric_dirty_by_{key}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN
                INSERT INTO metric_dirty (contact_id) VALUES (OLD.{key});
              END IF;
              IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.{key} <> OLD.{key}) THEN
                INSERT INTO metric_dirty (contact_id) VALUES (NEW.{key});
              END IF;
              RETURN NULL;
            END $$""")
    for table, key, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        if table != "contacts":
            out.append(
                f"CREATE TRIGGER metric_dirty_{table}_ins AFTER INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION metric_dirty_by_{key}()"
            )
        out.append(
            f"CREATE TRIGGER metric_dirty_{table}_upd AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION metric_dirty_by_{key}()"
        )
        out.append(
            f"CREATE TRIGGER metric_dirty_{table}_del AFTER DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION metric_dirty_by_{key}()"
        )
    return out


def upgrade() -> None:
    op.create_table(
        "metric_contacts",
        sa.Column("contact_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(200)),
        sa.Column("history_inquiry_at", sa.DateTime),  # first move to Inquiry or later
        sa.Column("inquiry_at", sa.DateTime),  # that, or the received time when earlier
        sa.Column("qualified_at", sa.DateTime),
        sa.Column("customer_at", sa.DateTime),
        sa.Column("max_pos", sa.Integer),
        sa.Column("received_at", sa.DateTime),
        sa.Column("due_at", sa.DateTime),
        sa.Column("first_at", sa.DateTime),
        sa.Column("amount", sa.Float),
    )
    op.create_table(
        "metric_stays",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("contact_id", sa.Integer, nullable=False),
        sa.Column("stage_id", sa.Integer, nullable=False),
        sa.Column("days", sa.Float, nullable=False),
    )
    op.create_index("ix_metric_stays_contact", "metric_stays", ["contact_id"])
    op.create_index("ix_metric_stays_stage_days", "metric_stays", ["stage_id", "days"])
    op.create_table(
        "metric_dirty",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "metric_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_triggers() if sqlite else _postgresql_triggers():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, _key, _columns in WATCHED:
        for suffix in ("ins", "upd", "del"):
            name = f"metric_dirty_{table}_{suffix}"
            op.execute(
                f"DROP TRIGGER IF EXISTS {name}"
                if sqlite
                else f"DROP TRIGGER IF EXISTS {name} ON {table}"
            )
    if not sqlite:
        for key in ("contact_id", "id"):
            op.execute(f"DROP FUNCTION IF EXISTS metric_dirty_by_{key}()")
    for table in ("metric_meta", "metric_dirty", "metric_stays", "metric_contacts"):
        op.drop_table(table)
