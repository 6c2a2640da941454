"""The scoring hook rescoring a set of contacts at once gives exactly what rescoring each of
them alone gives: scores, breakdowns, sales-readiness, follow-up times and automatic moves."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import moves, scoring
from app.demo import generate_demo
from app.scoring_rules import ScoringRules
from app.settings import set_setting
from db.engine import Database
from db.models import Contact, StageChange

NOW = datetime(2026, 3, 14, 12, 0)
COLUMNS = (
    "score",  # its lines are worked out from it (app.scoring.score_items)
    "sales_ready",
    "received_at",
    "response_due_at",
    "first_response_at",
    "stage_id",
    "stage_changed_at",
)


def _state(s: Session) -> tuple[dict[int, tuple[Any, ...]], list[tuple[Any, ...]]]:
    contacts = {
        int(row[0]): tuple(row[1:])
        for row in s.execute(select(Contact.id, *(getattr(Contact, c) for c in COLUMNS)))
    }
    history = sorted(
        (
            tuple(row)
            for row in s.execute(
                select(
                    StageChange.contact_id,
                    StageChange.from_stage_id,
                    StageChange.to_stage_id,
                    StageChange.at,
                    StageChange.reason,
                    StageChange.automatic,
                    StageChange.undone_at,
                )
            )
        ),
        key=repr,
    )
    return contacts, history


def _rescored(db: Database, rescore: Callable[[Session], None]) -> Any:
    """The state after ``rescore`` in a write transaction that is then rolled back."""
    s = db.write_sessions()
    try:
        s.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        rescore(s)
        s.flush()
        return _state(s)
    finally:
        s.rollback()
        s.close()


def _stale(db: Database, rng: random.Random, ids: Sequence[int]) -> None:
    """Make the stored scores and times wrong for the rules now in force: new points and
    half-lives, a lower threshold with automatic moves, inbound activities and received dates
    written behind the hook's back, some stored times cleared."""
    rules = ScoringRules.defaults()
    points = dict(rules.points)
    points.update({"domain.branded": 22, "title.manager": 11, "activity.call": 7, "bant.yes": 13})
    set_setting(
        db,
        scoring.RULES_SETTING,
        {"points": points, "half_life_days": {"activity.call": 30, "activity.meeting": 45}},
    )
    set_setting(db, scoring.THRESHOLD_SETTING, 25)
    set_setting(db, scoring.AUTOMATION_SETTING, "move")
    with db.session() as s:
        conn = s.connection()
        for cid in rng.sample(list(ids), len(ids) // 5):
            kind = rng.choice(["inquiry-received", "demo-requested", "asked-for-sales", "call"])
            at = NOW - timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1000))
            conn.execute(
                text("INSERT INTO activities (contact_id, type, at) VALUES (:c, :t, :a)"),
                {"c": cid, "t": kind, "a": at},
            )
        for cid in rng.sample(list(ids), len(ids) // 10):
            at = NOW - timedelta(days=rng.randint(0, 90))
            conn.execute(
                text("UPDATE contacts SET received_at = :a WHERE id = :c"),
                {"c": cid, "a": at},
            )
        for cid in rng.sample(list(ids), len(ids) // 10):
            conn.execute(
                text(
                    "UPDATE contacts SET score = NULL, "
                    "response_due_at = NULL, first_response_at = NULL WHERE id = :c"
                ),
                {"c": cid},
            )


@pytest.mark.parametrize("seed", [1, 2])
def test_a_set_is_rescored_as_each_contact_alone(
    db: Database, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    generate_demo(db, 400, seed=seed, now=NOW)
    monkeypatch.setattr(scoring, "utcnow", lambda: NOW)
    monkeypatch.setattr(moves, "utcnow", lambda: NOW)
    with db.session() as s:
        all_ids = list(s.scalars(select(Contact.id)))
    rng = random.Random(seed)
    _stale(db, rng, all_ids)
    # a random-ish set: most contacts, in shuffled order, some named twice
    chosen = rng.sample(all_ids, int(len(all_ids) * 0.8))
    chosen += rng.sample(chosen, 20)
    untouched = set(all_ids) - set(chosen)
    before = _rescored(db, lambda s: None)
    together = _rescored(db, lambda s: scoring.rescore_contacts(s, chosen))

    def one_by_one(s: Session) -> None:
        for cid in chosen:
            scoring.rescore_contacts(s, [cid])

    alone = _rescored(db, one_by_one)
    assert together == alone
    # the comparison means something: scores, times and stages changed, and only the set's
    contacts_before, history_before = before
    contacts_after, history_after = together
    changed = {cid for cid, row in contacts_after.items() if row != contacts_before[cid]}
    assert len(changed) > len(chosen) // 4
    assert not changed & untouched
    assert {row[0] for row in contacts_after.values()} != {None}
    new_moves = [h for h in history_after if h not in history_before]
    assert {h[2] for h in new_moves} >= {moves_stage(db, "inquiry"), moves_stage(db, "sql")}


def moves_stage(db: Database, key: str) -> int:
    from db.models import Stage

    with db.session() as s:
        return int(s.scalar(select(Stage.id).where(Stage.key == key)) or 0)


def test_a_set_larger_than_one_pass_is_rescored_like_each_contact(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More ids than one pass takes (``CHUNK``): the passes together equal one by one."""
    generate_demo(db, 150, seed=4, now=NOW)
    monkeypatch.setattr(scoring, "utcnow", lambda: NOW)
    monkeypatch.setattr(moves, "utcnow", lambda: NOW)
    monkeypatch.setattr(scoring, "CHUNK", 7)
    with db.session() as s:
        all_ids = list(s.scalars(select(Contact.id)))
    rng = random.Random(4)
    _stale(db, rng, all_ids)
    rng.shuffle(all_ids)
    together = _rescored(db, lambda s: scoring.rescore_contacts(s, all_ids))

    def one_by_one(s: Session) -> None:
        for cid in all_ids:
            scoring.rescore_contacts(s, [cid])

    assert together == _rescored(db, one_by_one)
