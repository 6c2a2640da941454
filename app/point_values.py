"""A contact's e-mail addresses, phones and postal addresses as plain values: the kinds and
:class:`Point` / :class:`ContactPoints`, defined without SQLAlchemy so that the window names
them before the database is open (``app.points``, which reads and stores them, names them from
here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMAIL, PHONE, ADDRESS = "email", "phone", "address"
ADDRESS_PARTS = ("street", "po_box", "city", "region", "postcode", "country")
# the kinds offered by the editor (a file's own label is kept as it is)
KINDS = {
    EMAIL: ("work", "home", "other"),
    PHONE: ("work", "mobile", "home", "fax", "other"),
    ADDRESS: ("work", "home", "other"),
}


@dataclass
class Point:
    """One e-mail address or phone (``value``), or one postal address (its parts)."""

    value: str = ""
    kind: str = ""
    primary: bool = False
    street: str = ""
    po_box: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def one_line(self) -> str:
        """An address on one line: "Hauptstr. 5, PO Box 12, 30159 Hannover, NI, Germany"."""
        if self.value and not self.has_parts():
            return self.value
        from app.importing.points import PostalAddress

        return PostalAddress(**{p: getattr(self, p) for p in ADDRESS_PARTS}).one_line()

    def has_parts(self) -> bool:
        return any(getattr(self, p) for p in ADDRESS_PARTS)

    def as_json(self, what: str) -> dict[str, Any]:
        if what == ADDRESS:
            parts = {p: getattr(self, p) or None for p in ADDRESS_PARTS}
            return {"value": self.one_line(), **parts, "kind": self.kind or None,
                    "primary": self.primary}  # fmt: skip
        return {"value": self.value, "kind": self.kind or None, "primary": self.primary}


@dataclass
class ContactPoints:
    """A contact's lists, the primary one first in each."""

    emails: list[Point] = field(default_factory=list)
    phones: list[Point] = field(default_factory=list)
    addresses: list[Point] = field(default_factory=list)

    def of(self, what: str) -> list[Point]:
        return {EMAIL: self.emails, PHONE: self.phones, ADDRESS: self.addresses}[what]

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "emails": [p.as_json(EMAIL) for p in self.emails],
            "phones": [p.as_json(PHONE) for p in self.phones],
            "addresses": [p.as_json(ADDRESS) for p in self.addresses],
        }
