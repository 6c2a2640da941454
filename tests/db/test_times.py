"""Times on SQLite are seconds since 1970 (``db.times``): every time Winnow accepts reads back
as it was written, sorts and compares in SQL as the times do, and a ``DateTime`` bound to
plain ``text()`` SQL is stored the same way."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import DateTime, bindparam, select, text

from db import times
from db.engine import open_database
from db.models import Activity, Contact


def _samples(seed: int, n: int) -> list[datetime]:
    rng = random.Random(seed)
    lo, hi = datetime(1700, 1, 1), datetime(2241, 12, 31)
    span = int((hi - lo).total_seconds())
    out = [lo + timedelta(seconds=rng.randrange(span)) for _ in range(n)]
    out += [v.replace(microsecond=rng.randrange(1_000_000)) for v in out[: n // 2]]
    out += [
        datetime(1970, 1, 1),
        datetime(1969, 12, 31, 23, 59, 59, 999_999),
        datetime(1970, 1, 1, 0, 0, 0, 1),
        datetime(1900, 1, 1),
        datetime(2999, 12, 31, 23, 59, 59),
        datetime(2026, 6, 27, 6, 36, 51),
        datetime(2026, 6, 27, 6, 36, 51, 500_000),
    ]
    return out


def _by_hand(value: datetime) -> datetime:
    return times.EPOCH + timedelta(seconds=int(times.to_number(value)))


def test_every_time_reads_back_as_written() -> None:
    for value in _samples(1, 20_000):
        stored = times.to_number(value)
        assert isinstance(stored, int) == (value.microsecond == 0)
        assert times.from_number(stored) == value
        assert times.from_stored(stored) == value
        whole = value.replace(microsecond=0)
        assert times.from_stored(times.to_number(whole)) == whole == _by_hand(whole)
    # an aware time is stored by its own clock, as the text was
    aware = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert times.to_number(aware) == times.to_number(datetime(2026, 3, 1, 10, 0))


def test_sql_orders_and_compares_as_the_times(tmp_path: Path) -> None:
    db = open_database(tmp_path / "t.sqlite")
    try:
        values = _samples(2, 400)
        with db.write_session() as s:
            c = Contact(first_name="T", created_at=values[0], stage_id=1)
            s.add(c)
            s.flush()
            s.add_all(Activity(contact_id=c.id, type="note", at=v) for v in values)
        with db.session() as s:
            kinds = set(s.execute(text("SELECT DISTINCT typeof(at) FROM activities")).scalars())
            assert kinds == {"integer", "real"}
            ordered = list(s.execute(select(Activity.at).order_by(Activity.at)).scalars())
            assert ordered == sorted(values)
            middle = sorted(values)[len(values) // 2]
            # a datetime passed to text() SQL is stored and compared the same way
            later = s.execute(
                text("SELECT count(*) FROM activities WHERE at > :t"), {"t": middle}
            ).scalar()
            typed = s.execute(
                text("SELECT count(*) FROM activities WHERE at > :t").bindparams(
                    bindparam("t", type_=DateTime())
                ),
                {"t": middle},
            ).scalar()
            assert later == typed == sum(v > middle for v in values)
            days: dict[int, str] = dict(
                s.execute(text(f"SELECT id, {times.day_sql('sqlite', 'at')} FROM activities")).all()
            )
            got = {a.id: a.at for a in s.scalars(select(Activity).order_by(Activity.id))}
            assert all(days[i] == got[i].date().isoformat() for i in got)
    finally:
        db.close()
