"""What an operation changed, so each view refreshes only what it shows.

Defined without SQLAlchemy, so a view can name a notice without importing the operations
(``app.operations.changes`` names it from here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any


def _ids(values: Iterable[int] | None) -> frozenset[int]:
    return frozenset(int(v) for v in values) if values else frozenset()


MOVED_FROM_MAX = 5000  # contacts a notice says the origin of (Changes.moved_from)


@dataclass(frozen=True)
class Changes:
    """Typed change notice. Every field is a flag or a set a view can test; nothing means
    "everything" implicitly — an operation that touches every contact says ``all_contacts``."""

    contacts: frozenset[int] = field(default_factory=frozenset)  # fields, stage or scores
    created: frozenset[int] = field(default_factory=frozenset)
    deleted: frozenset[int] = field(default_factory=frozenset)
    activities: frozenset[int] = field(default_factory=frozenset)  # contacts whose activities
    stages: frozenset[str] = field(default_factory=frozenset)  # stage keys whose members changed
    # (contact id, stage key it left) for the contacts the operation moved (at most
    # MOVED_FROM_MAX of them; more, or a notice from another process: empty), so a view that
    # counts a stage without listing it (a folded board column) can count the move at once
    moved_from: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    all_contacts: bool = False  # e.g. every score recomputed
    stage_list: bool = False  # stages added, renamed, recoloured, reordered
    criteria: bool = False  # BANT criteria
    scoring: bool = False  # scoring rules and thresholds
    personas: bool = False
    settings: bool = False  # other settings (SLA, domain overrides, nameserver…)
    sources: bool = False  # sources and their reach
    imports: bool = False  # import batches
    undo_log: bool = False  # what Undo and Redo would do next

    @classmethod
    def of(
        cls,
        *,
        contacts: Iterable[int] | None = None,
        created: Iterable[int] | None = None,
        deleted: Iterable[int] | None = None,
        activities: Iterable[int] | None = None,
        stages: Iterable[str] | None = None,
        **flags: bool,
    ) -> Changes:
        values: dict[str, Any] = dict(flags)
        return cls(
            contacts=_ids(contacts),
            created=_ids(created),
            deleted=_ids(deleted),
            activities=_ids(activities),
            stages=frozenset(stages or ()),
            **values,
        )

    @classmethod
    def flags(cls, names: Iterable[str]) -> Changes:
        """Changes with the named flags set (``all_contacts``, ``scoring``…)."""
        known = {f.name for f in fields(cls) if f.type in ("bool", bool)}
        values: dict[str, Any] = {n: True for n in names if n in known}
        return cls(**values)

    def __or__(self, other: Changes) -> Changes:
        values: dict[str, object] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = (a | b) if isinstance(a, frozenset) else (a or b)
        return Changes(**values)  # type: ignore[arg-type]

    @property
    def touched_contacts(self) -> frozenset[int]:
        """Every contact id the operation created, changed or deleted."""
        return self.contacts | self.created | self.deleted | self.activities

    def touches_contact(self, contact_id: int) -> bool:
        return self.all_contacts or contact_id in self.touched_contacts

    @property
    def contact_data(self) -> bool:
        """Anything a list of contacts shows may have changed."""
        return bool(
            self.all_contacts
            or self.contacts
            or self.created
            or self.deleted
            or self.stages
            or self.imports
        )

    def __bool__(self) -> bool:
        return any(bool(getattr(self, f.name)) for f in fields(self) if f.name != "undo_log")
