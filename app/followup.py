"""Follow-up: every inquiry has a response due time, the first outbound activity answers it.

- received = the earliest inbound activity (inquiry received, content downloaded, webinar
  attended, demo requested, asked for sales), else the first time the contact was moved into
  the Inquiry stage (undone moves do not count); a received time typed by the user or an
  import is kept when it is earlier.
- response due = the earliest of each inbound activity's time + the SLA of its kind (setting
  ``followup.sla_by_kind``; defaults: demo requested and asked for sales 1 h, webinar 48 h,
  content downloaded 72 h; inquiry received: the general SLA, ``followup.sla_hours``, default
  24 h) and, when the contact became an inquiry before any inbound activity (a move, a typed
  or imported date), that time + the general SLA.
- first response = the first outbound activity (e-mail sent, call, meeting) at or after received
  (an outbound e-mail before the inquiry was a campaign, not an answer); for a contact without
  a received time, simply the first outbound activity.

The values are kept on the contact row by the scoring handler (``app.scoring``), set-based.
The follow-up queues (listed in ``app.queues``): ``awaiting``,
``overdue`` (both only for contacts in pipeline stages: a customer, a nurtured or a
disqualified contact is no longer waiting) and ``today`` (next action today or earlier, local
time), plus ``sales-ready``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from app import hooks
from app.errors import UnknownContact, UsageError
from app.settings import get_setting, set_setting
from app.timeutil import utcnow
from app.values import follow_up_state as follow_up_state  # the list's marks (no SQLAlchemy)
from db.engine import Database
from db.models import Contact, Stage

SLA_SETTING = "followup.sla_hours"
DEFAULT_SLA_HOURS = 24.0
# hours to answer each kind of inbound activity; "inquiry-received" follows SLA_SETTING
SLA_BY_KIND_SETTING = "followup.sla_by_kind"
DEFAULT_SLA_BY_KIND: dict[str, float] = {
    "demo-requested": 1.0,
    "asked-for-sales": 1.0,
    "webinar-attended": 48.0,
    "content-downloaded": 72.0,
}

QUICK_PICKS = {
    "today": "Today",
    "tomorrow": "Tomorrow",
    "next-week": "Next week (Monday)",
    "next-month": "In a month",
}


def sla_hours(db: Database) -> float:
    return clean_sla(get_setting(db, SLA_SETTING, DEFAULT_SLA_HOURS))


def clean_sla(value: Any) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return DEFAULT_SLA_HOURS
    return hours if hours > 0 else DEFAULT_SLA_HOURS


def set_sla_hours(db: Database, hours: float) -> None:
    """Change the SLA; run ``app.scoring.recompute_all`` afterwards to move every due time."""
    if not hours or hours <= 0:
        raise UsageError("the response time (SLA) must be more than 0 hours")
    set_setting(db, SLA_SETTING, float(hours))


def clean_sla_by_kind(value: Any) -> dict[str, float]:
    """The stored per-kind SLAs over the defaults (unknown kinds and bad values ignored)."""
    out = dict(DEFAULT_SLA_BY_KIND)
    if isinstance(value, dict):
        for kind, hours in value.items():
            number = isinstance(hours, int | float) and not isinstance(hours, bool)
            if kind in DEFAULT_SLA_BY_KIND and number and hours > 0:
                out[kind] = float(hours)
    return out


def sla_by_kind(db: Database) -> dict[str, float]:
    """Hours to answer each kind of inbound activity (inquiry received: the general SLA)."""
    out = clean_sla_by_kind(get_setting(db, SLA_BY_KIND_SETTING))
    return {"inquiry-received": sla_hours(db), **out}


def set_sla_by_kind(db: Database, hours: dict[str, float]) -> None:
    """Change the SLA of some kinds of inbound activity (``inquiry-received`` sets the general
    SLA); run ``app.scoring.recompute_all`` afterwards."""
    stored = clean_sla_by_kind(get_setting(db, SLA_BY_KIND_SETTING))
    for kind, value in hours.items():
        if kind != "inquiry-received" and kind not in DEFAULT_SLA_BY_KIND:
            known = ", ".join(["inquiry-received", *DEFAULT_SLA_BY_KIND])
            raise UsageError(f"no response time for {kind!r}; kinds: {known}")
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise UsageError(f"the response time for {kind} must be more than 0 hours")
        if kind == "inquiry-received":
            set_sla_hours(db, float(value))
        else:
            stored[kind] = float(value)
    set_setting(db, SLA_BY_KIND_SETTING, stored)


# --- the times, worked out for one contact (pure) -----------------------------------------


_SPANS: dict[float, timedelta] = {}  # the SLAs in hours, as timedeltas (a handful)


def _hours(hours: float) -> timedelta:
    span = _SPANS.get(hours)
    if span is None:
        if len(_SPANS) > 64:
            _SPANS.clear()
        span = _SPANS[hours] = timedelta(hours=hours)
    return span


def follow_up_times(
    inquiry_activities: Iterable[datetime],
    inquiry_moves: Iterable[tuple[datetime, bool]],
    outbound: Iterable[datetime],
    stored_received: datetime | None,
    sla: float,
    inbound: Iterable[tuple[datetime, float]] = (),
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(received, response due, first response) for one contact.

    ``inquiry_activities`` are answered within ``sla`` hours, ``inbound`` are (at, hours) of
    inbound activities with the SLA of their kind. ``inquiry_moves`` are (at, undone) of the
    moves into the Inquiry stage; a stored received time equal to an undone move came from
    that move and is dropped with it. The response is due at the earliest deadline: each
    inbound activity's own, and — when the contact became an inquiry before any inbound
    activity (a move, a typed or imported date) — that time + ``sla``.
    """
    sla = float(sla)
    deadlines = [(at, sla) for at in inquiry_activities]
    deadlines += [(at, float(hours)) for at, hours in inbound]
    # received: the earliest candidate, found without gathering them all; the first response
    # without sorting the answers (a full recompute asks for half a million contacts' times)
    earliest_inbound = min([at for at, _h in deadlines]) if deadlines else None
    received = earliest_inbound
    undone: set[datetime] = set()
    for at, was_undone in inquiry_moves:
        if was_undone:
            undone.add(at)
        elif received is None or at < received:
            received = at
    if (
        stored_received is not None
        and stored_received not in undone
        and (received is None or stored_received < received)
    ):
        received = stored_received
    due = None
    if received is not None:
        ends = [at + _hours(hours) for at, hours in deadlines]
        if earliest_inbound is None or received < earliest_inbound:
            ends.append(received + _hours(sla))
        due = min(ends)
        first = min([a for a in outbound if a >= received], default=None)
    else:
        first = min(outbound, default=None)
    return received, due, first


