"""Two windows on one file (or a window and ``winnow backup``) may prune the same backups
folder at once: a backup deleted between the folder's listing and its description is left out,
instead of failing the other's daily backup with FileNotFoundError."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import backups


def test_a_backup_pruned_while_the_folder_is_listed_is_left_out(
    filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.backup import new_backup_path

    one = backups.make_backup(filled)
    older = new_backup_path(filled, now=datetime.now(UTC) - timedelta(days=3))
    shutil.copy(one.path, older)
    describe = backups.describe

    def pruned_first(path: Path, created_at: datetime | None = None) -> backups.BackupInfo:
        if path == older:
            path.unlink()  # the other pruner was quicker
        return describe(path, created_at)

    monkeypatch.setattr(backups, "describe", pruned_first)
    assert [b.path for b in backups.list_backups(filled)] == [one.path]
    assert backups.prune_backups(filled) == []
