"""What hangs on a contact: every table with a foreign key to it (stage history, activities,
BANT answers, tasks, and whatever later features add to ``db.models``). A delete operation
tracks these rows so its undo puts them back with the same ids (app.operations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table

from db.models import Base


def _contact_fk_column(table: Table) -> Column[Any] | None:
    """The column of ``table`` that references contacts.id (None if there is none)."""
    for fk in table.foreign_keys:
        if fk.column.table.name == "contacts" and fk.column.name == "id":
            return fk.parent  # type: ignore[return-value]
    return None


def dependent_tables() -> list[tuple[Table, Column[Any]]]:
    """Tables whose rows belong to a contact (found from the models, so new ones count too)."""
    out = []
    for table in Base.metadata.sorted_tables:
        col = _contact_fk_column(table)
        if col is not None and table.name != "contacts":
            out.append((table, col))
    return out
