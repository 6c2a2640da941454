"""Stages are data: rename, recolour, reorder and add, with stable keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, update

from app import contacts, operations, stages
from app.errors import UnknownStage, UsageError
from db.engine import Database
from db.models import Stage


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


def test_counts_leave_out_an_unfinished_import(demo_db: Database) -> None:
    """The counts are the join's (every stage, zero included, in stage order) on both
    databases; PostgreSQL counts each stage in an index (app.stages._stage_counts_pg), a
    statement naming no contact entity: the contacts of an import still being written are
    left out there too, and counted again once it is done."""
    from sqlalchemy import func, select

    from app.timeutil import utcnow
    from db.models import Contact, ImportBatch

    def joined() -> dict[str, int]:
        with demo_db.session() as s:
            rows = s.execute(
                select(Stage.key, func.count(Contact.id))
                .select_from(Stage)
                .outerjoin(Contact, Contact.stage_id == Stage.id)
                .group_by(Stage.id)
                .order_by(Stage.position)
            ).all()
        return {key: int(n) for key, n in rows}

    before = stages.stage_counts(demo_db)
    assert before == joined() and list(before) == stages.stage_keys(demo_db)
    assert sum(before.values()) == 300
    with demo_db.session() as s:
        batch = ImportBatch(created_at=utcnow(), state="running")
        s.add(batch)
        s.flush()
        hidden = s.scalars(
            select(Contact.id).where(Contact.stage_id == Stage.id, Stage.key == "mql")
        ).all()
        s.execute(update(Contact).where(Contact.id.in_(hidden)).values(import_batch_id=batch.id))
        batch_id = batch.id
    assert hidden
    during = stages.stage_counts(demo_db)
    assert during == joined() == before | {"mql": before["mql"] - len(hidden)}
    with demo_db.session() as s:
        s.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(state="done"))
    assert stages.stage_counts(demo_db) == before


# --- the stages as one transaction sees them (stages_in) ---------------------------------

# a statement of its own on the stages table (not a subquery of a larger one), an
# operation's first statement on PostgreSQL, which reads every stage with its other values,
# or the reference data's read (app.reference: the stages with the settings, personas, criteria)
_READS_STAGES = re.compile(
    r"^\s*SELECT\s+stages\.|json_agg\(.*\bFROM stages\b|\bUNION ALL\b.*\bFROM stages\b",
    re.IGNORECASE | re.DOTALL,
)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.mark.parametrize("stage_key", ["nurture", "inquiry", "sql"])
def test_a_move_reads_the_stages_table_once(db: Database, stage_key: str) -> None:
    a = contacts.create_contact(db, first_name="A")
    with statements(db) as seen:
        result = operations.move_contacts(db, [a], stage_key, gated=True, override="test")
    assert result.value.moved == (a,)
    assert result.label == f"move of 1 contact to {stage_in_db(db, stage_key)}"
    assert len([s for s in seen if _READS_STAGES.search(s)]) == 1


def stage_in_db(db: Database, key: str) -> str:
    with db.session() as s:
        return stages.stage_in(s, key).name


def test_the_stages_written_in_the_transaction_are_read_again(db: Database) -> None:
    with db.write_session() as s:
        assert stages.stage_in(s, "mql").name != "Warm"
        s.execute(update(Stage).where(Stage.key == "mql").values(name="Warm"))
        assert stages.stage_in(s, "mql").name == "Warm"
        s.add(Stage(key="parked", name="Parked", color="#777777", position=99, kind="side"))
        s.flush()
        assert stages.stages_in(s)[-1].key == "parked"
        s.rollback()
        with pytest.raises(UnknownStage):
            stages.stage_in(s, "parked")
        assert stages.stage_in(s, "mql").name != "Warm"


def test_a_later_transaction_sees_what_another_session_changed(db: Database) -> None:
    with db.session() as s:
        before = stages.stage_in(s, "mql").name
        stages.rename_stage(db, "mql", "Warm leads")  # its own session, committed
        assert stages.stage_in(s, "mql").name == before  # this transaction's view
        s.commit()
        assert stages.stage_in(s, "mql").name == "Warm leads"
    a = contacts.create_contact(db, first_name="A")
    assert operations.move_contacts(db, [a], "mql").label == "move of 1 contact to Warm leads"
