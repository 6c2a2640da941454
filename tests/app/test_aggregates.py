"""The metrics read from the derived tables (``app.aggregates``) are the reference computation's
numbers exactly, on random histories: contacts created and moved back and forth at random
times, moves undone and redone, imports (and their undo), deletes (and their undo), BANT
answers, inbound and outbound activities, deal amounts, source edits, stages reordered and a
criterion made optional — every number of ``stats --json`` and the dashboard's weeks and
months compared after every few steps, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import math
import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app import aggregates, metrics, operations, stages
from app.errors import WinnowError
from app.importing.batches import undo_import
from app.importing.service import import_file
from app.timeutil import utcnow
from db.engine import Database, open_database
from db.plain_open import plain_start
from tests.app import derived_rows

START = datetime(2026, 5, 4, 8, 0)
NOW = datetime(2026, 8, 1, 12, 0)
SOURCES = ["Trade show: Hannover", "Web form", "Mailing: March", "trade show: Essen", None]
STAGES = ["suspect", "inquiry", "mql", "sql", "opportunity", "customer", "nurture", "disqualified"]
CRITERIA = ["budget", "authority", "need", "timeframe"]


def _cases() -> list[dict[str, Any]]:
    week = timedelta(weeks=1)
    return [
        {},
        {"cohort": True},
        {"since": START + 2 * week + timedelta(hours=5, minutes=17)},
        {"since": START + week, "until": START + 5 * week + timedelta(hours=13)},
        {"until": START + 3 * week, "cohort": True},
        {"source": "trade show"},
        {"source": "web", "since": START + week},
        {"source": "nothing like it"},
        # within one day: no whole day, the medians counted from the contacts one by one
        {
            "since": START + timedelta(days=10, hours=3),
            "until": START + timedelta(days=10, hours=20),
        },
        {"until": START + 4 * week + timedelta(hours=7)},
        {"source": "trade show", "cohort": True},
        # a period and a source: their whole weeks read by week and source, the days around
        # them one by one — added (a Tuesday, a Monday) or taken away from a week read whole
        # (a Saturday, a Friday), and a period within one week
        {"source": "trade show", "since": START + week + timedelta(days=1, hours=3)},
        {
            "source": "web",
            "since": START + 2 * week + timedelta(days=5, hours=9),
            "until": START + 6 * week + timedelta(days=4, hours=20),
        },
        {
            "source": "trade show",
            "since": START + week + timedelta(days=5, hours=1),
            "until": START + 5 * week,
            "cohort": True,
        },
        {"source": "mailing", "until": START + 3 * week + timedelta(days=2, hours=6)},
        {
            "source": "trade",
            "since": START + 3 * week + timedelta(days=1),
            "until": START + 3 * week + timedelta(days=4, hours=5),
        },
    ]


def assert_same(db: Database) -> None:
    """Every figure, both ways."""
    # "now" decides which waiting inquiries are overdue: one late, one amid the history
    for case in [*_cases(), {"now": START + timedelta(days=20, hours=7)}]:
        case = {"now": NOW} | case
        new = metrics.dashboard_data(db, **case)
        old = metrics.dashboard_data(db, reference=True, **case)
        assert new.metrics.as_json() == old.metrics.as_json(), case
        assert new.metrics.weeks == old.metrics.weeks, case
        assert new.metrics.months == old.metrics.months, case
        assert new.metrics.open_deals == old.metrics.open_deals, case
        assert new.sources == old.sources
    with db.session() as s:  # the sources' names, read by skipping through their index
        listed = "SELECT DISTINCT source FROM contacts WHERE source IS NOT NULL ORDER BY 1"
        assert new.sources == tuple(s.scalars(text(listed)))
    assert_plain_same(db)
    with db.session() as s:  # the derived path was taken: nothing left in the log
        assert s.scalar(text("SELECT COUNT(*) FROM metric_dirty")) == 0


def assert_plain_same(db: Database) -> None:
    """``winnow stats``' read with the driver alone (``app.metrics.plain_stats``: sqlite3, or
    psycopg on PostgreSQL) gives the ORM path's every key, in its order, for every case (the
    derived rows current)."""
    from db.plain_pg import plain_pg_start

    start = plain_start(db.url) if db.is_sqlite else plain_pg_start(db.url)
    assert start is not None
    con = start.connect()
    try:
        for case in [*_cases(), {"now": START + timedelta(days=20, hours=7)}]:
            case = {"now": NOW} | case
            found = metrics.plain_stats(con, **case)
            assert found is not None, case
            data, names = found
            expected: dict[str, Any] = {"total": 0, "stages": stages.stage_counts(db)}
            expected["total"] = sum(expected["stages"].values())
            expected.update(metrics.compute_metrics(db, **case).as_json())
            assert data == expected, case
            assert list(data) == list(expected)
            assert names == {st.key: st.name for st in stages.list_stages(db)}
    finally:
        con.close()


class History:
    """Random writes through the application's own write paths."""

    def __init__(self, db: Database, rng: random.Random, tmp: Path) -> None:
        self.db, self.rng, self.tmp = db, rng, tmp
        self.clock = START
        self.imports: list[int] = []
        self.files = 0

    def tick(self) -> datetime:
        self.clock += timedelta(hours=self.rng.randint(1, 40), minutes=self.rng.randint(0, 59))
        return self.clock

    def ids(self) -> list[int]:
        with self.db.session() as s:
            return [int(i) for i in s.scalars(text("SELECT id FROM contacts ORDER BY id"))]

    def some(self, k: int = 3) -> list[int]:
        ids = self.ids()
        return self.rng.sample(ids, min(len(ids), self.rng.randint(1, k))) if ids else []

    def step(self) -> None:
        rng = self.rng
        action = rng.choices(
            [
                self.create,
                self.move,
                self.undo,
                self.redo,
                self.bant,
                self.activity,
                self.deal,
                self.delete,
                self.import_rows,
                self.undo_an_import,
                self.edit_source,
                self.reorder,
                self.optional,
            ],
            weights=[8, 10, 3, 2, 4, 4, 2, 1, 1, 1, 1, 0.3, 0.3],
        )[0]
        # refused (nothing to undo, a move before the previous one…): no change
        with contextlib.suppress(WinnowError):
            action()

    def create(self) -> None:
        n = len(self.ids())
        operations.create_contact(
            self.db,
            name=f"Person {n} Example",
            email=f"p{n}-{self.rng.randint(0, 10**6)}@firm{n}.de",
            source=self.rng.choice(SOURCES),
            stage=self.rng.choice(STAGES),
            at=self.tick(),
        )

    def move(self) -> None:
        ids = self.some()
        if ids:
            operations.move_contacts(self.db, ids, self.rng.choice(STAGES), at=self.tick())

    def undo(self) -> None:
        operations.undo_operation(self.db, force=True)

    def redo(self) -> None:
        operations.redo_operation(self.db, force=True)

    def bant(self) -> None:
        for cid in self.some(2):
            answers = {k: self.rng.choice(["yes", "yes", "no", "unknown"]) for k in CRITERIA}
            operations.set_bant(self.db, cid, answers)

    def activity(self) -> None:
        for cid in self.some(2):
            kind = self.rng.choice(["inquiry-received", "email-sent", "call", "content-downloaded"])
            operations.log_activity(self.db, cid, kind, at=self.tick())

    def deal(self) -> None:
        for cid in self.some(2):
            amount = self.rng.choice([None, 1000.0, 2500.0, 12000.5])
            operations.set_deal(self.db, cid, amount, None)

    def delete(self) -> None:
        ids = self.some(2)
        if ids:
            operations.delete_contacts(self.db, ids)

    def import_rows(self) -> None:
        self.files += 1
        path = self.tmp / f"list-{self.files}.csv"
        rows = ["name,email,company,received_at"]
        for i in range(self.rng.randint(1, 6)):
            received = self.tick().strftime("%Y-%m-%d %H:%M") if self.rng.random() < 0.5 else ""
            rows.append(
                f"Imported {self.files}-{i},imp{self.files}-{i}@firm-i{i}.de,Firm,{received}"
            )
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        report = import_file(
            self.db,
            path,
            source=self.rng.choice(["Bought list", "Web form"]),
            stage=self.rng.choice(["suspect", "inquiry", "sql", "customer"]),
        )
        if report.batch_id is not None:
            self.imports.append(report.batch_id)

    def undo_an_import(self) -> None:
        if self.imports:
            undo_import(self.db, self.imports.pop(), including_later_work=True)

    def edit_source(self) -> None:
        for cid in self.some(1):
            operations.edit_contact(self.db, cid, {"source": self.rng.choice(SOURCES[:-1])})

    def reorder(self) -> None:
        order = list(STAGES)
        i = self.rng.randrange(1, len(order) - 3)
        order[i], order[i + 1] = order[i + 1], order[i]
        operations.reorder_stages(self.db, order)

    def optional(self) -> None:
        operations.set_required(self.db, self.rng.choice(CRITERIA), self.rng.random() < 0.5)


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a shrink replays whole histories
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_random_histories_give_the_reference_numbers(
    db: Database, tmp_path: Path, seed: int
) -> None:
    """Each example goes on writing into the same database (a longer history each time)."""
    history = History(db, random.Random(seed), tmp_path)
    for i in range(60):
        history.step()
        if i % 15 == 14:
            assert_same(db)
    assert_same(db)


