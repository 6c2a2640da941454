"""Every change a user can make, as an operation (one transaction, one undo log entry).

The window (on its one writer thread) and the CLI call these; each returns an
:class:`~app.operations.core.OpResult` with the domain function's value, the typed
:class:`~app.operations.changes.Changes` and what Undo/Redo would do next. The domain modules
(``app.moves``, ``app.contacts``, …) hold the logic; inside an operation their
``db.session()`` joins the operation's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true

from app import activities as acts
from app import consent as consent_mod
from app import contacts as contacts_mod
from app import deals, followup, gates, moves, qualification, stages, todo, triage
from app.errors import NotFound, UnknownContact, UsageError
from app.operations.changes import Changes
from app.operations.core import OpContext, OpResult, run_operation
from db.engine import Database
from db.models import (
    Activity,
    BantAnswer,
    BantCriterion,
    Contact,
    Persona,
    Setting,
    Source,
    Stage,
    StageChange,
    Task,
)


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


def _ids(contact_ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in contact_ids))


def _name_of(ctx: OpContext, contact_id: int) -> str:
    name = ctx.session.scalar(select(Contact.name).where(Contact.id == contact_id))
    if name is None:
        raise UnknownContact(contact_id)
    return name or f"contact {contact_id}"


def _stage_name(ctx: OpContext, key: str) -> str:
    return next((st.name for st in stages.stages_in(ctx.session) if st.key == key), None) or key


# --- moving --------------------------------------------------------------------------------


def move_contacts(
    db: Database,
    contact_ids: Sequence[int],
    stage_key: str,
    *,
    reason: str | None = None,
    at: datetime | None = None,
    automatic: bool = False,
    gated: bool = False,
    override: str | None = None,
    expect_versions: Mapping[int, int] | None = None,
) -> OpResult[moves.MoveResult]:
    """Move contacts to a stage (one history entry per contact that moves).

    ``expect_versions`` ({contact id: version read}): refuse the move when one of them
    changed since (:class:`app.versions.StaleVersion`); other contacts never conflict.

    ``gated``: refuse (:class:`app.gates.GateRefused`, naming each contact and what it lacks)
    a move into Sales qualified or later of a contact that is not qualified, or into Marketing
    qualified or later of one whose consent is withdrawn — unless an ``override`` reason is
    given, which the history keeps. ``at`` is checked: not more than a day ahead, not before a
    contact's previous move."""
    ids = _ids(contact_ids)
    if override is not None and not override.strip():
        raise UsageError("an override needs a reason")

    def body(ctx: OpContext) -> moves.MoveResult:
        why = reason
        if gated or override is not None:
            problems = gates.problems_in(ctx.session, ids, stage_key)
            if problems and override is None:
                raise gates.GateRefused(_stage_name(ctx, stage_key), problems)
            if problems and override is not None:
                why = gates.override_reason(override, reason)
        if at is not None:
            moves.check_move_time(ctx.session, ids, at)
        result = moves.move_in(
            ctx.session,
            ids,
            stage_key,
            reason=why,
            at=at,
            automatic=automatic,
            stamp=ctx.stamp,
            history=ctx.history_values(),
        )
        ctx.stamped.update(result.moved)  # their new version came with the move's UPDATE
        ctx.label = f"move of {_who(len(result.moved))} to {_stage_name(ctx, stage_key)}"
        return result

    return run_operation(db, "move", body, label="move", expect=expect_versions)


def triage_decision(
    db: Database,
    contact_ids: Sequence[int],
    stage_key: str | None,
    *,
    reason: str | None = None,
    gated: bool = False,
    override: str | None = None,
    expect_versions: Mapping[int, int] | None = None,
) -> OpResult[moves.MoveResult | None]:
    """One triage decision: move (unless ``stage_key`` is None: keep where it is) and mark the
    contacts triaged — both or neither. ``gated``/``override``/``expect_versions`` as for
    :func:`move_contacts`."""
    ids = _ids(contact_ids)

    def body(ctx: OpContext) -> moves.MoveResult | None:
        ctx.track_contacts(ids)
        result = None
        if stage_key is not None:
            why = reason
            if gated or override is not None:
                name = _stage_name(ctx, stage_key)
                why = gates.gated_reason(
                    ctx.session, ids, stage_key, name, reason=reason, override=override
                )
            result = moves.move_in(
                ctx.session, ids, stage_key, reason=why, history=ctx.history_values()
            )
            where = _stage_name(ctx, stage_key)
            ctx.label = f"triage of {_who(len(ids))} to {where}"
        else:
            ctx.label = f"triage of {_who(len(ids))}"
        triage.mark_triaged(db, ids)
        ctx.note(Changes.of(contacts=ids))
        return result

    return run_operation(db, "triage", body, label="triage", expect=expect_versions)


