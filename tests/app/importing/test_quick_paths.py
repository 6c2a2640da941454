"""The import's quicker ways to the same values: each gives exactly what the plain function
gives, for any text (hypothesis), cached or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.fields import clean_value
from app.importing import rows
from app.importing.points import ContactPoint, PostalAddress
from app.importing.service import import_file
from app.names import sort_key
from db.engine import Database
from db.models import Contact
from tests.app.importing.service_fixtures import write_csv

NAMES = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=127)),  # ASCII, control characters included
    st.sampled_from(["Émile Zola", "  Jürgen Weißmann ", "ǅemal", "ﬁona", "İlker", "Ａｎｎａ"]),
)


@given(NAMES)
def test_the_sort_key_of_a_name_is_app_names(name: str) -> None:
    assert rows.quick_sort_key(name) == sort_key(name)
    assert rows.quick_sort_key(name) == sort_key(name)  # again, from the cache


@settings(deadline=None)  # the first row loads the public suffix list
@given(NAMES)
def test_a_one_line_field_is_cleaned_as_clean_value_cleans_it(text: str) -> None:
    """prepare() cleans names, company, title, city… in line, without clean_value's call:
    the same value (or none) for any text."""
    preparer = rows.RowPreparer({"suspect": "Suspect"}, region="DE")
    assert {"first_name", "last_name", "company", "title", "city"} <= rows._ONE_LINE_FIELDS
    for key in sorted(rows._ONE_LINE_FIELDS):
        prepared = preparer.prepare(2, {"email": "ada@example.org", key: text})
        assert isinstance(prepared, rows.PreparedRow)
        assert prepared.values.get(key) == clean_value(key, text)
        assert prepared.warnings == []


def test_the_sort_key_cache_stays_bounded() -> None:
    rows._SORT_KEYS.clear()
    for i in range(70_000):
        assert rows.quick_sort_key(f"Émile {i}") == f"emile {i}"
    assert len(rows._SORT_KEYS) <= 65_536


@pytest.mark.parametrize("policy", ["fill", "overwrite"])
def test_a_row_that_takes_in_a_later_one_stores_what_they_say_together(
    db: Database, tmp_path: Path, policy: str
) -> None:
    """The reading side works out a row's name, sort key and extra values ahead
    (``PreparedRow.stored``); a later row with the same address merged into it changes them."""
    path = write_csv(
        tmp_path / "two.csv",
        ["First Name", "Last Name", "Email", "Company", "Booth"],
        [
            ["", "", "vera@firm.de", "Firm GmbH", ""],
            ["Émilie", "Zoë", "vera@firm.de", "", "Hall 4"],
        ],
    )
    import_file(db, path, on_duplicate=policy)
    with db.session() as s:
        name, sort_name, extra = s.execute(
            select(Contact.name, Contact.sort_name, Contact.extra)
        ).one()
    assert (name, sort_name) == ("Émilie Zoë", "emilie zoe")
    assert extra is not None
    assert json.loads(extra) == {"Booth": "Hall 4"}


ADDRESSES = st.one_of(
    st.emails(),
    st.text(alphabet="abcXYZ019._+-@ :<>;,'\"()[]", max_size=30),
    st.sampled_from(
        [
            "anna@acme.de", "a--b@acme.de", "x@a--b.de", "x@host.local", "x@b.test",
            "mailto:x@y.de", "<x@y.de>", "x@y.de;z@w.de", "x@y", "a@b.c", "-x@y.de",
            "x." * 40 + "x@y.de", "x@" + "y" * 64 + ".de", "x@" + "ab." * 90 + "de",
        ]
    ),
)  # fmt: skip


@settings(deadline=None)
@given(ADDRESSES)
def test_a_plain_address_is_one_valid_address_as_written(text: str) -> None:
    """What the mapping and prepare() take as written without their general checks: one
    address (addresses() gives it back alone), valid (email-validator agrees), and what
    clean_value makes of it."""
    from email_validator import validate_email

    from app.importing.values import addresses, email_problem, plain_address

    if not plain_address(text):
        return
    assert addresses(text) == [text]
    assert email_problem(text) is None
    validate_email(text, check_deliverability=False)  # raises if not valid
    assert clean_value("email", text) == text


CELLS = st.one_of(st.text(max_size=30), ADDRESSES, st.sampled_from(["a ::: b", " x  y ", ""]))


@settings(deadline=None, max_examples=300)
@given(first=CELLS, company=CELLS, email=CELLS)
def test_the_mappers_quick_ways_map_a_row_as_its_general_ways(
    first: str, company: str, email: str
) -> None:
    """A field of one column taken as written, and an e-mail cell of one plain address
    without a label column: what the general ways give the same cells (here forced by a
    second, empty column for the field and an empty label column beside the e-mail)."""
    from app.importing.mapping import RowMapper
    from app.importing.values import plain_address

    quick = RowMapper(
        ["First Name", "Company", "Email"],
        {"First Name": "first_name", "Company": "company", "Email": "email"},
    )
    general = RowMapper(
        ["First Name", "Company", "Email", "Vorname", "Firma", "Email Label"],
        {
            "First Name": "first_name", "Company": "company", "Email": "email",
            "Vorname": "first_name", "Firma": "company", "Email Label": "label",
        },
    )  # fmt: skip
    assert quick.single_steps[0][2] is not None and general.single_steps[0][2] is None
    fast = quick([first, company, email])
    slow = general([first, company, email, "", "", ""])
    assert fast.values.get("first_name") == slow.values.get("first_name")
    assert fast.values.get("company") == slow.values.get("company")
    if plain_address(email.strip()):
        assert fast.emails == slow.emails
        assert fast.values.get("email") == slow.values.get("email")
        assert fast.warnings == slow.warnings
    assert fast.extra == slow.extra or not plain_address(email.strip())


RAW_CELLS = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(['="0049511"', ' ="007" ', '="', '=""', '="="x""', "  ", '"="', "a ="]),
    ),
    max_size=8,
)


def _cell_as_the_mapping_read_it(cells: list[str], index: int | None) -> str:
    """The mapping's own reading of one cell before read_cells (its closure ``cell``)."""
    if index is None or index >= len(cells):
        return ""
    value = cells[index].strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1].strip()
    return value


