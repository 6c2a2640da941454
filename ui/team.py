"""Team mode in the window: assigning contacts to an owner from the list's context menu, the
board's card menu and triage (A: assign to me). Each assignment is an operation (Edit ▸ Undo
takes it back); the views follow its change notice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMenu

from app.errors import UsageError
from ui.api import WindowApi
from ui.fields import as_label

if TYPE_CHECKING:  # the owners and operations (SQLAlchemy) are imported where first used
    from app.operations import OpResult
    from app.owners import AssignResult


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


def assign(api: WindowApi, ids: Sequence[int], owner: str | None) -> None:
    """Make ``owner`` (None: nobody) the owner of these contacts, on the writer thread."""
    from app import operations

    db, chosen = api.db, list(ids)
    if not chosen:
        return

    def done(result: OpResult[AssignResult]) -> None:
        r = result.value
        n = len(r.assigned)
        if r.owner is None:
            text = f"Released {_who(n)}: nobody owns them" if n != 1 else "Released 1 contact"
        else:
            text = f"Assigned {_who(n)} to {r.owner}"
        api.show_status(text if n else "Nothing to change: already so")

    api.ops.run(
        lambda: operations.assign_owner(db, chosen, owner),
        on_success=done,
        failure_title="Not assigned",
    )


def assign_to_me(api: WindowApi, ids: Sequence[int]) -> None:
    from app.identity import current_actor

    assign(api, ids, current_actor(api.db))


def ask_and_assign(api: WindowApi, ids: Sequence[int]) -> None:
    """Ask whom (the owners so far offered; any name may be typed), then assign."""
    from app.identity import current_actor
    from app.owners import check_owner, list_owners

    names = [name for name, _n in list_owners(api.db)]
    me = current_actor(api.db)
    if me not in names:
        names.insert(0, me)
    name, ok = QInputDialog.getItem(
        api.dialog_parent(),
        "Assign contacts",
        f"Owner of {_who(len(ids))} (a name; empty: nobody):",
        names,
        0,
        True,
    )
    if not ok:
        return
    try:
        owner = check_owner(name)
    except UsageError as exc:
        api.show_status(f"Not assigned: {exc}")
        return
    assign(api, ids, owner)


def add_assign_menu(menu: QMenu, api: WindowApi, ids: Sequence[int]) -> QMenu:
    """An "Assign to" submenu for these contacts: me, someone else, nobody."""
    from app.identity import current_actor

    chosen = list(ids)
    sub = menu.addMenu("Assign to")
    me = current_actor(api.db)
    sub.addAction(as_label(f"Me ({me})"), lambda: assign(api, chosen, me))
    sub.addAction("Someone else…", lambda: ask_and_assign(api, chosen))
    sub.addSeparator()
    sub.addAction("Nobody", lambda: assign(api, chosen, None))
    return sub


@dataclass(frozen=True)
class TeamFeature:
    api: WindowApi


def install(api: WindowApi) -> TeamFeature:
    def assign_entry(menu: QMenu, ids: list[int]) -> None:  # the list's context menu
        add_assign_menu(menu, api, ids)

    api.add_list_menu_extension(assign_entry)
    return TeamFeature(api)
