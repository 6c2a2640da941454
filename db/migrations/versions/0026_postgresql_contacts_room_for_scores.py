"""PostgreSQL: the contacts' pages keep room for their new scores (``fillfactor = 60``)

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). A full score recompute after a
rule change writes a new score for about two contacts in three. PostgreSQL writes each updated
row as a new version; no index of ``contacts`` holds ``score`` there (0022), so the new version
can stay on the row's page without an entry in any index (a HOT update) — but only where the
page has room for it. Pages filled to the brim (``COPY``, ``copy-to``, an import) had none: the
new versions went to other pages, each with an entry in all 14 indexes of ``contacts``. On the
100,000-contact demo copied to PostgreSQL (load 10-11): 945 of 66,000 updates HOT, the pass's
``UPDATE`` statements 3.7-4.1 s of the server's CPU, 84 MB of WAL; with pages filled to 60 %:
60,700 HOT, 1.0 s, 11.5 MB (70 %: 42,400 HOT, 2.4 s; 50 %: every one, 0.45 s).

The room costs little space the table would not take anyway: filled to the brim it grew from 42
to 71 MB in its first recompute (the moved versions' old places are free again only after
vacuum, and the rows moved to packed pages stay non-HOT in every later pass: 989 of 66,000 in a
second one); at 60 % it is 71 MB from the start and 75 MB after two passes.

Only pages written from now on are filled so (no rewrite: ``ALTER TABLE … SET`` is instant). In
a database that already holds contacts the first recompute still moves the changed rows, but
onto pages with room, where the next one finds it (measured on the same copy: 1,400 of 66,000
HOT in the first pass, 45,800 in the second; the table 42 -> 90 MB, against 71 MB filled to the
brim). Nothing changes on SQLite (which rewrites a row in place). Downgrade: the default
fill factor.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 02:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

CONTACTS_FILLFACTOR = 60


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE contacts SET (fillfactor = {CONTACTS_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE contacts RESET (fillfactor)")
