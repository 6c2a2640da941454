"""PostgreSQL: each search document carries its contact's date added, so that a search sorted by
date added reads its page from the documents alone

Issue 14 (PostgreSQL within 2x of SQLite) and 15 (search keystroke to first page). A search's
first page in the default order (date added, newest first) found its matches in
``contact_search`` (migration 0015) and then looked every match up in the contacts' primary key
for its ``created_at`` (an array of ids) or walked the contacts' date index probing each
contact's document by id: at 100,000 demo contacts "kessler" (4,635 matches) 50 ms on the
server, 37 of them in 14,342 look-ups; "pl" walked 9.5 ms.

``contact_search`` gains ``created_at`` (the contact's, ``NOT NULL`` as there) and an index on
``(created_at, contact_id)``: a narrow search sorts the documents it finds by the date beside
them, a broad one walks that index testing each document in the same row (``app.search``,
``app.search_documents``). The triggers of 0015 keep the date: a new contact's document is made
with it, and an update that changes a contact's ``created_at`` (or its id) changes the
document's (its words are made again only when a searched column changed, as before). Every
write path goes through those triggers (operations, the import writer, ``copy-to``, merges,
undo), as it does for the documents' words.

Upgrade: the documents copied aside and written again with their dates into the emptied table
(one pass, no document made again; its owner and grants stay), its two indexes built after:
4.1 s for the 100,000-contact demo at a load of 10. Nothing changes on SQLite (its full-text index is a separate table with content from ``contacts``, no
column of its own to keep). Downgrade: the triggers' functions of 0015 again, the column and
its index dropped.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

SEARCHED = ("name", "email", "other_emails", "company", "title")


def _document(row: str) -> str:
    """A contact row's search document, as migration 0015 makes it."""
    c = f"{row}."
    return (
        f"winnow_search_vector({c}name, coalesce({c}email, '') || ' ' || coalesce({c}other_emails, ''),"
        f" {c}company, {c}title)"
    )


_WORDS_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SEARCHED)


def _functions(dated: bool) -> list[str]:
    """The added and changed functions of the documents' triggers, with the date (``dated``)
    or as 0015 made them."""
    if not dated:
        return [
            f"""CREATE OR REPLACE FUNCTION contact_search_added() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO contact_search (contact_id, document)
                SELECT n.id, {_document("n")} FROM contact_search_new n;
                RETURN NULL;
            END $$""",
            f"""CREATE OR REPLACE FUNCTION contact_search_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE contact_search SET contact_id = NEW.id, document = {_document("NEW")}
                WHERE contact_id = OLD.id;
                RETURN NULL;
            END $$""",
        ]
    return [
        f"""CREATE OR REPLACE FUNCTION contact_search_added() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO contact_search (contact_id, created_at, document)
            SELECT n.id, n.created_at, {_document("n")} FROM contact_search_new n;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION contact_search_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF {_WORDS_CHANGED} THEN
                UPDATE contact_search
                SET contact_id = NEW.id, created_at = NEW.created_at,
                    document = {_document("NEW")}
                WHERE contact_id = OLD.id;
            ELSE
                UPDATE contact_search SET contact_id = NEW.id, created_at = NEW.created_at
                WHERE contact_id = OLD.id;
            END IF;
            RETURN NULL;
        END $$""",
    ]


def _update_trigger(columns: tuple[str, ...]) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return [
        "DROP TRIGGER contact_search_au ON contacts",
        f"CREATE TRIGGER contact_search_au AFTER UPDATE OF id, {', '.join(columns)} ON contacts"
        f" FOR EACH ROW WHEN (OLD.id <> NEW.id OR {changed})"
        " EXECUTE FUNCTION contact_search_changed()",
    ]


UPGRADE = [
    # the documents written again with their dates, into a new file of the same table (its
    # owner and grants kept): an UPDATE of every row would leave the table twice its size
    "CREATE TEMPORARY TABLE contact_search_undated ON COMMIT DROP AS"
    " SELECT contact_id, document FROM contact_search",
    "TRUNCATE contact_search",
    "DROP INDEX ix_contact_search_document",
    "ALTER TABLE contact_search ADD COLUMN created_at timestamp without time zone NOT NULL",
    # a document without its contact (the triggers leave none) is not written again
    "INSERT INTO contact_search (contact_id, document, created_at)"
    " SELECT u.contact_id, u.document, c.created_at FROM contact_search_undated u"
    " JOIN contacts c ON c.id = u.contact_id ORDER BY u.contact_id",
    "CREATE INDEX ix_contact_search_document ON contact_search USING gin (document)",
    "CREATE INDEX ix_contact_search_created ON contact_search (created_at, contact_id)",
    *_functions(dated=True),
    *_update_trigger((*SEARCHED, "created_at")),
]

DOWNGRADE = [
    *_update_trigger(SEARCHED),
    *_functions(dated=False),
    "DROP INDEX IF EXISTS ix_contact_search_created",
    "ALTER TABLE contact_search DROP COLUMN IF EXISTS created_at",
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
