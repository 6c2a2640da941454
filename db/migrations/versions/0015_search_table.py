"""PostgreSQL: the search document in a table of its own, so moving a contact leaves it alone

The GIN index of migrations 0007 and 0009 was an index on ``contacts`` over an expression
(``winnow_search_vector``: ``to_tsvector`` with ``unaccent`` of name, e-mails, company and
title). A move changes ``stage_id``, which other indexes hold, so PostgreSQL writes a new
version of each moved row and an entry for it in every index of the table: the search
expression was computed again and its words written into the GIN index for every contact moved,
undone or rescored, although none of the searched columns had changed.

``contact_search`` holds one row per contact (``contact_id``, ``document``: the same
``winnow_search_vector`` of the same columns) with the GIN index on ``document``; triggers on
``contacts`` keep it: new contacts once per statement (``INSERT`` and ``COPY`` alike, from the
statement's new rows), deleted ones once per statement, and an update only when it sets one of
the searched columns to another value. ``app.search`` matches ``contact_search`` and takes the
contacts whose ids it finds. Not a table of the models (like SQLite's ``contacts_fts``): a
``copy-to`` or an import fills it through the triggers.

Nothing changes on SQLite (its FTS5 table is separate already, with triggers of its own) or on
other databases.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SEARCHED = ("name", "email", "other_emails", "company", "title")


def _document(row: str = "") -> str:
    """The search document of a contact row (``row``: a table alias or NEW; none: the
    columns themselves, as 0009's index expression had them): every e-mail address, the
    primary and the others."""
    c = f"{row}." if row else ""
    return (
        f"winnow_search_vector({c}name, coalesce({c}email, '') || ' ' || coalesce({c}other_emails, ''),"
        f" {c}company, {c}title)"
    )


_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SEARCHED)

UPGRADE = [
    "CREATE TABLE contact_search (contact_id integer PRIMARY KEY, document tsvector NOT NULL)",
    f"INSERT INTO contact_search (contact_id, document) SELECT c.id, {_document('c')}"
    " FROM contacts c",
    "CREATE INDEX ix_contact_search_document ON contact_search USING gin (document)",
    f"""CREATE FUNCTION contact_search_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO contact_search (contact_id, document)
        SELECT n.id, {_document("n")} FROM contact_search_new n;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION contact_search_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM contact_search s USING contact_search_old o WHERE s.contact_id = o.id;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION contact_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE contact_search SET contact_id = NEW.id, document = {_document("NEW")}
        WHERE contact_id = OLD.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER contact_search_ai AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS contact_search_new"
    " FOR EACH STATEMENT EXECUTE FUNCTION contact_search_added()",
    "CREATE TRIGGER contact_search_ad AFTER DELETE ON contacts"
    " REFERENCING OLD TABLE AS contact_search_old"
    " FOR EACH STATEMENT EXECUTE FUNCTION contact_search_removed()",
    f"CREATE TRIGGER contact_search_au AFTER UPDATE OF id, {', '.join(SEARCHED)} ON contacts"
    f" FOR EACH ROW WHEN (OLD.id <> NEW.id OR {_CHANGED})"
    " EXECUTE FUNCTION contact_search_changed()",
    "DROP INDEX IF EXISTS ix_contacts_search",
]

DOWNGRADE = [
    f"CREATE INDEX IF NOT EXISTS ix_contacts_search ON contacts USING gin ({_document()})",
    "DROP TRIGGER IF EXISTS contact_search_au ON contacts",
    "DROP TRIGGER IF EXISTS contact_search_ad ON contacts",
    "DROP TRIGGER IF EXISTS contact_search_ai ON contacts",
    "DROP FUNCTION IF EXISTS contact_search_changed()",
    "DROP FUNCTION IF EXISTS contact_search_removed()",
    "DROP FUNCTION IF EXISTS contact_search_added()",
    "DROP TABLE IF EXISTS contact_search",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
