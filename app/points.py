"""Every e-mail address, phone number and postal address of a contact.

The contact row keeps the primary e-mail (``email``), the other e-mail addresses
(``other_emails``), the primary phone (``phone``) and the primary address's ``city`` and
``country``: lists, search, sorting, duplicates and the edit form work from those. The table
``contact_points`` keeps the rest — kinds (work, home, mobile, fax, the file's own label),
further phones, whole postal addresses — for the contacts that have more than the row holds.

``read_points`` puts both together, the row winning where the two disagree (an edit of the
e-mail field replaces the primary address, keeping its kind), so the lists never contradict
what the list view shows. ``store_points`` (the editor) replaces a contact's lists and keeps the
row in step; ``import_records`` lays out what an import found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, case, cast, delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.errors import UsageError
from app.fields import ValidationError, clean_value
from app.point_values import ADDRESS, ADDRESS_PARTS, EMAIL, PHONE, ContactPoints, Point
from app.point_values import KINDS as KINDS
from db.engine import Database
from db.models import Contact, ContactPoint

if TYPE_CHECKING:
    from app.importing.points import ContactPoint as FoundPoint
    from app.importing.points import PostalAddress

# --- reading ----------------------------------------------------------------------------------


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value if v] if isinstance(value, list) else []


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _primary_first(points: list[Point]) -> list[Point]:
    return sorted(points, key=lambda p: not p.primary)


def _values(stored: list[Point], main: str | None, others: Sequence[str] = ()) -> list[Point]:
    """E-mails or phones: the stored points, made to agree with the row's primary value and
    its other values (the row wins: it is what the list shows and the edit form changes)."""
    points = [replace(p) for p in stored]
    primary = next((p for p in points if p.primary), None)
    if main:
        match = next((p for p in points if _same(p.value, main)), None)
        if match is None:
            if primary is not None:
                primary.value = main  # the primary one was edited: its kind stays
                match = primary
            else:
                match = Point(main, primary=True)
                points.insert(0, match)
        for p in points:
            p.primary = p is match
    elif primary is not None:
        points.remove(primary)  # the field was emptied
    for other in others:
        if not any(_same(p.value, other) for p in points):
            points.append(Point(other))
    return _primary_first(points)


def _addresses(stored: list[Point], city: str | None, country: str | None) -> list[Point]:
    points = [replace(p) for p in stored]
    if not points:
        if city or country:
            return [Point(city=city or "", country=country or "", primary=True)]
        return []
    primary = next((p for p in points if p.primary), points[0])
    primary.primary = True
    for part, value in (("city", city), ("country", country)):
        # the row holds the primary address's part, or another address's when it has none;
        # a value no address has means the field was edited
        if not value:
            if not any(getattr(p, part) for p in points if p is not primary):
                setattr(primary, part, "")
        elif not any(_same(getattr(p, part), value) for p in points):
            setattr(primary, part, value)
    return _primary_first(points)


def _point(row: ContactPoint) -> Point:
    return Point(
        value=row.value or "",
        kind=row.label or "",
        primary=bool(row.is_primary),
        **{p: getattr(row, p) or "" for p in ADDRESS_PARTS},
    )


def read_points(s: Session, contact_ids: Iterable[int]) -> dict[int, ContactPoints]:
    """Every e-mail, phone and address of these contacts (unknown ids are left out)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    stored: dict[int, dict[str, list[Point]]] = {}
    out: dict[int, ContactPoints] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in s.scalars(
            select(ContactPoint)
            .where(ContactPoint.contact_id.in_(chunk))
            .order_by(ContactPoint.contact_id, ContactPoint.position, ContactPoint.id)
        ):
            stored.setdefault(row.contact_id, {}).setdefault(row.kind, []).append(_point(row))
        rows = s.execute(
            select(
                Contact.id,
                Contact.email,
                Contact.other_emails,
                Contact.phone,
                Contact.city,
                Contact.country,
            ).where(Contact.id.in_(chunk))
        )
        for cid, email, other_emails, phone, city, country in rows:
            kinds = stored.get(cid, {})
            out[cid] = ContactPoints(
                emails=_values(kinds.get(EMAIL, []), email, _json_list(other_emails)),
                phones=_values(kinds.get(PHONE, []), phone),
                addresses=_addresses(kinds.get(ADDRESS, []), city, country),
            )
    return out


def points_of(s: Session, contact_id: int) -> ContactPoints:
    return read_points(s, [contact_id]).get(contact_id, ContactPoints())


