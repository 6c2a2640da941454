"""Default rows a new database starts with: the lifecycle stages and the BANT criteria."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import BantCriterion, Stage

if TYPE_CHECKING:
    from db.engine import Database

# key, name, colour, kind — PRODUCT.md "Lifecycle stages"
DEFAULT_STAGES: tuple[tuple[str, str, str, str], ...] = (
    ("suspect", "Suspect", "#8E99A8", "pipeline"),
    ("inquiry", "Inquiry", "#4A90D9", "pipeline"),
    ("mql", "Marketing qualified", "#7B61D1", "pipeline"),
    ("sql", "Sales qualified", "#D9822B", "pipeline"),
    ("opportunity", "Opportunity", "#D4A72C", "pipeline"),
    ("customer", "Customer", "#2E9E5B", "won"),
    ("nurture", "Nurture", "#3AA6A0", "side"),
    ("disqualified", "Disqualified", "#C0504D", "side"),
)

DEFAULT_BANT: tuple[tuple[str, str], ...] = (
    ("budget", "Budget"),
    ("authority", "Authority"),
    ("need", "Need"),
    ("timeframe", "Timeframe"),
)


def seed_defaults(db: Database) -> None:
    """Insert the default stages and criteria into an empty database (idempotent)."""
    with db.session() as s:
        if not s.scalar(select(func.count()).select_from(Stage)):
            for pos, (key, name, color, kind) in enumerate(DEFAULT_STAGES):
                s.add(Stage(key=key, name=name, color=color, position=pos, kind=kind))
        if not s.scalar(select(func.count()).select_from(BantCriterion)):
            for pos, (key, name) in enumerate(DEFAULT_BANT):
                s.add(BantCriterion(key=key, name=name, required=True, position=pos))