# --- local days ------------------------------------------------------------------------


def local_now(now_utc: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """The aware local time for a naive UTC time (``tz`` None: the computer's zone)."""
    return (now_utc or utcnow()).replace(tzinfo=UTC).astimezone(tz)


def local_midnight_utc(day: date, tz: tzinfo | None = None) -> datetime:
    """00:00 local on ``day`` as naive UTC (daylight-saving aware)."""
    if tz is None:
        start = datetime.combine(day, time(0)).astimezone()  # naive → system local zone
    else:
        start = datetime.combine(day, time(0), tzinfo=tz)
    return start.astimezone(UTC).replace(tzinfo=None)


def end_of_today_utc(now_utc: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """The first instant of tomorrow, local time, as naive UTC (``today`` is before it)."""
    today = local_now(now_utc, tz).date()
    return local_midnight_utc(today + timedelta(days=1), tz)


def quick_pick_day(choice: str, today: date) -> date:
    """The day a quick pick means: today, tomorrow, next-week (next Monday), next-month (the
    same day next month, or its last day)."""
    if choice == "today":
        return today
    if choice == "tomorrow":
        return today + timedelta(days=1)
    if choice == "next-week":
        return today + timedelta(days=7 - today.weekday())
    if choice in ("next-month", "in-a-month"):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    raise UsageError(f"unknown choice {choice!r}; use {', '.join(QUICK_PICKS)} or a date")


def quick_pick(choice: str, now_utc: datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """A quick pick as the stored value: the start of that local day, naive UTC."""
    return local_midnight_utc(quick_pick_day(choice, local_now(now_utc, tz).date()), tz)


def parse_next_action(text: str, now_utc: datetime | None = None) -> datetime | None:
    """``none``, a quick pick, or an ISO date/time (local) → the stored value."""
    value = text.strip().lower()
    if value in ("none", "clear", ""):
        return None
    if value in QUICK_PICKS or value == "in-a-month":
        return quick_pick(value, now_utc)
    from app.timeutil import parse_iso

    try:
        return parse_iso(text)
    except ValueError as exc:
        raise UsageError(f"{exc}; or use none, {', '.join(QUICK_PICKS)}") from None


def set_next_action(
    db: Database, contact_ids: Sequence[int], when: datetime | None
) -> dict[int, datetime | None]:
    """Set (or clear) the next-action date; returns each contact's old value (for undo).

    The next action is the first open task (``app.todo``): setting it moves that task (or adds
    a "Next action" to-do), clearing it marks that task done."""
    from app.todo import set_next_action_in

    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    with db.session() as s:
        old: dict[int, datetime | None] = {}
        for i in range(0, len(ids), 900):
            old.update(
                s.execute(
                    select(Contact.id, Contact.next_action_at).where(
                        Contact.id.in_(ids[i : i + 900])
                    )
                ).all()
            )
        missing = [i for i in ids if i not in old]
        if missing:
            raise UnknownContact(missing[0])
        set_next_action_in(s, ids, when)
    return old


def restore_next_action(db: Database, old: dict[int, datetime | None]) -> None:
    with db.session() as s:
        for cid, value in old.items():
            s.execute(update(Contact).where(Contact.id == cid).values(next_action_at=value))
        s.flush()
        hooks.contacts_changed(s, list(old))


# --- queues ----------------------------------------------------------------------------


def _in_pipeline() -> ColumnElement[bool]:
    return Contact.stage_id.in_(select(Stage.id).where(Stage.kind == "pipeline"))


def _unanswered() -> list[ColumnElement[bool]]:
    """A due time and no response yet: the condition of the partial index
    ``ix_contacts_awaiting`` (migration 0014), in the words it is written in there — SQLite
    reads a partial index only for a query that states its condition term by term."""
    return [Contact.response_due_at.is_not(None), Contact.first_response_at.is_(None)]


def awaiting_condition(now: datetime) -> ColumnElement[bool]:
    """Due time set, no response yet (sort the view by ``response_due``)."""
    return and_(*_unanswered(), _in_pipeline())


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """An inquiry past its response due time without an answer, or an open task due on an
    earlier day (``app.todo``). The inquiries are read in ``ix_contacts_awaiting``'s range of
    due times before now; the tasks in ``ix_contacts_next_action``'s."""
    from app.todo import overdue_task_condition

    return or_(
        and_(*_unanswered(), Contact.response_due_at < now, _in_pipeline()),
        overdue_task_condition(now),
    )


def today_condition(now: datetime) -> ColumnElement[bool]:
    return and_(Contact.next_action_at.is_not(None), Contact.next_action_at < end_of_today_utc(now))


def sales_ready_condition(now: datetime) -> ColumnElement[bool]:
    """Sales-ready contacts still before Sales qualified: the ones to promote."""
    from app.scoring import promotable_stage_ids

    return and_(Contact.sales_ready.is_(True), Contact.stage_id.in_(promotable_stage_ids()))


def marketing_ready_condition(now: datetime) -> ColumnElement[bool]:
    """A score at the threshold without the answers: proposed for Marketing qualified."""
    from app.scoring import marketing_ready_condition as condition

    return condition(now)


QUEUES: dict[str, tuple[str, Callable[[datetime], ColumnElement[bool]]]] = {
    "awaiting": ("Awaiting response", awaiting_condition),
    "overdue": ("Overdue", overdue_condition),
    "today": ("Today", today_condition),
    "sales-ready": ("Sales-ready", sales_ready_condition),
    "marketing-ready": ("Marketing-ready", marketing_ready_condition),
}


def overdue_count(db: Database, now: datetime | None = None) -> int:
    """How many inquiries are past their response due time without an answer (status bar)."""
    with db.session() as s:
        return int(
            s.scalar(
                select(func.count()).select_from(Contact).where(overdue_condition(now or utcnow()))
            )
            or 0
        )


def queue_counts(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Contacts in each follow-up queue (sidebar badges)."""
    when = now or utcnow()
    with db.session() as s:
        return {
            name: int(s.scalar(select(func.count()).select_from(Contact).where(fn(when))) or 0)
            for name, (_label, fn) in QUEUES.items()
        }
