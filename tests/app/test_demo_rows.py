"""The demo writes each contact once, complete — answers, deal, score, sales-readiness and
follow-up times worked out before the row goes in — and gets what writing the rows first
and then adding the pipeline and rescoring them gave: the same answers, deals and scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from app import scoring
from app.demo import generate_demo
from app.demo_pipeline import add_demo_pipeline
from app.settings import set_setting
from db.engine import Database

NOW = datetime(2026, 11, 30, 12, 0, 0)
SCORED = datetime(2026, 11, 30, 15, 4, 9)
DERIVED = (
    "score",
    "sales_ready",
    "received_at",
    "response_due_at",
    "first_response_at",
    "deal_amount",
    "expected_close_at",
)


def _state(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Any]]:
    with db.engine.connect() as conn:
        contacts = conn.execute(text("SELECT * FROM contacts ORDER BY id")).all()
        answers = conn.execute(
            text("SELECT contact_id, criterion_id, answer, note, updated_at FROM bant_answers")
        ).all()
        history = conn.execute(
            text("SELECT contact_id, to_stage_id, at, reason, automatic FROM stage_changes")
        ).all()
    return (
        [tuple(r) for r in contacts],
        sorted(tuple(r) for r in answers),
        sorted(tuple(r) for r in history),
    )


@pytest.fixture
def scored_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring, "utcnow", lambda: SCORED)


@pytest.mark.usefixtures("scored_now")
def test_the_demo_gets_what_the_pipeline_and_a_rescore_give(db: Database) -> None:
    generate_demo(db, 500, seed=9, now=NOW)
    demo = _state(db)
    assert len(demo[0]) == 500
    with db.engine.begin() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM contacts ORDER BY id")).scalars()]
        conn.execute(text("DELETE FROM bant_answers"))
        conn.execute(
            text(
                "UPDATE contacts SET score = NULL, sales_ready = :no, received_at = NULL,"
                " response_due_at = NULL, first_response_at = NULL, deal_amount = NULL,"
                " expected_close_at = NULL"
            ),
            {"no": False},
        )
    # the way it was: rows first, then the pipeline's answers and deals, then the scores
    add_demo_pipeline(db, ids, seed=9, rescore=False)
    with db.session() as s:
        scoring.rescore_contacts(s, ids)
    assert _state(db) == demo
    with db.engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT count(*), sum(CASE WHEN sales_ready THEN 1 ELSE 0 END),"
                " count(received_at), count(deal_amount) FROM contacts"
            )
        ).one()
    assert counts[0] == 500 and all(counts[1:]), counts  # every kind of value is there


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("scored_now")
def test_no_contact_row_is_written_twice(db: Database) -> None:
    """A SQLite row updated after it went in grows out of its page (full: the rows went in in
    order), which splits: 175 bytes a contact of the million-contact demo."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        generate_demo(db, 400, seed=3, now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert any(s.startswith('INSERT INTO "CONTACTS"') for s in seen)
    assert not [s for s in seen if s.startswith("UPDATE CONTACTS")], "a contact written twice"
    with db.engine.connect() as conn:
        unscored = conn.execute(text("SELECT count(*) FROM contacts WHERE score IS NULL"))
        assert unscored.scalar() == 0


@pytest.mark.usefixtures("scored_now")
def test_with_automatic_moves_the_sales_ready_are_moved_on(db: Database) -> None:
    """With the automation ``move`` a contact sales-ready before Sales qualified is written
    without its score and rescored, which moves it (as the rescore of every contact did)."""
    set_setting(db, scoring.AUTOMATION_SETTING, "move")
    generate_demo(db, 400, seed=3, now=NOW)
    with db.engine.connect() as conn:
        moved = conn.execute(
            text("SELECT count(*) FROM stage_changes WHERE automatic AND reason LIKE :r"),
            {"r": "%sales-ready%"},
        ).scalar()
        left = conn.execute(
            text(
                "SELECT count(*) FROM contacts c JOIN stages s ON s.id = c.stage_id"
                " WHERE c.sales_ready AND s.key IN ('suspect', 'inquiry', 'mql')"
            )
        ).scalar()
        unscored = conn.execute(text("SELECT count(*) FROM contacts WHERE score IS NULL"))
        assert unscored.scalar() == 0
    assert moved and left == 0
