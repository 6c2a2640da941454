"""Issue 12, items 2-4: the gates on moves (qualification for Sales qualified and later, consent
for Marketing qualified and later), overrides kept in the history, the hand-off, and the
dates a move or an activity may have."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app import gates, moves, operations
from app.cli import main
from app.contacts import ContactQuery, create_contact, get_contact, list_rows
from app.errors import UsageError
from app.exporting import export_sales_handoff
from app.timeutil import iso, utcnow
from db.engine import Database

ALL_YES = {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}


def _person(db: Database, name: str, stage: str = "inquiry", **values: Any) -> int:
    email = name.lower().replace(" ", ".") + "@acme.de"
    return create_contact(db, name=name, email=email, stage=stage, **values)


def test_sales_qualified_needs_the_qualification_or_an_override(db: Database) -> None:
    cid = _person(db, "Jane Roe")
    operations.set_bant(db, cid, {"budget": "yes", "need": "no"})
    with pytest.raises(gates.GateRefused) as refused:
        operations.move_contacts(db, [cid], "sql", gated=True)
    text = str(refused.value)
    assert "Jane Roe" in text and "Need: no" in text and "Authority: unknown" in text
    assert "Budget" not in text  # answered yes: not missing
    assert get_contact(db, cid).stage_key == "inquiry"
    operations.move_contacts(db, [cid], "sql", gated=True, override="CEO asked us to call")
    last = moves.history(db, cid)[-1]
    assert (last.to_key, last.reason) == ("sql", "Override: CEO asked us to call")
    # on from Sales qualified: asked once, not again
    operations.move_contacts(db, [cid], "opportunity", gated=True)
    assert get_contact(db, cid).stage_key == "opportunity"


def test_qualified_and_asked_for_sales_pass_the_sales_gate(db: Database) -> None:
    a, b, c = (_person(db, n) for n in ("Anna A", "Bert B", "Carl C"))
    operations.set_bant(db, a, ALL_YES)
    operations.log_activity(db, b, "asked-for-sales")
    operations.log_activity(db, c, "asked-for-sales")
    operations.set_bant(db, c, {"budget": "no"})
    problems = gates.check_move(db, [a, b, c], "customer")
    assert [(p.contact_id, p.missing[0]) for p in problems] == [(c, "Budget: no")]
    assert gates.check_move(db, [a, b, c], "nurture") == []  # side stages ask nothing


def test_withdrawn_consent_gates_marketing_qualified_and_later(db: Database) -> None:
    cid = _person(db, "Jane Roe", stage="suspect")
    operations.set_consent(db, [cid], "withdrawn", how="unsubscribe link")
    problems = gates.check_move(db, [cid], "mql")
    assert [(p.consent_withdrawn, p.missing) for p in problems] == [(True, ())]
    both = gates.check_move(db, [cid], "sql")[0]
    assert both.consent_withdrawn and both.missing
    assert "consent to marketing withdrawn" in both.describe()
    assert gates.check_move(db, [cid], "inquiry") == []
    operations.move_contacts(db, [cid], "mql", gated=True, override="asked us by phone")
    assert get_contact(db, cid).stage_key == "mql"


def test_the_cli_refuses_and_names_the_missing_answers(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = _person(db, "Jane Roe")
    operations.set_bant(db, cid, {"budget": "yes", "authority": "yes", "need": "yes"})
    db.close()
    assert main(["--db", db_url, "move", str(cid), "sql"]) == 1
    err = capsys.readouterr().err
    assert "Timeframe: unknown" in err and "--override" in err
    assert main(["--db", db_url, "move", str(cid), "sql", "--override", "  "]) == 2
    code = main(["--db", db_url, "move", str(cid), "sql", "--override", "Met at the fair"])
    assert code == 0
    capsys.readouterr()
    assert main(["--db", db_url, "show", str(cid), "--json"]) == 0
    import json

    shown = json.loads(capsys.readouterr().out)
    assert shown["history"][-1]["reason"] == "Override: Met at the fair"


def test_move_at_refuses_before_the_previous_move_and_far_ahead(db: Database) -> None:
    now = utcnow()
    cid = _person(db, "Jane Roe")  # created (and moved in) now
    with pytest.raises(UsageError, match="last moved"):
        operations.move_contacts(db, [cid], "mql", at=now - timedelta(hours=1))
    with pytest.raises(UsageError, match="more than a day ahead"):
        operations.move_contacts(db, [cid], "mql", at=now + timedelta(days=2))
    operations.move_contacts(db, [cid], "mql", at=now + timedelta(hours=2))  # clocks differ
    assert get_contact(db, cid).stage_key == "mql"


def test_log_at_refuses_more_than_a_day_ahead_but_backdates(db: Database) -> None:
    cid = _person(db, "Jane Roe", stage="suspect")
    with pytest.raises(UsageError, match="more than a day ahead"):
        operations.log_activity(db, cid, "call", at=utcnow() + timedelta(days=3))
    past = utcnow() - timedelta(days=400)  # an imported contact's inquiry of last year
    operations.log_activity(db, cid, "inquiry-received", at=past)
    assert get_contact(db, cid).received_at == past


def test_cli_move_at_and_log_at(db: Database, db_url: str) -> None:
    cid = _person(db, "Jane Roe")
    db.close()
    before = iso(utcnow() - timedelta(days=3))
    ahead = iso(utcnow() + timedelta(days=3))
    assert main(["--db", db_url, "move", str(cid), "mql", "--at", str(before)]) == 2
    assert main(["--db", db_url, "log", str(cid), "call", "--at", str(ahead)]) == 2


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_handoff_leaves_out_unqualified_and_withdrawn_and_marks_unknown_consent(
    db: Database, tmp_path: Path
) -> None:
    ok = _person(db, "Anna Ready")
    operations.set_bant(db, ok, ALL_YES)
    operations.set_consent(db, [ok], "granted", how="web form")
    unknown = _person(db, "Bert Unknown")
    operations.set_bant(db, unknown, ALL_YES)
    withdrawn = _person(db, "Carl Withdrawn")
    operations.set_bant(db, withdrawn, ALL_YES)
    operations.set_consent(db, [withdrawn], "withdrawn")
    forced = _person(db, "Dora Forced")
    unqualified = _person(db, "Emil Unqualified")
    for cid in (ok, unknown):
        operations.move_contacts(db, [cid], "sql", gated=True)
    operations.move_contacts(db, [withdrawn], "sql", override="old customer")
    operations.move_contacts(db, [forced], "sql", gated=True, override="the owner said so")
    operations.move_contacts(db, [unqualified], "sql")  # ungated: e.g. an older database
    out = tmp_path / "handoff.csv"
    result = export_sales_handoff(db, out)
    rows = _rows(out)
    assert sorted(r["Name"] for r in rows) == ["Anna Ready", "Bert Unknown", "Dora Forced"]
    by_name = {r["Name"]: r for r in rows}
    assert by_name["Anna Ready"]["Consent"] == "granted"
    assert by_name["Bert Unknown"]["Consent"].startswith("UNKNOWN")
    assert by_name["Dora Forced"]["Override"] == "Override: the owner said so"
    assert by_name["Dora Forced"]["All required criteria met"] == "no"
    assert (result.written, result.left_out) == (3, 2)
    assert "1 left out: consent to marketing withdrawn" in result.note
    assert "1 left out: not qualified" in result.note
    assert "2 marked: consent unknown" in result.note


def test_move_at_backdates_an_imported_contacts_past_inquiry(db: Database, tmp_path: Path) -> None:
    """An imported contact's first entry is dated at the import; its inquiry of last month
    can still be recorded at its date, and the first entry goes back with it (history in
    order). A move before that one is refused again."""
    from app.importing.service import import_file

    path = tmp_path / "fair.csv"
    path.write_text("Name,E-mail\nAnna Huber,anna@huber.at\n", encoding="utf-8")
    import_file(db, path, source="Fair")
    (cid,) = [r.id for r in list_rows(db, ContactQuery())]
    past = utcnow() - timedelta(days=30)
    operations.move_contacts(db, [cid], "inquiry", at=past)
    entries = moves.history(db, cid)
    assert [(e.from_key, e.to_key) for e in entries] == [(None, "suspect"), ("suspect", "inquiry")]
    assert [e.at for e in entries] == [past, past]
    assert get_contact(db, cid).stage_changed_at == past
    with pytest.raises(UsageError, match="last moved"):
        operations.move_contacts(db, [cid], "mql", at=past - timedelta(days=1))
