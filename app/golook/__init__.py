"""Go look, go see: evidence about a contact's e-mail address and company domain.

Modules: ``classify`` (offline address evidence), ``dns_check`` (one resolver, MX lookups),
``trust`` (is the resolver telling the truth? the canary domains), ``checks`` (cache per domain
and batch checks), ``personas`` / ``titles`` / ``persona_store`` (persona fit), ``derived``
(columns kept on the contact row), ``badges`` (the address badge the list and the verdict
share), ``evidence`` (all of it, and the one-line verdict), ``demo_evidence`` (the demo's
cached answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.engine import Database


def verdict_for_contact(db: Database, contact_id: int) -> str | None:
    """The one-line verdict from cached evidence (no network); None for an unknown id."""
    from app.golook.evidence import golook_for_contacts

    found = golook_for_contacts(db, [contact_id])
    return found[0].verdict if found else None