@given(RAW_CELLS, st.integers(min_value=0, max_value=10))
def test_a_rows_cells_are_read_once_as_each_was_read_alone(cells: list[str], width: int) -> None:
    """RowMapper reads a row's cells once (read_cells) where it read each when asked: the
    same text for every column of the header and every cell beyond it, for any cells."""
    from app.importing.mapping import read_cells

    read = read_cells(cells, width)
    assert len(read) == max(width, len(cells))
    for index, text in enumerate(read):
        assert text == _cell_as_the_mapping_read_it(cells, index)


PHONE_CELLS = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\+?[0-9][0-9 ()./-]{0,16}", fullmatch=True),
    st.sampled_from(["+49 511 123456", "0511 123456", "+49 30 1 ::: +49 30 2", "x ::: ", ""]),
)


@settings(deadline=None, max_examples=300)
@given(phone=PHONE_CELLS, label=st.sampled_from(["", "Work", "* Mobile", "Fax ::: Home"]))
def test_a_rows_one_number_maps_as_one_of_several_columns(phone: str, label: str) -> None:
    """With one phone column the mapper does not look for the same number twice in a cell of
    one value; what it finds is what the general way finds (forced here by a second, empty
    phone column), with or without a label column."""
    from app.importing.mapping import RowMapper

    headers = ["Phone 1 - Value", "Phone 1 - Label"]
    mapping: dict[str, str | None] = {"Phone 1 - Value": "phone", "Phone 1 - Label": "label"}
    quick = RowMapper(headers, mapping)
    general = RowMapper([*headers, "Telephone"], {**mapping, "Telephone": "phone"})
    assert quick.one_phone_column and not general.one_phone_column
    fast, slow = quick([phone, label]), general([phone, label, ""])
    assert fast.phones == slow.phones
    assert fast.values == slow.values
    assert fast.extra == slow.extra


PARTS = st.one_of(st.text(max_size=10), st.sampled_from(["", "", "12", "Köln", " a\n b \n", "x"]))


