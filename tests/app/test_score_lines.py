"""A score's lines are worked out when shown, not stored (migration 0016): they are the lines
the rescore that wrote the score worked out — even days later, when fading activity points
give other lines now — and ``winnow show --json`` says what it said when they were stored."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app import scoring
from app.activities import ACTIVITY_TYPES
from app.commands.core import contact_json
from app.contact_view import load_contact_view
from app.contacts import get_contact
from app.demo import generate_demo
from app.scoring_rules import (
    EARLIER_RULES,
    ScoreItem,
    ScoringRules,
    explain_stored,
    explain_values,
)
from app.settings import set_setting
from db import times
from db.engine import Database

SCORED = datetime(2026, 11, 20, 9, 30, 7)  # when the demo's scores are worked out
RULES = ScoringRules.defaults()


def _json(items: list[ScoreItem] | tuple[ScoreItem, ...]) -> str:
    """A score's lines as the rescore stored them before 0016 (``score_breakdown``)."""
    return json.dumps([i.as_json() for i in items], ensure_ascii=False)


def _explain(activities: list[tuple[str, datetime]]) -> Any:
    def at(t: datetime) -> list[ScoreItem]:
        return explain_values(
            "a.b@acme.de", "acme.de", "branded", "Buyer", None, None, "granted",
            activities, [("Budget", "yes")], ACTIVITY_TYPES, RULES, t,
        )  # fmt: skip

    return at


def test_the_lines_of_a_score_worked_out_days_ago() -> None:
    acts = [
        ("demo-requested", SCORED - timedelta(days=3)),
        ("webinar-attended", SCORED - timedelta(days=50, hours=5)),
        ("webinar-attended", SCORED - timedelta(days=20)),
        ("call", SCORED - timedelta(days=1)),
    ]
    explain = _explain(acts)
    then = explain(SCORED)
    score = sum(i.points for i in then)
    for later in (timedelta(0), timedelta(hours=20), timedelta(days=9), timedelta(days=400)):
        now = SCORED + later
        if later >= timedelta(days=9):  # the lines of now are others: the search is needed
            assert sum(i.points for i in explain(now)) != score
        assert explain_stored(score, explain, acts, RULES, now) == then
    # a clock a little behind the one that scored (another computer)
    assert explain_stored(score, explain, acts, RULES, SCORED - timedelta(hours=3)) == then
    assert explain_stored(None, explain, acts, RULES, SCORED) == []


def test_a_score_no_time_explains_gets_the_difference_as_a_line() -> None:
    """The rules changed and the recompute has not reached the contact: the lines of the rules
    in force, and what the stored score differs by, so the lines still add up to it."""
    acts = [("demo-requested", SCORED - timedelta(days=3))]
    explain = _explain(acts)
    now_lines = explain(SCORED)
    stored = sum(i.points for i in now_lines) + 40  # more than any time gives
    lines = explain_stored(stored, explain, acts, RULES, SCORED)
    assert lines[:-1] == now_lines
    assert lines[-1] == ScoreItem(EARLIER_RULES, 40)
    assert sum(i.points for i in lines) == stored


