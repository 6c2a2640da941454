"""Merge the same person's records into one (issue 12, item 6).

The kept contact takes, field by field, the value the user picked (``choose``: field → the id
of the contact to take it from); a field not picked keeps the kept contact's value, or is
filled from the first other contact that has one. Nothing is lost: every other e-mail address
joins the kept contact's other addresses, every other phone number is kept as an extra value,
notes are joined, tags united; every activity and task moves to the kept
contact, its stage history is written into a note there (the kept contact's history stays
one chain of moves), and every BANT answer
too — where both answered a criterion, the kept contact's answer stays and the other's is
added to its note. Consent: a withdrawal anywhere wins (seed 002), else a grant. The other
contacts are then deleted. As one operation (:func:`app.operations.merge_contacts`) the whole
merge is undone in one step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import contacts as contacts_mod
from app import hooks
from app import points as points_mod
from app.errors import UnknownContact, UsageError
from app.fields import EDITABLE_FIELDS
from app.identity import actor_in
from app.names import normalize_email
from app.timeutil import iso, utcnow
from db.engine import Database
from db.models import Activity, BantAnswer, Contact, Stage, StageChange, Task

# fields the user picks between; the rest are joined (see the module)
PICKED_FIELDS = tuple(
    f for f in EDITABLE_FIELDS if f not in ("notes", "tags", "next_action_at", "received_at")
)
CHOOSABLE = (*PICKED_FIELDS, "stage", "consent")


@dataclass(frozen=True)
class MergeResult:
    kept: int
    merged: tuple[int, ...]
    fields_taken: dict[str, int]  # field → the contact its value came from (other than kept)
    emails_added: tuple[str, ...]
    activities_moved: int


def _load(s: Session, ids: Sequence[int]) -> dict[int, Contact]:
    rows = {c.id: c for c in s.scalars(select(Contact).where(Contact.id.in_(list(ids))))}
    for i in ids:
        if i not in rows:
            raise UnknownContact(i)
    return rows


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _json_dict(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def merge_contacts(
    db: Database,
    keep_id: int,
    other_ids: Sequence[int],
    choose: Mapping[str, int] | None = None,
) -> MergeResult:
    """Merge ``other_ids`` into ``keep_id`` (see the module). Raises before writing anything
    for an unknown contact, a field that cannot be picked or a pick from outside the merge."""
    others = [int(i) for i in dict.fromkeys(other_ids) if int(i) != int(keep_id)]
    if not others:
        raise UsageError("name at least one other contact to merge into the kept one")
    picks = dict(choose or {})
    everyone = [int(keep_id), *others]
    for name, source_id in picks.items():
        if name not in CHOOSABLE:
            raise UsageError(f"cannot pick {name!r}; fields: {', '.join(CHOOSABLE)}")
        if int(source_id) not in everyone:
            raise UsageError(f"{name}: contact {source_id} is not part of this merge")
    with db.session() as s:
        rows = _load(s, everyone)
        keep = rows[int(keep_id)]
        order = [rows[i] for i in others]
        values: dict[str, Any] = {}
        taken: dict[str, int] = {}
        for name in PICKED_FIELDS:
            if name in picks:
                source = rows[int(picks[name])]
            elif getattr(keep, name) in (None, ""):
                source = next((o for o in order if getattr(o, name) not in (None, "")), keep)
            else:
                source = keep
            if source is not keep and getattr(source, name) != getattr(keep, name):
                values[name] = getattr(source, name)
                taken[name] = source.id
        # every address kept: the chosen one first, the others behind it
        final_email = values.get("email", keep.email)
        addresses: list[str] = []
        for c in [keep, *order]:
            for e in [c.email, *_json_list(c.other_emails)]:
                fresh = all(normalize_email(e) != normalize_email(x) for x in addresses)
                if e and normalize_email(e) != normalize_email(final_email) and fresh:
                    addresses.append(e)
        before = set(_json_list(keep.other_emails)) | {keep.email or ""}
        added = tuple(e for e in addresses if e not in before)
        final_phone = values.get("phone", keep.phone)
        extra = _json_dict(keep.extra)
        for c in [keep, *order]:
            if c.phone and c.phone != final_phone:
                label = "Phone" if c is keep else f"Phone (merged from #{c.id})"
                extra.setdefault(label, c.phone)
            if c is keep:
                continue
            for k, v in _json_dict(c.extra).items():
                if extra.get(k) not in (None, v):
                    k = f"{k} (merged from #{c.id})"
                extra.setdefault(k, v)
        notes = [n for n in [keep.notes, *(o.notes for o in order)] if n and n.strip()]
        joined_notes = "\n\n".join(dict.fromkeys(notes)) or None
        tags: list[str] = []
        for c in [keep, *order]:
            for t in (c.tags or "").split(","):
                if t.strip() and t.strip() not in tags:
                    tags.append(t.strip())
        if joined_notes != keep.notes:
            values["notes"] = joined_notes
        if (", ".join(tags) or None) != keep.tags:
            values["tags"] = ", ".join(tags) or None
        received = [c.received_at for c in [keep, *order] if c.received_at is not None]
        consent_from = _consent_source(keep, order, picks, rows)
        stage_from = rows[int(picks["stage"])] if "stage" in picks else keep
        # every e-mail, phone and address of everyone, read before the others are deleted
        everyone_points = points_mod.read_points(s, [keep.id, *others])
        all_points = [everyone_points[i] for i in [keep.id, *others] if i in everyone_points]
        moved = _move_dependents(s, keep.id, others)
        _merge_answers(s, keep.id, others)
        raw: dict[str, Any] = {
            "other_emails": json.dumps(addresses, ensure_ascii=False) if addresses else None,
            "extra": json.dumps(extra, ensure_ascii=False) if extra else None,
            "received_at": min(received) if received else None,
            "consent": consent_from.consent,
            "consent_at": consent_from.consent_at,
            "consent_how": consent_from.consent_how,
        }
        if keep.deal_amount is None:
            deal = next((o for o in order if o.deal_amount is not None), None)
            if deal is not None:
                raw["deal_amount"] = deal.deal_amount
                raw["expected_close_at"] = deal.expected_close_at
        target_stage = stage_from.stage_id
        s.flush()
    # the others go first: a unique e-mail or name never stands in the kept contact's way
    contacts_mod.delete_contacts(db, others)
    if values:
        contacts_mod.update_contact(db, keep.id, **values)
    with db.session() as s:
        s.execute(update(Contact).where(Contact.id == keep.id).values(**raw))
        final = points_mod.merged(
            all_points, values.get("email", keep.email), values.get("phone", keep.phone)
        )
        # other_emails follows the same lists; values kept as they were, never refused here
        points_mod.store_points(s, keep.id, final, strict=False)
        if target_stage != keep.stage_id:
            from app.moves import move_in

            key = s.scalar(select(Stage.key).where(Stage.id == target_stage))
            move_in(s, [keep.id], str(key), reason=f"Merged with #{stage_from.id}")
        s.flush()
        hooks.contacts_changed(s, [keep.id])
    return MergeResult(keep.id, tuple(others), taken, added, moved)


def _consent_source(
    keep: Contact, order: list[Contact], picks: Mapping[str, int], rows: dict[int, Contact]
) -> Contact:
    if "consent" in picks:
        return rows[int(picks["consent"])]
    everyone = [keep, *order]
    for state in ("withdrawn", "granted"):
        found = next((c for c in everyone if c.consent == state), None)
        if found is not None:
            return found
    return keep


def _move_dependents(s: Session, keep_id: int, others: list[int]) -> int:
    """The others' activities and tasks go to the kept contact (same ids); each other's stage
    history is written into a note on the kept contact (the kept contact's own history stays
    one unbroken chain of moves, which the metrics and undo rely on)."""
    moved = 0
    for model in (Activity, Task):
        result = s.execute(
            update(model)
            .where(model.contact_id.in_(others))
            .values(contact_id=keep_id)
            .execution_options(synchronize_session=False)
        )
        if model is Activity:
            moved = int(result.rowcount or 0)  # type: ignore[attr-defined]
    names = dict(s.execute(select(Stage.id, Stage.name)).all())
    for other in others:
        who = s.scalar(select(Contact.name).where(Contact.id == other)) or f"#{other}"
        lines = []
        for at, src, dst, reason, automatic in s.execute(
            select(
                StageChange.at,
                StageChange.from_stage_id,
                StageChange.to_stage_id,
                StageChange.reason,
                StageChange.automatic,
            )
            .where(StageChange.contact_id == other, StageChange.undone_at.is_(None))
            .order_by(StageChange.at, StageChange.id)
        ):
            step = f"{names.get(src, '(new)') if src else '(new)'} → {names.get(dst, dst)}"
            why = f" — {reason}" if reason else ""
            auto = " [automatic]" if automatic else ""
            lines.append(f"{iso(at)}  {step}{auto}{why}")
        s.add(
            Activity(
                contact_id=keep_id,
                type="note",
                at=utcnow(),
                note=f"Merged contact #{other} ({who}); its stage history:\n" + "\n".join(lines),
                created_by=actor_in(s),
            )
        )
    s.flush()
    return moved


def _merge_answers(s: Session, keep_id: int, others: list[int]) -> None:
    mine = {
        a.criterion_id: a
        for a in s.scalars(select(BantAnswer).where(BantAnswer.contact_id == keep_id))
    }
    for other in others:
        for a in s.scalars(
            select(BantAnswer).where(BantAnswer.contact_id == other).order_by(BantAnswer.id)
        ).all():
            kept = mine.get(a.criterion_id)
            if kept is None or kept.answer == "unknown":
                if kept is not None:
                    s.delete(kept)
                    s.flush()
                copy = BantAnswer(
                    contact_id=keep_id,
                    criterion_id=a.criterion_id,
                    answer=a.answer,
                    note=a.note,
                    updated_at=a.updated_at,
                )
                s.add(copy)
                s.flush()
                mine[a.criterion_id] = copy
            elif (a.answer, a.note) != (kept.answer, kept.note):
                said = f"#{other}: {a.answer}" + (f" — {a.note}" if a.note else "")
                kept.note = f"{kept.note} ({said})" if kept.note else f"({said})"
    s.flush()
