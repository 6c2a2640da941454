"""New contacts' go-look columns and scores are worked out with their rows (where the file is
read) and inserted with them: every contact must end up exactly as when the hooks work them
out after the insert — with custom personas, domain overrides and rules, rows with an inquiry
date or imported into Inquiry (those still go through the hooks), repeats merged within the
file, existing contacts updated, one process or two, and rules changed halfway through."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.golook.derived import refresh_golook_columns, set_domain_override
from app.golook.persona_store import save_persona
from app.golook.personas import Persona, PersonaCriteria
from app.importing import derive, pipeline, service
from app.importing.service import import_file
from app.scoring import recompute_all, save_scoring_settings, scoring_settings
from app.scoring_rules import ScoringRules
from db.engine import Database, open_database
from db.models import Contact
from tests.app.importing.service_fixtures import contacts_table, write_csv

HEADERS = [
    "First Name", "Last Name", "Email", "Company", "Job Title", "Industry", "Employees",
    "Country", "Consent", "Inquiry date", "Lifecycle Stage",
]  # fmt: skip


NOW = datetime(2026, 6, 1, 12, 0, 0)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One ``now`` for both imports, so that their contacts compare whole (follow-up times
    of the moves into Inquiry are counted from it)."""
    import app.importing.batches
    import app.moves
    import app.operations.core
    import app.scoring
    import app.timeutil

    real = app.timeutil.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("app.") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", lambda: NOW)


def _rows(count: int) -> list[list[str]]:
    titles = ["Einkaufsleiter", "CTO", "Plant manager", "", "Head of Maintenance", "Buyer"]
    domains = ["acme-maschinen.de", "gmail.com", "mailinator.com", "firm.fr", "acme.de"]
    rows = []
    for i in range(count):
        local = ["info", "sales", f"p.person{i % 90}", f"x{i % 90}"][i % 4]
        email = f"{local}@{domains[i % len(domains)]}" if i % 13 else ""
        if i % 31 == 0:
            email = f"broken{i}@@firm.de"
        rows.append(
            [
                f"Vera{i % 50}" if i % 17 else "",
                f"Visitor{i % 50}",
                email,
                f"Firm {i % 6}",
                titles[i % len(titles)],
                ["Manufacturing", "Food", ""][i % 3],
                ["250", "12", "", "5000"][i % 4],
                ["Germany", "France", "DE", ""][i % 4],
                ["yes", "no", "", "withdrawn"][i % 4],
                "2026-03-01" if i % 9 == 0 else "",
                ["", "lead", "customer", "subscriber", "whatever"][i % 5],
            ]
        )
    return rows


def _setup(db: Database, folder: Path) -> None:
    """A database with the user's own personas, overrides and rules, and contacts that the
    import updates."""
    save_persona(
        db,
        Persona(
            None,
            "Food buyer",
            PersonaCriteria(
                title_include=("einkauf", "buyer"), industries=("food",), company_size_min=20
            ),
        ),
    )
    set_domain_override(db, "firm.fr", "free")
    rules = scoring_settings(db).rules
    points = dict(rules.points)
    points["role-address"] = -7.0
    points["persona-fit"] = 23.0
    save_scoring_settings(db, rules=ScoringRules(points, dict(rules.half_life_days)))
    import_file(db, write_csv(folder / "first.csv", HEADERS, _rows(120)[::7]))


def _import_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[str]], **options: Any
) -> tuple[Database, Database, Any, Any]:
    """The file imported with the derived values worked out ahead, and with the hooks only."""
    csv_path = write_csv(tmp_path / "list.csv", HEADERS, rows)
    dbs = []
    reports = []
    for name, ahead in (("ahead", True), ("hooks", False)):
        db = open_database(tmp_path / f"{name}.sqlite")
        _setup(db, tmp_path)
        with monkeypatch.context() as m:
            if not ahead:
                m.setattr(service, "_derivation_of", lambda _db: None)
            reports.append(import_file(db, csv_path, source="Messe", **options))
        dbs.append(db)
    return dbs[0], dbs[1], reports[0], reports[1]


def _contacts(db: Database) -> list[tuple[Any, ...]]:
    """Every contact, every column (but version and who changed it last)."""
    return [tuple(r) for r in contacts_table(db)]


