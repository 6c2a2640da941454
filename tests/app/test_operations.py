"""The operations core: every operation does what its domain function does, in one logged
transaction; undo puts back exactly what a user sees, redo does it again, across restarts;
conflicts are refused (or, forced, left alone); history chains stay consistent."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app import activities, consent, contacts, followup, moves, operations, qualification, triage
from app import stages as stages_mod
from app.errors import WinnowError
from app.operations import LOG_SIZE, NothingToUndo, OpResult, UndoConflict
from app.operations.core import LOCK_ATTEMPTS
from app.timeutil import utcnow
from db.engine import Database, DatabaseLocked, open_database
from db.models import Activity, BantAnswer, Contact, Operation, OperationRow, StageChange

# --- what a user sees ----------------------------------------------------------------------------


def _register_show_extensions() -> None:
    from app.cli import build_parser

    build_parser()  # ``show --json`` keys, as the command line has them


_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _breakdown(value: Any) -> Any:
    """A score breakdown in a fixed order: its order follows the criteria order at the last
    rescore, and reordering criteria does not rescore (undoing or redoing it does)."""
    items = json.loads(value) if isinstance(value, str) else value
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True)) if items else items


class View:
    """What a user sees: every row of every table (no ``contacts.updated_at``, history without
    undone entries and without its undo-log bookkeeping), and ``winnow show --json`` of the
    contacts asked for (``contact_json``: scores, BANT, go-look, history, activities). Times at
    or after ``since`` — written by the test itself — read as ``<now>``, so two runs of the same
    change compare equal."""

    SKIP_TABLES = ("operations", "operation_rows")
    SKIP_COLUMNS = {
        # derived: the time of the last write, an undo's included; the version and who wrote
        # last go on with every write (an undo is one: app.versions)
        "contacts": {"updated_at", "version", "changed_by"},
        # who did it: recorded by the operation, not by the domain function it runs
        "stage_changes": {"operation_id", "undone_at", "changed_by"},
        "activities": {"created_by"},
    }

    def __init__(self, since: datetime) -> None:
        self.since = since.replace(tzinfo=UTC)

    def _norm(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._norm(v) for v in value]
        if isinstance(value, datetime):
            value = value.isoformat()
        if isinstance(value, str) and _ISO.match(value):
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                return value
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            if when >= self.since:
                return "<now>"
        return value

    def contact(self, db: Database, cid: int) -> dict[str, Any]:
        from app.commands.core import contact_json

        data = contact_json(db, cid)
        for key in ("updated_at", "version", "changed_by"):
            data.pop(key, None)
        data["score_breakdown"] = _breakdown(data["score_breakdown"])
        data["history"] = [
            {k: v for k, v in h.items() if k not in ("undone", "actor")}
            for h in data["history"]
            if not h["undone"]
        ]
        data["activities"] = [
            {k: v for k, v in a.items() if k != "actor"} for a in data["activities"]
        ]
        return dict(self._norm(data))

    def tables(self, db: Database) -> dict[str, dict[str, Any]]:
        from db.models import Base

        out: dict[str, dict[str, Any]] = {}
        with db.session() as s:
            for table in Base.metadata.sorted_tables:
                if table.name in self.SKIP_TABLES:
                    continue
                skip = self.SKIP_COLUMNS.get(table.name, set())
                pk = [c.name for c in table.primary_key.columns]
                stmt = select(table)
                if table.name == "stage_changes":
                    stmt = stmt.where(table.c.undone_at.is_(None))
                rows = {}
                for row in s.execute(stmt).mappings():
                    key = "/".join(str(row[k]) for k in pk)
                    rows[key] = {k: v for k, v in row.items() if k not in skip}
                out[table.name] = self._norm(rows)
        return out

    def __call__(self, db: Database, shown: Iterable[int] = ()) -> dict[str, Any]:
        with db.session() as s:
            exists = set(s.scalars(select(Contact.id)))
        return {
            "tables": self.tables(db),
            "shown": {cid: self.contact(db, cid) for cid in sorted(shown) if cid in exists},
        }


def touched(a: dict[str, Any], b: dict[str, Any]) -> set[int]:
    """The contacts whose rows differ between two views."""
    out: set[int] = set()
    for name, rows in a["tables"].items():
        other = b["tables"].get(name, {})
        for key in set(rows) | set(other):
            if rows.get(key) != other.get(key):
                row = rows.get(key) or other.get(key)
                cid = row.get("id") if name == "contacts" else row.get("contact_id")
                if cid is not None:
                    out.add(int(cid))
    return out


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two views differ, as short lines (an empty list: the same)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b), key=repr):
            if k not in a or k not in b:
                left, right = a.get(k, "missing"), b.get(k, "missing")
                out.append(f"{path}/{k}: {left!r:.120} vs {right!r:.120}")
            else:
                out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if a != b:
        return [f"{path}: {a!r:.700} vs {b!r:.700}"]
    return []


def assert_same(a: Any, b: Any, what: str = "") -> None:
    found = differences(a, b)
    assert not found, what + "\n" + "\n".join(found)


def chains_consistent(db: Database) -> list[str]:
    """Every contact's live history: starts nowhere, each "from" is the previous "to", and the
    last "to" is where the contact is. Returns what is wrong (empty: all consistent)."""
    problems: list[str] = []
    with db.session() as s:
        stage_of = {int(c): int(st) for c, st in s.execute(select(Contact.id, Contact.stage_id))}
        rows = s.execute(
            select(StageChange.contact_id, StageChange.from_stage_id, StageChange.to_stage_id)
            .where(StageChange.undone_at.is_(None))
            .order_by(StageChange.contact_id, StageChange.id)
        ).all()
    last: dict[int, int | None] = {}
    for cid, src, dst in rows:
        if cid in last:
            if src != last[cid]:
                problems.append(f"contact {cid}: from {src} after to {last[cid]}")
        elif src is not None:
            problems.append(f"contact {cid}: first entry from {src}")
        last[cid] = dst
    for cid, stage_id in stage_of.items():
        if last.get(cid) != stage_id:
            problems.append(f"contact {cid}: in stage {stage_id}, history ends at {last.get(cid)}")
    return problems


def stage_key(db: Database, cid: int) -> str:
    return contacts.get_contact(db, cid).stage_key


def live_history(db: Database, cid: int) -> list[tuple[str | None, str]]:
    return [(h.from_key, h.to_key) for h in moves.history(db, cid) if h.undone_at is None]


@pytest.fixture
def since() -> datetime:
    return utcnow()


@pytest.fixture
def view(since: datetime) -> View:
    _register_show_extensions()
    return View(since - timedelta(seconds=1))


@pytest.fixture
def small(db: Database) -> Database:
    """30 demo contacts (with history and activities), three of them with BANT answers."""
    from app.demo import generate_demo

    generate_demo(db, 30, seed=11)
    qualification.set_bant(db, 22, {"budget": "yes", "need": "no"}, {"need": "Has one"})
    qualification.set_bant(db, 23, {"need": "yes", "timeframe": "yes"})
    qualification.set_bant(db, 24, {"budget": "no"})
    from app import todo

    todo.add_task(db, 28, "Call back about the quote", datetime(2027, 1, 5, 9, 0), kind="call")
    return db


def _first_task(db: Database) -> int:
    from db.models import Task

    with db.session() as s:
        found = s.scalar(select(func.min(Task.id)))
    assert found is not None
    return int(found)


def _reopen(db_url: str) -> Database:
    return open_database(db_url)


# --- every operation of the catalog ---------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One operation of the catalog and the domain function it wraps."""

    name: str
    op: Callable[[Database], OpResult[Any]]
    domain: Callable[[Database], object]
    label: str  # a regular expression the log entry's label must match
    contacts: int  # contacts the log entry counts
    redo: bool = True  # False: redo is refused (a merge, for now)


