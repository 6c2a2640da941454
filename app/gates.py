"""Gates on moves (seeds 000, 001, 002): sales never sees a lead that has not met the agreed
criteria, and there is no lead without permission.

- Sales qualified and every later pipeline or won stage need the qualification: every required
  BANT criterion answered yes — or the contact asked for a sales contact (seed 001's exception)
  with no required criterion answered no.
- Marketing qualified and every later pipeline or won stage need consent that is not withdrawn.

A gate applies to contacts entering from before it (an earlier pipeline stage or a side
stage); moving an Opportunity on to Customer asks nothing again. Either gate is passed with an
override reason, which the history keeps (``Override: …`` in the move's reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import UnknownStage, WinnowError
from app.stages import stages_in
from db.engine import Database
from db.models import Activity, BantAnswer, BantCriterion, Contact

SALES_GATE = "sql"
MARKETING_GATE = "mql"
OVERRIDE_PREFIX = "Override: "
_CHUNK = 900


@dataclass(frozen=True)
class GateProblem:
    """Why one contact may not enter the stage without an override."""

    contact_id: int
    name: str
    missing: tuple[str, ...]  # required criteria not answered yes, as "Budget: no"
    consent_withdrawn: bool

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append("not qualified (" + ", ".join(self.missing) + ")")
        if self.consent_withdrawn:
            parts.append("consent to marketing withdrawn")
        return f"contact {self.contact_id} ({self.name}): " + " and ".join(parts)


class GateRefused(WinnowError):
    """A move the gates refuse without an override reason; ``problems`` says why per contact."""

    def __init__(self, stage_name: str, problems: Sequence[GateProblem]) -> None:
        self.stage_name = stage_name
        self.problems = tuple(problems)
        shown = "; ".join(p.describe() for p in self.problems[:5])
        more = f"; and {len(self.problems) - 5:,} more" if len(self.problems) > 5 else ""
        super().__init__(
            f"cannot move to {stage_name}: {shown}{more}. "
            'Qualify first, or give a reason: --override "REASON"'
        )


def override_reason(override: str, reason: str | None = None) -> str:
    """The history's reason for a move made with an override."""
    text = OVERRIDE_PREFIX + " ".join(override.split())
    return f"{reason} ({text})" if reason else text


def gated_reason(
    s: Session,
    contact_ids: Sequence[int],
    stage_key: str,
    stage_name: str,
    *,
    reason: str | None = None,
    override: str | None = None,
) -> str | None:
    """The reason a gated move records (inside the caller's transaction): ``reason`` when no
    contact is stopped, the override appended when some are and one is given; raises
    :class:`GateRefused` when some are and none is."""
    problems = problems_in(s, contact_ids, stage_key)
    if not problems:
        return reason
    if override is None or not override.strip():
        raise GateRefused(stage_name, problems)
    return override_reason(override, reason)


def problems_in(
    s: Session, contact_ids: Sequence[int], stage_key: str, *, entering: bool = True
) -> list[GateProblem]:
    """The contacts among ``contact_ids`` that the gates stop on their way into ``stage_key``
    (inside the caller's transaction), in the given order. ``entering=False`` checks every
    contact, wherever it is now (the hand-off: is everyone on the list qualified?)."""
    rows = {st.key: (st.id, st.position, st.kind) for st in stages_in(s)}
    if stage_key not in rows:
        raise UnknownStage(stage_key, list(rows))
    _sid, target_pos, target_kind = rows[stage_key]
    if target_kind == "side":
        return []
    sales = rows.get(SALES_GATE)
    marketing = rows.get(MARKETING_GATE)
    needs_sales = sales is not None and target_pos >= sales[1]
    needs_consent = marketing is not None and target_pos >= marketing[1]
    if not (needs_sales or needs_consent):
        return []
    position = {sid: (pos, kind) for sid, pos, kind in rows.values()}

    def before(stage_id: int, gate: tuple[int, int, str] | None) -> bool:
        pos, kind = position[stage_id]
        return gate is not None and (not entering or kind == "side" or pos < gate[1])

    criteria = [
        (int(i), str(n), bool(r))
        for i, n, r in s.execute(
            select(BantCriterion.id, BantCriterion.name, BantCriterion.required).order_by(
                BantCriterion.position, BantCriterion.id
            )
        )
    ]
    deciding = [(i, n) for i, n, r in criteria if r] or [(i, n) for i, n, _r in criteria]
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    found: dict[int, GateProblem] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        contacts = s.execute(
            select(Contact.id, Contact.name, Contact.stage_id, Contact.consent).where(
                Contact.id.in_(chunk)
            )
        ).all()
        sales_check = [c for c in contacts if needs_sales and before(c[2], sales)]
        answers: dict[int, dict[int, str]] = {}
        asked: set[int] = set()
        if sales_check:
            wanted = [c[0] for c in sales_check]
            for cid, crit, answer in s.execute(
                select(BantAnswer.contact_id, BantAnswer.criterion_id, BantAnswer.answer).where(
                    BantAnswer.contact_id.in_(wanted)
                )
            ):
                answers.setdefault(cid, {})[crit] = answer
            asked = set(
                s.scalars(
                    select(Activity.contact_id).where(
                        Activity.contact_id.in_(wanted), Activity.type == "asked-for-sales"
                    )
                )
            )
        checked = {c[0] for c in sales_check}
        for cid, name, stage_id, consent in contacts:
            missing: tuple[str, ...] = ()
            if cid in checked:
                mine = answers.get(cid, {})
                gaps = [(n, mine.get(i, "unknown")) for i, n in deciding]
                gaps = [(n, a) for n, a in gaps if a != "yes"]
                said_no = any(a == "no" for _n, a in gaps)
                if not deciding:
                    missing = ("no qualification criteria are set",)
                elif gaps and (said_no or cid not in asked):
                    missing = tuple(f"{n}: {a}" for n, a in gaps)
            withdrawn = needs_consent and consent == "withdrawn" and before(stage_id, marketing)
            if missing or withdrawn:
                found[cid] = GateProblem(cid, name or f"contact {cid}", missing, withdrawn)
    return [found[i] for i in ids if i in found]


def check_move(db: Database, contact_ids: Sequence[int], stage_key: str) -> list[GateProblem]:
    """What the window asks about before a move (empty: nothing to ask)."""
    with db.session() as s:
        return problems_in(s, contact_ids, stage_key)