def mark_triaged(db: Database, contact_ids: Sequence[int]) -> OpResult[list[int]]:
    ids = _ids(contact_ids)

    def body(ctx: OpContext) -> list[int]:
        ctx.track_contacts(ids)
        ctx.note(Changes.of(contacts=ids))
        return triage.mark_triaged(db, ids)

    return run_operation(db, "triage", body, label=f"triage of {_who(len(ids))}")


# --- contacts ------------------------------------------------------------------------------


def create_contact(db: Database, **values: Any) -> OpResult[int]:
    """Create one contact (see :func:`app.contacts.create_contact`)."""

    def body(ctx: OpContext) -> int:
        highest = ctx.session.scalar(select(func.max(Contact.id))) or 0
        ctx.track(Contact, Contact.id > highest, "id")
        cid = contacts_mod.create_contact(db, **values)
        ctx.label = f"new contact {_name_of(ctx, cid)}"
        ctx.note(Changes.of(created=[cid]))
        return cid

    return run_operation(db, "create", body, label="new contact")


def edit_contact(
    db: Database,
    contact_id: int,
    values: Mapping[str, Any],
    *,
    expect_version: int | None = None,
) -> OpResult[contacts_mod.FieldEdit]:
    """Change a contact's editable fields (validated by :mod:`app.contacts`).

    ``expect_version``: the version the caller read; a contact changed since is refused
    (:class:`app.versions.StaleVersion`, naming who changed what) and nothing is saved."""
    expect = {int(contact_id): int(expect_version)} if expect_version is not None else None

    def body(ctx: OpContext) -> contacts_mod.FieldEdit:
        ctx.track_contacts([contact_id])
        edit = contacts_mod.update_contact(db, contact_id, **values)
        ctx.label = f"edit of {_name_of(ctx, contact_id)}"
        if edit.changes:
            ctx.note(Changes.of(contacts=[contact_id]))
        return edit

    return run_operation(db, "edit", body, label="edit", expect=expect)


def delete_contacts(db: Database, contact_ids: Sequence[int]) -> OpResult[int]:
    """Delete contacts with their history, activities and answers (undo brings them back with
    the same ids)."""
    ids = _ids(contact_ids)

    def body(ctx: OpContext) -> int:
        ctx.track_contacts(ids, dependents=True)
        existing = contacts_mod.contact_exists(db, ids)
        gone = [i for i in ids if i not in existing]
        n = contacts_mod.delete_contacts(db, gone)
        ctx.label = f"deletion of {_who(n)}"
        ctx.note(Changes.of(deleted=gone))
        return n

    return run_operation(db, "delete", body, label="deletion")


# --- activities, qualification, consent, follow-up -----------------------------------------


def log_activity(
    db: Database,
    contact_id: int,
    activity_type: str,
    *,
    at: datetime | None = None,
    note: str | None = None,
) -> OpResult[acts.ActivityInfo]:
    def body(ctx: OpContext) -> acts.ActivityInfo:
        ctx.track(Activity, Activity.contact_id == contact_id)
        ctx.track_contacts([contact_id])
        info = acts.log_activity(db, contact_id, activity_type, at=at, note=note)
        ctx.label = f"{info.label.lower()} logged for {_name_of(ctx, contact_id)}"
        ctx.note(Changes.of(contacts=[contact_id], activities=[contact_id]))
        return info

    return run_operation(db, "activity", body, label="activity")


