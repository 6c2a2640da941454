"""Scores: every rule and its explanation, the lines of a stored score, automation and recompute."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app import consent, moves, qualification, scoring
from app.activities import log_activity
from app.contacts import ContactQuery, create_contact, get_contact, query_ids, update_contact
from app.scoring_rules import (
    DEFAULT_RULES,
    ScoreInputs,
    ScoringRules,
    decayed,
    explain_score,
    is_role_address,
    title_seniority,
)
from app.settings import set_setting
from db.engine import Database
from db.models import Contact

NOW = datetime(2026, 3, 14, 12, 0)
RULES = ScoringRules.defaults()


@pytest.fixture(autouse=True)
def _no_personas(request: pytest.FixtureRequest) -> None:
    """Exact scores below assume no persona fits: go-look seeds its default personas once,
    unless told they were seeded already (the persona test keeps them)."""
    if "db" in request.fixturenames and "persona_fit_from_go_look" not in request.node.name:
        no_default_personas(request.getfixturevalue("db"))


def no_default_personas(db: Database) -> None:
    from db.models import Setting

    with db.session() as s:
        if s.get(Setting, "golook.personas_seeded") is None:
            s.add(Setting(key="golook.personas_seeded", value="true"))


def lines(**kwargs: object) -> list[tuple[str, int]]:
    return [(i.rule, i.points) for i in explain_score(ScoreInputs(**kwargs), RULES, NOW)]  # type: ignore[arg-type]


# --- each rule, with the line the user reads -------------------------------------------


def test_domain_classes_and_their_explanations() -> None:
    assert lines(email="anna@acme.de", domain="acme.de", domain_class="branded") == [
        ("Branded company address (acme.de)", 15)
    ]
    # free-mail is worth 0 by default, so it adds no line
    assert lines(email="anna@gmail.com", domain="gmail.com", domain_class="free") == []
    assert lines(email="x@mailinator.com", domain="mailinator.com", domain_class="disposable") == [
        ("Disposable address (mailinator.com)", -20)
    ]
    assert lines(email="anna@@acme.de", domain_class="invalid") == [("Invalid e-mail address", -25)]
    assert lines(email=None) == [("No e-mail address", -10)]
    assert lines(email="   ") == [("No e-mail address", -10)]


def test_role_address_costs_points_and_says_which() -> None:
    assert lines(email="info@acme.de", domain="acme.de", domain_class="branded") == [
        ("Branded company address (acme.de)", 15),
        ("Role address (info@)", -5),
    ]
    assert is_role_address("Vertrieb@firma.de")
    assert not is_role_address("anna.weiss@firma.de")
    # an invalid address is not also a role address
    assert lines(email="info@@acme.de", domain_class="invalid") == [("Invalid e-mail address", -25)]


def test_persona_fit_is_points_times_fit() -> None:
    assert lines(email="a@b.de", persona_fit=0.75, persona_name="Plant manager") == [
        ("Persona fit 75 % (Plant manager)", 15)
    ]
    assert lines(email="a@b.de", persona_fit=1.0) == [("Persona fit 100 %", 20)]
    # not computed yet (go-look has not run): no line, no error
    assert lines(email="a@b.de", persona_fit=None) == []
    assert lines(email="a@b.de", persona_fit=0.0) == []


@pytest.mark.parametrize(
    ("title", "tier", "points"),
    [
        ("CEO", "c-level", 15),
        ("Founder & CEO", "c-level", 15),
        ("Managing director", "c-level", 15),
        ("Geschäftsführer", "c-level", 15),
        ("Operations director", "director", 12),
        ("Head of purchasing", "director", 12),
        ("VP Engineering", "director", 12),
        ("Plant manager", "manager", 8),
        ("Team lead maintenance", "manager", 8),
        ("Senior buyer", "senior", 4),
        ("Process engineer", "senior", 4),
        ("Purchasing assistant", "junior", -5),
        ("Student", "junior", -5),
        ("Sales representative", None, 0),
        ("", None, 0),
    ],
)
def test_job_title_seniority(title: str, tier: str | None, points: int) -> None:
    assert title_seniority(title) == tier
    got = lines(email="a@b.de", title=title)
    assert got == ([(f"Job title: {_tier_label(tier)} ({title})", points)] if tier else [])


def _tier_label(tier: str | None) -> str:
    from app.scoring_rules import SENIORITY_LABELS

    return SENIORITY_LABELS[tier or ""]


def test_each_activity_type_counts_once_per_activity() -> None:
    fresh = NOW - timedelta(hours=1)
    got = lines(
        email="a@b.de",
        activities=[
            ("inquiry-received", fresh),
            ("content-downloaded", fresh),
            ("content-downloaded", fresh),
            ("webinar-attended", fresh),
            ("demo-requested", fresh),
            ("asked-for-sales", fresh),
            ("email-sent", fresh),
            ("call", fresh),
            ("meeting", fresh),
            ("note", fresh),
        ],
    )
    assert got == [
        ("Inquiry received", 10),
        ("Content downloaded ×2", 10),
        ("Webinar attended", 10),
        ("Demo requested", 20),
        ("Asked for sales contact", 25),
        # our own e-mail and notes are worth nothing by default: no line
        ("Call", 3),
        ("Meeting", 10),
    ]


def test_activity_points_fade_by_half_life_and_say_so() -> None:
    # webinar: 10 points, half-life 60 days → 60 days old = 5, 120 days old = 2.5 → 3
    got = lines(email="a@b.de", activities=[("webinar-attended", NOW - timedelta(days=60))])
    assert got == [("Webinar attended, fading (half-life 60 d)", 5)]
    got = lines(email="a@b.de", activities=[("webinar-attended", NOW - timedelta(days=120))])
    assert got == [("Webinar attended, fading (half-life 60 d)", 3)]
    # asked-for-sales never fades
    got = lines(email="a@b.de", activities=[("asked-for-sales", NOW - timedelta(days=400))])
    assert got == [("Asked for sales contact", 25)]
    assert decayed(10, 30, None) == 10
    assert decayed(10, -5, 60) == 10  # a future date is not worth more


def test_bant_answers_and_consent() -> None:
    got = lines(
        email="a@b.de",
        bant=[("Budget", "yes"), ("Authority", "no"), ("Need", "unknown"), ("Fit", "yes")],
        consent="granted",
    )
    assert got == [
        ("Budget: yes", 10),
        ("Authority: no", -10),
        ("Fit: yes", 10),
        ("Consent to marketing granted", 5),
    ]
    assert lines(email="a@b.de", consent="withdrawn") == [("Consent to marketing withdrawn", -30)]
    assert lines(email="a@b.de", consent="unknown") == []


def test_rules_come_from_the_setting_over_the_defaults() -> None:
    rules = ScoringRules.from_setting(
        {
            "points": {"domain.branded": 30, "bogus": "x", "bant.yes": True},
            "half_life_days": {"activity.webinar-attended": None},
        }
    )
    assert rules.points["domain.branded"] == 30
    assert rules.points["bant.yes"] == 10  # a bad value keeps the default
    assert rules.half_life_days["activity.webinar-attended"] is None
    items = explain_score(
        ScoreInputs(
            email="a@acme.de",
            domain="acme.de",
            domain_class="branded",
            activities=[("webinar-attended", NOW - timedelta(days=365))],
        ),
        rules,
        NOW,
    )
    assert [(i.rule, i.points) for i in items] == [
        ("Branded company address (acme.de)", 30),
        ("Webinar attended", 10),  # no half-life any more: no fading
    ]
    assert ScoringRules.from_setting(rules.to_setting()) == rules
    assert {r.key for r in DEFAULT_RULES} <= set(RULES.points)


# --- stored on the contact, kept current -----------------------------------------------


def _stored(db: Database, cid: int) -> tuple[int | None, list[dict[str, object]], bool]:
    c = get_contact(db, cid)
    return c.score, c.score_breakdown, c.sales_ready


def test_new_contact_gets_a_score_that_adds_up(db: Database) -> None:
    cid = create_contact(
        db, name="Anna Weiß", email="anna.weiss@acme-maschinen.de", title="Plant manager"
    )
    score, breakdown, ready = _stored(db, cid)
    assert breakdown == [
        {"rule": "Branded company address (acme-maschinen.de)", "points": 15},
        {"rule": "Job title: manager / lead (Plant manager)", "points": 8},
    ]
    assert score == 23 == sum(int(str(b["points"])) for b in breakdown)
    assert ready is False


def test_score_follows_edits_activities_bant_and_consent(db: Database) -> None:
    cid = create_contact(db, name="Jörg Köhler", email="j.koehler@gmail.com")
    assert _stored(db, cid)[0] == 0  # free-mail, no title
    update_contact(db, cid, title="Head of engineering")
    assert _stored(db, cid)[0] == 12
    log_activity(db, cid, "demo-requested")
    assert _stored(db, cid)[0] == 32
    qualification.set_bant(db, cid, {"budget": "yes", "need": "no"})
    assert _stored(db, cid)[0] == 32
    qualification.set_bant(db, cid, {"need": "yes"})
    assert _stored(db, cid)[0] == 52
    consent.set_consent(db, [cid], "withdrawn", how="Phoned to unsubscribe")
    score, breakdown, _ready = _stored(db, cid)
    assert score == 22
    assert {"rule": "Consent to marketing withdrawn", "points": -30} in breakdown
    update_contact(db, cid, email="")
    assert {"rule": "No e-mail address", "points": -10} in _stored(db, cid)[1]


def test_renamed_criterion_shows_in_the_explanation(db: Database) -> None:
    cid = create_contact(db, name="A B", email="a@b-firm.de")
    qualification.set_bant(db, cid, {"budget": "yes"})
    qualification.rename_criterion(db, "budget", "Money")
    assert {"rule": "Money: yes", "points": 10} in _stored(db, cid)[1]
    qualification.remove_criterion(db, "budget")
    assert all("Money" not in str(b["rule"]) for b in _stored(db, cid)[1])


def test_persona_fit_from_go_look_is_in_the_score(db: Database) -> None:
    """Whatever persona go-look finds (its handler runs before ours), the score explains it."""
    cid = create_contact(
        db,
        name="A B",
        email="a.b@acme-werk.de",
        title="Maintenance manager",
        industry="Machinery",
        company_size=250,
    )
    detail = get_contact(db, cid)
    persona_lines = [b for b in detail.score_breakdown if str(b["rule"]).startswith("Persona fit")]
    if detail.persona_fit:
        fit = detail.persona_fit
        assert persona_lines == [
            {
                "rule": f"Persona fit {round(fit * 100)} % ({detail.persona_name})",
                "points": round(20 * fit),
            }
        ]
    else:
        assert persona_lines == []
    assert detail.score == sum(int(str(b["points"])) for b in detail.score_breakdown)


def test_recompute_all_applies_a_rule_change(db: Database) -> None:
    ids = [create_contact(db, name=f"P {i}", email=f"p{i}@firm{i}.de") for i in range(5)]
    assert {_stored(db, i)[0] for i in ids} == {15}
    rules = ScoringRules.from_setting({"points": {"domain.branded": 40}})
    assert scoring.save_scoring_settings(db, rules=rules) is True
    assert {_stored(db, i)[0] for i in ids} == {15}  # not until the recompute runs
    seen: list[tuple[int, int]] = []
    result = scoring.recompute_all(db, progress=lambda d, t: seen.append((d, t)), chunk=2)
    assert result.contacts == 5 and not result.cancelled
    assert seen[-1] == (5, 5)
    assert {_stored(db, i)[0] for i in ids} == {40}
    assert not scoring.recompute_needed(db)


def test_recompute_can_be_cancelled_between_chunks(db: Database) -> None:
    for i in range(4):
        create_contact(db, name=f"P {i}", email=f"p{i}@firm{i}.de")
    result = scoring.recompute_all(db, cancel=True)
    assert result.cancelled and result.contacts == 0


def test_recompute_commits_after_the_chunk_a_waiting_writer_asked(
    db: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few chunks a transaction while nobody else waits for the lock (db.lockwait); a
    writer that waits gets it after the chunk being written. PostgreSQL: a chunk each."""
    from db.engine import sqlite_path
    from db.lockwait import say_a_writer_waits

    for i in range(10):
        create_contact(db, name=f"P {i}", email=f"p{i}@firm{i}.de")
    rescore, chunks = scoring._rescore, []

    def counted(*args: Any, **kwargs: Any) -> tuple[int, list[int]]:
        chunks.append(1)
        if len(chunks) == 2:  # a writer waits meanwhile
            time.sleep(0.01)  # a later time stamp than the transaction's start
            say_a_writer_waits(sqlite_path(db.url))
        return rescore(*args, **kwargs)

    monkeypatch.setattr(scoring, "_rescore", counted)
    monkeypatch.setattr(scoring, "CHUNKS_PER_TRANSACTION", 4)
    seen: list[int] = []
    scoring.recompute_all(db, progress=lambda d, t: seen.append(d), chunk=1)
    assert seen == ([2, 6, 10] if backend == "sqlite" else list(range(1, 11)))


