"""PostgreSQL: the metrics' dirty log written once per statement, not once per row

Migration 0011 logs in ``metric_dirty`` every contact whose metric rows a write made out of
date, from triggers ``FOR EACH ROW``: on PostgreSQL a PL/pgSQL call and an ``INSERT`` of its
own for every history row a move writes, and for every one an undo or redo marks — 10,000 of
each for a bulk move of 10,000 contacts. Here the triggers on inserts and deletes (history,
answers, contacts) and on updates of history and answers run once per statement and log every
row of the statement's transition table with one ``INSERT … SELECT``: measured on the demo at
100,000 contacts (load 13), the 10,000 history rows of a move written in 1.0-1.3 s instead of
1.3-2.0 s, and an undo's update of them in 0.65-0.71 s instead of 0.86-1.03 s.

An update trigger with transition tables can name no columns (PostgreSQL forbids it), so the
update triggers compare each row's old and new values of the watched columns themselves,
joined by id (history and answers keep their ids). The contacts' update trigger stays per row:
its condition (``WHEN`` the source, received time, response times or deal amount changed)
costs nothing for the many updates of a contact that change none of them, where a statement
trigger would keep every updated row in its transition tables.

The same contacts are logged as before (the log's order aside, which nothing reads). Nothing
changes on SQLite (its triggers are not PL/pgSQL calls) or on other databases.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:45:00
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# (table, column naming the contact, the columns whose change matters) as in 0011; the
# contacts' update trigger is left as 0011 made it (see above)
WATCHED = (
    ("stage_changes", "contact_id", ("contact_id", "to_stage_id", "at", "undone_at")),
    ("bant_answers", "contact_id", ("contact_id", "criterion_id", "answer", "updated_at")),
    ("contacts", "id", ()),
)


def _function(name: str, select: str) -> str:
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO metric_dirty (contact_id) {select};
          RETURN NULL;
        END $$"""


def _triggers() -> Iterator[tuple[str, str, tuple[str, ...], str, str]]:
    """(table, key, watched columns, kind, trigger name) of every trigger 0011 made and this
    revision replaces: inserts and deletes (the contacts' inserts excepted), and updates where
    columns are watched."""
    for table, key, columns in WATCHED:
        kinds = ["ins", "del"] if table != "contacts" else ["del"]
        if columns:
            kinds.append("upd")
        for kind in kinds:
            yield table, key, tuple(columns), kind, f"metric_dirty_{table}_{kind}"


def _upgrade_statements() -> list[str]:
    out = []
    for table, key, columns, kind, name in _triggers():
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if kind == "ins":
            select = f"SELECT {key} FROM metric_new"
            refs, event = "NEW TABLE AS metric_new", "INSERT"
        elif kind == "del":
            select = f"SELECT {key} FROM metric_old"
            refs, event = "OLD TABLE AS metric_old", "DELETE"
        else:
            old = ", ".join(f"o.{c}" for c in columns)
            new = ", ".join(f"n.{c}" for c in columns)
            joined = "FROM metric_old o JOIN metric_new n ON n.id = o.id"
            select = (
                f"SELECT o.{key} {joined} WHERE ({old}) IS DISTINCT FROM ({new})"
                f" UNION ALL SELECT n.{key} {joined} WHERE n.{key} <> o.{key}"
            )
            refs, event = "OLD TABLE AS metric_old NEW TABLE AS metric_new", "UPDATE"
        out.append(_function(name, select))
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return out


def _downgrade_statements() -> list[str]:
    """The row triggers of 0011 (its functions metric_dirty_by_contact_id / _by_id are still
    there: nothing here dropped them)."""
    out = []
    for table, key, columns, kind, name in _triggers():
        out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        out.append(f"DROP FUNCTION IF EXISTS {name}()")
        if kind == "upd":
            changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
            out.append(
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table}"
                f" FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION metric_dirty_by_{key}()"
            )
        else:
            event = "INSERT" if kind == "ins" else "DELETE"
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION metric_dirty_by_{key}()"
            )
    return out


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _upgrade_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _downgrade_statements():
        op.execute(statement)
