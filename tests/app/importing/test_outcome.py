"""Where an import's contacts went (the wizard's summary): by stage, kind of address, source."""

from __future__ import annotations

from pathlib import Path

from app.contacts import ContactQuery, create_contact, query_ids
from app.importing.outcome import batch_outcome
from app.importing.service import import_file
from app.moves import move_to_stage
from db.engine import Database
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv


def test_the_outcome_counts_the_batch_contacts_by_stage_kind_and_source(
    db: Database, tmp_path: Path
) -> None:
    create_contact(db, name="Before", email="b@acme-before.de", source="Web form", stage="inquiry")
    path = write_csv(
        tmp_path / "cards.csv",
        BADGE_HEADERS,
        [
            ["Jürgen", "Weißmann", "j.weissmann@acme-maschinen.de", "ACME", "Buyer", "", "Köln"],
            ["Anna", "Berg", "anna.berg@gmail.com", "", "", "", ""],
            ["Ole", "Lund", "", "Lund AS", "", "", ""],
            ["Eva", "Kranz", "eva@kranz-technik.de", "Kranz", "", "", ""],
        ],
    )
    report = import_file(db, path, source="Trade show: SPS 2026", stage="suspect")
    assert report.batch_id is not None and report.imported == 4
    ids = query_ids(db, ContactQuery(batch_id=report.batch_id))
    move_to_stage(db, ids[:1], "mql", reason="fits")

    outcome = batch_outcome(db, report.batch_id)

    assert outcome.contacts == 4
    stages = {key: count for key, _name, count in outcome.stages}
    assert stages == {"suspect": 3, "mql": 1}
    assert [key for key, _n, _c in outcome.stages] == ["suspect", "mql"]  # pipeline order
    assert dict(outcome.kinds) == {"Branded": 2, "Free-mail": 1, "No e-mail": 1}
    assert outcome.kinds[0] == ("Branded", 2)  # most first
    assert outcome.sources == (("Trade show: SPS 2026", 4),)
    assert batch_outcome(db, report.batch_id + 1).contacts == 0
