"""Personas in the database: list, save, delete, reorder, defaults, JSON import and export.

Changing personas changes every contact's best fit: after saving, call
:func:`app.golook.derived.refresh_golook_columns` (``None`` = all contacts), in the background
from the window.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import UsageError, WinnowError
from app.golook.personas import DEFAULT_PERSONAS, Persona, PersonaCriteria
from app.reference import PersonaRow as StoredPersona
from app.reference import reference_in
from db.engine import Database
from db.models import Persona as PersonaRow
from db.models import Setting

SEEDED_SETTING = "golook.personas_seeded"
EXPORT_FORMAT = "winnow-personas"


def _to_persona(row: PersonaRow) -> Persona:
    return persona_from_columns(row.id, row.name, row.criteria, row.position)


def persona_from_columns(
    persona_id: int, name: str, criteria_json: str | None, position: int
) -> Persona:
    """A persona from its stored columns (criteria as JSON)."""
    try:
        criteria = PersonaCriteria.from_json(json.loads(criteria_json or "{}"))
    except (ValueError, UsageError):
        criteria = PersonaCriteria()  # a damaged row fits nobody rather than breaking the list
    return Persona(persona_id, name, criteria, position)


def personas_in(session: Session) -> list[Persona]:
    """The personas in the order they are tried (read once per transaction: app.reference)."""
    return list(_personas_of(reference_in(session).personas))


@lru_cache(maxsize=8)
def _personas_of(rows: tuple[StoredPersona, ...]) -> tuple[Persona, ...]:
    """The personas of these stored rows, their criteria parsed once for the same rows."""
    return tuple(persona_from_columns(r.id, r.name, r.criteria, r.position) for r in rows)


def list_personas(db: Database) -> list[Persona]:
    with db.session() as s:
        return personas_in(s)


def get_persona(db: Database, name: str) -> Persona:
    with db.session() as s:
        row = s.scalar(select(PersonaRow).where(PersonaRow.name == name))
        if row is None:
            raise UsageError(f"no persona named {name!r}")
        return _to_persona(row)


def save_persona(db: Database, persona: Persona) -> Persona:
    """Create (``id`` None) or update a persona; names are unique."""
    name = persona.name.strip()
    if not name:
        raise UsageError("a persona needs a name")
    with db.session() as s:
        clash = s.scalar(select(PersonaRow).where(PersonaRow.name == name))
        if clash is not None and clash.id != persona.id:
            raise UsageError(f"there is already a persona named {name!r}")
        if persona.id is None:
            position = int(s.scalar(select(func.max(PersonaRow.position))) or 0) + 1
            row = PersonaRow(name=name, position=position)
            s.add(row)
        else:
            found = s.get(PersonaRow, persona.id)
            if found is None:
                raise UsageError(f"no persona with id {persona.id}")
            row = found
            row.name = name
        row.criteria = json.dumps(persona.criteria.to_json(), ensure_ascii=False)
        s.flush()
        _mark_seeded(s)
        return _to_persona(row)


def delete_persona(db: Database, persona_id: int) -> None:
    with db.session() as s:
        row = s.get(PersonaRow, persona_id)
        if row is None:
            raise UsageError(f"no persona with id {persona_id}")
        s.delete(row)
        _mark_seeded(s)


def reorder_personas(db: Database, ids: Sequence[int]) -> None:
    """Set the order personas are tried in (earlier wins a tie)."""
    with db.session() as s:
        for position, pid in enumerate(ids, start=1):
            row = s.get(PersonaRow, pid)
            if row is not None:
                row.position = position


def _mark_seeded(s: Session) -> None:
    if s.get(Setting, SEEDED_SETTING) is None:
        s.add(Setting(key=SEEDED_SETTING, value="true"))


def ensure_default_personas_in(s: Session) -> bool:
    """Add the default personas once, the first time personas are needed, if the user has none.
    Deleting them all later does not bring them back."""
    if reference_in(s).setting(SEEDED_SETTING) is not None:
        return False
    s.add(Setting(key=SEEDED_SETTING, value="true"))
    if s.scalar(select(func.count(PersonaRow.id))):
        return False
    for position, (name, criteria) in enumerate(DEFAULT_PERSONAS, start=1):
        s.add(
            PersonaRow(
                name=name,
                position=position,
                criteria=json.dumps(criteria.to_json(), ensure_ascii=False),
            )
        )
    s.flush()
    return True


def ensure_default_personas(db: Database) -> bool:
    with db.session() as s:
        return ensure_default_personas_in(s)


# --- JSON files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonaImport:
    added: list[str]
    updated: list[str]


def personas_to_json(personas: Sequence[Persona]) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": 1,
        "personas": [{"name": p.name, **p.criteria.to_json()} for p in personas],
    }


def export_personas(db: Database, path: str | Path) -> int:
    """Write all personas to a JSON file; returns how many."""
    personas = list_personas(db)
    text = json.dumps(personas_to_json(personas), ensure_ascii=False, indent=2) + "\n"
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WinnowError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return len(personas)


def personas_from_json(data: Any) -> list[Persona]:
    """Personas from an exported file's JSON (or a bare list of persona objects)."""
    items = data.get("personas") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UsageError('a personas file holds a list of personas (or {"personas": [...]})')
    out: list[Persona] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UsageError(f"persona {n}: not a JSON object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f'persona {n}: needs a "name"')
        raw = item.get("criteria", {k: v for k, v in item.items() if k != "name"})
        try:
            criteria = PersonaCriteria.from_json(raw)
        except UsageError as exc:
            raise UsageError(f"persona {name!r}: {exc}") from None
        if name.strip() in seen:
            raise UsageError(f"persona {name!r} appears twice")
        seen.add(name.strip())
        out.append(Persona(None, name.strip(), criteria, n))
    return out


def import_personas(db: Database, path: str | Path) -> PersonaImport:
    """Add the file's personas; one with the name of an existing persona replaces its criteria.
    All or nothing: a bad file changes nothing."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise WinnowError(f"no such file: {path}") from None
    except OSError as exc:
        raise WinnowError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WinnowError(f"{path} is not a JSON file: {exc}") from None
    incoming = personas_from_json(data)
    added: list[str] = []
    updated: list[str] = []
    with db.session() as s:
        position = int(s.scalar(select(func.max(PersonaRow.position))) or 0)
        for p in incoming:
            payload = json.dumps(p.criteria.to_json(), ensure_ascii=False)
            row = s.scalar(select(PersonaRow).where(PersonaRow.name == p.name))
            if row is None:
                position += 1
                s.add(PersonaRow(name=p.name, position=position, criteria=payload))
                added.append(p.name)
            else:
                row.criteria = payload
                updated.append(p.name)
        _mark_seeded(s)
    return PersonaImport(added, updated)
