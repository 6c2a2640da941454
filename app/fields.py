"""A contact's editable fields and the one rule each value must pass to be stored.

The edit form, the new-contact dialog, ``create_contact``/``update_contact`` (the CLI and any
caller of the API) and the import all clean values with :func:`clean_value` /
:func:`clean_fields`, so a value is stored the same way, or refused for the same reason,
whichever way it comes in. Where they differ is only what a refusal does: the form shows the
reason and keeps the value unsaved; the import leaves the field empty, keeps the text as a
labelled extra value (not for websites, see below) and reports a warning for the row.

The rules, by kind:

- **text** — one line, runs of whitespace (tabs, line breaks, no-break spaces) become one
  space; ``notes`` keep their line breaks (``\\r\\n`` → ``\\n``). Empty becomes None.
- **email** — one address: trimmed, ``mailto:`` and surrounding ``<>`` removed; refused when it
  has spaces or invisible characters, no ``@``, nothing before or after the ``@``, or more than
  254 characters. An address that has that shape but that email-validator rejects
  (``anna@acme``, ``bob@@acme.de``) *is* stored: go-look classes it ``invalid`` with the reason
  (red in the list, −25 in the score), the import reports it as a warning and the form asks
  once before saving it (:func:`field_doubt`). Refusing it would lose the person an import
  brings in (issue 3: the person is real) and hide the evidence that the lead is doubtful.
- **phone** — international format when ``phonenumbers`` can parse it without a region and it
  is a possible number, else the text as typed (one line). Never refused.
- **url** (website) — only an ``http``/``https`` web address; a bare domain becomes
  ``https://…``. Everything else is refused: other schemes (``file:``, ``smb:``, ``javascript:``,
  ``mailto:``…), paths, IP addresses, user names or passwords in the address, spaces or
  invisible characters (the full rule: :mod:`app.links`). A refused website is not kept as an
  extra value either — it is named in the import's warnings.
- **int** (company size, a head count) — a whole number from 0 to 10,000,000. Digits may be
  grouped in threes by a space, no-break space, apostrophe, period or comma (``1 000``,
  ``1.000``, ``1,000``, ``1'000``; ``25.000,00``); a fraction is refused unless it is zero
  (``12.5`` is not a head count, ``1.200`` is twelve hundred). A range or an open end counts as
  its lower bound (``50-200``, ``50–200``, ``50 to 200`` → 50; ``10,000+`` → 10000), words
  without digits around the number are ignored (``ca. 80``, ``80 employees``). Anything else
  (``viele``, ``Q3 2023``, ``-5``) is refused.
- **datetime** — ISO 8601 (``2026-03-14`` or ``2026-03-14T09:30``), local time unless an
  offset is given; stored as naive UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.errors import UsageError
from app.links import UnsafeLink, web_address

# Fields a user (or an import) may set directly, with their kind for validation.
EDITABLE_FIELDS: dict[str, str] = {
    "first_name": "text",
    "last_name": "text",
    "email": "email",
    "phone": "phone",
    "company": "text",
    "title": "text",
    "website": "url",
    "city": "text",
    "country": "text",
    "industry": "text",
    "company_size": "int",
    "source": "text",
    "tags": "text",
    "notes": "text",
    "next_action_at": "datetime",
    "received_at": "datetime",
}

FIELD_LABELS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail",
    "phone": "Phone",
    "company": "Company",
    "title": "Job title",
    "website": "Website",
    "city": "City",
    "country": "Country",
    "industry": "Industry",
    "company_size": "Company size",
    "source": "Source",
    "tags": "Tags",
    "notes": "Notes",
    "next_action_at": "Next action",
    "received_at": "Received",
}

MULTILINE_FIELDS = frozenset({"notes"})
MAX_EMAIL_LENGTH = 254
MAX_HEAD_COUNT = 10_000_000


class ValidationError(UsageError):
    """A field value that cannot be stored; ``field`` names it for the form, ``reason`` says
    why without the field's label (for an import's warning)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{FIELD_LABELS.get(field_name, field_name)}: {message}")
        self.field = field_name
        self.reason = message


