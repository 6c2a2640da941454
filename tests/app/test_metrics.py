"""Metrics exactly as seed 003 defines them, on a history worked out by hand.

T is Monday 2 March 2026, 09:00 UTC; the SLA is the default 24 h; "now" is T + 10 days.
Stage positions: suspect 0, inquiry 1, mql 2, sql 3, opportunity 4, customer 5 (won);
nurture and disqualified are side stages and never count as reached.

    A  Fair    suspect T−10d → inquiry T → mql T+2d → sql T+5d → opportunity T+10d → customer T+20d
               e-mail sent T+2h                    → answered in 2 h
    B  Fair    created as inquiry T+1d → sql T+3d (skips mql) → disqualified T+4d
               call at T+1d+30h                    → answered, but late (30 h > 24 h)
    C  Fair    suspect T−5d → inquiry T+1d → nurture T+2d → inquiry T+6d (went back)
               no outbound                         → never followed up
    D  Web     created as inquiry T+2d → mql T+3d → sql T+4d, and that move UNDONE
               e-mail sent T+2d−1h (before the inquiry: a campaign, not an answer) → never
    E  Web     imported straight into customer T+3d: reached customer, so also sql and inquiry;
               never in the Inquiry stage itself, no inquiry activity → no response due
    F  Web     suspect only (T)                    → not an inquiry
    G  Fair    suspect T−1d → disqualified T       → not an inquiry (side stage)
    H  Fair    suspect T−31d → inquiry T−30d       → an inquiry, but before the period
    I  Mailing created as inquiry T+4d, inquiry-received T+4d−2h, meeting T+4d+10h → 12 h
               ("Mailing: March" reached 50 prospects)
    J  Web     created as inquiry T+5d → sql T+6d → mql T+6d+1h (went back, not undone)
               no outbound                         → never followed up

    A, B, E and J answer every BANT criterion yes when they reach Sales qualified (E when it is
    imported); D, whose move to Sales qualified was undone, answers nothing.

Period [T, 16 March 00:00): inquiries A B C D E I J = 7 (H is earlier; F, G never reached Inquiry)
    qualified (every required criterion yes, during the period): A B E J = 4
    customers: A E = 2
    qualification rate 4/7, conversion rate 2/4 = 0.5
    response rate: only "Mailing: March" has a reached count: 1 inquiry ÷ 50 = 0.02
    by source: Fair A B C → 3 / 2 / 1; Web D E J → 3 / 2 / 1; Mailing I → 1 / 0 / 0
    funnel: inquiry 7; mql (max ≥ 2) A B D E J = 5; sql A B E J = 4; opportunity A E = 2;
            customer A E = 2 → conversions 5/7, 4/5, 2/4, 2/2, none
    response decided (due passed, or answered): A B C D I J = 6 (E has no due time)
    not answered within the SLA: B (late), C, D, J (never) = 4 → 4/6
    never followed up: C D J = 3 → 3/6 = 0.5
    first-response hours: A 2, I 12, B 30 → median 12
    completed stays in days (undone move excluded; the current stage is not complete):
        suspect  A 10, C 6               → median 8
        inquiry  A 2, B 2, C 1, D 1, J 1 → median 1
        mql      A 3                     → 3        (D's stay in mql is still running)
        sql      A 5, B 1, J 1/24        → median 1
        opportunity A 10 → 10; nurture C 4 → 4; customer, disqualified: none
    weeks: 2 March: 7 inquiries; qualified A (T+5d), B (T+3d), E (T+3d), J (T+6d, Sunday) = 4;
           9 March: 0 and 0
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

import pytest

from app import metrics, moves
from app.activities import log_activity
from app.contacts import create_contact
from app.errors import UsageError
from db.engine import Database
from db.models import Source

T = datetime(2026, 3, 2, 9, 0)
NOW = T + timedelta(days=10)
UNTIL = datetime(2026, 3, 16)  # two whole weeks
D = timedelta(days=1)
H = timedelta(hours=1)


def _contact(db: Database, name: str, source: str, stage: str, at: datetime) -> int:
    return create_contact(
        db,
        name=name,
        email=f"{name.lower()}@firm-{name.lower()}.de",
        source=source,
        stage=stage,
        at=at,
    )


def _qualify(db: Database, cid: int, at: datetime) -> None:
    from app import qualification

    yes = {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}
    qualification.set_bant(db, cid, yes, at=at)


@pytest.fixture
def history(db: Database) -> dict[str, int]:
    return build_history(db)


def build_history(db: Database) -> dict[str, int]:
    """The contacts A–J of the module docstring (also used by the dashboard's tests)."""
    ids: dict[str, int] = {}
    move = moves.move_to_stage
    a = ids["A"] = _contact(db, "A", "Fair", "suspect", T - 10 * D)
    move(db, [a], "inquiry", at=T)
    move(db, [a], "mql", at=T + 2 * D)
    move(db, [a], "sql", at=T + 5 * D)
    _qualify(db, a, T + 5 * D)
    move(db, [a], "opportunity", at=T + 10 * D)
    move(db, [a], "customer", at=T + 20 * D)
    log_activity(db, a, "email-sent", at=T + 2 * H)

    b = ids["B"] = _contact(db, "B", "Fair", "inquiry", T + D)
    move(db, [b], "sql", at=T + 3 * D)
    _qualify(db, b, T + 3 * D)
    move(db, [b], "disqualified", at=T + 4 * D, reason="No budget")
    log_activity(db, b, "call", at=T + D + 30 * H)

    c = ids["C"] = _contact(db, "C", "Fair", "suspect", T - 5 * D)
    move(db, [c], "inquiry", at=T + D)
    move(db, [c], "nurture", at=T + 2 * D)
    move(db, [c], "inquiry", at=T + 6 * D)

    d = ids["D"] = _contact(db, "D", "Web", "inquiry", T + 2 * D)
    move(db, [d], "mql", at=T + 3 * D)
    from app import operations

    operations.move_contacts(db, [d], "sql", at=T + 4 * D)
    operations.undo_operation(db)
    log_activity(db, d, "email-sent", at=T + 2 * D - H)

    ids["E"] = _contact(db, "E", "Web", "customer", T + 3 * D)
    _qualify(db, ids["E"], T + 3 * D)
    ids["F"] = _contact(db, "F", "Web", "suspect", T)

    g = ids["G"] = _contact(db, "G", "Fair", "suspect", T - D)
    move(db, [g], "disqualified", at=T)

    h = ids["H"] = _contact(db, "H", "Fair", "suspect", T - 31 * D)
    move(db, [h], "inquiry", at=T - 30 * D)

    i = ids["I"] = _contact(db, "I", "Mailing: March", "inquiry", T + 4 * D)
    log_activity(db, i, "inquiry-received", at=T + 4 * D - 2 * H)
    log_activity(db, i, "meeting", at=T + 4 * D + 10 * H)

    j = ids["J"] = _contact(db, "J", "Web", "inquiry", T + 5 * D)
    move(db, [j], "sql", at=T + 6 * D)
    _qualify(db, j, T + 6 * D)
    move(db, [j], "mql", at=T + 6 * D + H)

    with db.session() as s:
        s.add(Source(name="Mailing: March", reached=50))
    return ids


def test_hand_checked_example(db: Database, history: dict[str, int]) -> None:
    m = metrics.compute_metrics(db, since=T, until=UNTIL, now=NOW)
    assert (m.inquiries, m.qualified, m.customers) == (7, 4, 2)
    assert m.qualification_rate == pytest.approx(4 / 7)
    assert m.conversion_rate == pytest.approx(0.5)
    assert m.response_rate == pytest.approx(0.02)
    assert (m.decided, m.unanswered, m.never_followed_up) == (6, 4, 3)
    assert m.unanswered_share == pytest.approx(4 / 6)
    assert m.never_followed_up_share == pytest.approx(0.5)
    assert m.median_first_response_hours == pytest.approx(12.0)
    assert [(f.stage, f.count) for f in m.funnel] == [
        ("inquiry", 7),
        ("mql", 5),
        ("sql", 4),
        ("opportunity", 2),
        ("customer", 2),
    ]
    assert [f.conversion_to_next for f in m.funnel] == pytest.approx(
        [5 / 7, 4 / 5, 2 / 4, 1.0, None]
    )  # type: ignore[list-item]
    assert m.funnel[0].drop_off == pytest.approx(2 / 7)
    assert m.funnel[-1].drop_off is None
    by = {b.source: b for b in m.by_source}
    assert {k: (b.inquiries, b.qualified, b.customers) for k, b in by.items()} == {
        "Fair": (3, 2, 1),
        "Web": (3, 2, 1),
        "Mailing: March": (1, 0, 0),
    }
    assert by["Fair"].qualification_rate == pytest.approx(2 / 3)
    assert by["Mailing: March"].conversion_rate is None  # 0 qualified: no rate
    assert by["Mailing: March"].response_rate == pytest.approx(0.02)
    assert by["Web"].response_rate is None  # no reached count recorded
    assert m.median_days_in_stage == pytest.approx(
        {
            "suspect": 8.0,
            "inquiry": 1.0,
            "mql": 3.0,
            "sql": 1.0,
            "opportunity": 10.0,
            "nurture": 4.0,
            "customer": None,
            "disqualified": None,
        }
    )


def test_weekly_trend_for_the_dashboard(db: Database, history: dict[str, int]) -> None:
    board = metrics.dashboard_data(db, since=T, until=UNTIL, now=NOW)
    assert [(w.week_start.isoformat(), w.inquiries, w.qualified) for w in board.metrics.weeks] == [
        ("2026-03-02", 7, 4),
        ("2026-03-09", 0, 0),
    ]
    assert board.sla_hours == 24
    assert set(board.sources) == {"Fair", "Web", "Mailing: March"}
    assert board.metrics.inquiries == 7


def test_source_filter_matches_part_of_the_name(db: Database, history: dict[str, int]) -> None:
    m = metrics.compute_metrics(db, since=T, until=UNTIL, source="fAIR", now=NOW)
    # A B C only; no source with a reached count matches → no response rate
    assert (m.inquiries, m.qualified, m.customers) == (3, 2, 1)
    assert m.response_rate is None
    assert [b.source for b in m.by_source] == ["Fair"]
    m = metrics.compute_metrics(db, source="mailing", now=NOW)
    assert (m.inquiries, m.response_rate) == (1, pytest.approx(0.02))


def test_all_time_includes_earlier_inquiries(db: Database, history: dict[str, int]) -> None:
    m = metrics.compute_metrics(db, now=NOW)
    # H became an inquiry a month earlier; it was never answered either (due long past)
    assert (m.inquiries, m.qualified, m.customers) == (8, 4, 2)
    assert (m.decided, m.never_followed_up) == (7, 4)


def test_empty_period_gives_nulls_not_errors(db: Database, history: dict[str, int]) -> None:
    m = metrics.compute_metrics(db, since=T + 100 * D, until=T + 101 * D, now=NOW)
    assert (m.inquiries, m.qualified, m.customers) == (0, 0, 0)
    assert m.qualification_rate is None and m.conversion_rate is None
    assert m.median_first_response_hours is None and m.unanswered_share is None
    assert m.funnel[0].conversion_to_next is None
    # the campaign's reached count is still recorded: 0 responses of 50
    assert m.response_rate == 0.0


def test_empty_database(db: Database) -> None:
    m = metrics.compute_metrics(db)
    assert m.inquiries == 0 and m.response_rate is None and m.by_source == ()
    assert metrics.dashboard_data(db).metrics.weeks == ()


def test_stats_extension_parses_the_period(db: Database, history: dict[str, int]) -> None:
    args = argparse.Namespace(since="2026-03-02", until="2026-03-15", source=None)
    data = metrics.stats_extension(db, args)
    # dates are whole local days; this period holds the same seven inquiries
    assert data["inquiries"] == 7
    assert data["funnel"][0] == {
        "stage": "inquiry",
        "name": "Inquiry",
        "count": 7,
        "conversion_to_next": pytest.approx(5 / 7),
        "drop_off": pytest.approx(2 / 7),
    }
    assert set(data["by_source"]["Fair"]) >= {
        "inquiries",
        "qualified",
        "customers",
        "qualification_rate",
        "conversion_rate",
    }
    with pytest.raises(UsageError):
        metrics.stats_extension(db, argparse.Namespace(since="March", until=None, source=None))
    with pytest.raises(UsageError):
        metrics.stats_extension(
            db, argparse.Namespace(since="2026-03-10", until="2026-03-01", source=None)
        )