# --- writing (the editor) ---------------------------------------------------------------------


def _records(contact_id: int, what: str, points: Sequence[Point]) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": contact_id,
            "kind": what,
            "label": (p.kind or "").strip()[:100],
            "value": p.one_line() if what == ADDRESS else p.value,
            **{part: (getattr(p, part) or None) for part in ADDRESS_PARTS},
            "is_primary": p.primary,
            "position": i,
        }
        for i, p in enumerate(points)
    ]


def _clean(what: str, points: Iterable[Point], strict: bool = True) -> list[Point]:
    """The editor's lists, validated like the edit form's fields (``strict``; else a value
    the form would refuse is kept as it is); exactly one primary."""
    out: list[Point] = []
    for p in points:
        p = replace(p, kind=" ".join(p.kind.split()))
        if what == ADDRESS:
            for part in ADDRESS_PARTS:
                text = getattr(p, part) or ""
                setattr(p, part, text.strip() if part == "street" else " ".join(text.split()))
            p.value = ""
            if not p.has_parts():
                continue
        else:
            try:
                cleaned = clean_value(what, p.value)
            except ValidationError as exc:
                if strict:
                    raise UsageError(f"{p.value!r}: {exc.reason}") from None
                cleaned = " ".join(p.value.split())
            if not cleaned:
                continue
            if any(_same(q.value, cleaned) for q in out):
                continue
            p.value = cleaned
        out.append(p)
    if out and not any(p.primary for p in out):
        out[0].primary = True
    seen = False
    for p in out:
        p.primary, seen = p.primary and not seen, seen or p.primary
    return _primary_first(out)


def store_points(
    s: Session, contact_id: int, lists: ContactPoints, *, strict: bool = True
) -> dict[str, Any]:
    """Replace a contact's lists; returns the contact fields that follow from them (primary
    e-mail and phone, the primary address's city and country), for the caller to set through
    the edit path, which validates them and keeps derived columns in step. ``other_emails``
    is set here."""
    contact = s.get(Contact, contact_id)
    if contact is None:
        from app.contacts import UnknownContact

        raise UnknownContact(contact_id)
    emails = _clean(EMAIL, lists.emails, strict)
    phones = _clean(PHONE, lists.phones, strict)
    addresses = _clean(ADDRESS, lists.addresses, strict)
    s.execute(delete(ContactPoint).where(ContactPoint.contact_id == contact_id))
    records = [
        *_records(contact_id, EMAIL, emails),
        *_records(contact_id, PHONE, phones),
        *_records(contact_id, ADDRESS, addresses),
    ]
    if records:
        s.execute(insert(ContactPoint), records)
    others = [p.value for p in emails[1:]]
    contact.other_emails = json.dumps(others, ensure_ascii=False) if others else None
    primary_address = addresses[0] if addresses else Point()
    return {
        "email": emails[0].value if emails else None,
        "phone": phones[0].value if phones else None,
        "city": primary_address.city or None,
        "country": primary_address.country or None,
    }


# --- importing --------------------------------------------------------------------------------


def _found(point: FoundPoint) -> Point:
    return Point(point.value, point.label or point.kind, point.primary)


def _found_address(address: PostalAddress) -> Point:
    return Point(
        kind=address.label or address.kind,
        primary=address.primary,
        **{p: getattr(address, p) or "" for p in ADDRESS_PARTS},
    )


def says_more(
    emails: Sequence[FoundPoint], phones: Sequence[FoundPoint], addresses: Sequence[PostalAddress]
) -> bool:
    """Whether an imported row's lists hold more than the contact row can: a second phone or
    address, a kind, a street, a region or a postcode (then they are stored as points)."""
    if len(phones) > 1 or len(addresses) > 1:
        return True
    # loops, not any() over generators: asked for every row of an import
    for points in (emails, phones):
        for p in points:
            if (p.kind and p.kind != "other") or p.label:  # _told(p.kind) or p.label
                return True
    for a in addresses:
        if a.street or a.po_box or a.region or a.postcode or _told(a.kind) or a.label:
            return True
    return False


def _told(kind: str) -> bool:
    """A kind worth keeping: "other" (what a reader says when the file says nothing) is not."""
    return bool(kind) and kind != "other"