@given(st.tuples(PARTS, PARTS, PARTS, PARTS, PARTS, PARTS))
def test_an_address_on_one_line_is_its_parts_joined(parts: tuple[str, ...]) -> None:
    """PostalAddress.one_line (asked for every row with an address) as it was written with
    generators: the same line for any parts."""
    street, po_box, city, region, postcode, country = parts
    address = PostalAddress(street, po_box, city, region, postcode, country)
    lines = ", ".join(line.strip() for line in street.splitlines() if line.strip())
    box = f"PO Box {po_box}" if po_box and not any(ch.isalpha() for ch in po_box) else po_box
    town = " ".join(p for p in (postcode, city) if p)
    expected = ", ".join(p for p in (lines, box, town, region, country) if p)
    assert address.one_line() == expected


KINDS = st.sampled_from(["", "other", "work", "mobile"])
POINTS = st.lists(
    st.builds(ContactPoint, st.just("x"), KINDS, st.sampled_from(["", "Assistant"])), max_size=2
)
POSTAL = st.lists(
    st.builds(
        PostalAddress,
        street=st.sampled_from(["", "Hauptstr. 5"]),
        city=st.just("Köln"),
        postcode=st.sampled_from(["", "50667"]),
        kind=KINDS,
        label=st.sampled_from(["", "Lager"]),
    ),
    max_size=2,
)


@given(POINTS, POINTS, POSTAL)
def test_whether_a_rows_points_say_more_is_decided_as_before(
    emails: list[ContactPoint], phones: list[ContactPoint], addresses: list[PostalAddress]
) -> None:
    """app.points.says_more, asked for every imported row, in loops: what its any() over
    the points said."""
    from app.points import _told, says_more

    before = (
        len(phones) > 1
        or len(addresses) > 1
        or any(_told(p.kind) or p.label for p in (*emails, *phones))
        or any(
            a.street or a.po_box or a.region or a.postcode or _told(a.kind) or a.label
            for a in addresses
        )
    )
    assert says_more(emails, phones, addresses) == before


def test_the_plain_addresses_remembered_stay_bounded() -> None:
    from app.importing import values

    values._PLAIN.clear()
    for i in range(10_000):
        assert values.plain_address(f"anna{i}@acme.de")
        assert values.plain_address(f"anna{i}@acme.de")  # remembered
        assert not values.plain_address(f"anna {i}@acme.de")
    assert 0 < len(values._PLAIN) <= values._PLAIN_MAX


LOCAL_PARTS = st.one_of(
    st.from_regex(r"[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,8}){0,3}", fullmatch=True),
    st.sampled_from(["info", "INFO", "Sales", "postmaster", "x" * 64, "a.b", "anna+fair"]),
)
DOMAINS = st.one_of(
    st.sampled_from(
        [
            "acme.de", "ACME.De", "gmail.com", "GMail.com", "gmial.com", "gmail.con",
            "mailinator.com", "web.de", "co.uk", "acme.co.uk", "www.acme.co.uk", "x.y",
            "github.io", "blogspot.com", "a.b.c.de", "example.org", "x" * 63 + ".de",
            "ab." * 80 + "de",
        ]
    ),
    st.from_regex(r"([a-z0-9]{1,10}\.){1,3}[a-z]{2,6}", fullmatch=True),
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(st.lists(st.tuples(LOCAL_PARTS, DOMAINS), min_size=1, max_size=6))
def test_a_plain_address_s_verdict_by_its_domain_is_go_look_s(
    pairs: list[tuple[str, str]],
) -> None:
    """prepare() takes a plain address's verdict by its domain once one address of that
    domain was valid: for every plain address, what address_verdict says of it (free,
    disposable, typo, public suffix, case, long local parts and hosts), whatever addresses
    of other domains came before."""
    from app.golook.classify import address_verdict
    from app.importing.values import plain_address

    rows._PLAIN_VERDICTS.clear()
    for local, domain in pairs + pairs:  # each again, from what is remembered
        address = f"{local}@{domain}"
        if plain_address(address):
            assert rows.plain_verdict(address) == address_verdict(address)


def test_the_plain_verdicts_remembered_stay_bounded() -> None:
    rows._PLAIN_VERDICTS.clear()
    for i in range(rows._PLAIN_VERDICTS_MAX + 10):
        assert rows.plain_verdict(f"anna@acme{i}.de")[0]
    assert 0 < len(rows._PLAIN_VERDICTS) <= rows._PLAIN_VERDICTS_MAX