def delete_activity(db: Database, activity_id: int) -> OpResult[None]:
    def body(ctx: OpContext) -> None:
        contact_id = ctx.session.scalar(
            select(Activity.contact_id).where(Activity.id == activity_id)
        )
        ctx.track(Activity, Activity.id == activity_id)
        if contact_id is not None:
            ctx.track_contacts([contact_id])
        acts.delete_activity(db, activity_id)
        if contact_id is not None:
            ctx.label = f"removal of an activity of {_name_of(ctx, contact_id)}"
            ctx.note(Changes.of(contacts=[contact_id], activities=[contact_id]))

    return run_operation(db, "activity", body, label="removal of an activity")


def edit_activity(
    db: Database,
    activity_id: int,
    *,
    activity_type: str | None = None,
    at: datetime | None = None,
    **note: str | None,
) -> OpResult[acts.ActivityInfo]:
    """Correct an activity (``note=`` to change or clear its note)."""

    def body(ctx: OpContext) -> acts.ActivityInfo:
        contact_id = ctx.session.scalar(
            select(Activity.contact_id).where(Activity.id == activity_id)
        )
        if contact_id is None:
            raise NotFound(f"no activity {activity_id}")
        ctx.track(Activity, Activity.id == activity_id)
        ctx.track_contacts([contact_id])
        info = acts.edit_activity(db, activity_id, activity_type=activity_type, at=at, **note)
        ctx.label = f"correction of an activity of {_name_of(ctx, contact_id)}"
        ctx.note(Changes.of(contacts=[contact_id], activities=[contact_id]))
        return info

    return run_operation(db, "activity", body, label="correction of an activity")


def set_bant(
    db: Database,
    contact_id: int,
    answers: Mapping[str, str] | None = None,
    notes: Mapping[str, str | None] | None = None,
) -> OpResult[qualification.BantEdit]:
    def body(ctx: OpContext) -> qualification.BantEdit:
        ctx.track(BantAnswer, BantAnswer.contact_id == contact_id)
        edit = qualification.set_bant(db, contact_id, answers, notes)
        ctx.label = f"qualification of {_name_of(ctx, contact_id)}"
        if edit.changes:
            ctx.note(Changes.of(contacts=[contact_id]))
        return edit

    return run_operation(db, "bant", body, label="qualification")


def set_consent(
    db: Database,
    contact_ids: Sequence[int],
    state: str,
    *,
    how: str | None = None,
    at: datetime | None = None,
) -> OpResult[list[consent_mod.ConsentEdit]]:
    ids = _ids(contact_ids)

    def body(ctx: OpContext) -> list[consent_mod.ConsentEdit]:
        ctx.track_contacts(ids)
        edits = consent_mod.set_consent(db, ids, state, how=how, at=at)
        ctx.note(Changes.of(contacts=[e.contact_id for e in edits]))
        return edits

    return run_operation(db, "consent", body, label=f"consent of {_who(len(ids))}")


def set_next_action(
    db: Database, contact_ids: Sequence[int], when: datetime | None
) -> OpResult[dict[int, datetime | None]]:
    ids = _ids(contact_ids)

    def body(ctx: OpContext) -> dict[int, datetime | None]:
        ctx.track_contacts(ids)
        for i in range(0, len(ids), 20000):
            ctx.track(Task, Task.contact_id.in_(ids[i : i + 20000]))
        old = followup.set_next_action(db, ids, when)
        ctx.note(Changes.of(contacts=ids))
        return old

    return run_operation(db, "next-action", body, label=f"next action of {_who(len(ids))}")


def merge_contacts(
    db: Database,
    keep_id: int,
    other_ids: Sequence[int],
    choose: Mapping[str, int] | None = None,
) -> OpResult[Any]:
    """Merge the same person's records into one (:mod:`app.merge`), undone in one step."""
    from app import merge

    others = [i for i in _ids(other_ids) if i != int(keep_id)]

    def body(ctx: OpContext) -> merge.MergeResult:
        from app.snapshots import dependent_tables

        everyone = [int(keep_id), *others]
        ctx.track_contacts(everyone)
        # the rows that hang on them now; a move the merge makes (the kept contact becoming
        # an inquiry through the other's inbound activity) is undone as a move, not an image
        last_change = ctx.session.scalar(select(func.max(StageChange.id))) or 0
        for table, col in dependent_tables():
            where: Any = col.in_(everyone)
            if table.name == StageChange.__tablename__:
                where = where & (table.c.id <= last_change)
            ctx.track(table, where, col.name)
        result = merge.merge_contacts(db, keep_id, others, choose)
        ctx.label = f"merge of {_who(len(others) + 1)} into {_name_of(ctx, keep_id)}"
        ctx.note(Changes.of(contacts=[keep_id], deleted=others, activities=[keep_id]))
        return result

    return run_operation(db, "merge", body, label="merge")