def test_recompute_works_out_the_follow_up_times_when_the_sla_changed(db: Database) -> None:
    """They depend on the SLA, not on the rules: a rule change's recompute leaves them (a
    due time no handler would write, put in by hand, shows what was left)."""
    at = NOW - timedelta(days=2)
    cid = create_contact(db, name="A", email="a@acme.de", stage="inquiry", at=at)

    def due() -> datetime | None:
        return get_contact(db, cid).response_due_at

    def put_in_by_hand() -> None:
        with db.session() as s:
            s.execute(update(Contact).values(response_due_at=at))

    assert due() == at + timedelta(hours=24)
    put_in_by_hand()
    scoring.recompute_all(db)  # never worked out by a full pass here: they are
    assert due() == at + timedelta(hours=24)
    put_in_by_hand()
    rules = ScoringRules.from_setting({"points": {"domain.branded": 40}})
    assert scoring.save_scoring_settings(db, rules=rules) is True
    scoring.recompute_all(db)
    assert (_stored(db, cid)[0], due()) == (40, at)  # only the scores
    scoring.recompute_all(db, follow_ups=True)  # winnow rescore: a repair
    assert due() == at + timedelta(hours=24)
    put_in_by_hand()
    assert scoring.save_scoring_settings(db, sla_hours=4) is True
    assert scoring.recompute_all(db, cancel=True).cancelled
    scoring.recompute_all(db, follow_ups=False)
    assert due() == at  # neither a cancelled pass nor one told not to made them current
    scoring.recompute_all(db)
    assert due() == at + timedelta(hours=4)
    put_in_by_hand()
    scoring.recompute_all(db)
    assert due() == at


