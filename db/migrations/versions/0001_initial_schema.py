"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 17:52:51.549859
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Full-text search over name, e-mail, company and title (SQLite only; other databases use LIKE).
# An external-content FTS5 table kept in step by triggers; diacritics folded so "jurgen"
# finds "Jürgen".
FTS_SQL = [
    """CREATE VIRTUAL TABLE contacts_fts USING fts5(
        name, email, company, title,
        content='contacts', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2",
        prefix='2 3'
    )""",
    """CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts(rowid, name, email, company, title)
        VALUES (new.id, new.name, new.email, new.company, new.title);
    END""",
    """CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company, title)
        VALUES ('delete', old.id, old.name, old.email, old.company, old.title);
    END""",
    """CREATE TRIGGER contacts_fts_au AFTER UPDATE OF name, email, company, title ON contacts
    BEGIN
        INSERT INTO contacts_fts(contacts_fts, rowid, name, email, company, title)
        VALUES ('delete', old.id, old.name, old.email, old.company, old.title);
        INSERT INTO contacts_fts(rowid, name, email, company, title)
        VALUES (new.id, new.name, new.email, new.company, new.title);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "bant_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bant_criteria")),
        sa.UniqueConstraint("key", name=op.f("uq_bant_criteria_key")),
    )
    op.create_table(
        "domain_checks",
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("dns_status", sa.String(length=12), nullable=False),
        sa.Column("mx", sa.Text(), nullable=True),
        sa.Column("mail_host", sa.String(length=40), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_domain_checks")),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("delimiter", sa.String(length=4), nullable=True),
        sa.Column("stage_key", sa.String(length=40), nullable=True),
        sa.Column("on_duplicate", sa.String(length=12), nullable=True),
        sa.Column("mapping", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_count", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "personas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personas")),
        sa.UniqueConstraint("name", name=op.f("uq_personas_name")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "sources",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sources")),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("key", name=op.f("uq_stages_key")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("sort_name", sa.String(length=400), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_normalized", sa.String(length=320), nullable=True),
        sa.Column("other_emails", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("company_size", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("response_due_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("next_action_at", sa.DateTime(), nullable=True),
        sa.Column("triaged_at", sa.DateTime(), nullable=True),
        sa.Column("consent", sa.String(length=12), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("consent_how", sa.String(length=300), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("score_breakdown", sa.Text(), nullable=True),
        sa.Column("sales_ready", sa.Boolean(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("domain_class", sa.String(length=12), nullable=True),
        sa.Column("persona_name", sa.String(length=200), nullable=True),
        sa.Column("persona_fit", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_contacts_import_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stages.id"], name=op.f("fk_contacts_stage_id_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_batch", ["import_batch_id"], unique=False)
        batch_op.create_index("ix_contacts_created", ["created_at"], unique=False)
        batch_op.create_index("ix_contacts_domain", ["domain"], unique=False)
        batch_op.create_index("ix_contacts_email_norm", ["email_normalized"], unique=False)
        batch_op.create_index("ix_contacts_name", ["sort_name"], unique=False)
        batch_op.create_index("ix_contacts_next_action", ["next_action_at"], unique=False)
        batch_op.create_index("ix_contacts_response_due", ["response_due_at"], unique=False)
        batch_op.create_index("ix_contacts_score", ["score"], unique=False)
        batch_op.create_index("ix_contacts_source", ["source"], unique=False)
        batch_op.create_index("ix_contacts_stage_created", ["stage_id", "created_at"], unique=False)

    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("previous", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_changes_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
    )
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.create_index("ix_import_changes_batch", ["batch_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_activities_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_contact_at", ["contact_id", "at"], unique=False)
        batch_op.create_index("ix_activities_type_at", ["type", "at"], unique=False)

    op.create_table(
        "bant_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_bant_answers_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["bant_criteria.id"],
            name=op.f("fk_bant_answers_criterion_id_bant_criteria"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bant_answers")),
        sa.UniqueConstraint("contact_id", "criterion_id", name=op.f("uq_bant_answers_contact_id")),
    )
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_stage_changes_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"], ["stages.id"], name=op.f("fk_stage_changes_from_stage_id_stages")
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"], ["stages.id"], name=op.f("fk_stage_changes_to_stage_id_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_stage_changes_contact_at", ["contact_id", "at"], unique=False)
        batch_op.create_index("ix_stage_changes_to_at", ["to_stage_id", "at"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for stmt in FTS_SQL:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS contacts_fts")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_changes_to_at")
        batch_op.drop_index("ix_stage_changes_contact_at")

    op.drop_table("stage_changes")
    op.drop_table("bant_answers")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_type_at")
        batch_op.drop_index("ix_activities_contact_at")

    op.drop_table("activities")
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_import_changes_batch")

    op.drop_table("import_changes")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_stage_created")
        batch_op.drop_index("ix_contacts_source")
        batch_op.drop_index("ix_contacts_score")
        batch_op.drop_index("ix_contacts_response_due")
        batch_op.drop_index("ix_contacts_next_action")
        batch_op.drop_index("ix_contacts_name")
        batch_op.drop_index("ix_contacts_email_norm")
        batch_op.drop_index("ix_contacts_domain")
        batch_op.drop_index("ix_contacts_created")
        batch_op.drop_index("ix_contacts_batch")

    op.drop_table("contacts")
    op.drop_table("stages")
    op.drop_table("sources")
    op.drop_table("settings")
    op.drop_table("personas")
    op.drop_table("import_batches")
    op.drop_table("domain_checks")
    op.drop_table("bant_criteria")