@pytest.mark.parametrize("two_processes", [False, True])
@pytest.mark.parametrize("on_duplicate", ["skip", "overwrite"])
def test_imported_contacts_are_as_the_hooks_make_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_processes: bool, on_duplicate: str
) -> None:
    monkeypatch.setattr(service, "CHUNK", 40)
    if two_processes:
        monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 0)
        monkeypatch.setattr(pipeline, "_core_to_spare", lambda: True)
    else:
        monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 10**12)
    used: list[int] = []  # contacts stored with their derived values, by the main imports
    real = service.BatchWriter._insert  # type: ignore[attr-defined]

    def spy(self: Any, rows: Any, derivation: Any = None) -> Any:
        ids, derived = real(self, rows, derivation)
        if self.source == "Messe":
            used.append(len(derived))
        return ids, derived

    monkeypatch.setattr(service.BatchWriter, "_insert", spy)  # type: ignore[attr-defined]
    ahead, hooks, report_ahead, report_hooks = _import_twice(
        tmp_path, monkeypatch, _rows(400), on_duplicate=on_duplicate
    )
    assert report_ahead.to_json() | {"batch_id": 0} == report_hooks.to_json() | {"batch_id": 0}
    print(report_ahead.imported, report_ahead.updated, report_ahead.skipped, used)
    # most new contacts were stored with their values (not those with an inquiry date or
    # imported into Inquiry, nor those of the import with the hooks alone)
    assert report_ahead.imported / 2 < sum(used) < report_ahead.imported
    assert report_ahead.updated + report_ahead.skipped > 10
    assert _contacts(ahead) == _contacts(hooks)
    with ahead.session() as s:
        scored = s.execute(
            select(Contact.score, Contact.persona_name, Contact.domain_class).where(
                Contact.import_batch_id == report_ahead.batch_id
            )
        ).all()
    assert {r[1] for r in scored} >= {"Food buyer", None}
    assert {r[2] for r in scored} >= {"branded", "free", "disposable", "invalid"}
    assert len({r[0] for r in scored}) > 5
    # and a full recompute finds nothing to change
    before = _contacts(ahead)
    recompute_all(ahead, follow_ups=True)
    refresh_golook_columns(ahead, None)
    assert _contacts(ahead) == before
    ahead.close()
    hooks.close()


def test_rules_changed_during_the_import_are_the_hooks_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone changes the rules and a persona after the first chunk: the chunks written
    after see the new ones, as the hooks would (the values worked out ahead are not used)."""
    monkeypatch.setattr(service, "CHUNK", 50)
    monkeypatch.setattr(service, "CHUNKS_PER_TRANSACTION", 2)  # a commit every 100 rows
    monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 10**12)
    csv_path = write_csv(tmp_path / "list.csv", HEADERS, _rows(300))
    results = []
    for name, ahead in (("ahead", True), ("hooks", False)):
        db = open_database(tmp_path / f"{name}.sqlite")
        _setup(db, tmp_path)
        changed: list[bool] = []

        def progress(
            done: int, *_args: Any, db: Database = db, changed: list[bool] = changed
        ) -> None:
            if done >= 100 and not changed:
                changed.append(True)
                rules = scoring_settings(db).rules
                points = dict(rules.points)
                points["domain.branded"] = 41.0
                save_scoring_settings(db, rules=ScoringRules(points, dict(rules.half_life_days)))

        with monkeypatch.context() as m:
            if not ahead:
                m.setattr(service, "_derivation_of", lambda _db: None)
            import_file(db, csv_path, source="Messe", progress=progress)
        results.append(_contacts(db))
        with db.session() as s:
            assert 41 in set(s.scalars(select(Contact.score)))  # the later chunks' rule
        db.close()
    assert results[0] == results[1]


def test_the_default_personas_are_assumed_before_they_are_added(db: Database) -> None:
    """On a database that never had personas, the import's first chunk adds the defaults
    (as the hooks do): the values worked out before that with the defaults still hold."""
    with db.session() as s:
        before = derive.derivation_in(s)
    with db.write_session() as s:
        after = derive.derivation_in(s, writing=True)
        s.commit()
    assert before.personas and before.same_as(after)