# --- threshold and automation ----------------------------------------------------------


def _qualify_fully(db: Database, cid: int) -> None:
    qualification.set_bant(
        db, cid, {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}
    )


def _history(db: Database, cid: int) -> list[moves.HistoryEntry]:
    return moves.history(db, cid)


def test_propose_mode_marks_sales_ready_without_moving(db: Database) -> None:
    cid = create_contact(
        db, name="A B", email="a.b@acme.de", title="Plant manager", stage="inquiry"
    )
    _qualify_fully(db, cid)  # 15 + 8 + 4 × 10 = 63 ≥ 60
    score, _b, ready = _stored(db, cid)
    assert (score, ready) == (63, True)
    assert get_contact(db, cid).stage_key == "inquiry"
    import app.followup  # noqa: F401  (registers the queues)

    assert query_ids(db, ContactQuery(queue="sales-ready")) == [cid]
    explanation = scoring.score_explanation(db, cid)
    assert explanation.promotable and explanation.threshold == 60
    result = scoring.promote_to_sales_qualified(db, [cid])
    assert result is not None and result.moved == (cid,)
    last = _history(db, cid)[-1]
    assert (last.to_key, last.automatic) == ("sql", False)
    assert last.reason is not None and "sales-ready" in last.reason
    assert query_ids(db, ContactQuery(queue="sales-ready")) == []