def _first_activity(db: Database) -> int:
    with db.session() as s:
        found = s.scalar(select(func.min(Activity.id)))
    assert found is not None
    return int(found)


def _answered_contact(db: Database) -> int:
    with db.session() as s:
        found = s.scalar(select(func.min(BantAnswer.contact_id)))
    assert found is not None
    return int(found)


def _persona(name: str) -> Any:
    from app.golook.personas import Persona, PersonaCriteria

    return Persona(None, name, PersonaCriteria(title_include=("buyer",)))


def _persona_id(db: Database) -> int:
    from app.golook.persona_store import list_personas

    return int(list_personas(db)[0].id or 0)


def _rules() -> Any:
    from app.scoring import ScoringRules

    rules = ScoringRules.defaults()
    return rules


CASES = [
    Case(
        "move",
        lambda db: operations.move_contacts(db, [1, 2, 3, 4], "mql", reason="fair"),
        lambda db: moves.move_to_stage(db, [1, 2, 3, 4], "mql", reason="fair"),
        r"^move of \d contacts? to Marketing qualified$",
        -1,  # those not already there
    ),
    Case(
        "triage-move",
        lambda db: operations.triage_decision(db, [5, 6], "nurture"),
        lambda db: (moves.move_to_stage(db, [5, 6], "nurture"), triage.mark_triaged(db, [5, 6])),
        r"^triage of 2 contacts to Nurture$",
        2,
    ),
    Case(
        "triage-keep",
        lambda db: operations.triage_decision(db, [7], None),
        lambda db: triage.mark_triaged(db, [7]),
        r"^triage of 1 contact$",
        1,
    ),
    Case(
        "mark-triaged",
        lambda db: operations.mark_triaged(db, [8, 9, 10]),
        lambda db: triage.mark_triaged(db, [8, 9, 10]),
        r"^triage of 3 contacts$",
        3,
    ),
    Case(
        "create",
        lambda db: operations.create_contact(
            db, first_name="Zoë", last_name="Ångström", email="zoe@example.se", stage="inquiry"
        ),
        lambda db: contacts.create_contact(
            db, first_name="Zoë", last_name="Ångström", email="zoe@example.se", stage="inquiry"
        ),
        r"^new contact Zoë Ångström$",
        1,
    ),
    Case(
        "edit",
        lambda db: operations.edit_contact(
            db, 11, {"title": "Head of Purchasing", "company": "Neue GmbH", "email": "x@neu.de"}
        ),
        lambda db: contacts.update_contact(
            db, 11, title="Head of Purchasing", company="Neue GmbH", email="x@neu.de"
        ),
        r"^edit of .+$",
        1,
    ),
    Case(
        "delete",
        lambda db: operations.delete_contacts(db, [12, 13, 14]),
        lambda db: contacts.delete_contacts(db, [12, 13, 14]),
        r"^deletion of 3 contacts$",
        3,
    ),
    Case(
        "activity",
        lambda db: operations.log_activity(db, 15, "meeting", note="Stand visit"),
        lambda db: activities.log_activity(db, 15, "meeting", note="Stand visit"),
        r"^meeting logged for .+$",
        1,
    ),
    Case(
        "inquiry",
        lambda db: operations.log_activity(db, 16, "inquiry-received", note="Web form"),
        lambda db: activities.log_activity(db, 16, "inquiry-received", note="Web form"),
        r"^.+ logged for .+$",
        1,
    ),
    Case(
        "delete-activity",
        lambda db: operations.delete_activity(db, _first_activity(db)),
        lambda db: activities.delete_activity(db, _first_activity(db)),
        r"^removal of an activity of .+$",
        1,
    ),
    Case(
        "bant",
        lambda db: operations.set_bant(
            db, 17, {"budget": "yes", "authority": "no"}, {"need": "Two lines"}
        ),
        lambda db: qualification.set_bant(
            db, 17, {"budget": "yes", "authority": "no"}, {"need": "Two lines"}
        ),
        r"^qualification of .+$",
        1,
    ),
    Case(
        "bant-clear",
        lambda db: operations.set_bant(
            db, _answered_contact(db), {"budget": "unknown", "need": "unknown"}
        ),
        lambda db: qualification.set_bant(
            db, _answered_contact(db), {"budget": "unknown", "need": "unknown"}
        ),
        r"^qualification of .+$",
        1,
    ),
    Case(
        "consent",
        lambda db: operations.set_consent(db, [18, 19], "granted", how="asked by phone"),
        lambda db: consent.set_consent(db, [18, 19], "granted", how="asked by phone"),
        r"^consent of 2 contacts$",
        -1,
    ),
    Case(
        "next-action",
        lambda db: operations.set_next_action(db, [20, 21], datetime(2027, 1, 4, 8, 0)),
        lambda db: followup.set_next_action(db, [20, 21], datetime(2027, 1, 4, 8, 0)),
        r"^next action of 2 contacts$",
        2,
    ),
    Case(
        "rename-stage",
        lambda db: operations.rename_stage(db, "mql", "Warm lead"),
        lambda db: stages_mod.rename_stage(db, "mql", "Warm lead"),
        r"^renaming of stage mql$",
        0,
    ),
    Case(
        "recolor-stage",
        lambda db: operations.recolor_stage(db, "sql", "#123456"),
        lambda db: stages_mod.recolor_stage(db, "sql", "#123456"),
        r"^new colour of stage sql$",
        0,
    ),
    Case(
        "reorder-stages",
        lambda db: operations.reorder_stages(db, ["inquiry", "suspect"]),
        lambda db: stages_mod.reorder_stages(db, ["inquiry", "suspect"]),
        r"^new order of the stages$",
        0,
    ),
    Case(
        "add-stage",
        lambda db: operations.add_stage(db, "demo", "Demo booked", after="sql"),
        lambda db: stages_mod.add_stage(db, "demo", "Demo booked", after="sql"),
        r"^new stage Demo booked$",
        0,
    ),
    Case(
        "add-criterion",
        lambda db: operations.add_criterion(db, "Champion"),
        lambda db: qualification.add_criterion(db, "Champion"),
        r"^new criterion Champion$",
        0,
    ),
    Case(
        "rename-criterion",
        lambda db: operations.rename_criterion(db, "budget", "Money"),
        lambda db: qualification.rename_criterion(db, "budget", "Money"),
        r"^renaming of criterion budget$",
        0,
    ),
    Case(
        "set-required",
        lambda db: operations.set_required(db, "timeframe", False),
        lambda db: qualification.set_required(db, "timeframe", False),
        r"^change of criterion timeframe$",
        0,
    ),
    Case(
        "remove-criterion",
        lambda db: operations.remove_criterion(db, "need"),
        lambda db: qualification.remove_criterion(db, "need"),
        r"^removal of criterion need$",
        -1,
    ),
    Case(
        "reorder-criteria",
        lambda db: operations.reorder_criteria(db, ["timeframe", "budget"]),
        lambda db: qualification.reorder_criteria(db, ["timeframe", "budget"]),
        r"^new order of the criteria$",
        0,
    ),
    Case(
        "scoring",
        lambda db: operations.save_scoring_settings(
            db, threshold=35, automation="move", sla_hours=4
        ),
        lambda db: __import__("app.scoring").scoring.save_scoring_settings(
            db, threshold=35, automation="move", sla_hours=4
        ),
        r"^change of the scoring rules$",
        0,
    ),
    Case(
        "setting",
        lambda db: operations.set_setting(db, "golook.nameserver", "127.0.0.1:5353"),
        lambda db: __import__("app.settings").settings.set_setting(
            db, "golook.nameserver", "127.0.0.1:5353"
        ),
        r"^change of setting golook.nameserver$",
        0,
    ),
    Case(
        "source",
        lambda db: operations.set_source_reached(db, "Mailing Q4", 1200),
        lambda db: _store_source(db, "Mailing Q4", 1200),
        r"^reach of Mailing Q4$",
        0,
    ),
    Case(
        "persona-save",
        lambda db: operations.change_personas(
            db,
            "new persona Buyer",
            __import__("app.golook.persona_store").golook.persona_store.save_persona,
            _persona("Buyer"),
        ),
        lambda db: __import__("app.golook.persona_store").golook.persona_store.save_persona(
            db, _persona("Buyer")
        ),
        r"^new persona Buyer$",
        0,
    ),
    Case(
        "persona-delete",
        lambda db: operations.change_personas(
            db,
            "removal of a persona",
            __import__("app.golook.persona_store").golook.persona_store.delete_persona,
            _persona_id(db),
        ),
        lambda db: __import__("app.golook.persona_store").golook.persona_store.delete_persona(
            db, _persona_id(db)
        ),
        r"^removal of a persona$",
        0,
    ),
]


