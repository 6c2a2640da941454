"""Personas: seniority from titles, fit criterion by criterion, defaults, JSON files, and the
persona/domain columns kept current on every contact change."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from app.contacts import create_contact, get_contact, update_contact
from app.errors import UsageError, WinnowError
from app.golook.derived import refresh_golook_columns, set_domain_override
from app.golook.persona_store import (
    delete_persona,
    ensure_default_personas,
    export_personas,
    import_personas,
    list_personas,
    save_persona,
)
from app.golook.personas import (
    DEFAULT_PERSONAS,
    ContactFacts,
    FitsByFact,
    Persona,
    PersonaCriteria,
    best_fit,
    best_name_and_fit,
    evaluate,
    seniority_of,
)
from db.engine import Database

BUYER = Persona(
    None,
    "Plant buyer",
    PersonaCriteria(
        title_include=("buyer", "purchas", "einkauf"),
        title_exclude=("assistant",),
        seniority=("specialist", "manager", "director"),
        company_size_min=20,
        company_size_max=2000,
        branded_required=True,
    ),
)


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("CEO", "c-level"),
        ("Founder & CEO", "c-level"),
        ("Managing director", "c-level"),
        ("Geschäftsführer", "c-level"),
        ("Inhaberin", "c-level"),
        ("Directeur général", "c-level"),
        ("Head of purchasing", "director"),
        ("Operations director", "director"),
        ("Leiter Einkauf", "director"),
        ("Einkaufsleiter", "director"),
        ("VP Sales", "director"),
        ("Plant manager", "manager"),
        ("Teamleiter Instandhaltung", "manager"),
        ("Projektmanager", "manager"),
        ("Senior buyer", "specialist"),
        ("Process engineer", "specialist"),
        ("International buyer", "specialist"),  # "intern" is a whole word only
        ("Zentraleinkäuferin", "specialist"),
        ("Office clerk", "staff"),
        ("Purchasing assistant", "staff"),
        ("Maintenance technician", "staff"),
        ("Assistant to the CEO", "staff"),
        ("Student", "student"),
        ("Werkstudentin Einkauf", "student"),
        ("Intern", "student"),
        ("Gardener", None),
        ("", None),
        (None, None),
    ],
)
def test_seniority_from_title(title: str | None, level: str | None) -> None:
    assert seniority_of(title) == level


def test_every_criterion_passes_with_a_reason() -> None:
    facts = ContactFacts("Senior Buyer", "Machinery", 120, "Germany", "branded")
    fit = evaluate(BUYER, facts)
    assert [(r.criterion, r.outcome) for r in fit.results] == [
        ("title", "pass"),
        ("seniority", "pass"),
        ("company_size", "pass"),
        ("branded", "pass"),
    ]
    assert "contains 'buyer'" in fit.results[0].reason
    assert "Senior / specialist" in fit.results[1].reason
    assert fit.results[2].reason == "120 employees (wanted 20–2,000)"
    assert (fit.passed, fit.evaluated, fit.fit, fit.ratio_text) == (4, 4, 1.0, "4/4")


def test_failures_say_why() -> None:
    facts = ContactFacts("Purchasing assistant", None, 5, None, "free")
    fit = evaluate(BUYER, facts)
    outcomes = {r.criterion: (r.outcome, r.reason) for r in fit.results}
    assert outcomes["title"] == (
        "fail",
        "title 'Purchasing assistant' contains excluded 'assistant'",
    )
    assert outcomes["seniority"][0] == "fail" and "Staff / clerk" in outcomes["seniority"][1]
    assert outcomes["company_size"] == ("fail", "5 employees, not 20–2,000")
    assert outcomes["branded"] == ("fail", "free-mail address, not a company one")
    assert fit.fit == 0.0


def test_missing_data_is_unknown_and_lowers_the_fit() -> None:
    facts = ContactFacts("Einkäufer", None, None, None, "branded")
    fit = evaluate(BUYER, facts)
    outcomes = {r.criterion: r.outcome for r in fit.results}
    assert outcomes == {
        "title": "pass",
        "seniority": "pass",
        "company_size": "unknown",
        "branded": "pass",
    }
    assert next(r.reason for r in fit.results if r.criterion == "company_size") == (
        "no company size"
    )
    # unknown counts in the denominator: 3 of 4, not 3 of 3
    assert (fit.passed, fit.evaluated) == (3, 4)
    nothing = evaluate(BUYER, ContactFacts())
    assert {r.outcome for r in nothing.results} == {"unknown"}
    assert nothing.fit == 0.0


def test_industry_and_country_criteria() -> None:
    p = Persona(
        None,
        "DACH food",
        PersonaCriteria(industries=("Food",), countries=("DE", "Austria", "Schweiz")),
    )
    assert evaluate(p, ContactFacts(industry="Food & beverage", country="Deutschland")).passed == 2
    assert evaluate(p, ContactFacts(industry="food", country="AT")).passed == 2
    miss = evaluate(p, ContactFacts(industry="Chemicals", country="France"))
    assert [r.outcome for r in miss.results] == ["fail", "fail"]
    assert miss.results[1].reason == "France is not one of DE, Austria, Schweiz"


def test_best_fit_picks_the_highest_and_the_earlier_on_a_tie() -> None:
    owner = Persona(None, "Owner", PersonaCriteria(seniority=("c-level",), branded_required=True))
    also = Persona(
        None, "Also owner", PersonaCriteria(seniority=("c-level",), branded_required=True)
    )
    facts = ContactFacts("CEO", None, 50, None, "branded")
    best = best_fit([BUYER, owner, also], facts)
    assert best is not None and best.persona == "Owner" and best.ratio_text == "2/2"
    assert best_fit([BUYER], ContactFacts("Gardener", None, 1, None, "free")) is None
    assert best_fit([], facts) is None


def test_fits_by_fact_are_best_name_and_fit() -> None:
    """The demo's and an import's fits, summed from each fact's passes alone, are what
    best_name_and_fit says for every combination of facts (ties, unknowns, no persona)."""
    defaults = [Persona(None, name, c) for name, c in DEFAULT_PERSONAS]
    regional = Persona(
        None,
        "Regional",
        PersonaCriteria(countries=("DE", "Österreich"), industries=("Machinery",)),
    )
    no_sales = Persona(None, "No sales", PersonaCriteria(title_exclude=("sales",)))
    small = Persona(None, "Small", PersonaCriteria(company_size_max=60, branded_required=True))
    empty = Persona(None, "Empty", PersonaCriteria())
    titles = [None, "", "CEO", "Senior buyer", "Sales representative", "Plant manager"]
    titles += ["Student", "Gardener", "Head of purchasing", "Einkaufsleiter"]
    industries = [None, "Machinery", "Food & beverage", "Retail"]
    sizes = [None, 0, 19, 20, 60, 61, 250, 251, 5000]
    countries = [None, "Germany", "DE", "Austria", "France"]
    classes = [None, "branded", "free", "disposable", "invalid"]
    for personas in ([*defaults, regional, no_sales, small, empty], [small, regional], [empty]):
        fits = FitsByFact(personas)
        for key in itertools.product(titles, industries, sizes, countries, classes):
            facts = ContactFacts(*key)
            assert fits.name_and_fit(facts) == best_name_and_fit(personas, facts), key
    assert FitsByFact([]).name_and_fit(ContactFacts("CEO")) == (None, None)


def test_criteria_json_is_checked() -> None:
    c = PersonaCriteria.from_json({"title_include": "buyer, Einkauf", "company_size_min": 10})
    assert c.title_include == ("buyer", "Einkauf")
    assert PersonaCriteria.from_json(c.to_json()) == c
    for bad in (
        {"seniority": ["boss"]},
        {"company_size_min": -1},
        {"colour": "red"},
        {"company_size_min": 50, "company_size_max": 10},
        {"branded_required": "yes"},
        {"industries": [1, 2]},
    ):
        with pytest.raises(UsageError):
            PersonaCriteria.from_json(bad)


def test_defaults_are_seeded_once(db: Database) -> None:
    assert ensure_default_personas(db)
    names = [p.name for p in list_personas(db)]
    assert names == [name for name, _ in DEFAULT_PERSONAS]
    assert not ensure_default_personas(db)
    for p in list_personas(db):
        assert p.id is not None
        delete_persona(db, p.id)
    assert not ensure_default_personas(db)  # the user deleted them: they stay deleted
    assert list_personas(db) == []


def test_own_personas_are_not_joined_by_defaults(db: Database) -> None:
    save_persona(db, BUYER)
    assert not ensure_default_personas(db)
    assert [p.name for p in list_personas(db)] == ["Plant buyer"]
    with pytest.raises(UsageError, match="already a persona"):
        save_persona(db, Persona(None, "Plant buyer", PersonaCriteria()))


def test_export_then_import_round_trip(db: Database, tmp_path: Path) -> None:
    ensure_default_personas(db)
    path = tmp_path / "personas.json"
    assert export_personas(db, path) == len(DEFAULT_PERSONAS)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "winnow-personas"
    assert data["personas"][0]["name"] == "Plant buyer"
    before = list_personas(db)
    for p in before:
        assert p.id is not None
        delete_persona(db, p.id)
    result = import_personas(db, path)
    assert result.added == [p.name for p in before] and result.updated == []
    assert [(p.name, p.criteria) for p in list_personas(db)] == [
        (p.name, p.criteria) for p in before
    ]


def test_import_updates_by_name_and_bad_files_change_nothing(db: Database, tmp_path: Path) -> None:
    save_persona(db, BUYER)
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            [
                {"name": "Plant buyer", "seniority": ["director"]},
                {"name": "Engineer", "criteria": {"title_include": ["engineer"]}},
            ]
        ),
        encoding="utf-8",
    )
    result = import_personas(db, good)
    assert (result.added, result.updated) == (["Engineer"], ["Plant buyer"])
    by_name = {p.name: p for p in list_personas(db)}
    assert by_name["Plant buyer"].criteria.seniority == ("director",)
    assert by_name["Plant buyer"].criteria.title_include == ()

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps([{"name": "New one"}, {"name": "Broken", "seniority": ["boss"]}]),
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="Broken"):
        import_personas(db, bad)
    assert "New one" not in {p.name for p in list_personas(db)}
    (tmp_path / "notjson.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(WinnowError, match="not a JSON file"):
        import_personas(db, tmp_path / "notjson.json")
    with pytest.raises(WinnowError, match="no such file"):
        import_personas(db, tmp_path / "missing.json")


def test_contacts_carry_their_best_persona(db: Database) -> None:
    save_persona(db, BUYER)
    cid = create_contact(
        db,
        name="Jürgen Weiß",
        email="j.weiss@acme-widgets.de",
        title="Senior buyer",
        company_size=120,
    )
    c = get_contact(db, cid)
    assert (c.persona_name, c.persona_fit) == ("Plant buyer", 1.0)
    update_contact(db, cid, company_size=None)
    assert get_contact(db, cid).persona_fit == 0.75
    update_contact(db, cid, title="Gardener", email="jw@gmail.com", company_size=5)
    c = get_contact(db, cid)
    assert (c.persona_name, c.persona_fit) == (None, 0.0)
    assert c.domain_class == "free"


def test_the_hook_seeds_the_defaults_lazily(db: Database) -> None:
    cid = create_contact(
        db, name="Owner", email="chef@acme-widgets.de", title="Geschäftsführer", company_size=30
    )
    assert [p.name for p in list_personas(db)] == [name for name, _ in DEFAULT_PERSONAS]
    assert get_contact(db, cid).persona_name == "Owner-manager"


def test_persona_changes_reach_contacts_after_a_refresh(db: Database) -> None:
    save_persona(db, BUYER)
    cid = create_contact(db, name="Eve", email="eve@acme-widgets.de", title="Engineer")
    assert get_contact(db, cid).persona_name == "Plant buyer"  # branded, seniority pass: 2/4
    save_persona(db, Persona(None, "Engineer", PersonaCriteria(title_include=("engineer",))))
    assert refresh_golook_columns(db, None) == 1
    c = get_contact(db, cid)
    assert (c.persona_name, c.persona_fit) == ("Engineer", 1.0)


def test_domain_overrides_reclassify_contacts(db: Database) -> None:
    a = create_contact(db, name="A", email="a@acme-widgets.de")
    b = create_contact(db, name="B", email="b@mail.acme-widgets.de")
    other = create_contact(db, name="C", email="c@other.de")
    assert set_domain_override(db, "acme-widgets.de", "free") == 2
    assert [get_contact(db, i).domain_class for i in (a, b, other)] == ["free", "free", "branded"]
    # new contacts on that domain get the override too
    d = create_contact(db, name="D", email="d@acme-widgets.de")
    assert get_contact(db, d).domain_class == "free"
    set_domain_override(db, "acme-widgets.de", None)
    assert [get_contact(db, i).domain_class for i in (a, b, d)] == ["branded"] * 3
    with pytest.raises(UsageError):
        set_domain_override(db, "acme-widgets.de", "invalid")