def clean_value(name: str, value: Any) -> Any:
    """``value`` as stored in field ``name`` (None for empty), or :class:`ValidationError`."""
    cleaner = _CLEANERS.get(name)
    if cleaner is None:
        raise ValidationError(name, "not an editable field")
    if value is None:
        return None
    try:
        return cleaner(value)
    except UnsafeLink as exc:
        raise ValidationError(name, exc.reason) from None
    except ValueError as exc:
        raise ValidationError(name, str(exc)) from None


def clean_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value cleaned by :func:`clean_value`; the first refusal raises."""
    return {name: clean_value(name, value) for name, value in values.items()}


def field_doubt(name: str, value: Any) -> str | None:
    """Why a value that is stored anyway looks wrong (an e-mail address email-validator
    rejects), or None. The form asks once before saving such a value; the import warns."""
    if name != "email" or not value:
        return None
    from app.golook.classify import address_verdict

    valid, reason, _registrable, _class = address_verdict(str(value))
    return None if valid else (reason or "not a valid e-mail address")


def normalize_phone(raw: str, region: str | None = None) -> str:
    """International format when ``phonenumbers`` can parse it; else the text as typed."""
    import phonenumbers  # (0.02 s to import: when a phone number is written, not on reads)

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw.strip()
    if not phonenumbers.is_possible_number(number):
        return raw.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def head_count(text: str) -> int:
    """A head count from text by the rule in the module docstring; ValueError says why not."""
    match = _HEAD_COUNT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a whole number: {text.strip()!r}")
    if match["before"].rstrip().endswith(("-", "\u2212")):
        raise ValueError("cannot be negative")
    low = _whole(match["low"], text)
    if match["high"] is not None and _whole(match["high"], text) < low:
        raise ValueError(f"a range goes from the smaller number to the larger: {text.strip()!r}")
    if low > MAX_HEAD_COUNT:
        raise ValueError(f"more than {MAX_HEAD_COUNT:,} people is not a company size")
    return low


# --- the cleaners, one per kind -------------------------------------------------------------


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) or None


def _multiline(value: Any) -> str | None:
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip() or None


def _email(value: Any) -> str | None:
    text = str(value).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    if text[:1] == "<" and text[-1:] == ">":
        text = text[1:-1].strip()
    if not text:
        return None
    if " " in text or not text.isprintable():
        raise ValueError(f"one address, without spaces or invisible characters: {text!r}")
    if len(text) > MAX_EMAIL_LENGTH:
        raise ValueError(f"longer than an e-mail address can be ({MAX_EMAIL_LENGTH} characters)")
    local, at, domain = text.rpartition("@")
    if not at:
        raise ValueError(f"an e-mail address must have an @-sign: {text!r}")
    if not local:
        raise ValueError("there must be something before the @-sign")
    if not domain:
        raise ValueError("there must be something after the @-sign")
    return text


_phone_fast: Callable[[str], str] | None = None


def _phone(value: Any) -> str | None:
    text = " ".join(str(value).split())
    if not text:
        return None
    global _phone_fast
    if _phone_fast is None:
        # the import's quick way to the same answer as normalize_phone (tests compare both);
        # imported here because app.importing.phones itself imports this module's function
        from app.importing.phones import import_phone

        _phone_fast = import_phone
    return _phone_fast(text)


def _website(value: Any) -> str | None:
    text = str(value).strip()
    return web_address(text) if text else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        raise ValueError(f"not a whole number: {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError("cannot be negative")
        if value > MAX_HEAD_COUNT:
            raise ValueError(f"more than {MAX_HEAD_COUNT:,} people is not a company size")
        return value
    text = str(value).strip()
    return head_count(text) if text else None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text:
        return None
    from app.timeutil import parse_iso

    try:
        return parse_iso(text)
    except ValueError:
        written = _written_date(" ".join(text.split()))
        if written is None:
            raise
        return parse_iso(written.isoformat())  # as an ISO time: same zone and range rules


# the day-first dates with dots that German, Dutch, Polish… exports write ("20.11.2026",
# "20.11.2026 14:05"): never ambiguous
_DOTTED_DATES = ("%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%y")
# dates with slashes: year first (2026/11/20) is never ambiguous; day and month (20/11/2026,
# 11/20/2026) only when one of them is over 12 — 03/04/2026 is refused with both readings
_SLASHED = re.compile(
    r"(?P<a>\d{1,4})/(?P<b>\d{1,2})/(?P<c>\d{2,4})(?P<time>[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
# a month written as a word, with a day and a four-digit year ("12 Mar 2024", the date of
# LinkedIn's export; "March 12, 2024"; "Tue, 12 Mar 2024 09:30")
_MONTH_WORD = re.compile(r"[A-Za-z]{3,}")
_YEAR = re.compile(r"\b\d{4}\b")


def _written_date(text: str) -> datetime | None:
    """A date in one of the other ways exports write it, or None. Raises ValueError, naming
    both readings, for a slashed date that could be either day or month first."""
    for form in _DOTTED_DATES:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    slashed = _SLASHED.fullmatch(text)
    if slashed is not None:
        return _slashed_date(text, slashed)
    if _MONTH_WORD.search(text) and _YEAR.search(text):
        from dateutil import parser as dateparser

        try:
            return dateparser.parse(text, dayfirst=True, ignoretz=True)
        except (ValueError, OverflowError):
            return None
    return None


def _slashed_date(text: str, m: re.Match[str]) -> datetime:
    a, b, c = (m.group(k) for k in "abc")
    time = (m.group("time") or "").strip().lstrip("T")
    clock = time + (":00" if time.count(":") == 1 else "") if time else "00:00:00"
    if len(a) == 4:  # year/month/day
        year, month, day = int(a), int(b), int(c)
    else:
        year = int(c) + (2000 if len(c) == 2 else 0)
        first, second = int(a), int(b)
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first:
            day, month = second, first
        elif first == second:
            day = month = first
        else:
            raise ValueError(
                f"{text!r} could be day/month or month/day; write it as "
                f"{year:04d}-{second:02d}-{first:02d} or {year:04d}-{first:02d}-{second:02d}"
            )
    hour, minute, second_ = (int(x) for x in clock.split(":"))
    try:
        return datetime(year, month, day, hour, minute, second_)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date ({exc})") from None


_BY_KIND: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "email": _email,
    "phone": _phone,
    "url": _website,
    "int": _count,
    "datetime": _datetime,
}
_CLEANERS: dict[str, Callable[[Any], Any]] = {
    name: _multiline if name in MULTILINE_FIELDS else _BY_KIND[kind]
    for name, kind in EDITABLE_FIELDS.items()
}
# fields whose cleaning only joins runs of whitespace into one space (None when nothing is
# left) and never refuses a value: a bulk reader (the import) may clean them in line
ONE_LINE_TEXT_FIELDS = frozenset(name for name, cleaner in _CLEANERS.items() if cleaner is _text)

# a number: digits grouped in threes by one kind of separator, or plain; then a fraction


def _number(group: str) -> str:
    grouped = rf"\d{{1,3}}(?:(?P<{group}>[ \u00a0\u202f'’.,])\d{{3}})(?:(?P={group})\d{{3}})*"
    return rf"(?:{grouped}|\d+)(?:[.,]\d+)?"


_HEAD_COUNT = re.compile(
    r"(?P<before>[^\d]*?)"
    rf"(?P<low>{_number('g1')})"
    r"(?:\s*(?:-|–|—|to|bis|à)\s*"
    rf"(?P<high>{_number('g2')}))?"
    r"\s*\+?(?P<after>[^\d]*)",
    re.IGNORECASE,
)
_WHOLE = re.compile(
    r"(?P<int>\d{1,3}(?:(?P<g>[ \u00a0\u202f'’.,])\d{3})(?:(?P=g)\d{3})*|\d+)"
    r"(?:(?P<point>[.,])(?P<fraction>\d+))?"
)


def _whole(number: str, text: str) -> int:
    match = _WHOLE.fullmatch(number)
    if match is None or (match["point"] is not None and match["point"] == match["g"]):
        raise ValueError(f"not a whole number: {text.strip()!r}")
    if match["fraction"] is not None and match["fraction"].strip("0"):
        raise ValueError(f"not a whole number: {text.strip()!r}")
    return int(re.sub(r"\D", "", match["int"]))
