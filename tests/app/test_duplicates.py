"""Issue 12, item 6: likely duplicates (e-mail, name and company with transliterations,
initials and transposed names, phone) and the merge that keeps every record and undoes
exactly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import moves, operations
from app.cli import main
from app.contacts import create_contact, get_contact
from app.duplicates import company_keys, find_duplicates, fold, likely_duplicates_of
from db.engine import Database
from db.models import Activity, BantAnswer, BantCriterion, Base, Contact, Task

T = datetime(2026, 3, 2, 9, 0)


def test_folding_writes_out_the_usual_letters() -> None:
    assert fold("Jürgen Weißmann") == "juergen weissmann"
    assert fold("Jürgen", spelled_out=False) == "jurgen"
    assert fold("Åse Øvergård") == "aase oevergaard"
    assert fold("Françoise LEFÈVRE") == "francoise lefevre"
    assert company_keys("Weißmann Maschinenbau GmbH") & company_keys("Weissmann Maschinenbau")
    assert not company_keys("Weißmann Maschinenbau GmbH") & company_keys("Weissmann Logistik AG")


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    new = create_contact
    return {
        "jw": new(
            db,
            first_name="Jürgen",
            last_name="Weißmann",
            email="j.weissmann@weissmann-maschinenbau.de",
            company="Weißmann Maschinenbau GmbH",
            phone="+49 511 1234567",
            at=T,
        ),
        "jw2": new(
            db,
            first_name="Juergen",
            last_name="Weissmann",
            email="juergen.weissmann@gmail.com",
            company="Weissmann Maschinenbau",
            at=T + timedelta(days=1),
        ),
        "initial": new(
            db, first_name="J.", last_name="Weissmann", company="WEISSMANN MASCHINENBAU", at=T
        ),
        "other_firm": new(
            db, first_name="Jürgen", last_name="Weißmann", company="Weißmann Logistik AG", at=T
        ),
        "swapped": new(
            db,
            first_name="Weissmann",
            last_name="Jürgen",
            company="Weissmann Maschinenbau KG",
            at=T,
        ),
        "same_mail": new(
            db, name="Sales Desk", email="J.Weissmann@Weissmann-Maschinenbau.de", at=T
        ),
        "same_phone": new(
            db, name="Anna Schmidt", phone="+49 511 1234567", company="Bäckerei", at=T
        ),
        "stranger": new(db, name="Ayşe Öztürk", email="ayse@oztürk.com.tr", company="Öztürk", at=T),
    }


def _pairs(db: Database) -> dict[tuple[int, int], Any]:
    return {p.ids: p for p in find_duplicates(db)}


def test_the_same_person_twice_is_found_with_its_evidence(
    db: Database, people: dict[str, int]
) -> None:
    pairs = _pairs(db)
    jw, jw2 = people["jw"], people["jw2"]
    key = (min(jw, jw2), max(jw, jw2))
    assert pairs[key].reasons == (
        "same name and company (Jürgen Weißmann / Juergen Weissmann, Weissmann Maschinenbau)",
    )
    assert pairs[key].score == 85
    assert "initial" in pairs[(jw, people["initial"])].reasons[0]
    assert pairs[(jw, people["initial"])].score == 70
    assert "transposed" in pairs[(jw, people["swapped"])].reasons[0]
    both = pairs[(jw, people["same_mail"])]
    assert both.reasons == ("same e-mail address (j.weissmann@weissmann-maschinenbau.de)",)
    assert both.score == 95
    assert pairs[(jw, people["same_phone"])].reasons == ("same phone number",)
    assert pairs[(jw, people["same_phone"])].score == 70
    everyone = {i for pair in pairs for i in pair}
    assert people["other_firm"] not in everyone or all(
        "company" not in r
        for p in pairs.values()
        if people["other_firm"] in p.ids
        for r in p.reasons
    )
    assert people["stranger"] not in everyone
    ordered = [p.score for p in find_duplicates(db)]
    assert ordered == sorted(ordered, reverse=True)


def test_a_new_contact_is_warned_about(db: Database, people: dict[str, int]) -> None:
    found = likely_duplicates_of(
        db, {"first_name": "Jurgen", "last_name": "Weissmann", "company": "Weißmann Maschinenbau"}
    )
    assert {p.ids[0] for p in found} >= {people["jw"], people["jw2"]}
    assert likely_duplicates_of(db, {"name": "Nobody Here", "company": "Nowhere"}) == []


def _everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the undo log's own."""
    out = {}
    with db.session() as s:
        for name, table in sorted(Base.metadata.tables.items()):
            if name in ("operations", "operation_rows"):
                continue
            # the time of the last write, the version and who wrote last go on with every
            # write, an undo's included (app.versions)
            derived = ("updated_at", "version", "changed_by")
            cols = [c for c in table.columns if c.name not in derived]
            out[name] = sorted((tuple(r) for r in s.execute(select(*cols))), key=repr)
    return out


def _same(
    after: dict[str, list[tuple[Any, ...]]], before: dict[str, list[tuple[Any, ...]]]
) -> None:
    assert after.keys() == before.keys()
    for table in before:
        assert len(after[table]) == len(before[table]), table
        for x, y in zip(after[table], before[table], strict=True):
            assert x == y, (
                table,
                [(i, a, b) for i, (a, b) in enumerate(zip(x, y, strict=True)) if a != b],
            )


