"""What an import did, as plain values: the report the CLI prints and the wizard shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RowIssue:
    """A rejected row or a warning: the row number as the user sees it in the file, and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class LikelyDuplicate:
    """A row without an e-mail address whose name and company match another contact."""

    row: int
    reason: str
    contact_id: int | None = None


@dataclass
class ImportReport:
    """The result of one import; ``to_json()`` is exactly what ``winnow import --json`` prints."""

    batch_id: int | None
    format: str
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, str | None]
    read: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    likely_duplicates: list[LikelyDuplicate] = field(default_factory=list)
    # every skipped row with why (one per ``skipped``): a duplicate of a contact already in
    # Winnow or of an earlier row. Not in ``to_json()``, whose keys are a public contract (a
    # duplicate within the file is among ``warnings`` there, as before).
    skipped_rows: list[RowIssue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["skipped_rows"]
        return data

    def skip(self, row: int, reason: str) -> None:
        """Count a skipped row and say why."""
        self.skipped += 1
        self.skipped_rows.append(RowIssue(row, reason))

    @property
    def created_or_updated(self) -> int:
        return self.imported + self.updated


@dataclass(frozen=True)
class BatchInfo:
    """One import batch as the history lists it."""

    id: int
    source: str | None
    file_name: str | None
    format: str | None
    encoding: str | None
    delimiter: str | None
    stage_key: str | None
    on_duplicate: str | None
    created_at: datetime
    read: int
    imported: int
    updated: int
    skipped: int
    rejected: int
    undone_at: datetime | None
    created_by: str | None = None  # who imported it (team mode)

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch did: contacts removed, contacts whose fields were restored, and
    contacts left as they are because someone changed those fields after the import."""

    batch_id: int
    removed: tuple[int, ...]
    restored: tuple[int, ...]
    kept: tuple[int, ...]
    # contacts the import created that have later work (moves, activities, answers, edits):
    # kept unless the undo was told to include later work
    kept_with_later_work: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        parts = [f"removed {len(self.removed):,} contact{'s' if len(self.removed) != 1 else ''}"]
        if self.restored:
            parts.append(f"restored the fields of {len(self.restored):,}")
        if self.kept_with_later_work:
            n = len(self.kept_with_later_work)
            parts.append(f"kept {n:,} with later activities, moves or answers")
        if self.kept:
            parts.append(f"kept newer values on {len(self.kept):,}")
        return "; ".join(parts)
