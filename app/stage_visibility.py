"""Hidden stages (issue 12, item 5): a stage the firm does not use is taken out of the window —
the board's columns, the sidebar, the move menus, the triage keys, the detail panel's and the
new-contact form's stage choice, the import's stage — without deleting it or its history.

Only an empty stage can be hidden (a contact is never out of sight), and not the stages
Winnow's own rules move contacts into or check: Suspect (new contacts and imports), Inquiry (an
inbound activity), Marketing and Sales qualified (the gates, the sales-ready promotion). The
hidden keys are a setting; hiding and showing are undoable operations."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.errors import UnknownStage, UsageError
from app.operations.changes import Changes
from app.operations.core import OpContext, OpResult, run_operation
from app.settings import get_setting
from app.stages import StageInfo, list_stages
from db.engine import Database
from db.models import Contact, Setting, Stage

HIDDEN_SETTING = "stages.hidden"
KEPT_IN_SIGHT = ("suspect", "inquiry", "mql", "sql")


def hidden_keys(db: Database) -> frozenset[str]:
    value = get_setting(db, HIDDEN_SETTING, [])
    return frozenset(str(k) for k in value) if isinstance(value, list) else frozenset()


def shown_stages(db: Database, *, keep: str | None = None) -> list[StageInfo]:
    """The stages the window offers, in their order (``keep``: a stage shown even if hidden —
    the one a contact is in)."""
    hidden = hidden_keys(db) - {keep}
    return [st for st in list_stages(db) if st.key not in hidden]


def set_stage_hidden(db: Database, key: str, hidden: bool = True) -> OpResult[list[str]]:
    """Hide (or show again) a stage; returns the hidden keys after the change."""

    def body(ctx: OpContext) -> list[str]:
        s = ctx.session
        stage = s.execute(select(Stage.id, Stage.name).where(Stage.key == key)).first()
        if stage is None:
            raise UnknownStage(key, list(s.scalars(select(Stage.key))))
        stage_id, name = stage
        ctx.label = f"{'hiding' if hidden else 'showing'} of stage {name}"
        if hidden:
            if key in KEPT_IN_SIGHT:
                raise UsageError(
                    f"{name} cannot be hidden: Winnow moves contacts into it or checks it"
                )
            count = s.scalar(select(func.count()).where(Contact.stage_id == stage_id)) or 0
            if count:
                who = "1 contact is" if count == 1 else f"{count:,} contacts are"
                raise UsageError(f"{name} cannot be hidden: {who} in it; move them first")
        ctx.track(Setting, Setting.key == HIDDEN_SETTING, None)
        row = s.get(Setting, HIDDEN_SETTING)
        current = set(json.loads(row.value)) if row is not None else set()
        keys = sorted((current | {key}) if hidden else (current - {key}))
        payload = json.dumps(keys, ensure_ascii=False)
        if row is None:
            s.add(Setting(key=HIDDEN_SETTING, value=payload))
        else:
            row.value = payload
        ctx.note(Changes(stage_list=True, settings=True))
        return keys

    return run_operation(
        db, "stages", body, label=f"{'hiding' if hidden else 'showing'} of a stage"
    )