def _todo() -> Any:
    from app import todo

    return todo


def _deals() -> Any:
    from app import deals

    return deals


def _merge() -> Any:
    from app import merge

    return merge


CASES += [
    Case(
        "edit-activity",
        lambda db: operations.edit_activity(db, _first_activity(db), note="Corrected"),
        lambda db: activities.edit_activity(db, _first_activity(db), note="Corrected"),
        r"^correction of an activity of .+$",
        1,
    ),
    Case(
        "add-task",
        lambda db: operations.add_task(db, 27, "Send the brochure", datetime(2027, 1, 8, 10, 0)),
        lambda db: _todo().add_task(db, 27, "Send the brochure", datetime(2027, 1, 8, 10, 0)),
        r"^new task for .+$",
        1,
    ),
    Case(
        "complete-task",
        lambda db: operations.complete_task(db, _first_task(db)),
        lambda db: _todo().complete_task(db, _first_task(db)),
        r"^task done for .+$",
        1,
    ),
    Case(
        "edit-task",
        lambda db: operations.edit_task(db, _first_task(db), title="Call about the quote"),
        lambda db: _todo().edit_task(db, _first_task(db), title="Call about the quote"),
        r"^task change for .+$",
        1,
    ),
    Case(
        "delete-task",
        lambda db: operations.delete_task(db, _first_task(db)),
        lambda db: _todo().delete_task(db, _first_task(db)),
        r"^task removal for .+$",
        1,
    ),
    Case(
        "deal",
        lambda db: operations.set_deal(db, 29, 48000.0, datetime(2027, 3, 31)),
        lambda db: _deals().set_deal(db, 29, 48000.0, datetime(2027, 3, 31)),
        r"^deal value of .+$",
        1,
    ),
    Case(
        "merge",
        lambda db: operations.merge_contacts(db, 25, [26]),
        lambda db: _merge().merge_contacts(db, 25, [26]),
        r"^merge of 2 contacts into .+$",
        2,
    ),
]