def test_promote_never_pulls_a_customer_back(db: Database) -> None:
    cid = create_contact(db, name="A B", email="a.b@acme.de", stage="customer")
    log_activity(db, cid, "asked-for-sales")
    assert _stored(db, cid)[2] is True
    assert scoring.promote_to_sales_qualified(db, [cid]) is None
    assert get_contact(db, cid).stage_key == "customer"


def test_move_mode_moves_on_crossing_the_threshold_and_undo_sticks(db: Database) -> None:
    scoring.save_scoring_settings(db, automation="move")
    cid = create_contact(db, name="A B", email="a.b@acme.de", title="Plant manager", stage="mql")
    qualification.set_bant(db, cid, {"budget": "yes", "authority": "yes", "need": "yes"})
    assert get_contact(db, cid).stage_key == "mql"  # 53: not yet
    from app import operations

    operations.set_bant(db, cid, {"timeframe": "yes"})  # 63: crosses 60
    assert get_contact(db, cid).stage_key == "sql"
    last = _history(db, cid)[-1]
    assert (last.from_key, last.to_key, last.automatic) == ("mql", "sql", True)
    assert last.reason == "Score reached the sales-ready threshold (60)"
    # undone with the answer that caused it (one operation)
    operations.undo_operation(db)
    assert get_contact(db, cid).stage_key == "mql"
    assert _history(db, cid)[-1].undone_at is not None
    operations.redo_operation(db)
    assert get_contact(db, cid).stage_key == "sql"
    # moved back by hand: not moved again while the contact stays ready
    operations.move_contacts(db, [cid], "mql", reason="not yet")
    update_contact(db, cid, city="Bremen")
    log_activity(db, cid, "call")
    assert get_contact(db, cid).stage_key == "mql"
    assert _history(db, cid)[-1].reason == "not yet"


