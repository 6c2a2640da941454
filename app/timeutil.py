"""Times: stored as naive UTC, shown and parsed as ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def to_utc_naive(value: datetime) -> datetime:
    """A naive value is taken as local time (as a user types it); aware ones are converted."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(UTC).replace(tzinfo=None)


# Times Winnow accepts: wide enough for any contact's history and plans, far enough from
# datetime's limits (years 1 and 9999) that converting to any time zone or adding a few years
# of follow-up never overflows.
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2999, 12, 31, 23, 59, 59)


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time into naive UTC. Raises ValueError with a clear text
    (also for a time outside 1900-2999)."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"not an ISO 8601 date or time: {text!r} (e.g. 2026-03-14 or 2026-03-14T09:30)"
        ) from None
    out_of_range = ValueError(f"{raw!r} is out of range: Winnow takes times from 1900 to 2999")
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise out_of_range
    try:
        utc = to_utc_naive(value)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise out_of_range from None
    if not EARLIEST <= utc <= LATEST:
        raise out_of_range
    return utc


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset, or None."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).isoformat()


def local_text(
    value: datetime | None, with_time: bool = True, *, with_seconds: bool = False
) -> str:
    """A stored UTC time as the user's local time, for display."""
    if value is None:
        return ""
    local = value.replace(tzinfo=UTC).astimezone()
    if not with_time:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")
