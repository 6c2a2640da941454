"""Where an import's new contacts went: how many in each stage, with which kind of address
(branded, free-mail…) and from which source — what the wizard's summary shows after an
import ("700 names, not 700 leads": how many of them are worth a look)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.golook.badges import address_badge
from app.stages import stages_in
from db.engine import Database
from db.models import Contact


@dataclass(frozen=True)
class BatchOutcome:
    """Counts of a batch's contacts (those it created and that are still there)."""

    batch_id: int
    contacts: int
    # (stage key, stage name, count), in the pipeline's order; stages with none left out
    stages: tuple[tuple[str, str, int], ...]
    # (address kind as the list shows it, count): most first
    kinds: tuple[tuple[str, int], ...]
    # (source, count): most first; "" for contacts without one
    sources: tuple[tuple[str, int], ...]


def batch_outcome(db: Database, batch_id: int) -> BatchOutcome:
    """The batch's contacts by stage, by kind of address and by source (three grouped counts
    over the batch's index)."""
    in_batch = Contact.import_batch_id == batch_id
    with db.session() as s:
        by_stage = dict(
            s.execute(
                select(Contact.stage_id, func.count()).where(in_batch).group_by(Contact.stage_id)
            ).all()
        )
        by_class = s.execute(
            select(Contact.domain_class, func.count())
            .where(in_batch)
            .group_by(Contact.domain_class)
        )
        kinds: dict[str, int] = {}
        for domain_class, count in by_class:
            label = address_badge(domain_class).label
            kinds[label] = kinds.get(label, 0) + count
        by_source = s.execute(
            select(Contact.source, func.count()).where(in_batch).group_by(Contact.source)
        )
        sources: dict[str, int] = {}
        for source, count in by_source:
            sources[source or ""] = sources.get(source or "", 0) + count
        stages = tuple(
            (st.key, st.name, by_stage[st.id]) for st in stages_in(s) if by_stage.get(st.id)
        )
    return BatchOutcome(
        batch_id=batch_id,
        contacts=sum(by_stage.values()),
        stages=stages,
        kinds=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
