"""Many of each (issue 11, item 2): every e-mail, phone and postal address of an imported card
is stored with its kind, ``PREF`` decides the primary one, ``show --json`` lists them, search
finds every e-mail, the editor replaces them as one undoable operation, and the contact's own
columns always agree with the lists. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from app import operations, search
from app.commands.core import contact_json
from app.contacts import get_contact
from app.importing.service import import_file
from app.points import ContactPoints, Point, points_of
from db.engine import Database
from db.models import Contact, ContactPoint

CRLF = "\r\n"
CARD = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Weißmann;Jürgen;;;",
        "FN:Jürgen Weißmann",
        "ORG:Weißmann Maschinenbau GmbH",
        "item1.EMAIL;type=INTERNET;type=HOME:juergen@example.org",
        "EMAIL;type=INTERNET;type=WORK;type=pref:j.weissmann@weissmann-mb.de",
        "TEL;type=WORK;type=VOICE:+49 511 1234567",
        "TEL;type=CELL;type=pref:+49 170 7654321",
        "TEL;type=FAX:+49 511 1234568",
        "item2.ADR;type=WORK;type=pref:Postfach 12;;Hauptstraße 5;Hannover;NI;30159;Germany",
        "ADR;type=HOME:;;Lindenweg 3;Celle;;29221;Germany",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Lefèvre;Françoise;;;",
        "EMAIL:f.lefevre@example.fr",
        "END:VCARD",
        "",
    ]
)


def _import(db: Database, tmp_path: Path) -> tuple[int, int]:
    path = tmp_path / "cards.vcf"
    path.write_text(CARD, encoding="utf-8")
    report = import_file(db, path)
    assert report.imported == 2
    with db.session() as s:
        ids = dict(s.execute(Contact.__table__.select().with_only_columns(
            Contact.last_name, Contact.id)).all())  # fmt: skip
    return int(ids["Weißmann"]), int(ids["Lefèvre"])


def test_a_card_keeps_every_email_phone_and_address_with_kind_and_pref(
    db: Database, tmp_path: Path
) -> None:
    juergen, francoise = _import(db, tmp_path)
    data = contact_json(db, juergen)
    assert data["email"] == "j.weissmann@weissmann-mb.de"  # PREF, though listed second
    assert [(e["value"], e["kind"], e["primary"]) for e in data["emails"]] == [
        ("j.weissmann@weissmann-mb.de", "work", True),
        ("juergen@example.org", "home", False),
    ]
    phones = data["phones"]
    assert phones[0]["primary"] and phones[0]["kind"] == "mobile"  # the preferred mobile
    assert data["phone"] == phones[0]["value"]
    assert "170" in phones[0]["value"].replace(" ", "")
    assert sorted(p["kind"] for p in phones) == ["fax", "mobile", "work"]
    assert sum(p["primary"] for p in phones) == 1
    work, home = data["addresses"]
    assert work["primary"] and not home["primary"]
    assert (work["street"], work["po_box"], work["city"], work["region"], work["postcode"]) == (
        "Hauptstraße 5",
        "Postfach 12",
        "Hannover",
        "NI",
        "30159",
    )
    assert work["country"] == "Germany" and work["kind"] == "work"
    assert (home["street"], home["city"], home["postcode"]) == ("Lindenweg 3", "Celle", "29221")
    assert data["city"] == "Hannover" and data["country"] == "Germany"
    # what the lists hold is not repeated as extra values
    extra = data.get("extra") or {}
    assert not any(k.startswith(("Phone", "Address")) for k in extra), extra

    # a card that says no more than the contact's columns hold stores no points, and still
    # reads as a list of one
    with db.session() as s:
        assert s.query(ContactPoint).filter_by(contact_id=francoise).count() == 0
    plain = contact_json(db, francoise)
    assert plain["emails"] == [{"value": "f.lefevre@example.fr", "kind": None, "primary": True}]
    assert plain["phones"] == [] and plain["addresses"] == []


def test_search_finds_every_email_address(db: Database, tmp_path: Path) -> None:
    juergen, _ = _import(db, tmp_path)
    for typed in ("juergen@example.org", "example.org", "weissmann-mb"):
        condition = search.search_condition(typed, db.engine.dialect.name)
        assert condition is not None
        with db.session() as s:
            found = set(s.scalars(Contact.__table__.select().with_only_columns(Contact.id)
                                  .where(condition)))  # fmt: skip
        assert juergen in found, typed


def test_editing_the_email_field_replaces_the_primary_address_and_keeps_its_kind(
    db: Database, tmp_path: Path
) -> None:
    juergen, _ = _import(db, tmp_path)
    operations.edit_contact(db, juergen, {"email": "jw@weissmann-mb.de", "city": "Langenhagen"})
    with db.session() as s:
        lists = points_of(s, juergen)
    assert [(p.value, p.kind, p.primary) for p in lists.emails] == [
        ("jw@weissmann-mb.de", "work", True),
        ("juergen@example.org", "home", False),
    ]
    assert lists.addresses[0].city == "Langenhagen" and lists.addresses[0].street
    assert lists.addresses[1].city == "Celle"


def test_the_editor_replaces_the_lists_in_one_undoable_operation(
    db: Database, tmp_path: Path
) -> None:
    juergen, _ = _import(db, tmp_path)
    before = contact_json(db, juergen)
    lists = ContactPoints(
        emails=[
            Point("juergen@example.org", "home"),
            Point("new@weissmann-mb.de", "work", primary=True),
        ],
        phones=[Point("+49 30 9876543", "work")],
        addresses=[Point(street="Am Markt 1", city="Berlin", postcode="10115", country="Germany")],
    )
    result = operations.set_contact_points(db, juergen, lists)
    assert result.operation_id is not None
    detail = get_contact(db, juergen)
    assert detail.email == "new@weissmann-mb.de"  # the primary one, on the contact row
    assert detail.other_emails == ["juergen@example.org"]
    assert detail.city == "Berlin" and detail.phone and "9876543" in detail.phone.replace(" ", "")
    after = contact_json(db, juergen)
    assert [e["value"] for e in after["emails"]] == ["new@weissmann-mb.de", "juergen@example.org"]
    assert len(after["phones"]) == 1 and after["phones"][0]["primary"]
    assert after["addresses"][0]["street"] == "Am Markt 1"
    assert after["addresses"][0]["primary"]

    operations.undo_operation(db)
    again = contact_json(db, juergen)
    for key in ("email", "phone", "city", "country", "emails", "phones", "addresses"):
        assert again[key] == before[key], key


def test_the_editor_refuses_an_invalid_address_and_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    juergen, _ = _import(db, tmp_path)
    before = contact_json(db, juergen)
    bad = ContactPoints(emails=[Point("not an address", primary=True)])
    try:
        operations.set_contact_points(db, juergen, bad)
    except Exception as exc:  # UsageError, with the reason
        assert "not an address" in str(exc)
    else:
        raise AssertionError("an invalid e-mail address was stored")
    assert contact_json(db, juergen)["emails"] == before["emails"]


def test_every_kind_of_list_survives_json(db: Database, tmp_path: Path) -> None:
    juergen, _ = _import(db, tmp_path)
    text = json.dumps(contact_json(db, juergen), ensure_ascii=False)
    for value in ("Postfach 12", "Lindenweg 3", "juergen@example.org", "fax"):
        assert value in text


def _lists(data: dict[str, object]) -> dict[str, object]:
    return {k: data[k] for k in ("email", "phone", "city", "emails", "phones", "addresses")}


def test_csv_and_vcard_exports_write_every_value_and_import_back_the_same(
    db: Database, tmp_path: Path
) -> None:
    from app.exporting import export_contacts
    from app.store import open_store

    juergen, _ = _import(db, tmp_path)
    want = _lists(contact_json(db, juergen))
    for name in ("back.csv", "back.vcf"):
        out = tmp_path / name
        export_contacts(db, out)
        text = out.read_text(encoding="utf-8-sig")
        for value in ("juergen@example.org", "Lindenweg 3", "Postfach 12", "1234568"):
            assert value in text.replace(" ", "") or value in text, (name, value)
        if name.endswith(".csv"):
            header = text.splitlines()[0]
            assert "E-mail 2 - Value" in header and "Address 2 - Street" in header
        other = open_store(tmp_path / f"{name}.sqlite")
        try:
            report = import_file(other, out)
            assert report.imported == 2, report
            with other.session() as s:
                cid = s.scalar(
                    Contact.__table__.select()
                    .with_only_columns(Contact.id)
                    .where(Contact.last_name == "Weißmann")
                )
            assert cid is not None
            got = _lists(contact_json(other, int(cid)))
        finally:
            other.close()
        assert got == want, name


def test_a_merge_keeps_every_point_of_both_and_undoes_exactly(db: Database, tmp_path: Path) -> None:
    from app.contacts import create_contact

    juergen, _ = _import(db, tmp_path)
    twin = create_contact(
        db,
        first_name="Juergen",
        last_name="Weissmann",
        email="jw.private@example.net",
        phone="+49 40 5550101",
        city="Hamburg",
        country="Germany",
    )
    twin_id = twin
    before = {cid: contact_json(db, cid) for cid in (juergen, twin_id)}
    operations.merge_contacts(db, juergen, [twin_id])
    after = contact_json(db, juergen)
    emails = [e["value"] for e in after["emails"]]
    assert emails[0] == "j.weissmann@weissmann-mb.de" and after["emails"][0]["primary"]
    assert set(emails) == {
        "j.weissmann@weissmann-mb.de",
        "juergen@example.org",
        "jw.private@example.net",
    }
    phones = {p["value"].replace(" ", "") for p in after["phones"]}
    assert "+49405550101" in phones and len(after["phones"]) == 4
    assert sum(p["primary"] for p in after["phones"]) == 1
    assert {a["city"] for a in after["addresses"]} >= {"Hannover", "Celle", "Hamburg"}
    kinds = {e["value"]: e["kind"] for e in after["emails"]}
    assert kinds["juergen@example.org"] == "home"  # kinds survive the merge

    operations.undo_operation(db)
    for cid, was in before.items():
        again = contact_json(db, cid)
        for key in ("email", "phone", "emails", "phones", "addresses"):
            assert again[key] == was[key], (cid, key)
