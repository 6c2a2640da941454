"""Address-book entries (vCard cards, LDIF entries) as one row each under fixed headers.

A ``Card`` holds what a reader found, nothing dropped: every e-mail address, phone, postal
address and web address with its kind and whether it is the preferred one, every
organisation and title, and every other value under a label (``more``). ``card_cells`` lays a
card out as one row under ``CARD_HEADERS``, in the layout of Google's CSV so the column
mapping reads both the same way: several values of one column are joined by " ::: ", and the
``… - Label`` column beside a ``… - Value`` column holds one label per value ("* " before the
label marks the preferred one). Values that have no column of their own are written to the
``More Fields`` cell as "Label: value" entries, one per paragraph; the mapping keeps each of
them as a labelled extra field on the contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MULTI_SEPARATOR = " ::: "
MORE_FIELDS = "More Fields"
# between two "Label: value" entries of the More Fields cell
ENTRY_SEPARATOR = "\n\n"

CARD_HEADERS: list[str] = [
    "Full Name",
    "Name Prefix",
    "First Name",
    "Middle Name",
    "Last Name",
    "Name Suffix",
    "Nickname",
    "Company",
    "Department",
    "Job Title",
    "Role",
    "E-mail - Label",
    "E-mail - Value",
    "Phone - Label",
    "Phone - Value",
    "Address - Label",
    "Address - PO Box",
    "Address - Extended Address",
    "Address - Street",
    "Address - City",
    "Address - Region",
    "Address - Postal Code",
    "Address - Country",
    "Website - Label",
    "Website - Value",
    "Birthday",
    "Categories",
    "Notes",
    MORE_FIELDS,
]
_COLUMN = {name: i for i, name in enumerate(CARD_HEADERS)}
_ADDRESS_PARTS = ("po_box", "extended", "street", "city", "region", "postcode", "country")
_ADDRESS_HEADERS = (
    "Address - PO Box",
    "Address - Extended Address",
    "Address - Street",
    "Address - City",
    "Address - Region",
    "Address - Postal Code",
    "Address - Country",
)
_SPACES = re.compile(r"[ \t]+")


@dataclass
class Point:
    """An e-mail address, phone number or web address with its kind ("work", "home",
    "mobile", "fax", "pager", "main", "other" or the file's own label) and rank (lower is
    preferred; 100 when the file says nothing)."""

    value: str
    kind: str = ""
    rank: int = 100


@dataclass
class PostalAddress:
    po_box: str = ""
    extended: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    kind: str = ""
    rank: int = 100

    def parts(self) -> tuple[str, ...]:
        return tuple(getattr(self, p) for p in _ADDRESS_PARTS)


@dataclass
class Card:
    full_name: str = ""
    prefix: str = ""
    first: str = ""
    middle: str = ""
    last: str = ""
    suffix: str = ""
    nicknames: list[str] = field(default_factory=list)
    # (company, department) per organisation
    organisations: list[tuple[str, str]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    emails: list[Point] = field(default_factory=list)
    phones: list[Point] = field(default_factory=list)
    urls: list[Point] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)
    birthdays: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # values without a column of their own: (label, value)
    more: list[tuple[str, str]] = field(default_factory=list)
    # what could not be kept (a photo, an unreadable line), said in the import's warnings
    warnings: list[str] = field(default_factory=list)
    # the file says the entry is an organisation's, not a person's
    is_company: bool = False

    def add_more(self, label: str, value: str) -> None:
        value = value.strip()
        if value:
            label = " ".join(label.replace(":", " ").split()) or "Other"
            self.more.append((label, value))

    def is_empty(self) -> bool:
        return not any(
            (
                self.full_name, self.first, self.last, self.middle, self.prefix, self.suffix,
                self.nicknames, self.organisations, self.titles, self.roles, self.emails,
                self.phones, self.urls, self.addresses, self.birthdays, self.categories,
                self.notes, self.more,
            )
        )  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _ranked(points: list[Point]) -> list[Point]:
    """Preferred first (stable), repeats of the same value dropped."""
    out: list[Point] = []
    seen: set[str] = set()
    for point in sorted(points, key=lambda p: p.rank):
        key = point.value.casefold()
        if point.value and key not in seen:
            seen.add(key)
            out.append(point)
    return out


def _label(kind: str, primary: bool) -> str:
    kind = _one_line(kind.replace(":::", " ")) or "other"
    return f"* {kind}" if primary else kind


def _points_cells(points: list[Point]) -> tuple[str, str]:
    ranked = _ranked(points)
    if not ranked:
        return "", ""
    has_preferred = ranked[0].rank < 100
    labels = [_label(p.kind, i == 0 and has_preferred) for i, p in enumerate(ranked)]
    values = [_one_line(p.value.replace(":::", " ")) for p in ranked]
    return MULTI_SEPARATOR.join(labels), MULTI_SEPARATOR.join(values)


def names_match(name: str, *others: str) -> bool:
    """Two spellings of one name: the same words, whatever the case, order and punctuation."""
    words = sorted(re.findall(r"\w+", name.casefold()))
    return bool(words) and any(sorted(re.findall(r"\w+", o.casefold())) == words for o in others)


def card_cells(card: Card) -> list[str]:
    """One card as cells under ``CARD_HEADERS``."""
    cells = [""] * len(CARD_HEADERS)

    def put(header: str, value: str) -> None:
        cells[_COLUMN[header]] = value

    companies = [c for c, _d in card.organisations]
    full = _one_line(card.full_name)
    person = any((card.first, card.last, card.middle))
    more = list(card.more)
    if not person and full and (card.is_company or names_match(full, *companies)):
        # a company's card: its name is not a person's; a name of its own beside the
        # company's ("ABC Marketing" for "ABC, Inc.") is kept, a company's card without an
        # ORG is the company's
        if not companies:
            companies = [full]
            card.organisations = [(full, "")]
        elif not names_match(full, *companies):
            more.insert(0, ("Display name", full))
        full = ""
    put("Full Name", full)
    put("Name Prefix", _one_line(card.prefix))
    put("First Name", _one_line(card.first))
    put("Middle Name", _one_line(card.middle))
    put("Last Name", _one_line(card.last))
    put("Name Suffix", _one_line(card.suffix))
    put("Nickname", ", ".join(_unique([_one_line(n) for n in card.nicknames])))
    if card.organisations:
        # one entry per organisation, departments aligned with their company
        put("Company", MULTI_SEPARATOR.join(_one_line(c) for c, _d in card.organisations))
        if any(d for _c, d in card.organisations):
            put("Department", MULTI_SEPARATOR.join(_one_line(d) for _c, d in card.organisations))
    put("Job Title", MULTI_SEPARATOR.join(_unique([_one_line(t) for t in card.titles])))
    put("Role", MULTI_SEPARATOR.join(_unique([_one_line(r) for r in card.roles])))
    labels, values = _points_cells(card.emails)
    put("E-mail - Label", labels)
    put("E-mail - Value", values)
    labels, values = _points_cells(card.phones)
    put("Phone - Label", labels)
    put("Phone - Value", values)
    labels, values = _points_cells(card.urls)
    put("Website - Label", labels)
    put("Website - Value", values)
    addresses = sorted((a for a in card.addresses if any(a.parts())), key=lambda a: a.rank)
    if addresses:
        has_preferred = addresses[0].rank < 100
        put(
            "Address - Label",
            MULTI_SEPARATOR.join(
                _label(a.kind, i == 0 and has_preferred) for i, a in enumerate(addresses)
            ),
        )
        for index, header in enumerate(_ADDRESS_HEADERS):
            parts = [a.parts()[index].replace(":::", " ").strip() for a in addresses]
            if any(parts):
                put(header, MULTI_SEPARATOR.join(parts))
    put("Birthday", MULTI_SEPARATOR.join(_unique([_one_line(b) for b in card.birthdays])))
    put("Categories", ", ".join(_unique([_one_line(c) for c in card.categories])))
    put("Notes", "\n".join(n.strip() for n in card.notes if n.strip()))
    entries = []
    for label, value in more:
        text = value.replace("\r\n", "\n").strip()
        while ENTRY_SEPARATOR in text:
            text = text.replace(ENTRY_SEPARATOR, "\n")
        entries.append(f"{label}: {text}")
    put(MORE_FIELDS, ENTRY_SEPARATOR.join(entries))
    return cells


def split_more(cell: str) -> list[tuple[str, str]]:
    """The "Label: value" entries of a More Fields cell."""
    out: list[tuple[str, str]] = []
    for entry in cell.replace("\r\n", "\n").split(ENTRY_SEPARATOR):
        label, colon, value = entry.partition(": ")
        if not colon:
            label, value = "", entry
        if value.strip():
            out.append((label.strip() or MORE_FIELDS, value.strip()))
    return out


def split_values(cell: str) -> list[str]:
    """The values of a cell joined by " ::: ", empty ones kept (they align with labels)."""
    if ":::" not in cell:
        return [cell.strip()]
    return [part.strip() for part in cell.split(":::")]
