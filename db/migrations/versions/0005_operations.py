"""the undo log (operations, operation_rows), moves tied to their operation, running imports,
contact ids that are never reused

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_operations_state", "operations", ["state", "id"])
    op.create_table(
        "operation_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_rows_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_rows")),
    )
    op.create_index("ix_operation_rows_operation", "operation_rows", ["operation_id"])
    op.create_index("ix_operation_rows_contact", "operation_rows", ["contact_id"])
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("from_changed_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_stage_changes_operation", ["operation_id"], unique=False)
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=12), nullable=False, server_default="done")
        )
        batch_op.add_column(sa.Column("operation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        for table in _NEVER_REUSED:
            _autoincrement(table)


# tables whose rows an undo may put back: their ids must never be handed out again meanwhile
_NEVER_REUSED = ("contacts", "stage_changes", "activities", "bant_answers")


def _autoincrement(table: str) -> None:
    """Rebuild ``table`` with ``AUTOINCREMENT`` (SQLite's only way to never reuse an id),
    keeping every row, index and trigger; ``env.py`` runs this with foreign keys off."""
    bind = op.get_bind()
    ddl = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)
    ).scalar_one()
    if "AUTOINCREMENT" in ddl.upper():
        return
    new_ddl, n = re.subn(
        r"\bid INTEGER NOT NULL,", "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", ddl, count=1
    )
    new_ddl, m = re.subn(rf",\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\)", "", new_ddl, count=1)
    if n != 1 or m != 1:
        raise RuntimeError(f"unexpected schema of the {table} table; upgrade stopped")
    new_ddl = new_ddl.replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_rebuilt", 1)
    others = [
        sql
        for (sql,) in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name=? AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL",
            (table,),
        )
    ]
    highest = bind.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar_one() or 0
    if table == "contacts":  # ids of contacts deleted before: their history may still name them
        highest = max(
            highest,
            bind.exec_driver_sql(
                "SELECT max(coalesce((SELECT max(contact_id) FROM stage_changes), 0),"
                " coalesce((SELECT max(contact_id) FROM import_changes), 0))"
            ).scalar_one()
            or 0,
        )
    bind.exec_driver_sql(new_ddl)
    bind.exec_driver_sql(f"INSERT INTO {table}_rebuilt SELECT * FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    for sql in others:
        bind.exec_driver_sql(sql)
    if highest:
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, int(highest))
        )


def downgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("owner")
        batch_op.drop_column("operation_id")
        batch_op.drop_column("state")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_changes_operation")
        batch_op.drop_column("from_changed_at")
        batch_op.drop_column("operation_id")
    op.drop_index("ix_operation_rows_contact", table_name="operation_rows")
    op.drop_index("ix_operation_rows_operation", table_name="operation_rows")
    op.drop_table("operation_rows")
    op.drop_index("ix_operations_state", table_name="operations")
    op.drop_table("operations")
