"""Activities: what happened with a contact, each timestamped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import hooks
from app.errors import NotFound, UnknownContact, UsageError
from app.identity import actor_in
from app.timeutil import iso, utcnow
from db.engine import Database
from db.models import Activity, Contact

# type key -> label shown to the user (order = menu order)
ACTIVITY_TYPES: dict[str, str] = {
    "inquiry-received": "Inquiry received",
    "content-downloaded": "Content downloaded",
    "webinar-attended": "Webinar attended",
    "demo-requested": "Demo requested",
    "asked-for-sales": "Asked for sales contact",
    "email-sent": "E-mail sent",
    "call": "Call",
    "meeting": "Meeting",
    "note": "Note",
}

# what counts as answering an inquiry
OUTBOUND_TYPES = ("email-sent", "call", "meeting")

# the prospect's own first contact (seeds 001 and 003: the first inbound contact *is* the
# inquiry): logged on a Suspect, any of these makes it an Inquiry and starts its response clock
INBOUND_TYPES = (
    "inquiry-received",
    "content-downloaded",
    "webinar-attended",
    "demo-requested",
    "asked-for-sales",
)


@dataclass(frozen=True)
class ActivityInfo:
    id: int
    contact_id: int
    type: str
    at: datetime
    note: str | None
    created_by: str | None = None  # who logged it (app.identity)

    @property
    def label(self) -> str:
        return ACTIVITY_TYPES.get(self.type, self.type)


def check_type(activity_type: str) -> None:
    if activity_type not in ACTIVITY_TYPES:
        raise UsageError(
            f"unknown activity type {activity_type!r}; valid types: {', '.join(ACTIVITY_TYPES)}"
        )


# how far ahead an activity may be dated (clocks differ; what is planned is a task)
MAX_AHEAD = timedelta(days=1)


def check_time(at: datetime | None) -> None:
    """Refuse an activity dated more than a day ahead (past dates are fine: an inquiry that
    came in before the contact was imported is logged at its own time)."""
    if at is not None and at > utcnow() + MAX_AHEAD:
        raise UsageError(
            f"{iso(at)} is more than a day ahead; log what happened, and plan what will "
            "happen as a task"
        )


def log_activity(
    db: Database,
    contact_id: int,
    activity_type: str,
    at: datetime | None = None,
    note: str | None = None,
) -> ActivityInfo:
    """Record an activity and return it."""
    with db.session() as s:
        return log_in(s, contact_id, activity_type, at=at, note=note)


def log_in(
    s: Session,
    contact_id: int,
    activity_type: str,
    at: datetime | None = None,
    note: str | None = None,
) -> ActivityInfo:
    check_type(activity_type)
    check_time(at)
    if s.get(Contact, contact_id) is None:
        raise UnknownContact(contact_id)
    act = Activity(
        contact_id=contact_id,
        type=activity_type,
        at=at or utcnow(),
        note=(note or "").strip() or None,
        created_by=actor_in(s),
    )
    s.add(act)
    s.flush()
    hooks.contacts_changed(s, [contact_id], what="activity")
    return ActivityInfo(act.id, contact_id, act.type, act.at, act.note, act.created_by)


def delete_activity(db: Database, activity_id: int) -> None:
    """Remove an activity (a mistakenly logged e-mail no longer answers the inquiry); the
    follow-up times and the score follow."""
    with db.session() as s:
        act = s.get(Activity, activity_id)
        if act is not None:
            contact_id = act.contact_id
            _forget_received(s, act)
            s.delete(act)
            s.flush()
            hooks.contacts_changed(s, [contact_id], what="activity")


def get_activity(db: Database, activity_id: int) -> ActivityInfo:
    with db.session() as s:
        act = s.get(Activity, activity_id)
        if act is None:
            raise NotFound(f"no activity {activity_id}")
        return ActivityInfo(act.id, act.contact_id, act.type, act.at, act.note)


_UNCHANGED: Any = object()


def edit_activity(
    db: Database,
    activity_id: int,
    *,
    activity_type: str | None = None,
    at: datetime | None = None,
    note: Any = _UNCHANGED,
) -> ActivityInfo:
    """Correct an activity's type, time or note (``note=None`` clears it); the follow-up
    times, the score and — for a new inbound activity on a Suspect — the stage follow."""
    if activity_type is not None:
        check_type(activity_type)
    check_time(at)
    with db.session() as s:
        act = s.get(Activity, activity_id)
        if act is None:
            raise NotFound(f"no activity {activity_id}")
        _forget_received(s, act)
        if activity_type is not None:
            act.type = activity_type
        if at is not None:
            act.at = at
        if note is not _UNCHANGED:
            act.note = (note or "").strip() or None
        s.flush()
        hooks.contacts_changed(s, [act.contact_id], what="activity")
        return ActivityInfo(act.id, act.contact_id, act.type, act.at, act.note)


def _forget_received(s: Session, act: Activity) -> None:
    """A received time stored from this inbound activity goes with it (the scoring handler
    finds the contact's received time again from what remains)."""
    if act.type in INBOUND_TYPES:
        s.execute(
            update(Contact)
            .where(Contact.id == act.contact_id, Contact.received_at == act.at)
            .values(received_at=None)
        )


def list_activities(db: Database, contact_id: int) -> list[ActivityInfo]:
    """The contact's activities, oldest first."""
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise UnknownContact(contact_id)
        rows = s.execute(
            select(
                Activity.id,
                Activity.contact_id,
                Activity.type,
                Activity.at,
                Activity.note,
                Activity.created_by,
            )
            .where(Activity.contact_id == contact_id)
            .order_by(Activity.at, Activity.id)
        )
        return [ActivityInfo(*r) for r in rows]
