"""One contact as the detail panel shows it, read at once: fields, stage history, activities,
BANT answers, the score with its lines, follow-up and consent, and the go-look evidence.

:func:`load_contact_view` reads it in one transaction with three statements: the contact row
(joined with its stage, the cached DNS answer for its domain and its best persona, and the
settings it needs as subqueries), the timeline (stage changes and activities as one
``UNION ALL``), and the BANT criteria with the contact's answers. It uses what the row already
holds: the registrable domain and the best persona are kept on it by :mod:`app.golook.derived`.

:func:`show_qualification` gives the ``winnow show --json`` keys of qualification, score and
follow-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    RowMapping,
    String,
    Table,
    cast,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app import followup, qualification, scoring
from app.activities import ActivityInfo
from app.contacts import ContactDetail, normalized_email_of
from app.errors import UnknownContact
from app.golook.checks import answer_from_columns
from app.golook.classify import OVERRIDES_SETTING, classify_address
from app.golook.derived import overrides_from_json
from app.golook.dns_check import DomainAnswer
from app.golook.evidence import GoLook, build_golook
from app.golook.persona_store import persona_from_columns
from app.golook.personas import ContactFacts
from app.moves import HistoryEntry
from app.qualification import BantStatus
from app.scoring import ScoreExplanation
from app.scoring_rules import ScoreItem
from app.timeutil import iso
from db.engine import Database
from db.models import (
    Activity,
    Contact,
    DomainCheck,
    ImportBatch,
    Persona,
    Setting,
    Stage,
    StageChange,
)

_contacts: Table = Contact.__table__  # type: ignore[assignment]
_stages: Table = Stage.__table__  # type: ignore[assignment]
_checks: Table = DomainCheck.__table__  # type: ignore[assignment]
_personas: Table = Persona.__table__  # type: ignore[assignment]
_changes: Table = StageChange.__table__  # type: ignore[assignment]
_activities: Table = Activity.__table__  # type: ignore[assignment]

# the settings the view depends on, read as subqueries of the contact's statement
_SETTINGS = {
    "s_threshold": scoring.THRESHOLD_SETTING,
    "s_automation": scoring.AUTOMATION_SETTING,
    "s_overrides": OVERRIDES_SETTING,
    "s_rules": scoring.RULES_SETTING,
}
_DETAIL_COLUMNS = {f.name for f in fields(ContactDetail)} & set(_contacts.c.keys())


@dataclass(frozen=True)
class ContactView:
    """Everything the detail panel shows about one contact, as plain values."""

    detail: ContactDetail
    history: tuple[HistoryEntry, ...]  # oldest first
    activities: tuple[ActivityInfo, ...]  # oldest first
    bant: BantStatus
    score: ScoreExplanation
    golook: GoLook
    stage_names: Mapping[str, str]  # names of the stages the history and the contact name

    @property
    def id(self) -> int:
        return self.detail.id

    def stage_name(self, key: str | None) -> str:
        return self.stage_names.get(key or "", key or "")


def load_contact_view(db: Database, contact_id: int) -> ContactView:
    """The contact as the detail panel shows it (one transaction, three statements).

    Raises :class:`~app.errors.UnknownContact` for an id that does not exist or belongs to an
    import still being written."""
    with db.session() as s:
        row = _contact_row(s, contact_id)
        if row is None:
            raise UnknownContact(contact_id)
        history, activities, names = _timeline(s, contact_id)
        bant = qualification.bant_in(s, contact_id)
        settings = _settings(row)
        # the score's lines are worked out, not stored (app.scoring.score_items)
        items = scoring.score_items(
            s,
            contact_id,
            [row[name] for name in scoring.EXPLAINED_COLUMNS],
            row["score"],
            settings.rules,
            activities=[(a.type, a.at) for a in activities],
            bant=[(i.name, i.answer) for i in bant.items if i.answer != "unknown"],
        )
        detail = _detail(row, items)
        golook = _golook(s, detail, row)
    names[detail.stage_key] = detail.stage_name
    return ContactView(
        detail=detail,
        history=history,
        activities=activities,
        bant=bant,
        score=_score(row, detail, settings, items),
        golook=golook,
        stage_names=names,
    )


# --- the three statements --------------------------------------------------------------------


def _setting(key: str) -> Any:
    return select(Setting.value).where(Setting.key == key).scalar_subquery()


def _contact_row(s: Session, contact_id: int) -> RowMapping | None:
    c = _contacts.c
    visible = or_(
        c.import_batch_id.is_(None),
        c.import_batch_id.not_in(select(ImportBatch.id).where(ImportBatch.state == "running")),
    )
    stmt = (
        select(
            _contacts,
            _stages.c.key.label("stage_key"),
            _stages.c.name.label("stage_name"),
            c.stage_id.in_(scoring.promotable_stage_ids()).label("promotable"),
            _checks.c.domain.label("dns_domain"),
            _checks.c.dns_status,
            _checks.c.mx,
            _checks.c.mail_host,
            _checks.c.checked_at,
            _personas.c.id.label("persona_id"),
            _personas.c.position.label("persona_position"),
            _personas.c.criteria.label("persona_criteria"),
            *(_setting(key).label(label) for label, key in _SETTINGS.items()),
        )
        .select_from(
            _contacts.join(_stages, _stages.c.id == c.stage_id)
            .outerjoin(_checks, _checks.c.domain == c.domain)
            .outerjoin(_personas, _personas.c.name == c.persona_name)
        )
        .where(c.id == contact_id, visible)
    )
    # on the connection: the session's hook that hides unfinished imports would first look
    # them up in a statement of its own; ``visible`` says the same inside this one
    return s.connection().execute(stmt).mappings().first()


def _timeline(
    s: Session, contact_id: int
) -> tuple[tuple[HistoryEntry, ...], tuple[ActivityInfo, ...], dict[str, str]]:
    src, dst = _stages.alias("src"), _stages.alias("dst")
    ch, act = _changes.c, _activities.c
    moves = (
        select(
            literal("move").label("kind"),
            ch.id,
            ch.at,
            ch.reason.label("note"),
            src.c.key.label("from_key"),
            src.c.name.label("from_name"),
            dst.c.key.label("to_key"),
            dst.c.name.label("to_name"),
            ch.automatic,
            ch.undone_at,
            ch.changed_by.label("actor"),
        )
        .select_from(
            _changes.join(dst, dst.c.id == ch.to_stage_id).outerjoin(
                src, src.c.id == ch.from_stage_id
            )
        )
        .where(ch.contact_id == contact_id)
    )
    done = select(
        literal("activity").label("kind"),
        act.id,
        act.at,
        act.note,
        act.type.label("from_key"),
        cast(null(), String).label("from_name"),
        cast(null(), String).label("to_key"),
        cast(null(), String).label("to_name"),
        cast(null(), Boolean).label("automatic"),
        cast(null(), DateTime).label("undone_at"),
        act.created_by.label("actor"),
    ).where(act.contact_id == contact_id)
    history: list[HistoryEntry] = []
    activities: list[ActivityInfo] = []
    names: dict[str, str] = {}
    for r in s.connection().execute(union_all(moves, done)).mappings():
        if r["kind"] == "move":
            history.append(
                HistoryEntry(
                    int(r["id"]),
                    r["from_key"],
                    r["to_key"],
                    r["at"],
                    r["note"],
                    bool(r["automatic"]),
                    r["undone_at"],
                    r["actor"],
                )
            )
            if r["from_key"] is not None:
                names[r["from_key"]] = r["from_name"]
            names[r["to_key"]] = r["to_name"]
        else:
            activities.append(
                ActivityInfo(
                    int(r["id"]), contact_id, r["from_key"], r["at"], r["note"], r["actor"]
                )
            )
    history.sort(key=lambda h: (h.at, h.id))
    activities.sort(key=lambda a: (a.at, a.id))
    return tuple(history), tuple(activities), names


# --- building the parts ----------------------------------------------------------------------


def _detail(row: RowMapping, items: Sequence[ScoreItem]) -> ContactDetail:
    values: dict[str, Any] = {name: row[name] for name in _DETAIL_COLUMNS}
    values["other_emails"] = json.loads(row["other_emails"]) if row["other_emails"] else []
    values["extra"] = json.loads(row["extra"]) if row["extra"] else {}
    values["score_breakdown"] = [i.as_json() for i in items]
    values["stage_key"] = row["stage_key"]
    values["stage_name"] = row["stage_name"]
    values["sales_ready"] = bool(row["sales_ready"])
    values["email_normalized"] = normalized_email_of(row["email_normalized"], row["email"])
    return ContactDetail(**values)


def _stored(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _settings(row: RowMapping) -> scoring.ScoringSettings:
    stored = {
        key: value for label, key in _SETTINGS.items() if (value := _stored(row[label])) is not None
    }
    return scoring.settings_from(stored)


def _score(
    row: RowMapping,
    detail: ContactDetail,
    settings: scoring.ScoringSettings,
    items: Sequence[ScoreItem],
) -> ScoreExplanation:
    return ScoreExplanation(
        detail.id,
        int(detail.score or 0),
        tuple(items),
        detail.sales_ready,
        settings.threshold,
        settings.automation,
        detail.stage_key,
        detail.sales_ready and bool(row["promotable"]),
    )


def _golook(s: Session, detail: ContactDetail, row: RowMapping) -> GoLook:
    evidence = classify_address(detail.email, overrides_from_json(row["s_overrides"]))
    domain = evidence.registrable_domain if evidence.valid else None
    answer: DomainAnswer | None = None
    if domain and row["dns_domain"] == domain:
        answer = answer_from_columns(
            domain, row["dns_status"], row["mx"], row["mail_host"], row["checked_at"]
        )
    elif domain and domain != row["domain"]:
        # the stored domain is out of date (written by an older version): ask the cache
        found = s.connection().execute(select(_checks).where(_checks.c.domain == domain)).first()
        if found is not None:
            answer = answer_from_columns(found[0], found[1], found[2], found[3], found[4])
    personas = []
    if row["persona_id"] is not None and detail.persona_name is not None:
        personas.append(
            persona_from_columns(
                int(row["persona_id"]),
                detail.persona_name,
                row["persona_criteria"],
                int(row["persona_position"] or 0),
            )
        )
    facts = ContactFacts(detail.title, detail.industry, detail.company_size, detail.country)
    # the best persona is the one stored on the row (kept current by app.golook.derived)
    return build_golook(
        detail.id,
        detail.email,
        evidence,
        answer,
        detail.website,
        detail.company,
        detail.city,
        facts,
        personas,
    )


# --- winnow show --json ----------------------------------------------------------------------


def show_qualification(db: Database, contact_id: int) -> dict[str, Any]:
    """``winnow show --json`` keys: BANT, score, consent and follow-up."""
    view = load_contact_view(db, contact_id)
    c, status, explanation = view.detail, view.bant, view.score
    return {
        "score": explanation.score,
        "score_breakdown": [i.as_json() for i in explanation.items],
        "bant": status.answers(),
        "bant_notes": {i.key: i.note for i in status.items if i.note},
        "qualified": status.qualified,
        "sales_ready": explanation.sales_ready,
        "consent": c.consent or "unknown",
        "consent_at": iso(c.consent_at),
        "consent_how": c.consent_how,
        "received_at": iso(c.received_at),
        "response_due": iso(c.response_due_at),
        "response_due_at": iso(c.response_due_at),
        "first_response_at": iso(c.first_response_at),
        "next_action_at": iso(c.next_action_at),
        "follow_up": followup.follow_up_state(c.response_due_at, c.first_response_at),
    }
