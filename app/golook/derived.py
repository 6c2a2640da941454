"""Go-look columns kept on each contact row: domain class (with the user's overrides) and the
best-fitting persona. Set-based, so it keeps up with imports and the demo's 2,000-row chunks.

Called by ``app.hooks.contacts_changed`` for every contact whose fields changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from app import hooks
from app.errors import UsageError
from app.golook.classify import OVERRIDE_CLASSES, OVERRIDES_SETTING, quick_domain_class
from app.golook.persona_store import ensure_default_personas_in, personas_in
from app.golook.personas import ContactFacts, Persona, best_name_and_fit
from app.reference import reference_in
from app.settings import get_setting, set_setting
from db import bulk
from db.engine import Database
from db.models import Contact

_CHUNK = 900

_contacts: Table = Contact.__table__  # type: ignore[assignment]
_UPDATE = (
    update(_contacts)
    .where(_contacts.c.id == bindparam("cid"))
    .values(
        domain_class=bindparam("new_class"),
        persona_name=bindparam("new_persona"),
        persona_fit=bindparam("new_fit"),
    )
)


def domain_overrides_in(session: Session) -> dict[str, str]:
    """The domain overrides in force (read once per transaction: app.reference)."""
    return overrides_from_json(reference_in(session).setting(OVERRIDES_SETTING))


def overrides_from_json(raw: str | None) -> dict[str, str]:
    """The stored override setting as {registrable domain: class} (damaged: none)."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(d).lower(): str(c) for d, c in data.items() if c in OVERRIDE_CLASSES}


def domain_overrides(db: Database) -> dict[str, str]:
    with db.session() as s:
        return domain_overrides_in(s)


def contacts_changed(
    session: Session, contact_ids: Sequence[int], *, reclassify: bool = False
) -> None:
    """The hook: bring these contacts' domain class and persona fit up to date (the stored
    class is trusted unless overrides apply or ``reclassify``: an undo restored the address)."""
    ensure_default_personas_in(session)
    overrides = domain_overrides_in(session)
    update_columns_in(
        session, contact_ids, personas_in(session), overrides, reclassify or bool(overrides)
    )


def update_columns_in(
    session: Session,
    contact_ids: Sequence[int],
    personas: Sequence[Persona],
    overrides: Mapping[str, str],
    reclassify: bool = True,
) -> list[int]:
    """Recompute and write (only where changed); returns the ids of the rows that changed.

    ``reclassify=False`` trusts the stored domain class (the contact code has just set it from
    the address), which is right whenever there are no overrides to apply.

    Rows are read with Core (not the ORM) and the persona verdict is worked out once per
    distinct set of facts: an import's rows share titles, industries and countries."""
    ids = list(contact_ids)
    conn = session.connection()
    c = _contacts.c
    changed: list[dict[str, Any]] = []
    verdicts: dict[tuple[Any, ...], tuple[str | None, float | None]] = {}
    stmt = select(
        c.id,
        c.email,
        c.domain,
        c.domain_class,
        c.title,
        c.industry,
        c.company_size,
        c.country,
        c.persona_name,
        c.persona_fit,
    ).where(c.id.in_(bindparam("ids", expanding=True)))
    for i in range(0, len(ids), _CHUNK):
        rows = conn.execute(stmt, {"ids": ids[i : i + _CHUNK]}).all()
        for (
            cid,
            email,
            domain,
            old_class,
            title,
            industry,
            size,
            country,
            old_name,
            old_fit,
        ) in rows:
            if reclassify:
                new_class = quick_domain_class(email)[1] if email else None
            else:
                new_class = old_class
            if domain and domain in overrides and new_class not in (None, "invalid"):
                new_class = overrides[domain]
            key = (title, industry, size, country, new_class)
            verdict = verdicts.get(key)
            if verdict is None:
                facts = ContactFacts(title, industry, size, country, new_class)
                verdict = verdicts[key] = best_name_and_fit(personas, facts)
            name, fit = verdict
            if (new_class, name, fit) != (old_class, old_name, old_fit):
                changed.append(
                    {"cid": cid, "new_class": new_class, "new_persona": name, "new_fit": fit}
                )
    if changed:
        _write(conn, changed)
    return [row["cid"] for row in changed]