def _store_source(db: Database, name: str, reached: int) -> None:
    from db.models import Source

    with db.session() as s:
        row = s.get(Source, name)
        if row is None:
            s.add(Source(name=name, reached=reached))
        else:
            row.reached = reached


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_operation_does_what_its_domain_function_does_and_undoes_exactly(
    small: Database,
    db_url: str,
    copy_database: Callable[[Database], str],
    view: View,
    case: Case,
) -> None:
    db = small
    original = open_database(copy_database(db))
    twin = open_database(copy_database(db))
    try:
        case.domain(twin)
        result = case.op(db)
        rows_changed = touched(view(original), view(db))
        # the change notice names every contact whose rows changed (views refresh by it)
        assert result.changes.all_contacts or rows_changed <= result.changes.touched_contacts
        shown = rows_changed | result.changes.touched_contacts
        assert shown or case.contacts == 0
        before = view(original, shown)
        by_domain = view(twin, shown)
    finally:
        twin.close()
        original.close()
    after = view(db, shown)
    assert after != before, "the operation changed nothing"
    assert not differences(after, by_domain), (
        "the operation did not do what its domain function does"
    )
    assert result.operation_id is not None and result.changes.undo_log
    assert result.undo_state.undo is not None and result.undo_state.undo.id == result.operation_id
    log = operations.history(db)
    assert log[0].id == result.operation_id and len(log) == 1
    assert re.match(case.label, log[0].label), log[0].label
    assert result.label == log[0].label
    if case.contacts >= 0:
        assert log[0].contacts == case.contacts
    else:
        assert log[0].contacts >= 1
    assert result.undo_state.undo_text == f"Undo {log[0].label}"
    assert not chains_consistent(db)

    db.close()  # undo and redo read the log from the file: a restart in between changes nothing
    db = _reopen(db_url)
    try:
        undone = operations.undo_operation(db)
        assert undone.value.operation_id == result.operation_id
        assert undone.value.left_alone == ()
        assert undone.changes.undo_log
        assert undone.undo_state.redo is not None
        assert_same(view(db, shown), before)
        assert not chains_consistent(db)
        assert operations.history(db) == []
        with pytest.raises(NothingToUndo):
            operations.undo_operation(db)
        db.close()
        db = _reopen(db_url)
        if not case.redo:
            with pytest.raises(WinnowError):
                operations.redo_operation(db)
            assert_same(view(db, shown), before)
            return

        redone = operations.redo_operation(db)
        assert redone.value.operation_id == result.operation_id
        assert_same(view(db, shown), after)
        assert not chains_consistent(db)
        assert [e.id for e in operations.history(db)] == [result.operation_id]
        with pytest.raises(NothingToUndo):
            operations.redo_operation(db)
        db.close()
        db = _reopen(db_url)

        operations.undo_operation(db)  # and once more, after a redo
        assert_same(view(db, shown), before)
        assert not chains_consistent(db)
    finally:
        db.close()


# --- conflicts -----------------------------------------------------------------------------------


def _people(db: Database, n: int, stage: str = "suspect") -> list[int]:
    return [
        contacts.create_contact(db, first_name=f"P{i}", last_name="Test", stage=stage)
        for i in range(n)
    ]


