"""Derived data kept in step with contacts.

Features that keep something derived from a contact's fields (go-look evidence, scores) name a
handler here as ``"module:function"``; it is called inside the same session, right after
contacts were created or changed, with the ids. Lazy import keeps the core free of cycles.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

# each handler: fn(session, contact_ids) -> None
CONTACT_CHANGE_HANDLERS: list[str] = []
CONTACT_CHANGE_HANDLERS.append("app.golook.derived:contacts_changed")  # domain class, persona fit
# scores and follow-up times: keep last (they read what earlier handlers derive, e.g. persona fit)
CONTACT_CHANGE_HANDLERS.append("app.scoring:rescore_contacts")

# What changed, when the caller knows: "fields" (default), "stage" (a move) or "activity".
# A handler listed here for a kind is skipped for it (e.g. a move changes no e-mail domain).
SKIP_HANDLERS: dict[str, set[str]] = {
    "stage": {"app.golook.derived:contacts_changed"},
    "activity": {"app.golook.derived:contacts_changed"},
}

_resolved: dict[str, Callable[[Session, Sequence[int]], None]] = {}


def _resolve(spec: str) -> Callable[[Session, Sequence[int]], None]:
    fn = _resolved.get(spec)
    if fn is None:
        module, _, name = spec.partition(":")
        fn = getattr(importlib.import_module(module), name)
        _resolved[spec] = fn
    return fn


def contacts_changed(session: Session, contact_ids: Sequence[int], what: str = "fields") -> None:
    """Run every registered handler for these contacts (same transaction)."""
    if not contact_ids:
        return
    skip = SKIP_HANDLERS.get(what, set())
    for spec in CONTACT_CHANGE_HANDLERS:
        if spec not in skip:
            _resolve(spec)(session, contact_ids)
