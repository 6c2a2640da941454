"""0006: tasks and deal values; a next-action date set before becomes the first open task."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text

from db.engine import open_database
from db.migrate import current_revision, head_revision
from tests.db.builders import engine_at_revision


def test_upgrade_from_0005_turns_next_action_dates_into_tasks(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = engine_at_revision(f"sqlite:///{path}", "0005")
    with engine.begin() as conn:
        for cid, when in ((1, "2026-03-02 09:00:00.000000"), (2, None)):
            conn.execute(
                text(
                    "INSERT INTO contacts (id, name, sort_name, stage_id, created_at, consent, "
                    "sales_ready, next_action_at) VALUES (:id, 'A', 'a', 1, "
                    "'2026-03-01 08:00:00.000000', 'unknown', 0, :when)"
                ),
                {"id": cid, "when": when},
            )
    engine.dispose()
    db = open_database(path)
    assert current_revision(db.engine) == head_revision()
    from db.models import Contact, Task

    with db.session() as s:
        tasks = s.execute(select(Task.contact_id, Task.title, Task.kind, Task.due_at, Task.done_at))
        assert [tuple(t) for t in tasks] == [
            (1, "Next action", "todo", datetime(2026, 3, 2, 9), None)
        ]
        assert s.execute(select(Contact.deal_amount, Contact.expected_close_at)).all() == [
            (None, None),
            (None, None),
        ]
    db.close()