def test_undo_refuses_when_a_contact_was_moved_again_and_force_leaves_it(
    db: Database, view: View
) -> None:
    a, b, c = _people(db, 3)
    first = operations.move_contacts(db, [a, b, c], "mql")
    operations.move_contacts(db, [b], "sql")  # logged
    moves.move_to_stage(db, [c], "nurture")  # and not logged (a script, an older window)
    unchanged = view(db, [a, b, c])
    with pytest.raises(UndoConflict, match="2 contacts of this operation were moved") as info:
        operations.undo_operation(db, first.operation_id)
    assert info.value.contacts == (b, c)
    assert "--force" in str(info.value)
    assert_same(view(db, [a, b, c]), unchanged)  # nothing changed
    assert [e.state for e in operations.history(db)] == ["done", "done"]

    report = operations.undo_operation(db, first.operation_id, force=True).value
    assert report.contacts == (a,) and report.left_alone == (b, c)
    assert [stage_key(db, x) for x in (a, b, c)] == ["suspect", "sql", "nurture"]
    assert not chains_consistent(db)
    assert live_history(db, b) == [(None, "suspect"), ("suspect", "mql"), ("mql", "sql")]
    # the forced undo is undone as a whole: redo puts back what it undid
    operations.redo_operation(db)
    assert [stage_key(db, x) for x in (a, b, c)] == ["mql", "sql", "nurture"]
    assert not chains_consistent(db)


def test_undo_refuses_when_a_contact_was_edited_again(db: Database, view: View) -> None:
    a, b = _people(db, 2)
    first = operations.edit_contact(db, a, {"title": "Buyer"})
    operations.edit_contact(db, b, {"title": "Planner"})
    contacts.update_contact(db, a, title="Chief buyer")  # edited again since
    unchanged = view(db, [a, b])
    with pytest.raises(UndoConflict, match="1 contact of this operation was") as info:
        operations.undo_operation(db, first.operation_id)
    assert info.value.contacts == (a,)
    assert_same(view(db, [a, b]), unchanged)
    report = operations.undo_operation(db, first.operation_id, force=True).value
    assert report.left_alone == (a,) and report.contacts == ()
    assert contacts.get_contact(db, a).title == "Chief buyer"
    # the newer edit undoes as usual
    operations.undo_operation(db)
    assert contacts.get_contact(db, b).title is None


def test_undo_refuses_when_a_contact_was_deleted_since(db: Database, view: View) -> None:
    a, b, c, d = _people(db, 4)
    first = operations.move_contacts(db, [a, b, c, d], "inquiry")
    operations.delete_contacts(db, [b])  # logged
    contacts.delete_contacts(db, [c])  # not logged
    unchanged = view(db, [a, d])
    with pytest.raises(UndoConflict, match="2 contacts of this operation were") as info:
        operations.undo_operation(db, first.operation_id)
    assert info.value.contacts == (b, c)
    assert_same(view(db, [a, d]), unchanged)
    report = operations.undo_operation(db, first.operation_id, force=True).value
    assert report.contacts == (a, d) and report.left_alone == (b, c)
    assert [stage_key(db, x) for x in (a, d)] == ["suspect", "suspect"]
    assert not chains_consistent(db)


def test_undo_of_a_move_after_the_deletion_was_undone(db: Database) -> None:
    a, b = _people(db, 2)
    moved = operations.move_contacts(db, [a, b], "mql")
    operations.delete_contacts(db, [a])
    operations.undo_operation(db)  # a comes back, with the move in its history
    operations.undo_operation(db)  # so the move undoes whole
    assert moved.operation_id not in [e.id for e in operations.history(db)]
    assert [stage_key(db, x) for x in (a, b)] == ["suspect", "suspect"]
    assert not chains_consistent(db)


def test_undo_of_a_new_contact_refuses_when_it_has_later_work(db: Database) -> None:
    made = operations.create_contact(db, first_name="Ines", email="ines@example.pt")
    cid = made.value
    activities.log_activity(db, cid, "call", note="not logged in the undo log")
    with pytest.raises(UndoConflict, match="1 contact of this operation") as info:
        operations.undo_operation(db, made.operation_id)
    assert info.value.contacts == (cid,)
    assert [a.note for a in activities.list_activities(db, cid)] == ["not logged in the undo log"]

    other = operations.create_contact(db, first_name="Olaf").value
    created = operations.history(db)[0].id
    operations.move_contacts(db, [other], "inquiry")
    with pytest.raises(UndoConflict):
        operations.undo_operation(db, created)
    assert stage_key(db, other) == "inquiry"
    assert not chains_consistent(db)


def test_redo_refuses_when_the_contact_changed_after_the_undo(db: Database) -> None:
    (a,) = _people(db, 1)
    operations.move_contacts(db, [a], "mql")
    operations.undo_operation(db)
    moves.move_to_stage(db, [a], "nurture")  # outside the log: the redo stays possible…
    with pytest.raises(UndoConflict, match="Cannot redo"):
        operations.redo_operation(db)  # …but would overwrite it
    assert stage_key(db, a) == "nurture"
    operations.redo_operation(db, force=True)
    assert stage_key(db, a) == "nurture"
    assert not chains_consistent(db)

    deleted = operations.delete_contacts(db, [a])
    operations.undo_operation(db)
    activities.log_activity(db, a, "note", note="written after the undo")
    with pytest.raises(UndoConflict):
        operations.redo_operation(db, deleted.operation_id)  # would delete the new note too
    assert len(activities.list_activities(db, a)) == 1


