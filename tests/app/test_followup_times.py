"""app.followup.follow_up_times, the pure function every rescore calls, against the plain
statement of its rules (the code before it was made faster): random activities, moves into
Inquiry (some undone, some at the same time as another) and stored received times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.followup import follow_up_times

T0 = datetime(2026, 3, 2, 9, 0)


def reference(
    inquiry_activities: Iterable[datetime],
    inquiry_moves: Iterable[tuple[datetime, bool]],
    outbound: Iterable[datetime],
    stored_received: datetime | None,
    sla: float,
    inbound: Iterable[tuple[datetime, float]] = (),
) -> tuple[datetime | None, datetime | None, datetime | None]:
    moves = list(inquiry_moves)
    undone = {at for at, was_undone in moves if was_undone}
    deadlines = [(at, float(sla)) for at in inquiry_activities]
    deadlines += [(at, float(hours)) for at, hours in inbound]
    candidates = [at for at, _h in deadlines]
    candidates += [at for at, was_undone in moves if not was_undone]
    if stored_received is not None and stored_received not in undone:
        candidates.append(stored_received)
    received = min(candidates) if candidates else None
    due = None
    if received is not None:
        ends = [at + timedelta(hours=hours) for at, hours in deadlines]
        if not deadlines or received < min(at for at, _h in deadlines):
            ends.append(received + timedelta(hours=sla))
        due = min(ends)
    answers = sorted(outbound)
    if received is not None:
        answers = [a for a in answers if a >= received]
    first = answers[0] if answers else None
    return received, due, first


# few distinct times, so that moves, activities and the stored time often coincide
times = st.integers(0, 40).map(lambda h: T0 + timedelta(hours=h))
hours = st.sampled_from([1, 1.0, 0.5, 1 / 3, 24, 48.0, 72])


@settings(max_examples=600, deadline=None)
@given(
    st.lists(times, max_size=3),
    st.lists(st.tuples(times, st.booleans()), max_size=4),
    st.lists(times, max_size=4),
    st.none() | times,
    hours,
    st.lists(st.tuples(times, hours), max_size=3),
)
def test_follow_up_times_as_stated(
    inquiry: list[datetime],
    moves: list[tuple[datetime, bool]],
    outbound: list[datetime],
    stored: datetime | None,
    sla: float,
    inbound: list[tuple[datetime, float]],
) -> None:
    assert follow_up_times(inquiry, moves, outbound, stored, sla, inbound) == reference(
        inquiry, moves, outbound, stored, sla, inbound
    )
    # the iterables may be read once only (generators)
    assert follow_up_times(
        iter(inquiry), iter(moves), iter(outbound), stored, sla, iter(inbound)
    ) == reference(inquiry, moves, outbound, stored, sla, inbound)
