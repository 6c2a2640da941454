"""Stages are data: rename, recolour, reorder and add, with stable keys."""

from __future__ import annotations

import pytest

from app import stages
from app.errors import UnknownStage, UsageError
from db.engine import Database


def test_defaults_follow_the_product_spec(db: Database) -> None:
    listing = stages.list_stages(db)
    assert [(s.key, s.name, s.kind) for s in listing] == [
        ("suspect", "Suspect", "pipeline"),
        ("inquiry", "Inquiry", "pipeline"),
        ("mql", "Marketing qualified", "pipeline"),
        ("sql", "Sales qualified", "pipeline"),
        ("opportunity", "Opportunity", "pipeline"),
        ("customer", "Customer", "won"),
        ("nurture", "Nurture", "side"),
        ("disqualified", "Disqualified", "side"),
    ]


def test_rename_recolor_keep_the_key(db: Database) -> None:
    stages.rename_stage(db, "mql", "Marketing-qualified lead")
    stages.recolor_stage(db, "mql", "#123456")
    st = stages.get_stage(db, "mql")
    assert (st.key, st.name, st.color) == ("mql", "Marketing-qualified lead", "#123456")
    with pytest.raises(UsageError):
        stages.recolor_stage(db, "mql", "blue")
    with pytest.raises(UnknownStage):
        stages.rename_stage(db, "lead", "Lead")


def test_add_after_and_reorder(db: Database) -> None:
    stages.add_stage(db, "sal", "Sales accepted", after="sql")
    keys = stages.stage_keys(db)
    assert keys.index("sal") == keys.index("sql") + 1
    stages.add_stage(db, "evangelist", "Evangelist")  # default: after the last pipeline stage
    keys = stages.stage_keys(db)
    assert keys.index("evangelist") == keys.index("customer") + 1
    with pytest.raises(UsageError, match="exists already"):
        stages.add_stage(db, "sal", "Again")
    with pytest.raises(UsageError, match="invalid stage key"):
        stages.add_stage(db, "Bad Key", "x")
    stages.reorder_stages(db, ["inquiry", "suspect"])
    assert stages.stage_keys(db)[:2] == ["inquiry", "suspect"]


def test_counts_list_every_stage(db: Database) -> None:
    from app.contacts import create_contact

    create_contact(db, first_name="A", stage="sql")
    counts = stages.stage_counts(db)
    assert counts["sql"] == 1
    assert counts["customer"] == 0
    assert len(counts) == 8
