"""A move (and its undo and redo) rescores only what depends on the stage — the follow-up
times and the automatic moves into Inquiry — and only for the contacts whose times it changes
(app.scoring.entered_inquiry, inquiry_moves_reversed). What it leaves must be exactly what a
full recompute (``winnow rescore``, app.scoring.recompute_all) at the same time gives."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from app import moves, operations, scoring
from app.demo import generate_demo
from app.operations import core
from db.engine import Database
from db.models import Contact, Stage, StageChange

NOW = datetime(2026, 3, 14, 12, 0)
LATER = NOW + timedelta(hours=1)  # when the moves happen (and the recomputes)
COLUMNS = (
    "score",  # its lines are worked out from it (app.scoring.score_items)
    "sales_ready",
    "received_at",
    "response_due_at",
    "first_response_at",
    "stage_id",
    "stage_changed_at",
)


def _state(db: Database) -> tuple[dict[int, tuple[Any, ...]], list[tuple[Any, ...]]]:
    with db.session() as s:
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


def _as_recomputed(db: Database) -> tuple[Any, Any]:
    """The state now, and after a full recompute at the same time."""
    hooked = _state(db)
    scoring.recompute_all(db, follow_ups=True)  # the follow-up times worked out too
    return hooked, _state(db)


def _prepare(
    db: Database, monkeypatch: pytest.MonkeyPatch, seed: int, parked_days_ago: float = 3
) -> list[int]:
    generate_demo(db, 400, seed=seed, now=NOW)
    for module in (scoring, moves, core):
        monkeypatch.setattr(module, "utcnow", lambda: LATER)
    with db.session() as s:
        ids = list(s.scalars(select(Contact.id)))
        conn = s.connection()
        rng = random.Random(seed)
        # inbound activities and answers dated after the moves (a day ahead is allowed): the
        # move is then not the earliest signal, and the answer counts only from then on
        for cid in rng.sample(ids, 40):
            for kind, hours in (("demo-requested", 2), ("call", 3), ("email-sent", -1)):
                conn.execute(
                    text("INSERT INTO activities (contact_id, type, at) VALUES (:c, :t, :a)"),
                    {
                        "c": cid,
                        "t": kind,
                        "a": NOW + timedelta(hours=hours),
                    },
                )
        # outbound only (a campaign e-mail before, a call after the moves): the first
        # response of a new inquiry is the call, of a contact without one the e-mail
        for cid in rng.sample(ids, 80):
            for kind, at in (("email-sent", NOW - timedelta(days=10)), ("call", LATER)):
                conn.execute(
                    text("INSERT INTO activities (contact_id, type, at) VALUES (:c, :t, :a)"),
                    {"c": cid, "t": kind, "a": at},
                )
        # received dates typed on contacts that were never inquiries, parked in Nurture: a
        # move back before Inquiry moves them on to it
        nurture = s.scalar(select(Stage.id).where(Stage.key == "nurture"))
        for cid in rng.sample(ids, 20):
            conn.execute(
                text(
                    "UPDATE contacts SET stage_id = :st, received_at = :r WHERE id = :c "
                    "AND NOT EXISTS (SELECT 1 FROM stage_changes WHERE contact_id = :c "
                    "AND from_stage_id IS NOT NULL)"
                ),
                {
                    "st": nurture,
                    "r": NOW - timedelta(days=parked_days_ago),
                    "c": cid,
                },
            )
    scoring.recompute_all(db, follow_ups=True)  # every stored value what the rules give at LATER
    return ids


def _not_in(db: Database, ids: list[int], key: str) -> list[int]:
    with db.session() as s:
        stage = s.scalar(select(Stage.id).where(Stage.key == key))
        here = set(s.scalars(select(Contact.id).where(Contact.stage_id == stage)))
    return [i for i in ids if i not in here]


Step = Callable[[], object]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("target", ["inquiry", "suspect", "mql"])
def test_a_bulk_move_its_undo_and_redo_leave_what_a_full_recompute_gives(
    db: Database, monkeypatch: pytest.MonkeyPatch, seed: int, target: str
) -> None:
    ids = _prepare(db, monkeypatch, seed)
    rng = random.Random(seed * 7)
    chosen = rng.sample(_not_in(db, ids, target), 150)
    before, _ = _as_recomputed(db)
    steps: list[tuple[str, Step]] = [
        ("move", lambda: operations.move_contacts(db, chosen, target)),
        ("undo", lambda: operations.undo_operation(db)),
        ("redo", lambda: operations.redo_operation(db)),
    ]
    changed_times = automatic = 0
    for what, step in steps:
        step()
        hooked, recomputed = _as_recomputed(db)
        assert hooked == recomputed, what
        # the comparison means something: the step changed follow-up times, or moved some
        # contacts on to Inquiry
        changed_times += sum(1 for cid, row in hooked[0].items() if row[3:6] != before[0][cid][3:6])
        automatic += sum(1 for h in hooked[1] if h[5] and h not in before[1])
    if target == "inquiry":
        assert changed_times > 100
    elif target == "suspect":
        assert automatic > 0


def test_a_move_into_inquiry_dated_back_leaves_what_a_full_recompute_gives(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A move dated before a contact's received time makes the move its received time."""
    # the contacts parked in Nurture with a typed received date are received after the
    # move's date (whatever the demo's own paths are)
    ids = _prepare(db, monkeypatch, 3, parked_days_ago=1)
    with db.session() as s:
        last = dict(
            s.execute(
                select(StageChange.contact_id, StageChange.at).where(
                    StageChange.undone_at.is_(None)
                )
            ).all()
        )
        received = dict(s.execute(select(Contact.id, Contact.received_at)).all())
    at = NOW - timedelta(days=2)
    # contacts whose last move is before then, some of them received after then
    chosen = [i for i in _not_in(db, ids, "inquiry") if (m := last.get(i)) is None or m < at]
    later = [i for i in chosen if (r := received[i]) is not None and r > at]
    assert later
    operations.move_contacts(db, chosen, "inquiry", at=at)
    hooked, recomputed = _as_recomputed(db)
    assert hooked == recomputed
    assert all(hooked[0][i][COLUMNS.index("received_at")] == at for i in later)
    operations.undo_operation(db)
    hooked, recomputed = _as_recomputed(db)
    assert hooked == recomputed
