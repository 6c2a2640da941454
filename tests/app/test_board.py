"""The board's sort choices: every one sorts in SQL, in any process, whatever it imported."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from app import contacts
from app.board import BOARD_SORTS
from app.contacts import ContactQuery
from app.timeutil import utcnow
from db.engine import Database
from db.models import Contact

ROOT = Path(__file__).resolve().parents[2]


def test_due_date_sorts_in_a_process_that_never_imported_the_board(db_path: Path) -> None:
    script = (
        "import sys\n"
        "from app import contacts\n"
        "from app.contacts import ContactQuery\n"
        "from db.engine import open_database\n"
        "db = open_database(sys.argv[1])\n"
        "contacts.query_ids(db, ContactQuery(sort='due'))\n"
        "assert 'app.board' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_due_date_puts_the_most_urgent_first_and_undated_last(db: Database) -> None:
    now = utcnow()
    ids = [contacts.create_contact(db, name=n, stage="inquiry") for n in ("A", "B", "C", "D")]
    # (response due, answered, next action): an answered inquiry goes by its next action
    due = {
        ids[0]: (now + timedelta(days=5), False, None),
        ids[1]: (None, False, None),
        ids[2]: (now + timedelta(days=1), True, now + timedelta(days=9)),
        ids[3]: (now + timedelta(days=2), False, now + timedelta(days=30)),
    }
    with db.session() as s:
        for cid, (response_due, answered, next_action) in due.items():
            row = s.get(Contact, cid)
            assert row is not None
            row.response_due_at = response_due
            row.first_response_at = now if answered else None
            row.next_action_at = next_action
    assert contacts.query_ids(db, ContactQuery(sort="due", descending=False)) == [
        ids[3],
        ids[0],
        ids[2],
        ids[1],
    ]


def test_every_board_sort_is_a_known_sort(db: Database) -> None:
    for choice in BOARD_SORTS:
        contacts.query_ids(db, ContactQuery(sort=choice.sort, descending=choice.descending))
