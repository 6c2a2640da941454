"""Random and mutated bytes fed to the readers: ImportFileError or rows, never a crash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.importing.mapping import apply_mapping, guess_mapping
from app.importing.readers import ImportFileError, open_table
from app.importing.rowstream import take_warnings
from tests.app.importing import export_files as ef

SUFFIXES = [".csv", ".txt", ".tsv", ".vcf", ".xlsx", ".dat", ""]


def _workbook_bytes() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.xlsx"
        ef.scanner_workbook(path)
        return path.read_bytes()


SEEDS: list[tuple[str, bytes]] = [
    (".csv", ef.google_current()),
    (".csv", ef.outlook_com_cp1252()),
    (".csv", ef.linkedin_connections()),
    (".csv", ef.badge_scanner_de()),
    (".csv", ef.utf8_with_stray_byte()),
    (".txt", ef.excel_unicode_text()),
    (".vcf", ef.android_vcard_21()),
    (".vcf", ef.apple_vcard_30()),
    (".vcf", ef.vcard_40()),
    (".vcf", ef.outlook_vcard("utf-16-le")),
    (".xlsx", _workbook_bytes()),
]


def read_everything(path: Path) -> int:
    """What the import does with a file: open, guess, map every row. Returns the row count."""
    try:
        table = open_table(path)
    except ImportFileError as exc:
        assert str(exc)  # one clear message
        return -1
    assert table.format in ("csv", "tsv", "xlsx", "xls", "ods", "vcf", "ldif")
    mapping = guess_mapping(table.headers)
    count = 0
    try:
        for number, cells in table.rows():
            assert len(cells) >= len(table.headers)  # cells beyond the header are kept
            assert all(isinstance(c, str) for c in cells)
            assert number >= 1
            apply_mapping(table.headers, cells, mapping)
            count += 1
    except ImportFileError as exc:
        assert str(exc)
    return count


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(folder: Path, data: bytes, suffix: str) -> None:
    path = folder / f"random{suffix}"
    path.write_bytes(data)
    read_everything(path)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix, seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from([b'"', b"\r", b"\n", b"\x00", b";", b"=", b"\xa0", b"\xff\xfe",
                                 b"BEGIN:VCARD\r\n", b"END:VCARD", b"=\r\n", b"\\", b"\t"])
            )  # fmt: skip
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return suffix, bytes(data)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=mutated(), other_suffix=st.booleans())
def test_mutated_real_files(folder: Path, case: tuple[str, bytes], other_suffix: bool) -> None:
    suffix, data = case
    path = folder / f"mutated{'.csv' if other_suffix else suffix}"
    path.write_bytes(data)
    read_everything(path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.sampled_from([*'abcÄöüßçéñşİ€ ,;\t|"\r\n=:@.', "\x00", "\ufeff"]),
        max_size=400,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "utf-16-be"]),
)
def test_random_text_tables(folder: Path, text: str, encoding: str) -> None:
    path = folder / "text.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    read_everything(path)


def test_seeds_themselves_read(tmp_path: Path) -> None:
    for i, (suffix, data) in enumerate(SEEDS):
        path = tmp_path / f"seed{i}{suffix}"
        path.write_bytes(data)
        assert read_everything(path) > 0, suffix


def test_unclosed_quote_gives_a_clear_error_or_rows(tmp_path: Path) -> None:
    out = io.StringIO()
    out.write("Name,Notes\r\n")
    out.write('Jürgen,"never closed\r\n')
    for i in range(20000):
        out.write(f"Person {i},{'x' * 10}\r\n")
    path = tmp_path / "open-quote.csv"
    path.write_bytes(out.getvalue().encode())
    table = open_table(path)
    stream = table.rows()
    rows = list(stream)
    assert rows[0][1][0] == "Jürgen"  # the rest of the file is in his notes, and the report
    assert any("quote left open" in text for _n, text in take_warnings(stream))


# --- inputs the fuzzing found ------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["undefined", "zlib", "utf\x00", "rot13", "x-unknown", ""])
def test_vcard_with_a_charset_that_is_no_text_encoding(tmp_path: Path, charset: str) -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        f"N;CHARSET={charset};ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;;\r\n"
        "END:VCARD\r\n"
    )
    path = tmp_path / "x.vcf"
    path.write_bytes(card.encode("latin-1"))
    [(_n, cells)] = list(open_table(path).rows())
    assert "Öztürk" in cells and "Ayşe" in cells


def test_zip_with_an_unsupported_version(tmp_path: Path) -> None:
    data = bytearray(_workbook_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (250).to_bytes(2, "little")
    path = tmp_path / "x.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match="damaged"):
        open_table(path)


@pytest.mark.parametrize("encoding", ["rot13", "zlib", "undefined", "utf\x00"])
def test_encoding_override_that_is_no_text_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"Name\r\nJ\r\n")
    with pytest.raises(ImportFileError, match="unknown text encoding"):
        open_table(path, encoding=encoding)
