"""Pipeline value: an opportunity's amount and expected close date; sums per stage (the board's
column totals). The dashboard's open pipeline and won value are in :mod:`app.metrics`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select, update

from app.contacts import ContactQuery, select_matching
from app.errors import UnknownContact, UsageError
from app.values import Deal as Deal  # the cards' value, without SQLAlchemy
from db.engine import Database
from db.models import Contact, Stage

MAX_AMOUNT = 1e15


def check_amount(amount: float | None) -> float | None:
    if amount is None:
        return None
    if not math.isfinite(amount) or amount < 0 or amount > MAX_AMOUNT:
        raise UsageError("an amount is a number from 0 up (or none)")
    return round(float(amount), 2)


def parse_amount(text: str) -> float | None:
    """``12500``, ``12,500.50``, ``12.500,50`` (German), ``none`` → the amount."""
    raw = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    if raw.lower() in ("", "none", "-"):
        return None
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        raw = raw.replace(thousands, "").replace(decimal, ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 and head else raw.replace(",", ".")
    try:
        return check_amount(float(raw))
    except ValueError:
        raise UsageError(f"not an amount: {text!r} (e.g. 12500 or 12,500.00)") from None


def set_deal(
    db: Database, contact_id: int, amount: float | None, expected_close_at: datetime | None
) -> Deal:
    """Set (or clear, with None) a contact's deal amount and expected close date."""
    value = check_amount(amount)
    with db.session() as s:
        found = s.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(deal_amount=value, expected_close_at=expected_close_at)
        )
        if not found.rowcount:  # type: ignore[attr-defined]
            raise UnknownContact(contact_id)
    return Deal(contact_id, value, expected_close_at)


def get_deal(db: Database, contact_id: int) -> Deal:
    with db.session() as s:
        row = s.execute(
            select(Contact.deal_amount, Contact.expected_close_at).where(Contact.id == contact_id)
        ).first()
    if row is None:
        raise UnknownContact(contact_id)
    return Deal(contact_id, row[0], row[1])


def stage_values(db: Database) -> dict[str, float]:
    """The sum of the deal amounts per stage key (stages without any are left out)."""
    with db.session() as s:
        rows = s.execute(
            select(Stage.key, func.sum(Contact.deal_amount))
            .join(Contact, Contact.stage_id == Stage.id)
            .where(Contact.deal_amount.is_not(None))
            .group_by(Stage.key)
        ).all()
    return {str(k): round(float(v or 0), 2) for k, v in rows}


def board_values(db: Database, q: ContactQuery) -> dict[str, float]:
    """The sum of the deal amounts per stage key under the query's other filters (its stage
    filter ignored); stages where no contact has an amount are left out.

    The board counts its columns with ``contacts.count_by_stage`` (an index answers it) and
    asks for these sums separately, on a worker: without an index on the amount they read
    every contact (about a second at 100,000)."""
    stmt = (
        select_matching([Stage.key, func.sum(Contact.deal_amount)], replace(q, stage_keys=()), db)
        .where(Contact.deal_amount.is_not(None))
        .group_by(Stage.key)
    )
    with db.session() as s:
        return {str(k): round(float(v or 0), 2) for k, v in s.execute(stmt)}


def deal_marks(db: Database, ids: Sequence[int]) -> dict[int, Deal]:
    """The deals of these contacts (those with an amount or a close date), for the cards."""
    out: dict[int, Deal] = {}
    with db.session() as s:
        for i in range(0, len(ids), 900):
            chunk = list(ids[i : i + 900])
            for cid, amount, close in s.execute(
                select(Contact.id, Contact.deal_amount, Contact.expected_close_at).where(
                    Contact.id.in_(chunk),
                    (Contact.deal_amount.is_not(None)) | (Contact.expected_close_at.is_not(None)),
                )
            ):
                out[int(cid)] = Deal(int(cid), amount, close)
    return out
