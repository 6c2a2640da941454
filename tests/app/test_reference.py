"""The reference data an edit reads (app.reference): once per transaction, on SQLite and
PostgreSQL, and never stale — a change committed by another connection (another window or
process) or made earlier in the same transaction is what the next read sees."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import update

from app import operations, qualification, scoring
from app.activities import log_activity
from app.contacts import create_contact, get_contact, update_contact
from app.golook.derived import domain_overrides_in, set_domain_override
from app.golook.persona_store import delete_persona, personas_in, save_persona
from app.golook.personas import Persona, PersonaCriteria
from app.reference import SETTING_KEYS, reference_in
from app.scoring_rules import ScoringRules
from app.stages import stages_in
from db.engine import Database, open_database
from db.models import Setting, Stage
from tests.app.test_stages import statements

_REFERENCE = re.compile(r"\bFROM (settings|personas|bant_criteria|stages)\b", re.IGNORECASE)


def _reference_reads(statements: list[str]) -> int:
    return sum(1 for st in statements if _REFERENCE.search(st))


def test_an_edit_reads_the_reference_tables_once(db: Database) -> None:
    cid = create_contact(db, name="Ann Lee", email="ann@lee-tools.de", title="Buyer")
    edits: dict[str, Callable[[], object]] = {
        "title": lambda: update_contact(db, cid, title="Head of purchasing"),
        "activity": lambda: log_activity(db, cid, "call"),
        "answer": lambda: qualification.set_bant(db, cid, {"budget": "yes"}),
    }
    for kind, edit in edits.items():
        with statements(db) as seen:
            edit()
        # settings (x3), personas, criteria and stages were six reads an edit
        assert _reference_reads(seen) == 1, (kind, [s for s in seen if _REFERENCE.search(s)])


def test_an_operation_reads_them_once_too(db: Database) -> None:
    cid = create_contact(db, name="Cy Dahl", email="cy@dahl-bau.de")
    with statements(db) as seen:
        moved = operations.move_contacts(db, [cid], "mql", gated=False)
    assert moved.value.moved == (cid,)
    # on PostgreSQL with the operation's first statement (app.operations.core)
    assert _reference_reads(seen) == 1, [s for s in seen if _REFERENCE.search(s)]


def test_a_change_committed_elsewhere_is_read_by_the_next_edit(db: Database) -> None:
    cid = create_contact(db, name="Bo Berg", email="bo@berg-werk.de", title="Plant manager")
    update_contact(db, cid, title="Zebra keeper")
    before = get_contact(db, cid)
    assert before.domain_class == "branded"
    other = open_database(db.url)  # another window or process: connections of its own
    try:
        assert scoring.save_scoring_settings(other, rules=_branded(40)) is True  # 15 before
        update_contact(db, cid, title="Zebra keepers")
        assert get_contact(db, cid).score == (before.score or 0) + 25  # in force at the next edit

        zebra = save_persona(other, Persona(None, "Zebra people", PersonaCriteria(("zebra",))))
        update_contact(db, cid, title="Zebra boss")
        assert get_contact(db, cid).persona_name == "Zebra people"
        delete_persona(other, int(zebra.id or 0))
        update_contact(db, cid, title="Zebra chief")
        assert get_contact(db, cid).persona_name != "Zebra people"

        set_domain_override(other, "berg-werk.de", "free")
        update_contact(db, cid, title="Zebra head")
        assert get_contact(db, cid).domain_class == "free"
    finally:
        other.close()


def test_the_settings_read_are_those_an_edit_needs() -> None:
    from app.golook.classify import OVERRIDES_SETTING
    from app.golook.persona_store import SEEDED_SETTING

    assert set(SETTING_KEYS) == {*scoring.SETTING_KEYS, OVERRIDES_SETTING, SEEDED_SETTING}
    assert len(SETTING_KEYS) == len(set(SETTING_KEYS))


def _branded(points: int) -> ScoringRules:
    return ScoringRules.from_setting({"points": {"domain.branded": points}})


def test_a_write_in_the_same_transaction_is_read_back(db: Database) -> None:
    with db.session() as s:
        first = reference_in(s)
        assert reference_in(s) is first  # kept for the transaction
        assert scoring.settings_in(s).threshold == scoring.DEFAULT_THRESHOLD

        s.add(Setting(key=scoring.THRESHOLD_SETTING, value="70"))  # not flushed yet
        assert scoring.settings_in(s).threshold == 70

        s.execute(  # Core, not the ORM
            update(Setting).where(Setting.key == scoring.THRESHOLD_SETTING).values(value="80")
        )
        assert scoring.settings_in(s).threshold == 80

        s.connection().exec_driver_sql(  # text at driver level
            "UPDATE settings SET value = '85' WHERE key = 'scoring.threshold'"
        )
        assert scoring.settings_in(s).threshold == 85

        savepoint = s.begin_nested()
        s.execute(
            update(Setting).where(Setting.key == scoring.THRESHOLD_SETTING).values(value="90")
        )
        assert scoring.settings_in(s).threshold == 90
        savepoint.rollback()
        assert scoring.settings_in(s).threshold == 85  # the savepoint's write taken back

        stage = s.get(Stage, stages_in(s)[0].id)
        assert stage is not None
        stage.name = "Prospect"  # not flushed yet
        assert reference_in(s).stages[0][2] == "Prospect"
        assert stages_in(s)[0].name == "Prospect"
        s.rollback()
    with db.session() as s:  # rolled back: the next transaction reads what is stored
        assert scoring.settings_in(s).threshold == scoring.DEFAULT_THRESHOLD
        assert stages_in(s)[0].name != "Prospect"
        assert domain_overrides_in(s) == {}


def test_the_next_transaction_reads_again(db: Database) -> None:
    with db.session() as s, statements(db) as seen:
        scoring.settings_in(s)
        personas_in(s)
        qualification.criteria_in(s)
        stages_in(s)
    assert _reference_reads(seen) == 1
    with db.session() as s, statements(db) as seen:
        scoring.settings_in(s)
    assert _reference_reads(seen) == 1


def test_a_rescore_reads_a_contact_s_history_in_one_statement(db: Database) -> None:
    cid = create_contact(db, name="Di Eck", email="di@eck-maschinen.de", stage="inquiry")
    log_activity(db, cid, "call")
    qualification.set_bant(db, cid, {"need": "yes"})
    history = re.compile(r"\bFROM (activities|stage_changes|bant_answers)\b", re.IGNORECASE)
    with statements(db) as seen:
        update_contact(db, cid, title="Head of maintenance")
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT") and history.search(s)]
    assert len(reads) == 1, reads  # activities, moves into Inquiry and answers: were three
    assert all(t in reads[0] for t in ("activities", "stage_changes", "bant_answers"))
    # what it read is what the score is made of: the call, the answer (as a full recompute)
    stored = get_contact(db, cid)
    scoring.recompute_all(db)
    again = get_contact(db, cid)
    assert (again.score, again.sales_ready, again.received_at, again.response_due_at) == (
        stored.score,
        stored.sales_ready,
        stored.received_at,
        stored.response_due_at,
    )
