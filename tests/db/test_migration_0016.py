"""0016: the score's lines are no longer stored. A database upgraded with lines in it shows
the same lines (``winnow show --json``, every key and value) before and after, and days later;
down again the column is back, empty — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app import scoring
from app.commands.core import contact_json
from app.demo import generate_demo
from db.engine import open_database
from db.migrate import alembic_config, current_revision, head_revision
from tests.app.test_score_lines import _old_lines

SCORED = datetime(2026, 11, 20, 9, 30, 7)
BEFORE = "0015"  # the revision before 0016


def _columns(db_url_engine: object) -> set[str]:
    return {c["name"] for c in inspect(db_url_engine).get_columns("contacts")}


def test_the_lines_shown_stay_the_same(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring, "utcnow", lambda: SCORED)
    db = open_database(db_url)
    try:
        generate_demo(db, 300, seed=6, now=SCORED)
        command.downgrade(alembic_config(db.engine), BEFORE)
        assert "score_breakdown" in _columns(db.engine)
        # what the rescore stored before 0016, as it stored it
        stored = _old_lines(db, SCORED)
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE contacts SET score_breakdown = :b WHERE id = :c"),
                [{"b": lines, "c": cid} for cid, (_score, lines) in stored.items()],
            )
        monkeypatch.setattr(scoring, "utcnow", lambda: SCORED + timedelta(days=10))
        ids = sorted(stored)[::7]
        before = {cid: contact_json(db, cid) for cid in ids}
        command.upgrade(alembic_config(db.engine), "head")
        assert current_revision(db.engine) == head_revision()
        assert "score_breakdown" not in _columns(db.engine)
        for cid in ids:
            shown = contact_json(db, cid)
            assert shown == before[cid]
            assert json.dumps(shown["score_breakdown"], ensure_ascii=False) == stored[cid][1]
        command.downgrade(alembic_config(db.engine), BEFORE)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(score_breakdown) FROM contacts")).scalar() == 0
        command.upgrade(alembic_config(db.engine), "head")
    finally:
        db.close()