def import_records(
    contact_id: int,
    emails: Sequence[FoundPoint],
    phones: Sequence[FoundPoint],
    addresses: Sequence[PostalAddress],
) -> list[dict[str, Any]]:
    """The ``contact_points`` rows of one imported contact, in the file's order with the
    primary one first (what ``says_more`` found worth keeping)."""
    lists = [
        (EMAIL, _primary_first([_found(p) for p in emails])),
        (PHONE, _primary_first([_found(p) for p in phones])),
        (ADDRESS, _primary_first([_found_address(a) for a in addresses])),
    ]
    out: list[dict[str, Any]] = []
    for what, points in lists:
        if what == ADDRESS and points and not any(p.primary for p in points):
            points[0].primary = True
        out.extend(_records(contact_id, what, points))
    return out


def show_points(db: Database, contact_id: int) -> dict[str, list[dict[str, Any]]]:
    """``show --json``'s ``emails``, ``phones`` and ``addresses``."""
    with db.session() as s:
        return points_of(s, contact_id).as_json()


def _array_length(raw: str | None) -> int:
    """How many values a stored list of other e-mail addresses holds, counted as SQL's
    ``json_array_length`` counts them; a text that is not JSON, or not an array, holds none
    (as ``_json_list`` reads it)."""
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return 0
    return len(value) if isinstance(value, list) else 0


def _most_other_emails(s: Session) -> int:
    """The most other e-mail addresses one contact has, as :func:`_array_length` counts them.

    Counted in SQL, where one stored text that is not a JSON array (a hand-edited file, an
    old import, another program) must not stop the statement, and so the export: on SQLite
    ``json_valid`` passes over it; PostgreSQL has no such test before version 16, and its
    cast to json raises, so the statement runs under a savepoint and, refused, the texts are
    counted in Python instead (rare: slower, never wrong)."""
    stored = Contact.other_emails
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        counted = case((func.json_valid(stored) == 1, func.json_array_length(stored)))
        return int(s.scalar(select(func.max(counted)).where(stored.is_not(None))) or 0)
    if dialect == "postgresql":
        length = func.json_array_length(cast(stored, JSON))
        try:
            with s.begin_nested():
                return int(s.scalar(select(func.max(length)).where(stored.is_not(None))) or 0)
        except DBAPIError as exc:
            if not str(getattr(exc.orig, "sqlstate", "")).startswith("22"):
                raise  # not the text refused (a data exception): a real failure
    texts = select(stored).where(stored.is_not(None)).execution_options(yield_per=5000)
    return max((_array_length(raw) for raw in s.scalars(texts)), default=0)


def most_points(db: Database) -> dict[str, int]:
    """The most e-mail addresses, phones and addresses one contact has (an export's columns)."""
    with db.session() as s:
        per = (
            select(ContactPoint.kind, func.count().label("n"))
            .group_by(ContactPoint.kind, ContactPoint.contact_id)
            .subquery()
        )
        counts = {str(k): int(n) for k, n in s.execute(select(per.c.kind, func.max(per.c.n))
                                                       .group_by(per.c.kind))}  # fmt: skip
        others = _most_other_emails(s)

        def some(column: Any) -> int:
            return int(s.scalar(select(Contact.id).where(column.is_not(None)).limit(1)) is not None)

        return {
            EMAIL: max(counts.get(EMAIL, 0), some(Contact.email) + others),
            PHONE: max(counts.get(PHONE, 0), some(Contact.phone)),
            ADDRESS: max(counts.get(ADDRESS, 0), max(some(Contact.city), some(Contact.country))),
        }


def merged(lists: Sequence[ContactPoints], email: str | None, phone: str | None) -> ContactPoints:
    """The lists of contacts merged into the first: every value once (the first contact's
    kind wins), ``email`` and ``phone`` (the merge's choice) the primary ones, the first
    contact's primary address the primary one."""
    out = ContactPoints()
    for what in (EMAIL, PHONE, ADDRESS):
        target = out.of(what)
        for contact_lists in lists:
            for p in contact_lists.of(what):
                if what == ADDRESS:
                    if any(_same(q.one_line(), p.one_line()) for q in target):
                        continue
                elif any(_same(q.value, p.value) for q in target):
                    continue
                target.append(replace(p, primary=p.primary and not target))
    for what, main in ((EMAIL, email), (PHONE, phone)):
        points = out.of(what)
        for p in points:
            p.primary = bool(main) and _same(p.value, main)
        if main and not any(p.primary for p in points):
            points.insert(0, Point(main, primary=True))
    out.emails, out.phones = _primary_first(out.emails), _primary_first(out.phones)
    return out