def _old_lines(db: Database, at: datetime) -> dict[int, tuple[int | None, str]]:
    """Each contact's stored score and what the rescore stored as its breakdown before 0016
    (the JSON of ``explain_values(…)`` of its fields, activities and answers at ``at``),
    read here with plain SQL."""
    rules = scoring.scoring_settings(db).rules
    out: dict[int, tuple[int | None, str]] = {}
    with db.engine.connect() as conn:
        acts: dict[int, list[tuple[str, datetime]]] = {}
        for cid, kind, when in conn.execute(text("SELECT contact_id, type, at FROM activities")):
            when = times.from_stored(when)  # as the driver returns it (db.times)
            acts.setdefault(int(cid), []).append((str(kind), when))
        bant: dict[int, list[tuple[str, str]]] = {}
        for cid, name, answer in conn.execute(
            text(
                "SELECT a.contact_id, c.name, a.answer FROM bant_answers a"
                " JOIN bant_criteria c ON c.id = a.criterion_id"
                " WHERE a.answer <> 'unknown' ORDER BY a.contact_id, c.position, c.id"
            )
        ):
            bant.setdefault(int(cid), []).append((str(name), str(answer)))
        for row in conn.execute(
            text(
                "SELECT id, score, email, domain, domain_class, title, persona_name,"
                " persona_fit, consent FROM contacts"
            )
        ):
            cid = int(row[0])
            email, domain, dclass, title, pname, pfit, consent = row[2:]
            items = explain_values(
                email, domain, dclass, title, pname, pfit, consent or "unknown",
                acts.get(cid, []), bant.get(cid, []), ACTIVITY_TYPES, rules, at,
            )  # fmt: skip
            out[cid] = (row[1], _json(items))
    return out


@pytest.fixture
def scored_demo(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """600 demo contacts scored at ``SCORED``; every time after that is "now" 17 days later."""
    monkeypatch.setattr(scoring, "utcnow", lambda: SCORED)
    generate_demo(db, 600, seed=4, now=SCORED)
    monkeypatch.setattr(scoring, "utcnow", lambda: SCORED + timedelta(days=17))
    return db


def test_the_demo_shows_the_lines_it_stored(scored_demo: Database) -> None:
    db = scored_demo
    old = _old_lines(db, SCORED)
    assert sum(1 for _s, lines in old.values() if "fading" in lines) > 100
    later = SCORED + timedelta(days=17)
    searched = 0
    for cid, (score, stored) in old.items():
        assert score == sum(i["points"] for i in json.loads(stored))  # the old lines add up
        lines = get_contact(db, cid).score_breakdown
        assert json.dumps(lines, ensure_ascii=False) == stored, cid
        searched += lines != get_contact_lines_now(db, cid, later)
    assert searched > 50  # the lines of 17 days later differ: found by the search
    for cid in list(old)[::20]:
        view = load_contact_view(db, cid)
        assert _json(view.score.items) == old[cid][1]
        assert view.score == scoring.score_explanation(db, cid)
        shown = contact_json(db, cid)
        assert json.dumps(shown["score_breakdown"], ensure_ascii=False) == old[cid][1]
        assert shown["score"] == old[cid][0]


def get_contact_lines_now(db: Database, cid: int, now: datetime) -> list[dict[str, Any]]:
    rules = scoring.scoring_settings(db).rules
    with db.session() as s:
        row = s.execute(
            text(f"SELECT {', '.join(scoring.EXPLAINED_COLUMNS)} FROM contacts WHERE id = :c"),
            {"c": cid},
        ).one()
        acts = [
            (str(k), times.from_stored(at))
            for k, at in s.execute(
                text("SELECT type, at FROM activities WHERE contact_id = :c"), {"c": cid}
            )
        ]
        items = scoring.score_items(s, cid, list(row), 0, rules, activities=acts, now=now)
    # score 0 rarely matches: the lines of now (and the difference) — the lines of now alone
    return [i.as_json() for i in items if i.rule != EARLIER_RULES]


def test_after_a_rule_change_the_lines_add_up_until_the_recompute(scored_demo: Database) -> None:
    db = scored_demo
    cid = next(cid for cid, (score, _l) in _old_lines(db, SCORED).items() if score)
    before = get_contact(db, cid)
    rules = ScoringRules.from_setting({"points": {"domain.branded": 40, "domain.free": 7}})
    set_setting(db, scoring.RULES_SETTING, rules.to_setting())
    pending = get_contact(db, cid)
    assert pending.score == before.score
    assert sum(int(i["points"]) for i in pending.score_breakdown) == pending.score
    scoring.recompute_all(db)
    after = get_contact(db, cid)
    assert all(i["rule"] != EARLIER_RULES for i in after.score_breakdown)
    assert sum(int(i["points"]) for i in after.score_breakdown) == after.score