def test_undo_of_a_new_stage_refuses_while_contacts_are_in_it(db: Database) -> None:
    (a,) = _people(db, 1)
    added = operations.add_stage(db, "demo", "Demo booked", after="sql")
    moves.move_to_stage(db, [a], "demo")
    with pytest.raises(UndoConflict, match="was changed again since"):
        operations.undo_operation(db, added.operation_id)
    assert "demo" in stages_mod.stage_keys(db)
    moves.move_to_stage(db, [a], "sql")
    with pytest.raises(UndoConflict):  # its history still names the stage
        operations.undo_operation(db, added.operation_id)
    report = operations.undo_operation(db, added.operation_id, force=True).value
    assert report.left_alone == ()
    assert "demo" in stages_mod.stage_keys(db)


def test_the_history_chains_stay_consistent_through_undo_and_redo(db: Database) -> None:
    ids = _people(db, 6)
    ops: list[OpResult[Any]] = [
        operations.move_contacts(db, ids[:4], "inquiry"),
        operations.move_contacts(db, ids[2:], "mql"),
        operations.triage_decision(db, ids[1:3], "nurture"),
        operations.move_contacts(db, ids[::2], "sql"),
    ]
    assert not chains_consistent(db)
    for op in reversed(ops[1:]):
        operations.undo_operation(db, op.operation_id)
        assert not chains_consistent(db)
    with pytest.raises(UndoConflict):
        operations.redo_operation(db, ops[3].operation_id)  # needs the ones before it
    for op in ops[1:]:
        operations.redo_operation(db, op.operation_id)
        assert not chains_consistent(db)
    assert [stage_key(db, i) for i in ids] == ["sql", "nurture", "sql", "mql", "sql", "mql"]


# --- an operation that moves a contact twice ------------------------------------------------------


def test_a_move_that_makes_contacts_inquiries_undoes_whole(db: Database) -> None:
    """Moved back before Inquiry with a received date and never an inquiry, a contact moves on
    to Inquiry in the same operation (app.scoring): undo takes both moves back, redo both."""
    from datetime import datetime

    a, b = (
        contacts.create_contact(
            db,
            stage="nurture",
            name=name,
            email=f"{name.lower()}@acme-maschinen.de",
            received_at=datetime(2026, 1, 5, 9, 30),
        )
        for name in ("Anna", "Bert")
    )
    result = operations.move_contacts(db, [a, b], "suspect")
    assert [stage_key(db, x) for x in (a, b)] == ["inquiry", "inquiry"]
    assert live_history(db, a) == [
        (None, "nurture"),
        ("nurture", "suspect"),
        ("suspect", "inquiry"),
    ]
    assert result.changes.stages >= {"nurture", "suspect", "inquiry"}
    assert operations.history(db)[0].contacts == 2
    assert not chains_consistent(db)
    operations.undo_operation(db)
    assert [stage_key(db, x) for x in (a, b)] == ["nurture", "nurture"]
    assert live_history(db, a) == [(None, "nurture")]
    assert not chains_consistent(db)
    operations.redo_operation(db)
    assert [stage_key(db, x) for x in (a, b)] == ["inquiry", "inquiry"]
    assert not chains_consistent(db)


def test_a_move_keeps_a_stale_sales_ready_flag_for_the_recompute(db: Database) -> None:
    """A move rescores only what depends on the stage (the follow-up times): a threshold
    lowered without a recompute (that runs in the background) promotes nobody on a move into
    Inquiry; the recompute does."""
    from app import qualification, scoring
    from app.settings import set_setting

    a, b = (
        contacts.create_contact(
            db, name=name, email=f"{name.lower()}@acme-maschinen.de", title="Head of Purchasing"
        )
        for name in ("Anna", "Bert")
    )
    set_setting(db, scoring.THRESHOLD_SETTING, 10000)
    for x in (a, b):  # qualified (sales-ready needs the answers), not yet at the threshold
        qualification.set_bant(
            db, x, {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}
        )
    scores = [contacts.get_contact(db, x).score or 0 for x in (a, b)]
    assert min(scores) > 0
    set_setting(db, scoring.AUTOMATION_SETTING, "move")
    set_setting(db, scoring.THRESHOLD_SETTING, min(scores))
    operations.move_contacts(db, [a, b], "inquiry")
    assert [stage_key(db, x) for x in (a, b)] == ["inquiry", "inquiry"]
    assert contacts.get_contact(db, a).received_at is not None
    assert not contacts.get_contact(db, a).sales_ready
    scoring.recompute_all(db)
    assert [stage_key(db, x) for x in (a, b)] == ["sql", "sql"]


def test_an_activity_that_moves_the_contact_undoes_with_its_move(db: Database) -> None:
    from app import scoring
    from app.settings import set_setting

    set_setting(db, scoring.AUTOMATION_SETTING, "move")
    (a,) = _people(db, 1, stage="mql")
    operations.log_activity(db, a, "asked-for-sales")
    assert stage_key(db, a) == "sql"
    operations.undo_operation(db)
    assert stage_key(db, a) == "mql" and activities.list_activities(db, a) == []
    assert not contacts.get_contact(db, a).sales_ready
    operations.redo_operation(db)
    assert stage_key(db, a) == "sql" and contacts.get_contact(db, a).sales_ready
    assert not chains_consistent(db)


# --- deletes and ids -----------------------------------------------------------------------------