# --- tasks ---------------------------------------------------------------------------------


def _task_op(
    db: Database, contact_id: int, label: str, fn: Any, *args: Any, **kwargs: Any
) -> OpResult[Any]:
    def body(ctx: OpContext) -> Any:
        ctx.track(Task, Task.contact_id == contact_id)
        ctx.track_contacts([contact_id])
        value = fn(db, *args, **kwargs)
        ctx.label = f"{label} for {_name_of(ctx, contact_id)}"
        ctx.note(Changes.of(contacts=[contact_id]))
        return value

    return run_operation(db, "task", body, label=label)


def add_task(
    db: Database, contact_id: int, title: str, due_at: datetime, *, kind: str = "todo"
) -> OpResult[todo.TaskInfo]:
    """A new task (a call, e-mail, meeting or to-do) due at ``due_at``."""
    return _task_op(db, contact_id, "new task", todo.add_task, contact_id, title, due_at, kind)


def complete_task(db: Database, task_id: int, done: bool = True) -> OpResult[todo.TaskInfo]:
    cid = todo.task_contact(db, task_id)
    label = "task done" if done else "task reopened"
    return _task_op(db, cid, label, todo.complete_task, task_id, done)


def edit_task(db: Database, task_id: int, **values: Any) -> OpResult[todo.TaskInfo]:
    cid = todo.task_contact(db, task_id)
    return _task_op(db, cid, "task change", todo.edit_task, task_id, **values)


def delete_task(db: Database, task_id: int) -> OpResult[int]:
    cid = todo.task_contact(db, task_id)
    return _task_op(db, cid, "task removal", todo.delete_task, task_id)


def set_deal(
    db: Database, contact_id: int, amount: float | None, expected_close_at: datetime | None
) -> OpResult[deals.Deal]:
    """An opportunity's amount and expected close date (None clears)."""

    def body(ctx: OpContext) -> deals.Deal:
        ctx.track_contacts([contact_id])
        deal = deals.set_deal(db, contact_id, amount, expected_close_at)
        ctx.label = f"deal value of {_name_of(ctx, contact_id)}"
        ctx.note(Changes.of(contacts=[contact_id]))
        return deal

    return run_operation(db, "deal", body, label="deal value")


# --- set-up: stages, criteria, scoring, personas, settings, sources -------------------------


def _setup_op(
    db: Database, kind: str, label: str, table: Any, changes: Changes, fn: Any, *args: Any
) -> OpResult[Any]:
    def body(ctx: OpContext) -> Any:
        ctx.track(table, true(), None)
        ctx.note(changes)
        return fn(db, *args)

    return run_operation(db, kind, body, label=label)


def rename_stage(db: Database, key: str, name: str) -> OpResult[stages.StageInfo]:
    return _setup_op(
        db,
        "stages",
        f"renaming of stage {key}",
        Stage,
        Changes(stage_list=True),
        stages.rename_stage,
        key,
        name,
    )


def recolor_stage(db: Database, key: str, color: str) -> OpResult[stages.StageInfo]:
    return _setup_op(
        db,
        "stages",
        f"new colour of stage {key}",
        Stage,
        Changes(stage_list=True),
        stages.recolor_stage,
        key,
        color,
    )


def reorder_stages(db: Database, keys: list[str]) -> OpResult[list[stages.StageInfo]]:
    return _setup_op(
        db,
        "stages",
        "new order of the stages",
        Stage,
        Changes(stage_list=True),
        stages.reorder_stages,
        keys,
    )


