"""A full recompute's scores-only pass (``app.scoring_pass``, ``app.scoring._rescore_scores``:
after a rule, threshold or time change) gives exactly what the general rescore gives without
the follow-up times (``app.scoring._work_out`` / ``_rescore(follow_ups=False)``): scores,
sales-readiness and the automatic moves into Sales qualified — on random contacts, rules,
answers and times (whole seconds as SQLite stores them, fractions, datetimes as PostgreSQL
returns them), and on a real database of each kind."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import moves, scoring, scoring_pass
from app.activities import ACTIVITY_TYPES
from app.demo import generate_demo
from app.scoring_rules import DEFAULT_RULES, ScoreTotal, ScoringRules
from app.settings import set_setting
from db import times
from db.engine import Database
from db.models import Contact, StageChange

NOW = datetime(2026, 12, 1, 11, 0, 0)
KINDS = [*ACTIVITY_TYPES, "unknown-kind"]
RULE_KEYS = [r.key for r in DEFAULT_RULES] + ["activity.unknown-kind"]
CRITERIA = [1, 2, 3]

points = st.one_of(
    st.sampled_from([0, 0.5, -0.5, 1.5, -2.5, 10, -10, 25, 0.49]),
    st.floats(min_value=-200, max_value=200, allow_nan=False),
)
half_lives = st.one_of(st.none(), st.sampled_from([0.0, 1.0, 30.0]), st.floats(0.01, 400))


@st.composite
def rules_tables(draw: st.DrawFn) -> ScoringRules:
    base = ScoringRules.defaults()
    pts = dict(base.points)
    halves = dict(base.half_life_days)
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), max_size=12)):
        pts[key] = draw(points)
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), max_size=6)):
        if key.startswith("activity."):
            halves[key] = draw(half_lives)
    return ScoringRules(pts, halves)


# a stored time: whole seconds (SQLite's INTEGER, some before 1970 and some ahead of now),
# seconds with a fraction (REAL), or a datetime (PostgreSQL's driver)
stored_times = st.one_of(
    st.integers(
        min_value=-86400 * 400, max_value=int((NOW - times.EPOCH).total_seconds()) + 9_000_000
    ),
    st.builds(
        lambda s, us: s + us / 1e6,
        st.integers(min_value=0, max_value=int((NOW - times.EPOCH).total_seconds())),
        st.integers(min_value=1, max_value=999_999),
    ),
    st.builds(
        lambda d, us: NOW - timedelta(days=d, microseconds=us),
        st.integers(min_value=-30, max_value=900),
        st.integers(min_value=0, max_value=10**9),
    ),
)
contacts = st.tuples(
    st.one_of(
        st.none(),
        st.sampled_from(
            [
                "",
                " ",
                "info@acme.de",
                " Sales@acme.de ",
                "a@b@c",
                "anna@acme.de",
                "INFO@x.de",
                "info-de@acme.de",
                "kontakt@",
                "@acme.de",
            ]
        ),
    ),
    st.sampled_from([None, "branded", "free", "disposable", "invalid", "other"]),
    st.sampled_from([None, "", "CEO", "Head of Sales", "Werkstudent", "Buyer", "nothing"]),
    st.one_of(st.none(), st.sampled_from([0.0, 0.5, 50.0, 150.0, -3.0, math.inf, math.nan])),
    st.sampled_from(["unknown", "granted", "withdrawn"]),
    st.one_of(st.none(), st.integers(min_value=-40, max_value=150)),  # stored score
    st.sampled_from([0, 1, True, False]),  # stored sales_ready (0/1 on SQLite)
    st.sampled_from([1, 2, 3, 4]),  # stage
    st.lists(st.tuples(st.sampled_from(KINDS), stored_times), max_size=6),
    st.dictionaries(st.sampled_from(CRITERIA), st.sampled_from(["yes", "no", "maybe"]), max_size=3),
)


def _reference(
    scorer: ScoreTotal, threshold: int, deciding: tuple[int, ...], people: list[Any]
) -> Any:
    """What app.scoring._work_out gives without the follow-up times, for the same rows."""
    ctx = scoring._Context(
        scoring.ScoringSettings(scorer.rules, threshold, "propose", 48.0),
        NOW,
        None,
        deciding,
        frozenset({1, 2}),
        frozenset({1}),
        scorer,
    )
    rows = [(cid, *p[:7], None, None, None, p[7], None) for cid, p in people]
    acts = {cid: [(k, times.from_stored(at)) for k, at in p[8]] for cid, p in people if p[8]}
    answered = {cid: dict(p[9]) for cid, p in people if p[9]}
    bant = {cid: [(f"c{k}", a) for k, a in given.items()] for cid, given in answered.items()}
    updates, _inquiry, crossing = scoring._work_out(
        ctx,
        rows,
        acts,
        bant,
        answered,
        {},
        scores=True,
        follow_ups=False,
        to_time=times.from_stored,
        store_time=lambda value: value,
    )
    return updates, crossing


@settings(max_examples=300, deadline=None)
@given(
    rules=rules_tables(),
    people=st.lists(contacts, min_size=1, max_size=10),
    threshold=st.sampled_from([0, 20, 60]),
    deciding=st.sampled_from([(1, 2, 3), (2,), ()]),
    shuffle=st.randoms(use_true_random=False),
)
def test_the_pass_gives_what_the_general_rescore_gives(
    rules: ScoringRules,
    people: list[Any],
    threshold: int,
    deciding: tuple[int, ...],
    shuffle: random.Random,
) -> None:
    scorer = ScoreTotal(rules)
    numbered = list(enumerate(people, start=1))
    want_updates, want_crossing = _reference(scorer, threshold, deciding, numbered)
    kinds = set(scoring_pass.kinds_read(scorer, scoring.ASKED_FOR_SALES))
    # the activities as read: only the kinds asked for; contacts interleaved, but each one's
    # own in its order (the order their points are added up in)
    queues = [[(cid, k, at) for k, at in p[8] if k in kinds] for cid, p in numbered]
    activities = []
    while any(queues):
        queue = shuffle.choice([q for q in queues if q])
        activities.append(queue.pop(0))
    answers = [(cid, k, a) for cid, p in numbered for k, a in p[9].items()]
    shuffle.shuffle(answers)
    for _ in range(2):  # the second time from what the scorer remembers
        updates, crossing = scoring_pass.work_out_scores(
            scorer,
            NOW,
            threshold,
            deciding,
            frozenset({1, 2}),
            [(cid, *p[:8]) for cid, p in numbered],
            activities,
            answers,
            times.from_stored,
            scoring.ASKED_FOR_SALES,
        )
        assert updates == want_updates
        reached = scoring.ScoringSettings(rules, threshold, "propose", 48.0).threshold_reason()
        reason = {True: scoring.REASON_ASKED, False: reached}
        assert {reason[k]: v for k, v in crossing.items()} == want_crossing


def test_a_whole_second_is_read_without_a_datetime_to_the_same_age() -> None:
    """The age of an activity stored as whole seconds is the one ``now - at`` gives, to the
    last bit, for times before 1970, ahead of now and at a fraction of a second of now."""
    scorer = ScoreTotal(
        ScoringRules(
            {**ScoringRules.defaults().points, "activity.call": 37.3},
            {**ScoringRules.defaults().half_life_days, "activity.call": 0.37},
        )
    )
    rng = random.Random(5)
    now = NOW + timedelta(microseconds=123457)
    for _ in range(2000):
        at = rng.choice(
            [rng.randint(-(10**9), 2 * 10**9), int((NOW - times.EPOCH).total_seconds())]
        )
        updates, _ = scoring_pass.work_out_scores(
            scorer, now, 60, (), frozenset(), [(1, None, None, None, None, "unknown", None, 0, 1)],
            [(1, "call", at)], [], times.from_stored, scoring.ASKED_FOR_SALES,
        )  # fmt: skip
        want = scorer.score(None, None, None, None, "unknown", [("call", times.from_stored(at))], [], now)  # fmt: skip
        assert updates[(0,)] == [(want, 1)]


# --- on a database -----------------------------------------------------------------------


def _stale(db: Database, rng: random.Random) -> None:
    """Rules, threshold and automation changed behind the stored scores; activities (some at
    a fraction of a second), answers and cleared scores written behind the hook's back."""
    pts = dict(ScoringRules.defaults().points)
    pts.update({"domain.branded": 22, "title.manager": 11.5, "activity.call": 7, "bant.yes": 13})
    pts.update({"activity.email-sent": 0, "activity.note": 2})
    set_setting(
        db,
        scoring.RULES_SETTING,
        {"points": pts, "half_life_days": {"activity.call": 30, "activity.meeting": 4.5}},
    )
    set_setting(db, scoring.THRESHOLD_SETTING, 25)
    set_setting(db, scoring.AUTOMATION_SETTING, "move")
    with db.session() as s:
        conn = s.connection()
        ids = list(conn.scalars(select(Contact.id)))
        criteria = list(conn.scalars(text("SELECT id FROM bant_criteria")))
        for cid in rng.sample(ids, len(ids) // 4):
            kind = rng.choice(["asked-for-sales", "call", "meeting", "note", "email-sent"])
            at = NOW - timedelta(days=rng.randint(-2, 300), microseconds=rng.randint(0, 10**9))
            conn.execute(
                text("INSERT INTO activities (contact_id, type, at) VALUES (:c, :t, :a)"),
                {"c": cid, "t": kind, "a": at},
            )
        conn.execute(text("DELETE FROM bant_answers"))
        for cid in rng.sample(ids, len(ids) // 3):
            for crit in criteria:
                if rng.random() < 0.7:
                    conn.execute(
                        text(
                            "INSERT INTO bant_answers (contact_id, criterion_id, answer)"
                            " VALUES (:c, :k, :a)"
                        ),
                        {"c": cid, "k": crit, "a": rng.choice(["yes", "yes", "no", "unknown"])},
                    )
        for cid in rng.sample(ids, len(ids) // 10):
            conn.execute(text("UPDATE contacts SET score = NULL WHERE id = :c"), {"c": cid})


def _state(s: Session) -> Any:
    contacts = sorted(
        tuple(r)
        for r in s.execute(select(Contact.id, Contact.score, Contact.sales_ready, Contact.stage_id))
    )
    history = sorted(
        (
            tuple(r)
            for r in s.execute(
                select(
                    StageChange.contact_id,
                    StageChange.to_stage_id,
                    StageChange.at,
                    StageChange.reason,
                    StageChange.automatic,
                )
            )
        ),
        key=repr,
    )
    return contacts, history


def _chunks_rescored(db: Database, fast: bool, chunk: int) -> Any:
    """Every contact rescored, ``chunk`` ids at a time, by the pass (``fast``) or by the
    general rescore without the follow-up times, in a transaction then rolled back."""
    s = db.write_sessions()
    try:
        s.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        lo, hi = s.execute(select(func.min(Contact.id), func.max(Contact.id))).one()
        ctx = None
        for start in range(lo, hi + 1, chunk):
            ctx = scoring._Context.read(s, scoring.settings_in(s), NOW, ctx)
            end = start + chunk - 1
            if fast:
                scoring._rescore_scores(s, start, end, ctx)
            else:
                scoring._rescore(s, scoring._between(start, end), ctx, follow_ups=False)
        s.flush()
        return _state(s)
    finally:
        s.rollback()
        s.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_recompute_pass_writes_what_the_general_rescore_writes(
    db: Database, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    generate_demo(db, 300, seed=seed, now=NOW)
    monkeypatch.setattr(scoring, "utcnow", lambda: NOW)
    monkeypatch.setattr(moves, "utcnow", lambda: NOW)
    _stale(db, random.Random(seed))
    with db.session() as s:
        before = _state(s)
    fast = _chunks_rescored(db, True, 37)
    assert fast == _chunks_rescored(db, False, 37)
    assert fast == _chunks_rescored(db, True, 1000)  # one chunk
    # the comparison means something: scores and readiness changed, contacts were moved
    changed = [a for a, b in zip(fast[0], before[0], strict=True) if a != b]
    assert len(changed) > len(before[0]) // 3
    assert {a[2] for a in changed} == {True, False}
    assert len(fast[1]) > len(before[1])
    # and a full recompute (its own transactions, chunks of 50) stores just that
    result = scoring.recompute_all(db, chunk=50, follow_ups=False)
    assert result.contacts == len(before[0]) and result.moved
    with db.session() as s:
        assert _state(s) == fast
