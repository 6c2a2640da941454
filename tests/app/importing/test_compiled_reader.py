"""The reader's quick ways give the records the per-row functions give.

``prepare_chunks`` maps each row with a :class:`RowMapper` compiled once, labels' kinds are
remembered, and phone numbers are printed by ``phones.international`` (compiled formats) and
settled without checking again what the quick path built them with. Random rows of three
kinds of file go through the per-row way — ``apply_mapping`` for each row, phonenumbers'
own ``format_number``, every check of ``_settle``, no remembered label — and through
``prepare_chunks``; the chunks (every prepared row, whole, with its stored columns and
derived values; the rejected rows; the warnings) must be equal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.importing import mapping as mapping_module
from app.importing import phones
from app.importing.derive import Derivation, derivation_in
from app.importing.mapping import _NOT_ALNUM, apply_mapping, guess_mapping
from app.importing.pipeline import Chunk, keep_invalid_email, prepare_chunks
from app.importing.points import label_and_kind
from app.importing.report import RowIssue
from app.importing.rows import RowPreparer, stored_values
from db.engine import open_database

LAYOUTS = {
    "trade show": [
        "First Name", "Last Name", "Email", "Company", "Job Title", "Phone", "City", "Country",
    ],
    "google": [
        "Name", "Given Name", "Family Name", "E-mail 1 - Type", "E-mail 1 - Value",
        "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type",
        "Phone 2 - Value", "Organization 1 - Name", "Organization 1 - Title",
        "Address 1 - Type", "Address 1 - Street", "Address 1 - City", "Address 1 - Country",
        "Website 1 - Value", "Notes", "Group Membership",
    ],
    "outlook": [
        "Title", "First Name", "Last Name", "Job Title", "Company", "Department",
        "E-mail Address", "E-mail 2 Address", "Business Phone", "Mobile Phone", "Home Phone",
        "Business Fax", "Business City", "Business Country/Region", "Home City",
        "Categories", "Email Opt Out", "Company Size", "Lifecycle Stage", "Gender",
    ],
}  # fmt: skip

_PHONES = [
    "+49 511 1234567", "0511 123456", "+1 312-593-1411", "(312) 593-1411",
    "+44 20 7946 0018", '="00491701234567"', "+49 511 1234567 ::: +49 170 1234567",
    "08828882143", "+39 06 1234 5678", "+39 0612345678", "123", "+800 1234 5678",
    "+49 511 1234567 ext. 12", "01 23 45 67 89", "+375 882 888 2143", "+7 495 123 45 67",
    "+34 93 7206817", "+90 212 9777524", "+358 40 1234567", "+61 2 9374 4000", "",
]  # fmt: skip
_EMAILS = [
    "a.b@example.de", "info@firma.de", "bad@", "x@gmial.com", "a@b.co.uk; c@d.de",
    "Name <n@x.org>", "mailto:m@y.fr", "jürgen@müller.de", "a@b", "two words@x.de",
    "sales2@acme.com ::: anna@acme.com", "", "ANNA@Example.COM",
]  # fmt: skip
_LABELS = ["* Work", "Mobile", "Home ::: Work", "Other", "", "Assistant", "* Mobile ::: Home"]
_NAMES = ["Jürgen", "Müller, Jürgen", "Dr. Jane Doe", "", "ACME GmbH", "Anna", "van der Berg"]
_COUNTRIES = ["Germany", "DE", "France", "Deutschland", "USA", "", "Atlantis", "España"]
_WORDS = [
    "Plant manager", "CEO", "Hannover", "Sevilla", "yes", "no", "50-200", "1.200", "lead",
    "customer", "* myContacts ::: Friends", "https://acme.example", "unspecified",
]  # fmt: skip

_cell = (
    st.sampled_from(_PHONES)
    | st.from_regex(r"\+[1-9][0-9 ]{2,16}[0-9]", fullmatch=True)
    | st.from_regex(r"0[1-9][0-9 ]{4,12}", fullmatch=True)
    | st.sampled_from(_EMAILS)
    | st.sampled_from(_LABELS)
    | st.sampled_from(_NAMES)
    | st.sampled_from(_COUNTRIES)
    | st.sampled_from(_WORDS)
    | st.text(max_size=12)
)


_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@st.composite
def _phone(draw: st.DrawFn) -> str:
    national = draw(st.text(alphabet="0123456789", min_size=3, max_size=13))
    cut = draw(st.integers(0, len(national)))
    spaced = f"{national[:cut]} {national[cut:]}".strip()
    written = draw(
        st.sampled_from(["+{code} {n}", "+{code}{n}", "0{n}", "{n}", "+{code} ({n})"])
    ).format(code=draw(st.sampled_from(_CODES)), n=spaced)
    return written


_phones = (
    st.sampled_from(_PHONES) | _phone() | st.builds(lambda a, b: f"{a} ::: {b}", _phone(), _phone())
)
_by_field = {
    "phone": _phones, "mobile": _phones, "fax": _phones,
    "email": st.sampled_from(_EMAILS) | _cell, "email_2": st.sampled_from(_EMAILS),
    "label": st.sampled_from(_LABELS), "country": st.sampled_from(_COUNTRIES) | _cell,
    "first_name": st.sampled_from(_NAMES), "last_name": st.sampled_from(_NAMES),
    "name": st.sampled_from(_NAMES) | _cell,
}  # fmt: skip


@st.composite
def _rows(draw: st.DrawFn, headers: list[str]) -> list[tuple[int, list[str]]]:
    mapping = guess_mapping(headers)
    columns = [_by_field.get(mapping[h] or "", _cell) for h in headers]
    count = draw(st.integers(1, 9))
    rows = []
    for n in range(count):
        cells = [draw(column) for column in columns]
        extra = draw(st.integers(-2, 2))  # a row shorter or longer than the header
        if extra < 0:
            cells = cells[:extra]
        else:
            cells += draw(st.lists(_cell, min_size=extra, max_size=extra))
        rows.append((n + 2, cells))
    return rows


@pytest.fixture(scope="module")
def derivation(tmp_path_factory: pytest.TempPathFactory) -> Derivation:
    db = open_database(tmp_path_factory.mktemp("derivation") / "d.sqlite")
    try:
        with db.session() as s:
            return derivation_in(s)
    finally:
        db.close()


def _forget() -> None:
    phones._SETTLED.clear()
    phones._import_phone.cache_clear()
    phones._national.cache_clear()
    mapping_module._label_and_kind_of.cache_clear()
    mapping_module._last_mapper = None


def _per_row(
    rows: list[tuple[int, list[str]]],
    headers: list[str],
    mapping: dict[str, str | None],
    preparer: RowPreparer,
    size: int,
) -> list[Chunk]:
    """prepare_chunks as it was: each row mapped by apply_mapping, and so on."""
    email_headers = [h for h, f in mapping.items() if f in ("email", "email_2")]
    chunks: list[Chunk] = []
    chunk = Chunk()
    for row_no, cells in rows:
        chunk.read += 1
        mapped = apply_mapping(headers, cells, mapping)
        keep_invalid_email(mapped, email_headers)
        prepared = preparer.prepare(
            row_no, mapped.values, mapped.other_emails, mapped.extra, mapped.warnings,
            emails=mapped.emails, phones=mapped.phones, addresses=mapped.addresses,
        )  # fmt: skip
        if isinstance(prepared, str):
            chunk.rejected.append(RowIssue(row_no, prepared))
            continue
        chunk.warnings.extend(RowIssue(row_no, w) for w in prepared.warnings)
        prepared.stored = stored_values(prepared, preparer.derivation)
        chunk.rows.append(prepared)
        if len(chunk.rows) >= size:
            chunks.append(chunk)
            chunk = Chunk()
    if chunk.read or chunk.warnings:
        chunks.append(chunk)
    return chunks


def _the_slow_way(monkeypatch: pytest.MonkeyPatch) -> None:
    settle = phones._settle

    def format_number(
        number: phonenumbers.PhoneNumber, _metadata: Any, _national: Any = None
    ) -> str:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def every_check(
        printed: str, number: Any, metadata: Any, built_from: Any = None, checked: Any = False
    ) -> str:
        return settle(printed, number, metadata)

    monkeypatch.setattr(phones, "international", format_number)
    monkeypatch.setattr(phones, "_settle", every_check)
    monkeypatch.setattr(mapping_module, "_label_and_kind", label_and_kind)


def _state(chunks: list[Chunk]) -> list[Any]:
    """The chunks with each row's every attribute (the cached e-mail key too)."""
    return [(c.read, c.rejected, c.warnings, [(r, dict(vars(r))) for r in c.rows]) for c in chunks]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_compiled_reader_gives_the_per_row_records(
    layout: str, data: st.DataObject, derivation: Derivation, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = LAYOUTS[layout]
    mapping = guess_mapping(headers)
    rows = data.draw(_rows(headers))
    region = data.draw(st.sampled_from(["DE", "US", "FR", "BY"]))
    size = data.draw(st.integers(1, 4))
    stages = {"suspect": "Suspect", "inquiry": "Inquiry", "customer": "Customer"}

    _forget()
    quick = list(
        prepare_chunks(iter(rows), headers, mapping, RowPreparer(stages, region, derivation), size)
    )
    _forget()
    with monkeypatch.context() as patched:
        _the_slow_way(patched)
        slow = _per_row(rows, headers, mapping, RowPreparer(stages, region, derivation), size)
    _forget()
    assert _state(quick) == _state(slow)


def test_the_trade_show_layout_maps_what_it_should() -> None:
    """The random rows above reach the fields they are meant to (the test is not vacuous)."""
    mapping = guess_mapping(LAYOUTS["trade show"])
    assert set(mapping.values()) == {
        "first_name", "last_name", "email", "company", "title", "phone", "city", "country",
    }  # fmt: skip
    assert {"phone", "mobile", "fax", "email"} <= set(guess_mapping(LAYOUTS["outlook"]).values())
    assert "label" in guess_mapping(LAYOUTS["google"]).values()


def test_not_alnum_is_what_isalnum_is_not() -> None:
    """A phone number's key (the same number twice) drops what str.isalnum() refuses: the re
    module's \\W is its complement plus "_"; every code point agrees."""
    text = "".join(map(chr, range(sys.maxunicode + 1)))
    assert _NOT_ALNUM.sub("", text) == "".join(ch for ch in text if ch.isalnum())


def test_rows_the_file_reader_gives(
    tmp_path: Path, derivation: Derivation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through a real file: a CSV read by the readers, as an import reads it."""
    from app.importing.readers import open_table

    headers = LAYOUTS["trade show"]
    lines = [",".join(headers)]
    for i, phone in enumerate(_PHONES):
        email = _EMAILS[i % len(_EMAILS)].replace(",", " ")
        country = _COUNTRIES[i % len(_COUNTRIES)]
        lines.append(f'Anna{i},Berg,"{email}",Acme {i % 3},CEO,"{phone.replace(chr(34), "")}",'
                     f"Hannover,{country}")  # fmt: skip
    path = tmp_path / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = guess_mapping(headers)
    stages = {"suspect": "Suspect"}

    def read() -> Iterator[tuple[int, list[str]]]:
        return open_table(path).rows()

    _forget()
    quick = list(prepare_chunks(read(), headers, mapping, RowPreparer(stages, "DE", derivation), 5))
    _forget()
    _the_slow_way(monkeypatch)
    slow = _per_row(list(read()), headers, mapping, RowPreparer(stages, "DE", derivation), 5)
    assert sum(len(c.rows) for c in quick) == len(_PHONES)
    assert _state(quick) == _state(slow)