def add_stage(db: Database, key: str, name: str, **kwargs: Any) -> OpResult[stages.StageInfo]:
    def body(ctx: OpContext) -> stages.StageInfo:
        ctx.track(Stage, true(), None)
        ctx.note(Changes(stage_list=True))
        return stages.add_stage(db, key, name, **kwargs)

    return run_operation(db, "stages", body, label=f"new stage {name}")


def _criteria_op(label: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    db: Database = args[0]

    def body(ctx: OpContext) -> Any:
        ctx.track(BantCriterion, true(), None)
        ctx.track(BantAnswer, true())  # removing a criterion removes its answers
        ctx.note(Changes(criteria=True))
        return fn(*args, **kwargs)

    return run_operation(db, "criteria", body, label=label)


def add_criterion(
    db: Database, name: str, key: str | None = None, required: bool = True
) -> OpResult[qualification.Criterion]:
    return _criteria_op(
        f"new criterion {name}", qualification.add_criterion, db, name, key, required
    )  # type: ignore[no-any-return]


def rename_criterion(db: Database, key: str, name: str) -> OpResult[qualification.Criterion]:
    return _criteria_op(
        f"renaming of criterion {key}", qualification.rename_criterion, db, key, name
    )  # type: ignore[no-any-return]


def set_required(db: Database, key: str, required: bool) -> OpResult[qualification.Criterion]:
    return _criteria_op(f"change of criterion {key}", qualification.set_required, db, key, required)  # type: ignore[no-any-return]


def remove_criterion(db: Database, key: str) -> OpResult[list[int]]:
    return _criteria_op(f"removal of criterion {key}", qualification.remove_criterion, db, key)  # type: ignore[no-any-return]


def reorder_criteria(db: Database, keys: Sequence[str]) -> OpResult[list[qualification.Criterion]]:
    return _criteria_op("new order of the criteria", qualification.reorder_criteria, db, keys)  # type: ignore[no-any-return]


def save_scoring_settings(db: Database, **values: Any) -> OpResult[bool]:
    """Store scoring rules / threshold / automation / SLA; the value says whether every score
    must be recomputed (the caller runs :func:`app.scoring.recompute_all` in the background)."""
    from app import scoring

    def body(ctx: OpContext) -> bool:
        ctx.track(Setting, true(), None)
        needed = scoring.save_scoring_settings(db, **values)
        ctx.note(Changes(scoring=True, settings=True))
        return needed

    return run_operation(db, "scoring", body, label="change of the scoring rules")


def set_setting(db: Database, key: str, value: Any, *, label: str | None = None) -> OpResult[None]:
    from app.settings import set_setting as store

    def body(ctx: OpContext) -> None:
        ctx.track(Setting, Setting.key == key, None)
        store(db, key, value)
        ctx.note(Changes(settings=True))

    return run_operation(db, "settings", body, label=label or f"change of setting {key}")


def set_source_reached(db: Database, source: str, reached: int) -> OpResult[None]:
    """Record how many prospects an outbound campaign reached (for the response rate)."""
    return set_sources_reached(db, {source: reached})


def set_sources_reached(db: Database, reach: Mapping[str, int]) -> OpResult[None]:
    """Record the reach of several campaigns at once: one operation, one undo step (the
    Settings page saves every source it changed together)."""
    wanted: dict[str, int] = {}
    for source, reached in reach.items():
        name = source.strip()
        if not name:
            raise UsageError("a source needs a name")
        if reached < 0:
            raise UsageError("the number reached cannot be negative")
        wanted[name] = reached
    if not wanted:
        raise UsageError("no source to record the reach of")

    def body(ctx: OpContext) -> None:
        for name, reached in wanted.items():
            ctx.track(Source, Source.name == name, None)
            row = ctx.session.get(Source, name)
            if row is None:
                ctx.session.add(Source(name=name, reached=reached))
            else:
                row.reached = reached
        ctx.note(Changes(sources=True))

    names = list(wanted)
    label = f"reach of {names[0]}" if len(names) == 1 else f"reach of {len(names)} sources"
    return run_operation(db, "sources", body, label=label)


def change_personas(db: Database, label: str, fn: Any, *args: Any) -> OpResult[Any]:
    """Any change to the personas (save, delete, reorder, import): ``fn(db, *args)``."""
    return _setup_op(db, "personas", label, Persona, Changes(personas=True), fn, *args)