def test_asked_for_sales_is_sales_ready_at_once(db: Database) -> None:
    cid = create_contact(db, name="Low Score", email="x123@mailinator.com", stage="inquiry")
    log_activity(db, cid, "asked-for-sales")
    score, _b, ready = _stored(db, cid)
    assert score is not None and score < 60 and ready is True
    assert get_contact(db, cid).stage_key == "inquiry"  # propose mode: only proposed

    scoring.save_scoring_settings(db, automation="move")
    other = create_contact(db, name="Also Low", email="y@mailinator.com", stage="suspect")
    log_activity(db, other, "asked-for-sales")
    assert get_contact(db, other).stage_key == "sql"
    last = _history(db, other)[-1]
    assert last.automatic and last.reason == scoring.REASON_ASKED


def test_threshold_setting_is_used(db: Database) -> None:
    set_setting(db, scoring.THRESHOLD_SETTING, 20)
    cid = create_contact(db, name="A B", email="a.b@acme.de", title="Plant manager")
    assert _stored(db, cid)[2] is False  # 23 ≥ 20, but not qualified: a score alone is not
    _qualify_fully(db, cid)
    assert _stored(db, cid)[2] is True  # 63 ≥ 20 and qualified
    with pytest.raises(Exception, match="threshold"):
        scoring.save_scoring_settings(db, threshold=-1)


def test_handler_is_set_based_for_a_chunk(db: Database) -> None:
    """The demo calls the handler with 2,000 ids at once: every one gets its score."""
    from app.demo import generate_demo

    generate_demo(db, 2500, seed=3)
    with db.session() as s:
        missing = s.scalar(select(Contact.id).where(Contact.score.is_(None)).limit(1))
        ready_sql = s.execute(select(Contact.sales_ready)).scalars().all()
    assert missing is None
    assert any(ready_sql)  # the demo has asked-for-sales activities


def test_daily_recompute_clock(db: Database) -> None:
    from app.timeutil import utcnow

    # a new database starts its clock: its scores were kept current by the handler
    assert scoring.recompute_needed(db) is False
    set_setting(db, scoring.RECOMPUTED_SETTING, (utcnow() - timedelta(hours=25)).isoformat())
    assert scoring.recompute_needed(db) is True  # activity points have faded since
    scoring.recompute_all(db)
    assert scoring.recompute_needed(db) is False
