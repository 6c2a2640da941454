"""The import's quick way to international phone numbers gives what normalize_phone gives."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.contacts import normalize_phone
from app.importing import phones
from app.importing.phones import import_phone

_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@st.composite
def _international(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(_CODES) | st.integers(1, 999))
    national = draw(st.text(alphabet="0123456789", min_size=0, max_size=19))
    digits = f"{code}{national}"
    cuts = draw(st.lists(st.integers(1, max(1, len(digits) - 1)), max_size=4))
    for cut in sorted(set(cuts), reverse=True):
        if 0 < cut < len(digits):
            digits = digits[:cut] + " " + digits[cut:]
    return "+" + digits


@settings(max_examples=1500, deadline=None)
@given(text=_international())
def test_the_quick_path_agrees_with_phonenumbers(text: str) -> None:
    quick = phones._quick(text)
    expected = normalize_phone(text)
    if quick is not None:
        assert quick == expected
    assert import_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "+49 511 1234567", "+49 0511 1234567", "+39 06 1234 5678", "+39 0612345678",
        "+44 20 7946 0018", "+44 020 7946 0018", "+1 312 8991880", "+1 800 555 0199",
        "+33 4 72 00 00 00", "+7 495 123 45 67", "+800 1234 5678", "+882 1234 5678",
        "+90 212 9777524", "+30 210 8872412", "+34 93 7206817", "+46 31 3250648",
        "+351 21 000 0000", "+49 511", "+49 5", "+4", "+999 123 456", "+1", "+12",
        "+49 1234567890123456789", "+0049 511 1234567", "+49  511 1234567", "+49-511-1234567",
        "0511 1234567", "+49 511 1234567 ext. 12", "++49 511 1234567", " +49 511 1234567 ",
    ],
)  # fmt: skip
def test_examples_agree_with_normalize_phone(text: str) -> None:
    assert import_phone(text) == normalize_phone(text)
    quick = phones._quick(text)
    assert quick is None or quick == normalize_phone(text)


def test_numbers_with_a_country_code_take_the_quick_path() -> None:
    assert phones.QUICK_PATH
    for text in ("+49 511 1234567", "+34 93 7206817", "+1 312 8991880", "+39 06 1234 5678"):
        assert phones._quick(text) == normalize_phone(text)


# --- the second look at a row's number is skipped only when it changes nothing ----------------

_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _unshortcut(text: str) -> str:
    """import_phone as it works out a number (no remembered fixed points)."""
    quick = phones._quick(text)
    return quick if quick is not None else normalize_phone(text)


@settings(max_examples=1500, deadline=None)
@given(
    text=_international()
    | st.builds(
        lambda lead, digits: lead + digits,
        st.sampled_from(["", "0", "00", "8 ", "(0) ", "1"]),
        st.text(alphabet="0123456789", min_size=1, max_size=14),
    ),
    region=st.sampled_from([None, *_REGIONS]),
)
def test_a_settled_number_is_what_a_second_look_gives(text: str, region: str | None) -> None:
    """The phone field cleans the row's number again (import_phone on national_phone's
    result); a result remembered as settled must be exactly what that second look gives."""
    phones._SETTLED.clear()
    phones._import_phone.cache_clear()
    phones._national.cache_clear()
    once = phones.national_phone(text, region)
    again = _unshortcut(" ".join(once.split()))
    if once in phones._SETTLED:
        assert again == once
    assert import_phone(" ".join(once.split())) == again


@pytest.mark.parametrize(
    ("text", "region", "settled"),
    [
        ("0511 1234567", "DE", True),
        ("+49 511 1234567", None, True),
        ("01 23 45 67 89", "FR", True),
        # printed with dashes ("+1 312-593-1411"): parse() reads them as spaces
        ("+1 312 5931411", None, True),
        ("(312) 593-1411", "US", True),
        # read again, the "8" looks like Belarus's national prefix: worked out again
        ("08828882143", "BY", False),
    ],
)
def test_settled_numbers(text: str, region: str | None, settled: bool) -> None:
    phones._SETTLED.clear()
    phones._import_phone.cache_clear()
    phones._national.cache_clear()
    once = phones.national_phone(text, region)
    assert (once in phones._SETTLED) is settled
    assert import_phone(once) == _unshortcut(once)


def test_country_names_are_phonenumbers_own_without_the_geocoder() -> None:
    """The country table reads phonenumbers' locale file by itself (the geocoder's 96 MB of
    place names stay unloaded) and holds exactly its names."""
    import sys

    from phonenumbers.geodata.locale import LOCALE_DATA

    assert phones._locale_data() == LOCALE_DATA
    assert phones.phone_region("Deutschland") == "DE"
    assert phones.phone_region("Frankreich") == "FR"
    code = (
        "import sys; from app.importing import phones; phones._country_table(); "
        "print('phonenumbers.geodata' in sys.modules)"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- printing: phones.international is format_number(INTERNATIONAL) ------------------------------


@st.composite
def _numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    code = draw(st.sampled_from(_CODES) | st.integers(0, 999))
    national = draw(st.text(alphabet="0123456789", min_size=1, max_size=17))
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    zeros = len(national) - len(national.lstrip("0"))
    if zeros and draw(st.booleans()):
        number.italian_leading_zero = True
        if zeros > 1:
            number.number_of_leading_zeros = zeros
    if draw(st.integers(0, 9)) == 0:
        number.extension = draw(st.text(alphabet="0123456789", min_size=1, max_size=5))
    return number


def _metadata(code: int | None) -> object:
    region = phonenumbers.region_code_for_country_code(code or 0)
    return phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code or 0, region)


@settings(max_examples=3000, deadline=None)
@given(number=_numbers())
def test_international_is_format_number(number: phonenumbers.PhoneNumber) -> None:
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert phones.international(number, _metadata(number.country_code)) == expected


def test_international_prints_every_regions_examples_as_format_number() -> None:
    """Every format of every region is tried on its own example numbers (each kind)."""
    kinds = [getattr(phonenumbers.PhoneNumberType, k) for k in (
        "FIXED_LINE", "MOBILE", "TOLL_FREE", "PREMIUM_RATE", "VOIP", "PAGER", "UAN",
        "PERSONAL_NUMBER", "SHARED_COST", "VOICEMAIL",
    )]  # fmt: skip
    seen = 0
    for region in [*phonenumbers.SUPPORTED_REGIONS, "001"]:
        codes = (
            phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
            if region == "001"
            else [phonenumbers.country_code_for_region(region)]
        )
        for code in codes:
            for kind in kinds:
                if region == "001":
                    number = phonenumbers.example_number_for_non_geo_entity(code)
                else:
                    number = phonenumbers.example_number_for_type(region, kind)
                if number is None:
                    continue
                seen += 1
                expected = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                )
                assert phones.international(number, _metadata(number.country_code)) == expected
    assert seen > 1000