def test_undo_of_a_delete_brings_everything_back_with_the_same_ids(
    small: Database, view: View
) -> None:
    db = small
    doomed = [22, 23, 3]
    assert any(qualification.get_bant(db, 22).answers().values())
    before = view(db, doomed)
    with db.session() as s:
        history_ids = sorted(
            s.scalars(select(StageChange.id).where(StageChange.contact_id.in_(doomed)))
        )
        activity_ids = sorted(s.scalars(select(Activity.id).where(Activity.contact_id.in_(doomed))))
    assert history_ids and activity_ids
    deleted = operations.delete_contacts(db, doomed)
    assert deleted.value == 3 and deleted.changes.deleted == frozenset(doomed)
    assert contacts.contact_exists(db, doomed) == doomed  # all three missing
    undone = operations.undo_operation(db)
    assert undone.changes.created == frozenset(doomed)
    assert_same(view(db, doomed), before)
    with db.session() as s:
        assert history_ids == sorted(
            s.scalars(select(StageChange.id).where(StageChange.contact_id.in_(doomed)))
        )
        assert activity_ids == sorted(
            s.scalars(select(Activity.id).where(Activity.contact_id.in_(doomed)))
        )
    assert not chains_consistent(db)


def test_ids_are_never_handed_out_twice(db: Database) -> None:
    a, b = _people(db, 2)
    operations.delete_contacts(db, [b])  # the newest contact
    c = operations.create_contact(db, first_name="C").value
    assert c > b
    operations.undo_operation(db)  # undo the creation of c …
    d = operations.create_contact(db, first_name="D").value
    assert d > c  # … and the next contact does not get its id
    e = contacts.create_contact(db, first_name="E")
    assert a < b < c < d < e


# --- the log -------------------------------------------------------------------------------------


def test_the_log_keeps_the_newest_operations(db: Database) -> None:
    for i in range(LOG_SIZE + 5):
        operations.set_source_reached(db, "Mailing", i + 1)
    log = operations.history(db)
    assert len(log) == LOG_SIZE
    assert log[0].id == LOG_SIZE + 5 and log[-1].id == 6
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Operation)) == LOG_SIZE
        assert s.scalar(select(func.min(OperationRow.operation_id))) == 6
    with pytest.raises(WinnowError, match="keeps the last 200"):
        operations.undo_operation(db, 3)
    for _ in range(LOG_SIZE):
        operations.undo_operation(db)
    with pytest.raises(NothingToUndo):
        operations.undo_operation(db)
    from db.models import Source

    with db.session() as s:
        source = s.get(Source, "Mailing")
        assert source is not None and source.reached == 5  # as before the oldest kept one


def test_a_new_operation_drops_what_could_be_redone(db: Database) -> None:
    a, b = _people(db, 2)
    first = operations.move_contacts(db, [a], "mql")
    second = operations.move_contacts(db, [b], "mql")
    operations.undo_operation(db)
    operations.undo_operation(db)
    state = operations.undo_state(db)
    assert state.undo is None and state.redo is not None
    assert state.redo.id == first.operation_id  # the most recently undone
    third = operations.edit_contact(db, a, {"title": "Buyer"})
    state = operations.undo_state(db)
    assert state.redo is None and state.undo is not None
    assert state.undo.id == third.operation_id
    with pytest.raises(NothingToUndo):
        operations.redo_operation(db)
    with pytest.raises(WinnowError, match="later work replaced"):
        operations.redo_operation(db, second.operation_id)
    everything = operations.history(db, include_undone=True)
    assert [(e.id, e.state) for e in everything] == [
        (third.operation_id, "done"),
        (second.operation_id, "dropped"),
        (first.operation_id, "dropped"),
    ]


def test_redo_follows_the_order_of_the_undos(db: Database) -> None:
    a, b, c = _people(db, 3)
    ops = [operations.move_contacts(db, [x], "mql").operation_id for x in (a, b, c)]
    for _ in ops:  # all within one second
        operations.undo_operation(db)
    assert [operations.redo_operation(db).value.operation_id for _ in ops] == ops
    # an older one undone by id after the newest: redo takes it first
    operations.undo_operation(db)  # c
    operations.undo_operation(db, ops[0])  # a
    assert operations.redo_operation(db).value.operation_id == ops[0]
    assert operations.redo_operation(db).value.operation_id == ops[2]


def test_nothing_is_logged_for_an_operation_that_changes_nothing(db: Database) -> None:
    (a,) = _people(db, 1, stage="mql")
    result = operations.move_contacts(db, [a], "mql")
    assert result.value.moved == () and result.operation_id is None
    assert not result.changes.undo_log
    assert operations.edit_contact(db, a, {"first_name": "P0"}).operation_id is None
    assert operations.history(db) == []


def test_a_failing_operation_leaves_nothing(db: Database) -> None:
    from app.errors import UnknownContact

    a, b = _people(db, 2)
    operations.move_contacts(db, [a], "mql")

    def body(ctx: operations.OpContext) -> None:
        moves.move_in(ctx.session, [b], "sql")
        raise UnknownContact(999)

    with pytest.raises(UnknownContact):
        operations.run_operation(db, "move", body, label="broken")
    assert stage_key(db, b) == "suspect" and len(operations.history(db)) == 1


# --- set-based: statements do not grow with the contacts ----------------------------------------


class _Statements:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[str] = []

    def _record(self, *args: Any) -> None:
        self.seen.append(args[2])

    def __enter__(self) -> list[str]:
        event.listen(self.db.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._record)