def test_the_bulk_update_of_the_sums_gives_the_same_numbers(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many changed keys at once (an import's contacts) are written by one executemany each:
    forced here for every refresh."""
    monkeypatch.setattr(aggregates, "BULK", 0)
    history = History(db, random.Random(20261201), tmp_path)
    for i in range(40):
        history.step()
        if i % 10 == 9:
            assert_same(db)


@pytest.mark.parametrize("seed", [20261203, 4711])
def test_random_histories_behind_are_brought_up_to_date_by_the_plain_read(
    db: Database, tmp_path: Path, seed: int
) -> None:
    """``winnow stats`` read with the driver alone first, every few steps, the rows behind:
    it takes the log's entries itself (sqlite3, or psycopg under PostgreSQL's write lock),
    gives the reference's numbers, and leaves the rows every row derived again gives. Rows of
    another definition (stages reordered, a criterion made optional) are the usual path's."""
    history = History(db, random.Random(seed), tmp_path)
    taken = 0
    for i in range(48):
        history.step()
        if i % 6 != 5:
            continue
        behind = derived_rows.logged(db)
        con = derived_rows.plain_connection(db)
        try:
            found = metrics.plain_stats(con, now=NOW)
        finally:
            con.close()
        if found is None:  # another definition: every row derived again, by the usual path
            metrics.compute_metrics(db, now=NOW)
            continue
        taken += behind > 0
        assert derived_rows.logged(db) == 0 and derived_rows.lock_free(db)
        expected: dict[str, Any] = {"total": 0, "stages": stages.stage_counts(db)}
        expected["total"] = sum(expected["stages"].values())
        expected.update(metrics.compute_metrics(db, now=NOW, reference=True).as_json())
        assert found[0] == expected and list(found[0]) == list(expected)
        refreshed = derived_rows.derived(db)
        with db.write_session() as s:  # every row derived again, the usual way
            s.execute(text("DELETE FROM metric_meta WHERE key = 'signature'"))
        metrics.compute_metrics(db, now=NOW)
        assert derived_rows.derived(db) == refreshed
    assert taken >= 4  # (most checks found entries to take)


def test_a_periods_median_counts_both_its_part_days(db: Database) -> None:
    """A period from noon to noon: the stays of the contacts that became inquiries in its first
    and last part-days (read one by one) are counted with those of its whole days (read from
    the sums) — two of them in the same bucket, one in each part-day."""
    day = datetime(2026, 6, 1)
    stays = [  # became an inquiry, days in Inquiry
        (day + timedelta(hours=13), 1.0),  # first part-day
        (day + timedelta(days=3, hours=1), 1.0),  # last part-day
        (day + timedelta(days=1, hours=9), 0.5),
        (day + timedelta(days=1, hours=10), 5.0),
        (day + timedelta(days=2, hours=8), 6.0),
    ]
    for i, (at, length) in enumerate(stays):
        cid = operations.create_contact(
            db, name=f"Part {i} Example", email=f"part{i}@example.de", stage="inquiry", at=at
        ).value
        operations.move_contacts(db, [cid], "mql", at=at + timedelta(days=length))
    since, until = day + timedelta(hours=12), day + timedelta(days=3, hours=12)
    found = metrics.dashboard_data(db, since=since, until=until, now=NOW).metrics
    assert found.median_days_in_stage["inquiry"] == 1.0  # 0.5 1.0 [1.0] 5.0 6.0
    assert_same(db)
    cases: list[dict[str, Any]] = [{"since": since, "until": until}, {"since": since}]
    for case in [*cases, {"until": until}]:
        new = metrics.dashboard_data(db, now=NOW, **case).metrics.as_json()
        assert new == metrics.dashboard_data(db, now=NOW, reference=True, **case).metrics.as_json()


def test_a_period_and_a_source_count_the_days_around_their_weeks(db: Database) -> None:
    """A period with a source picked, from a Saturday to a Tuesday three weeks on: its two whole
    weeks are read from the rows by week and source; the stays of the contacts that became
    inquiries on its Saturday and Sunday are the week before read whole less the days before
    the period's start, those of its Monday and Tuesday are added one by one — one of them
    received a day before it was moved into Inquiry (chosen by its time in the history). Stays
    outside the period or of another source count in none."""
    monday = datetime(2026, 6, 1)  # a Monday
    since, until = monday + timedelta(days=5, hours=12), monday + timedelta(days=22, hours=12)
    stays = [  # became an inquiry, source, days in Inquiry
        (monday + timedelta(days=2), "Fair", 0.25),  # before the period: out
        (monday + timedelta(days=5, hours=11), "Fair", 0.5),  # an hour before it: out
        (monday + timedelta(days=5, hours=13), "Fair", 1.0),  # its Saturday
        (monday + timedelta(days=6, hours=3), "Web", 2.0),  # another source: out
        (monday + timedelta(days=9), "Fair", 3.0),  # its whole weeks
        (monday + timedelta(days=17), "Fair", 8.0),
        (monday + timedelta(days=21, hours=9), "Fair", 5.0),  # its last Monday
        (monday + timedelta(days=22, hours=11), "Fair", 6.0),  # its last Tuesday
        (monday + timedelta(days=22, hours=13), "Fair", 0.1),  # after it: out
    ]
    for i, (at, source, length) in enumerate(stays):
        cid = operations.create_contact(
            db, name=f"Week {i} Example", email=f"week{i}@example.de", source=source, at=at
        ).value
        operations.move_contacts(db, [cid], "inquiry", at=at)
        operations.move_contacts(db, [cid], "mql", at=at + timedelta(days=length))
    # received the day before its move into Inquiry (its answer a day after that)
    late = stays[6][0]
    cid = operations.create_contact(
        db, name="Late Example", email="late@example.de", source="Fair", at=late
    ).value
    operations.log_activity(db, cid, "inquiry-received", at=late - timedelta(days=1))
    operations.move_contacts(db, [cid], "inquiry", at=late)
    operations.move_contacts(db, [cid], "mql", at=late + timedelta(days=7))
    found = metrics.dashboard_data(db, since=since, until=until, source="fair", now=NOW).metrics
    assert found.median_days_in_stage["inquiry"] == 5.5  # 1 3 [5 6] 7 8
    cases: list[dict[str, Any]] = [
        {"since": since, "until": until, "source": "fair"},
        {"since": since, "source": "fair"},
        {"until": until, "source": "fair"},
        {"since": late - timedelta(days=1, hours=2), "until": late, "source": "fair"},
    ]
    for case in cases:
        new = metrics.dashboard_data(db, now=NOW, **case).metrics.as_json()
        assert new == metrics.dashboard_data(db, now=NOW, reference=True, **case).metrics.as_json()


def test_a_long_period_takes_the_weeks_outside_from_every_year(db: Database) -> None:
    """A period holding most of the weeks with rows (26 weeks or this year of a young store)
    reads every year's rows and takes away the few weeks outside it, not each week inside;
    across a new year (a week in two years) and with a source, the same numbers as the
    reference; a short period reads its own weeks."""
    first = datetime(2025, 12, 1, 9, 0)  # a Monday
    for i in range(24):  # every four days to late February, stays of 0.5 to 12 days
        at = first + timedelta(days=4 * i, hours=i % 7)
        cid = operations.create_contact(
            db,
            name=f"Year {i} Example",
            email=f"year{i}@example.de",
            source=["Fair", "Web"][i % 2],
            at=at,
        ).value
        operations.move_contacts(db, [cid], "inquiry", at=at)
        operations.move_contacts(db, [cid], "mql", at=at + timedelta(days=0.5 + (i * 7) % 12))
        operations.log_activity(db, cid, "email-sent", at=at + timedelta(hours=1 + i % 5))
    since, until = datetime(2025, 12, 9, 15, 0), datetime(2026, 2, 17, 6, 0)
    cases: list[dict[str, Any]] = [
        {"since": since, "until": until},
        {"since": since},
        {"until": until, "cohort": True},
        {"since": since, "until": until, "source": "fair"},
        {"since": datetime(2025, 12, 30, 12, 0), "source": "web"},
        {"since": since, "until": since + timedelta(weeks=3)},
    ]
    for case in cases:
        new = metrics.dashboard_data(db, now=NOW, **case).metrics
        old = metrics.dashboard_data(db, now=NOW, reference=True, **case).metrics
        assert new.as_json() == old.as_json(), case
        assert new.median_days_in_stage["inquiry"] is not None, case
    with db.engine.connect() as conn:  # the rows derived by the reads above
        for stays in (True, False):
            kinds = [
                (part[0][0], part[3])
                for part in metrics._histogram(conn, since, until, None, stays).parts
            ]
            year, week = ("y", "w") if stays else ("x", "v")
            assert kinds == [(year, 1), (week, -1), (week, -1)]  # every year, less two weeks
            short = metrics._histogram(conn, since, since + timedelta(weeks=3), None, stays)
            assert [(p[0][0], p[3]) for p in short.parts] == [(week, 1)]


def test_a_median_among_many_equal_answers_is_the_references(db: Database) -> None:
    """Most answers take whole hours: a median in the bucket of 3 hours, which also holds one
    answer of 3.01 hours, counts the 3-hour answers that a period and a source select from the
    histograms' count (only the others in that bucket are read) — the reference's median."""
    at = datetime(2026, 6, 2, 9)
    # received i hours after ``at``, answered so many hours later; the last one another source
    hours = [1.0, 3.0, 3.0, 3.01, 3.0, 3.0, 40.0, 3.0, 2.0, 3.0]
    for i, h in enumerate(hours):
        source = "Web" if i < len(hours) - 1 else "Fair"
        cid = operations.create_contact(
            db, name=f"Answer {i} Example", email=f"answer{i}@example.de", source=source, at=at
        ).value
        operations.log_activity(db, cid, "inquiry-received", at=at + timedelta(hours=i))
        operations.log_activity(db, cid, "email-sent", at=at + timedelta(hours=i + h))
    cases: list[dict[str, Any]] = [
        {"source": "web"},  # 1 2 3 3 [3] 3 3 3.01 40
        {"source": "web", "since": at - timedelta(days=1)},  # the same
        {"source": "web", "since": at + timedelta(hours=2, minutes=30)},  # 2 3 [3 3] 3.01 40
        {"source": "web", "since": at + timedelta(hours=3, minutes=30)},  # 2 3 [3] 3 40
        {"since": at + timedelta(hours=3, minutes=30)},  # 2 3 [3 3] 3 40
    ]
    for case in cases:
        new = metrics.dashboard_data(db, now=NOW, **case).metrics
        assert new.median_first_response_hours == 3.0, case
        old = metrics.dashboard_data(db, now=NOW, reference=True, **case).metrics
        assert new.as_json() == old.as_json(), case


EDGES = [
    0.0,
    -3.5,
    2.0**-21,
    2.0**-20,
    math.nextafter(2.0**-20, 0),
    1.0,
    math.nextafter(1.0, 0),
    1.5,
    1 + 1 / 32,
    math.nextafter(1 + 1 / 32, 0),
    1 / 3,
    7.3,
    19.9991898145527,
    0.0428009261377156,
    2.0**21,
    math.nextafter(2.0**21, 0),
    1e12,
]


def test_a_value_is_in_the_same_bucket_in_sql_and_in_python(db: Database) -> None:
    """The medians count values by the bucket SQL gave them and read a bucket back by its
    bounds: both must agree to the last bit, at every edge (powers of two, 32nds of them)."""
    with db.session() as s:
        sql = aggregates.bucket_sql(s, "v")
        for value in EDGES:
            code = s.scalar(
                text(f"SELECT {sql} FROM (SELECT CAST(:v AS DOUBLE PRECISION) AS v) x"),
                {"v": value},
            )
            assert code == aggregates.bucket(value), value
            low, high = aggregates.bounds(int(code))
            assert (low is None or low <= value) and (high is None or value < high), value
            octave_low, octave_high = aggregates.bounds(aggregates.octave_of(int(code)), False)
            assert octave_low is None or octave_low <= (low or octave_low)
            assert octave_high is None or (high or octave_high) <= octave_high


def test_an_upgrade_derives_every_row_once(db: Database) -> None:
    """No record of what the rows were derived under (a database just upgraded to 0011, or
    one whose stages were reordered): the first read derives them all again."""
    cid = operations.create_contact(
        db, name="Ann Example", email="ann@example.de", stage="inquiry", source="Web", at=START
    ).value
    operations.move_contacts(db, [cid], "customer", at=START + timedelta(days=2))
    assert_same(db)
    with db.session() as s:
        s.execute(text("DELETE FROM metric_meta"))
        s.execute(text("DELETE FROM metric_contacts"))
        s.execute(text("DELETE FROM metric_dirty"))
    assert metrics.compute_metrics(db, now=NOW).customers == 1
    with db.session() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM metric_contacts")) == 1
        assert s.scalar(text("SELECT COUNT(*) FROM metric_meta")) == 1


def test_rows_derived_again_are_analyzed_on_postgresql(db: Database) -> None:
    """Every row derived again (the first read after an upgrade, a copy-to or a demo): on
    PostgreSQL the planner's statistics of the derived tables are taken at once, not when
    autovacuum comes by a minute or more later — the dashboard's first reads planned for
    empty tables scanned every row of a kind (20-50 ms a read at 100,000 contacts)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("statistics for the planner are PostgreSQL's")
    for i in range(3):
        cid = operations.create_contact(
            db, name=f"Ann {i}", email=f"a{i}@example.de", stage="inquiry", source="Web", at=START
        ).value
        operations.move_contacts(db, [cid], "customer", at=START + timedelta(days=2 + i))
    estimated = (
        "SELECT c.relname, c.reltuples FROM pg_class c"
        " WHERE c.relname IN ('metric_contacts', 'metric_stays', 'metric_days')"
    )
    with db.session() as s:
        s.execute(text("DELETE FROM metric_meta"))  # the next read derives every row again
    assert metrics.compute_metrics(db, now=NOW).customers == 3
    with db.session() as s:
        rows = {
            name: s.scalar(text(f"SELECT COUNT(*) FROM {name}"))
            for name in ("metric_contacts", "metric_stays", "metric_days")
        }
        assert all(rows.values())
        assert {str(n): int(t) for n, t in s.execute(text(estimated))} == rows


def test_many_entries_taken_vacuum_the_log_on_postgresql(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL every row derived again, or ``VACUUM_AFTER`` log entries or more taken,
    vacuums and analyzes the four derived tables at once (the deleted entries were walked by
    every read's ``MAX(id)`` until autovacuum came, and autovacuum's work came beside the next
    reads); a rebuild's statistics are then taken once, after its commit. A few entries do
    not. The numbers stay the reference's."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's deletes leave no row behind to vacuum")

    def vacuums() -> dict[str, tuple[int, int]]:
        with db.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT relname, vacuum_count, analyze_count FROM pg_stat_user_tables"
                    " WHERE relname IN ('metric_dirty', 'metric_days', 'metric_contacts',"
                    " 'metric_stays')"
                )
            )
            return {str(name): (int(v), int(a)) for name, v, a in found}

    def once_more(counts: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        return {name: (v + 1, a + 1) for name, (v, a) in counts.items()}

    ids = [
        operations.create_contact(
            db, name=f"Ann {i}", email=f"a{i}@example.de", stage="inquiry", source="Web", at=START
        ).value
        for i in range(3)
    ]
    assert_same(db)
    before = vacuums()
    operations.move_contacts(db, ids[:1], "customer", at=START + timedelta(days=2))
    assert_same(db)  # a few entries: no VACUUM
    assert vacuums() == before
    with db.session() as s:
        s.execute(text("DELETE FROM metric_meta"))  # the next read derives every row again
    assert_same(db)
    after = vacuums()
    assert len(after) == 4 and after == once_more(before)  # analyzed once, not twice
    monkeypatch.setattr(aggregates, "VACUUM_AFTER", 2)
    operations.move_contacts(db, ids[1:], "customer", at=START + timedelta(days=3))
    assert_same(db)  # two contacts' entries: at the (lowered) bar
    assert vacuums() == once_more(after)


def test_rows_of_the_version_before_lose_only_the_rows_by_day(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows derived under version 4 (migration 0023) are this version's and the rows per day
    besides: the first read deletes those and derives nothing again (at 1,000,000 contacts
    that would take ~30 s)."""
    history = History(db, random.Random(4), Path("."))
    for _ in range(30):
        history.create()
        history.move()
    assert_same(db)
    derived = sorted(map(tuple, _days(db)), key=repr)
    with db.session() as s:
        definition = metrics._anchors(s).definition()
        s.execute(
            text(
                "INSERT INTO metric_days (kind, day, source, max_pos, n, qualified, answered, "
                "decided, late, pending, amount) VALUES (:k, :d, NULL, 704, 3, 0, 0, 0, 0, 0, 0.0)"
            ),
            [{"k": k, "d": START.date()} for k in aggregates.DROPPED[4]],
        )
        s.execute(text("UPDATE metric_meta SET value = :v"), {"v": definition.signature(4)})

    def no_rebuild(*_args: Any) -> None:
        raise AssertionError("every row derived again")

    monkeypatch.setattr(aggregates, "rebuild", no_rebuild)
    assert_same(db)
    assert sorted(map(tuple, _days(db)), key=repr) == derived
    with db.session() as s:
        assert s.scalar(text("SELECT value FROM metric_meta")) == definition.signature()


def _days(db: Database) -> list[Any]:
    with db.session() as s:
        return list(s.execute(text("SELECT kind, day, source, max_pos, n FROM metric_days")))


def test_a_demo_leaves_its_metrics_derived(db: Database) -> None:
    """The demo derives the rows once, from its whole history, in its own transaction: the
    first dashboard or stats after ``winnow demo`` finds nothing to derive (at 1,000,000
    contacts it spent 15 s deriving the 2.5 million entries the demo had logged)."""
    from app.demo import generate_demo

    generate_demo(db, 200, seed=3)
    with db.session() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM metric_dirty")) == 0
        assert s.scalar(text("SELECT COUNT(*) FROM metric_contacts")) > 50
        assert s.scalar(text("SELECT COUNT(*) FROM metric_meta")) == 1
    now = utcnow()
    new = metrics.dashboard_data(db, now=now)
    old = metrics.dashboard_data(db, now=now, reference=True)
    assert new.metrics.as_json() == old.metrics.as_json()
    assert new.metrics.weeks == old.metrics.weeks and new.sources == old.sources
    generate_demo(db, 50, seed=4)  # a demo added to a store that has contacts: the same
    rows = "SELECT COUNT(*), SUM(contact_id) FROM metric_contacts"
    with db.session() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM metric_dirty")) == 0
        derived = s.execute(text(rows)).one()
        s.execute(text("DELETE FROM metric_meta"))  # every row derived again: the same rows
    assert (
        metrics.dashboard_data(db, now=now).metrics.as_json()
        == metrics.dashboard_data(db, now=now, reference=True).metrics.as_json()
    )
    with db.session() as s:
        assert s.execute(text(rows)).one() == derived


def test_every_write_path_names_the_contact(db: Database) -> None:
    """The triggers log a move, its undo, an answer, an edit of a watched field and a delete —
    and not an edit of a field the metrics do not read."""

    def logged() -> list[int]:
        with db.session() as s:
            rows = s.scalars(text("SELECT contact_id FROM metric_dirty ORDER BY id"))
            return [int(r) for r in rows]

    def drain() -> None:
        assert metrics.compute_metrics(db, now=NOW) is not None
        assert logged() == []

    cid = operations.create_contact(db, name="Bo Example", email="bo@example.de", at=START).value
    assert cid in logged()
    drain()
    operations.move_contacts(db, [cid], "inquiry", at=START + timedelta(hours=1))
    assert set(logged()) == {cid}
    drain()
    operations.undo_operation(db)
    assert set(logged()) == {cid}
    drain()
    operations.set_bant(db, cid, {"budget": "yes"})
    assert set(logged()) == {cid}
    drain()
    operations.edit_contact(db, cid, {"title": "Buyer"})
    assert logged() == []
    operations.edit_contact(db, cid, {"source": "Fair"})
    assert set(logged()) == {cid}
    drain()
    operations.delete_contacts(db, [cid])
    assert set(logged()) == {cid}
    drain()


def test_no_write_falls_back_to_the_reference(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows out of date and no write possible now (the file's check still running): the
    numbers are computed from the history instead, the same; the next read brings the rows up
    to date."""
    cid = operations.create_contact(
        db, name="Cy Example", email="cy@example.de", stage="inquiry", at=START
    ).value
    assert metrics.compute_metrics(db, now=NOW).inquiries == 1
    operations.move_contacts(db, [cid], "sql", at=START + timedelta(hours=2))
    a = _definition(db)
    monkeypatch.setattr(db, "writable_now", lambda: False)
    assert not aggregates.bring_up_to_date(db, a)
    assert metrics.compute_metrics(db, now=NOW).funnel[2].count == 1  # sql reached
    with db.session() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM metric_dirty")) == 1  # still to do
    monkeypatch.undo()
    assert aggregates.bring_up_to_date(db, a)
    assert_same(db)


def _definition(db: Database) -> aggregates.Definition:
    with db.session() as s:
        rows = s.execute(text("SELECT id, position, kind FROM stages")).all()
        inquiry = s.scalar(text("SELECT position FROM stages WHERE key = 'inquiry'"))
        customer = s.scalar(text("SELECT position FROM stages WHERE key = 'customer'"))
        deciding = s.scalars(text("SELECT id FROM bant_criteria WHERE required")).all()
    return aggregates.definition(int(inquiry), int(customer), deciding, rows)


def test_a_read_only_role_gets_the_same_numbers(
    db: Database, request: pytest.FixtureRequest
) -> None:
    """A PostgreSQL role that may only read (team mode's reader): the derived rows are out of
    date and it may not bring them up to date — it is given the numbers from the history, the
    same, and nothing is written or raised."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a role is PostgreSQL's")
    from tests.pg_roles import read_only_role

    cid = operations.create_contact(
        db, name="Di Example", email="di@example.de", stage="inquiry", source="Web", at=START
    ).value
    assert_same(db)
    operations.move_contacts(db, [cid], "customer", at=START + timedelta(days=3))  # logged
    cluster = request.getfixturevalue("postgresql_cluster")
    with read_only_role(cluster, db.url, f"reader{os.getpid()}") as url:
        reader = open_database(url)
        try:
            seen = metrics.dashboard_data(reader, now=NOW)
        finally:
            reader.close()
    with db.session() as s:
        assert s.scalar(text("SELECT COUNT(*) FROM metric_dirty")) == 1  # still to do
    assert seen.metrics.customers == 1
    assert seen.metrics.as_json() == metrics.dashboard_data(db, now=NOW).metrics.as_json()


# statements of a dashboard read of a period and a source (12 weeks of 'trade', the 200
# contacts of seed 3's demo), each a round trip to the server on PostgreSQL: the medians read
# the 64ths of every stage's octaves in one statement and the values of every stage's 64th in
# one more, a part's octaves with the weeks and sources it names in one (38 statements on
# PostgreSQL and 43 on SQLite before, three for each stage holding stays); PostgreSQL's count
# has two that set its reads without parallel workers. SQLite reads through the driver in one
# transaction (the import check, stages, criteria and the rows' currency with the numbers:
# app.metrics._compute_plain), and the medians on a second connection (20 before, in two)
_DASHBOARD_STATEMENTS = {"postgresql": 20, "sqlite": 19}


def test_the_medians_of_every_stage_are_read_in_a_few_statements(db: Database) -> None:
    """The dashboard's read of a period and a source takes the same few statements however
    many stages hold stays (each a round trip to the server on PostgreSQL), and gives the
    reference's numbers."""
    from sqlalchemy import event

    from app.demo import generate_demo

    now = datetime(2026, 11, 20, 9, 30, 7)
    generate_demo(db, 200, seed=3, now=now)
    period: dict[str, Any] = {"since": now - timedelta(weeks=12), "source": "trade", "now": now}
    metrics.dashboard_data(db, **period)  # the derived rows brought up to date
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    def traced(dbapi_conn: Any, *_args: object) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    # on SQLite the derived rows are read on the driver's connection (app.aggregates.
    # driver_reads), past SQLAlchemy's events: every statement the driver runs is counted
    sqlite = db.engine.dialect.name == "sqlite"
    listener: Any = ("checkout", traced) if sqlite else ("before_cursor_execute", record)
    event.listen(db.engine, *listener)
    try:
        data = metrics.dashboard_data(db, **period)
    finally:
        event.remove(db.engine, *listener)
    # (on SQLite the reads themselves: a transaction's BEGIN and end, and the checkpoint a
    # background thread may run after a commit, are the driver's)
    done = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")
    counted = len([x for x in seen if not (sqlite and x.startswith(done))])
    stages = [k for k, v in data.metrics.median_days_in_stage.items() if v is not None]
    assert len(stages) >= 4, data.metrics.median_days_in_stage
    assert data.metrics.median_first_response_hours is not None
    assert counted == _DASHBOARD_STATEMENTS[db.engine.dialect.name], seen
    reference = metrics.dashboard_data(db, reference=True, **period)
    assert data.metrics.as_json() == reference.metrics.as_json()
    assert (data.sla_hours, data.sources) == (reference.sla_hours, reference.sources)
