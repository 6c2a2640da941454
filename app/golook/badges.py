"""The address badge (Branded, Free-mail, Disposable, Invalid, No e-mail): one derivation for
the list, the board, the triage card, the detail panel's "Kind" and the start of the verdict,
so they can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddressBadge:
    key: str | None  # the domain class: branded, free, disposable, invalid, None (no address)
    label: str
    colour: str  # text colour on the list's background, "#RRGGBB"


ADDRESS_BADGES: dict[str | None, AddressBadge] = {
    "branded": AddressBadge("branded", "Branded", "#2E7D32"),
    "free": AddressBadge("free", "Free-mail", "#8D6E63"),
    "disposable": AddressBadge("disposable", "Disposable", "#C62828"),
    "invalid": AddressBadge("invalid", "Invalid", "#B71C1C"),
    None: AddressBadge(None, "No e-mail", "#9E9E9E"),
}


def address_badge(domain_class: str | None) -> AddressBadge:
    """The badge of a domain class (an unknown class counts as no address)."""
    return ADDRESS_BADGES.get(domain_class, ADDRESS_BADGES[None])