def _write(conn: Connection, changed: list[dict[str, Any]]) -> None:
    """One executemany; at driver level where the placeholders allow it (SQLAlchemy's
    per-row parameter handling costs more than SQLite's update)."""
    if bulk.is_postgresql(conn):  # one UPDATE over arrays (executemany: a statement a row)
        rows = [(r["new_class"], r["new_persona"], r["new_fit"], r["cid"]) for r in changed]
        bulk.update_by_id(conn, _contacts, ("domain_class", "persona_name", "persona_fit"), rows)
        return
    if conn.dialect.paramstyle != "qmark":
        conn.execute(_UPDATE, changed)
        return
    conn.exec_driver_sql(
        "UPDATE contacts SET domain_class = ?, persona_name = ?, persona_fit = ? WHERE id = ?",
        [(r["new_class"], r["new_persona"], r["new_fit"], r["cid"]) for r in changed],
    )


def refresh_golook_columns(
    db: Database,
    contact_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    announce: bool = True,
) -> int:
    """Recompute domain class and persona fit for these contacts (all when None), in chunks
    of 2,000, each in its own transaction; returns how many rows changed.

    Call after personas or domain overrides change (in the background from the window).
    Not an operation: other Winnows on the database hear of the contacts that changed by a
    change notice of its own (``announce``; False: the caller sends one).
    """
    with db.session() as s:
        ensure_default_personas_in(s)
        personas = personas_in(s)
        overrides = domain_overrides_in(s)
        ids = (
            list(contact_ids)
            if contact_ids is not None
            else list(s.scalars(select(Contact.id).order_by(Contact.id)))
        )
    changed: list[int] = []
    for i in range(0, len(ids), 2000):
        if cancelled is not None and cancelled():
            break
        with db.session() as s:
            changed_ids = update_columns_in(s, ids[i : i + 2000], personas, overrides)
            if changed_ids:  # scores and the like read these columns: let them follow
                hooks.contacts_changed(s, changed_ids)
            changed += changed_ids
        if progress is not None:
            progress(min(i + 2000, len(ids)), len(ids))
    if announce:
        announce_contacts(db, changed)
    return len(changed)


def announce_contacts(db: Database, ids: Sequence[int] | None) -> None:
    """Tell other Winnows on the database that these contacts' go-look evidence or columns
    changed (None or very many: every contact)."""
    from app.live import MANY, announce_write
    from app.operations.changes import Changes

    if ids is None or len(ids) > MANY:
        announce_write(db, Changes(all_contacts=True))
    elif ids:
        announce_write(db, Changes.of(contacts=ids))


def set_domain_override(db: Database, domain: str, domain_class: str | None) -> int:
    """Force ``domain`` (a registrable domain) to a class, or drop its override (None).

    Returns how many contacts changed."""
    key = domain.strip().lower().rstrip(".")
    if not key or "." not in key:
        raise UsageError(f"not a domain: {domain!r}")
    if domain_class is not None and domain_class not in OVERRIDE_CLASSES:
        raise UsageError(
            f"a domain can be set to {', '.join(OVERRIDE_CLASSES)}, not {domain_class!r}"
        )
    overrides = dict(get_setting(db, OVERRIDES_SETTING, {}) or {})
    if domain_class is None:
        overrides.pop(key, None)
    else:
        overrides[key] = domain_class
    set_setting(db, OVERRIDES_SETTING, overrides)
    with db.session() as s:
        ids = list(s.scalars(select(Contact.id).where(Contact.domain == key)))
    return refresh_golook_columns(db, ids)
