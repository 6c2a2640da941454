"""Issue 12, item 4: the qualification rate as seed 003 defines it — qualified leads *during the
period* ÷ inquiries in the period — and the cohort view (by inquiry month) as an option, over a
month boundary; pipeline value. Worked out by hand:

    contact  became an inquiry     qualified (last required yes)
    P        20 Jan 10:00          3 Feb 09:00
    Q        28 Jan 10:00          30 Jan 16:00
    U        31 Jan 23:30          —
    R         2 Feb 08:00          10 Feb 12:00
    S         5 Feb 08:00          —
    W         8 Feb 08:00          20 Feb 12:00
    V        27 Feb 08:00          — (Budget answered no)

    January [1 Jan, 1 Feb): inquiries P Q U = 3
        period: qualified during January Q = 1      → 1/3
        cohort: January's inquiries qualified P Q = 2 → 2/3
    February [1 Feb, 1 Mar): inquiries R S W V = 4
        period: qualified during February P R W = 3 → 3/4
        cohort: February's inquiries qualified R W = 2 → 2/4
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

import pytest

from app import metrics, moves, operations, qualification
from app.cli import main
from app.contacts import create_contact
from db.engine import Database

YES = {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}
JAN = (datetime(2026, 1, 1), datetime(2026, 2, 1))
FEB = (datetime(2026, 2, 1), datetime(2026, 3, 1))
NOW = datetime(2026, 3, 10)


def _lead(db: Database, name: str, inquiry: datetime, qualified: datetime | None) -> int:
    cid = create_contact(
        db, name=name, email=f"{name.lower()}@firm.de", stage="inquiry", at=inquiry
    )
    if qualified is not None:
        qualification.set_bant(db, cid, YES, at=qualified)
    return cid


@pytest.fixture
def leads(db: Database) -> dict[str, int]:
    ids = {
        "P": _lead(db, "P", datetime(2026, 1, 20, 10), datetime(2026, 2, 3, 9)),
        "Q": _lead(db, "Q", datetime(2026, 1, 28, 10), datetime(2026, 1, 30, 16)),
        "U": _lead(db, "U", datetime(2026, 1, 31, 23, 30), None),
        "R": _lead(db, "R", datetime(2026, 2, 2, 8), datetime(2026, 2, 10, 12)),
        "S": _lead(db, "S", datetime(2026, 2, 5, 8), None),
        "W": _lead(db, "W", datetime(2026, 2, 8, 8), datetime(2026, 2, 20, 12)),
        "V": _lead(db, "V", datetime(2026, 2, 27, 8), None),
    }
    qualification.set_bant(db, ids["V"], {**YES, "budget": "no"}, at=datetime(2026, 2, 28))
    return ids


@pytest.mark.parametrize(
    ("period", "cohort", "expected"),
    [
        (JAN, False, (3, 1, 1 / 3)),
        (JAN, True, (3, 2, 2 / 3)),
        (FEB, False, (4, 3, 3 / 4)),
        (FEB, True, (4, 2, 2 / 4)),
    ],
)
def test_qualification_rate_by_period_and_by_cohort(
    db: Database,
    leads: dict[str, int],
    period: tuple[datetime, datetime],
    cohort: bool,
    expected: tuple[int, int, float],
) -> None:
    m = metrics.compute_metrics(db, since=period[0], until=period[1], now=NOW, cohort=cohort)
    assert (m.inquiries, m.qualified, m.qualification_rate) == expected
    assert m.view == ("cohort" if cohort else "period")
    assert m.as_json()["qualification_view"].startswith("cohort" if cohort else "qualified during")


def test_the_stage_alone_does_not_make_a_qualified_lead(db: Database) -> None:
    cid = create_contact(db, name="X", email="x@firm.de", stage="inquiry", at=datetime(2026, 2, 2))
    moves.move_to_stage(db, [cid], "sql", at=datetime(2026, 2, 3))
    m = metrics.compute_metrics(db, since=FEB[0], until=FEB[1], now=NOW)
    assert (m.inquiries, m.qualified) == (1, 0)
    assert dict((f.stage, f.count) for f in m.funnel)["sql"] == 1  # the funnel counts stages


def test_stats_cohort_on_the_command_line(
    db: Database, db_url: str, leads: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db.close()
    args = ["--db", db_url, "stats", "--json", "--since", "2026-02-01"]
    args += ["--until", "2026-02-28"]
    assert main(args) == 0
    period = json.loads(capsys.readouterr().out)
    assert main([*args, "--cohort"]) == 0
    cohort = json.loads(capsys.readouterr().out)
    assert (period["qualified"], period["cohort"]) == (3, False)
    assert (cohort["qualified"], cohort["cohort"]) == (2, True)
    assert "cohort by inquiry month" in cohort["qualification_view"]
    assert main(["--db", db_url, "stats", "--cohort"]) == 0
    assert "cohort by inquiry month" in capsys.readouterr().out


def test_stats_extension_takes_cohort(db: Database, leads: dict[str, int]) -> None:
    ns = argparse.Namespace(since="2026-01-01", until="2026-01-31", source=None, cohort=True)
    assert metrics.stats_extension(db, ns)["qualified"] == 2


def test_open_pipeline_and_won_value(db: Database) -> None:
    a = create_contact(
        db, name="A", email="a@firm.de", stage="opportunity", at=datetime(2026, 2, 1)
    )
    b = create_contact(
        db, name="B", email="b@firm.de", stage="opportunity", at=datetime(2026, 2, 1)
    )
    c = create_contact(db, name="C", email="c@firm.de", stage="inquiry", at=datetime(2026, 2, 1))
    operations.set_deal(db, a, 12_500.0, datetime(2026, 4, 1))
    operations.set_deal(db, b, 4_000.0, None)
    operations.set_deal(db, c, 999.0, None)  # not an opportunity (yet): not in the pipeline
    moves.move_to_stage(db, [b], "customer", at=datetime(2026, 2, 20))
    m = metrics.compute_metrics(db, since=FEB[0], until=FEB[1], now=NOW)
    assert (m.open_pipeline_value, m.won_value) == (12_500.0, 4_000.0)
    march = metrics.compute_metrics(db, since=datetime(2026, 3, 1), until=NOW, now=NOW)
    assert (march.open_pipeline_value, march.won_value) == (12_500.0, 0.0)


def test_the_cohort_by_inquiry_month_counts_each_month_s_inquiries_that_qualified(
    db: Database, leads: dict[str, int]
) -> None:
    """The dashboard's cohort view over January and February (the table above): January's
    inquiries P Q U, of which P and Q are qualified now (P only in February); February's
    R S W V, of which R and W."""
    data = metrics.dashboard_data(db, since=JAN[0], until=FEB[1], now=NOW, cohort=True)
    months = [(f.month_start.month, f.inquiries, f.qualified) for f in data.metrics.months]
    assert months == [(1, 3, 2), (2, 4, 2)]
    assert (data.metrics.inquiries, data.metrics.qualified) == (7, 4)
    # the period view, per week (Mondays): each lead counts in the week it came in and in
    # the week it qualified — P 20 Jan / 3 Feb, Q 28 Jan / 30 Jan, U 31 Jan, R 2 Feb / 10 Feb,
    # S 5 Feb, W 8 Feb (a Sunday) / 20 Feb, V 27 Feb; from the week of 1 January (29 Dec)
    weeks = metrics.dashboard_data(db, since=JAN[0], until=FEB[1], now=NOW).metrics.weeks
    assert [(w.week_start.isoformat(), w.inquiries, w.qualified) for w in weeks] == [
        ("2025-12-29", 0, 0),
        ("2026-01-05", 0, 0),
        ("2026-01-12", 0, 0),
        ("2026-01-19", 1, 0),
        ("2026-01-26", 2, 1),
        ("2026-02-02", 3, 1),
        ("2026-02-09", 0, 1),
        ("2026-02-16", 0, 1),
        ("2026-02-23", 1, 0),
    ]


def test_stage_names_come_with_the_figures(db: Database) -> None:
    m = metrics.compute_metrics(db, now=NOW)
    assert m.stage_name("mql") == "Marketing qualified"
    assert list(m.stage_names)[:3] == ["suspect", "inquiry", "mql"]