def _bulk(db: Database, n: int, target: str) -> dict[str, int]:
    from app.demo import generate_demo

    generate_demo(db, n, seed=5)
    with db.session() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
    stage_id = stages_mod.stage_ids_by_key(db)[target]
    with db.session() as s:
        there = list(s.scalars(select(Contact.id).where(Contact.stage_id == stage_id)))
    # nobody in the target stage: every contact moves
    moves.move_to_stage(db, there, "nurture" if target != "nurture" else "mql")
    counts: dict[str, int] = {}
    with _Statements(db) as seen:
        moved = operations.move_contacts(db, ids, target)
    assert len(moved.value.moved) == n
    counts["move"] = len(seen)
    with _Statements(db) as seen:
        operations.undo_operation(db)
    counts["undo"] = len(seen)
    with _Statements(db) as seen:
        operations.redo_operation(db)
    counts["redo"] = len(seen)
    assert not chains_consistent(db)
    return counts


def test_a_bulk_move_undoes_in_a_handful_of_statements(tmp_path: Path) -> None:
    counts = {}
    for n in (100, 5000):
        for target in ("mql", "inquiry"):
            db = open_database(tmp_path / f"{n}-{target}.sqlite")
            try:
                counts[n, target] = _bulk(db, n, target)
            finally:
                db.close()
    for what in ("move", "undo", "redo"):
        # the same statements for 100 contacts as for 5,000
        few, many = counts[100, "mql"][what], counts[5000, "mql"][what]
        assert few <= 20 and many == few, (what, counts)
        # a move into Inquiry rescores (the follow-up times count those moves): the scoring
        # hook works in chunks of contacts, a few statements each, and is all that grows
        few, many = counts[100, "inquiry"][what], counts[5000, "inquiry"][what]
        assert few <= 40 and many - few <= 25, (what, counts)


# --- two processes racing ------------------------------------------------------------------------

RACER = """
import random, sys, time
from db.engine import open_database
from app.operations import move_contacts
path, ids, n, seed, start = sys.argv[1:6]
db = open_database(path)
ids = [int(i) for i in ids.split(",")]
rng = random.Random(int(seed))
keys = ["suspect", "inquiry", "mql", "sql", "opportunity", "nurture", "disqualified"]
time.sleep(max(0.0, float(start) - time.time()))
for _ in range(int(n)):
    move_contacts(db, ids if rng.random() < 0.7 else rng.sample(ids, 2), rng.choice(keys))
db.close()
"""


def race(path: str, ids: list[int], n: int) -> float:
    """Two processes moving the same contacts ``n`` times each; returns the seconds taken."""
    import os
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[2]
    start = time.time() + 2.0  # both have opened the database by then
    args = [str(path), ",".join(map(str, ids)), str(n)]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, *args, str(seed), str(start)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for p in racers:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    return time.time() - start


def test_two_processes_racing_keep_every_history_chain_consistent(
    db: Database, db_url: str
) -> None:
    ids = _people(db, 3)
    # this process keeps the database open while the two race: with no "-wal" beside the file,
    # a process starting up checks it "immutable" and then deletes the "-wal"/"-shm" that the
    # other one created meanwhile (db/fileguard.read_only), losing its commits; that start-up
    # race is not what this test is about
    race(db_url, ids, 300)
    db.close()
    db = open_database(db_url)
    try:
        assert not chains_consistent(db)
        with db.session() as s:
            entries = s.scalar(
                select(func.count()).where(
                    StageChange.contact_id.in_(ids), StageChange.from_stage_id.is_not(None)
                )
            )
            logged = s.scalar(select(func.count()).select_from(Operation))
        assert entries and entries > 600  # most of the 600 moves moved someone
        assert logged == LOG_SIZE
        # and the newest moves undo into a consistent history
        for _ in range(20):
            operations.undo_operation(db)
        assert not chains_consistent(db)
    finally:
        db.close()


def _hold_write_lock(path: Path, seconds: float) -> Any:
    """Another program holding the write lock for ``seconds`` (on a thread)."""
    import threading

    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


@pytest.mark.sqlite_only  # SQLite's write lock and busy timeout
def test_a_writer_kept_waiting_past_the_busy_timeout_tries_again(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.engine as engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.3)
    db = open_database(db_path)
    try:
        (a,) = _people(db, 1)
        held = _hold_write_lock(db_path, 0.8)  # longer than one wait, shorter than four
        operations.move_contacts(db, [a], "mql")
        held.join()
        assert stage_key(db, a) == "mql"
        held = _hold_write_lock(db_path, 0.6)
        operations.undo_operation(db)
        held.join()
        assert stage_key(db, a) == "suspect"

        held = _hold_write_lock(db_path, LOCK_ATTEMPTS * 0.3 + 1.5)
        with pytest.raises(DatabaseLocked):
            operations.move_contacts(db, [a], "sql")
        held.join()
        assert (
            stage_key(db, a) == "suspect" and len(operations.history(db, include_undone=True)) == 1
        )
    finally:
        db.close()


def test_a_move_s_notice_says_where_each_contact_came_from(db: Database) -> None:
    """Changes.moved_from: the stage each moved contact left (a view counting a stage it lists
    no contacts of follows the move at once), for the move, its undo and its redo."""
    a, b = _people(db, 2)
    c = _people(db, 1, stage="nurture")[0]
    moved = operations.move_contacts(db, [a, b, c], "mql")
    assert moved.changes.moved_from == {(a, "suspect"), (b, "suspect"), (c, "nurture")}
    undone = operations.undo_operation(db)
    assert undone.changes.moved_from == {(a, "mql"), (b, "mql"), (c, "mql")}
    redone = operations.redo_operation(db)
    assert redone.changes.moved_from == {(a, "suspect"), (b, "suspect"), (c, "nurture")}
    edited = operations.edit_contact(db, a, {"company": "ACME"})
    assert edited.changes.moved_from == frozenset()  # nothing moved