def test_merge_keeps_every_record_and_undoes_exactly(db: Database, people: dict[str, int]) -> None:
    jw, jw2 = people["jw"], people["jw2"]
    moves.move_to_stage(db, [jw2], "inquiry", at=T + timedelta(days=2))
    operations.log_activity(db, jw2, "demo-requested", at=T + timedelta(days=2))
    operations.log_activity(db, jw, "call", at=T + timedelta(days=3))
    operations.set_bant(db, jw, {"budget": "yes"}, {"budget": "50k approved"})
    operations.set_bant(db, jw2, {"budget": "no", "need": "yes"})
    operations.add_task(db, jw2, "Send the quote", T + timedelta(days=5), kind="email")
    operations.set_consent(db, [jw2], "granted", how="fair")
    before = _everything(db)

    result = operations.merge_contacts(db, jw, [jw2], {"company": jw2})
    merged = result.value
    assert merged.merged == (jw2,) and merged.fields_taken == {"company": jw2}
    assert result.changes.deleted == {jw2}
    c = get_contact(db, jw)
    assert (c.email, c.company) == (
        "j.weissmann@weissmann-maschinenbau.de",
        "Weissmann Maschinenbau",
    )
    assert c.other_emails == ["juergen.weissmann@gmail.com"]
    assert c.stage_key == "inquiry"  # the other's demo request: an inquiry (item 1)
    assert c.phone == "+49 511 1234567" and c.consent == "granted"
    with db.session() as s:
        assert s.get(Contact, jw2) is None
        acts = s.execute(select(Activity.type).where(Activity.contact_id == jw)).scalars().all()
        assert sorted(acts) == ["call", "demo-requested", "note"]
        note = s.scalar(select(Activity.note).where(Activity.type == "note"))
        tasks = s.execute(select(Task.title).where(Task.contact_id == jw)).scalars().all()
        assert tasks == ["Send the quote"]
        answers = {
            key: (answer, note)
            for key, answer, note in s.execute(
                select(BantCriterion.key, BantAnswer.answer, BantAnswer.note)
                .join(BantCriterion, BantCriterion.id == BantAnswer.criterion_id)
                .where(BantAnswer.contact_id == jw)
            )
        }
    assert answers == {"budget": ("yes", f"50k approved (#{jw2}: no)"), "need": ("yes", None)}
    history = [(h.from_key, h.to_key) for h in moves.history(db, jw)]
    # the kept contact's own chain (it became an inquiry through the demo request); the
    # other's history is written into a note
    assert history == [(None, "suspect"), ("suspect", "inquiry")]
    assert note is not None and note.startswith(f"Merged contact #{jw2} (Juergen Weissmann)")
    assert "(new) → Suspect" in note and "Suspect → Inquiry" in note
    assert operations.history(db)[0].label == "merge of 2 contacts into Jürgen Weißmann"

    merged_rows = _everything(db)
    assert merged_rows["contact_points"], "the merged addresses are rows too"

    operations.undo_operation(db)
    after = _everything(db)
    # the move the merge made (the kept contact became an inquiry through the demo request)
    # stays in the history, marked undone, as every undone move does
    undone = [r for r in after["stage_changes"] if r not in before["stage_changes"]]
    assert len(undone) == 1 and undone[0][7] is not None
    after["stage_changes"] = [r for r in after["stage_changes"] if r not in undone]
    _same(after, before)

    # Redo puts back exactly what the merge left: the other contact deleted again while its
    # activities and tasks go back to the kept one (same ids), the move made again
    operations.redo_operation(db)
    _same(_everything(db), merged_rows)
    assert get_contact(db, jw).stage_key == "inquiry"
    # and once more round: undo and redo again are just as exact
    operations.undo_operation(db)
    operations.redo_operation(db)
    _same(_everything(db), merged_rows)


def test_merge_refuses_what_it_cannot_do(db: Database, people: dict[str, int]) -> None:
    jw = people["jw"]
    with pytest.raises(Exception, match="at least one other"):
        operations.merge_contacts(db, jw, [jw])
    with pytest.raises(Exception, match="not part of this merge"):
        operations.merge_contacts(db, jw, [people["jw2"]], {"email": people["stranger"]})
    with pytest.raises(Exception, match="cannot pick"):
        operations.merge_contacts(db, jw, [people["jw2"]], {"score": jw})
    assert get_contact(db, people["jw2"]).id == people["jw2"]


def test_cli_duplicates_and_merge(
    db: Database, db_path: Path, people: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db.close()
    base = ["--db", str(db_path)]
    assert main([*base, "duplicates", "--json"]) == 0
    pairs = json.loads(capsys.readouterr().out)
    assert pairs and set(pairs[0]) == {"ids", "reasons", "score"}
    jw, jw2 = people["jw"], people["jw2"]
    assert main([*base, "merge", str(jw), str(jw2), "--take", "email=x"]) == 2
    assert main([*base, "merge", str(jw), str(jw2)]) == 0
    assert "Merged" in capsys.readouterr().out
    assert main([*base, "show", str(jw2)]) == 1  # gone: no such contact (a runtime error)
    assert main([*base, "undo"]) == 0
    capsys.readouterr()
    assert main([*base, "show", str(jw2), "--json"]) == 0
