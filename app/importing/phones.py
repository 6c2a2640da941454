"""Phone numbers of an import, stored exactly as :func:`app.contacts.normalize_phone` stores
them — only quicker for the common case, a number already written with its country code
("+49 511 1234567").

``phonenumbers.parse`` spends most of its time on what such a number does not have (RFC 3966
context, extensions, letters, international dialling prefixes, a default region). For a plus
sign and digits (single spaces between them) the quick path takes the same steps as
``parse`` — country code, national prefix, the length checks, leading zeros — with
phonenumbers' own helpers and metadata, then asks ``is_possible_number`` and
``format_number`` as ``normalize_phone`` does. Anything else, or any doubt (too short, too
long, no country code), goes the full way. A test compares both ways on random numbers of
every country code. Results are cached: lists repeat numbers (a company's switchboard).

A row's number is normalised twice: once as the row is read (:func:`national_phone`, the row's
country), then again as the phone field is cleaned (``app.fields``, :func:`import_phone` on the
first result). The second time is skipped for a result known to come back unchanged
(:func:`_settle`: the parse of the printed number would find the same number), else it is
worked out as before: a few printed numbers do change (a Belarusian "+375 882 888 2143" read
again loses its "8" as a national prefix).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import phonenumberutil

from app.contacts import normalize_phone

# what phonenumbers.parse accepts without a default region or an error (see _quick)
_MAX_INPUT = 250
_MIN_NSN = 2
_MAX_NSN = 17
_PLAIN_INTERNATIONAL = re.compile(r"\+([1-9][0-9 ]*[0-9])")
# a printed international number: "+", digits, single spaces or dashes between them (the
# North American plan prints "+1 312-593-1411"); parse() reads dashes as it reads spaces
_PRINTED_INTERNATIONAL = re.compile(r"\+([1-9](?:[ -]?[0-9])*)")

# phonenumbers' own steps of parse(); when a version lacks one, every number goes the full way
_strip_national_prefix: Callable[..., tuple[str, str, bool]] | None = getattr(
    phonenumberutil, "_maybe_strip_national_prefix_carrier_code", None
)
_test_number_length: Callable[..., Any] | None = getattr(
    phonenumberutil, "_test_number_length", None
)
_validation = getattr(phonenumberutil, "ValidationResult", None)
_KEEP_PREFIX = (
    (_validation.TOO_SHORT, _validation.IS_POSSIBLE_LOCAL_ONLY, _validation.INVALID_LENGTH)
    if _validation is not None
    else ()
)
_POSSIBLE = (
    (_validation.IS_POSSIBLE, _validation.IS_POSSIBLE_LOCAL_ONLY) if _validation is not None else ()
)
QUICK_PATH = (
    _strip_national_prefix is not None and _test_number_length is not None and bool(_KEEP_PREFIX)
)


def import_phone(text: str) -> str:
    """``normalize_phone(text)``: international format, or the text as typed."""
    if text in _SETTLED:
        return text
    return _import_phone(text)


@lru_cache(maxsize=4096)
def _import_phone(text: str) -> str:
    quick = _quick(text) if QUICK_PATH else None
    return quick if quick is not None else normalize_phone(text)


# printed numbers that import_phone gives back unchanged (see _settle); a few thousand are
# enough: a row's number is looked up again a moment after it was printed
_SETTLED: dict[str, None] = {}
_SETTLED_MAX = 8192


def _settle(
    printed: str,
    number: phonenumbers.PhoneNumber,
    metadata: Any,
    built_from: str | None = None,
    prefix_checked: bool = False,
) -> str:
    """``printed`` (``format_number(number, INTERNATIONAL)``), remembered as a fixed point of
    :func:`import_phone` when it would read it back as ``number`` itself: "+", the country
    code and the national significant number with single spaces or dashes (``parse`` drops
    both alike; the quick path takes its steps), and no national prefix for it to strip from
    that number (or one it would keep). Numbers of the North American plan print with dashes
    ("+1 312-593-1411"): without them each was parsed again in full (~150 µs).

    ``built_from``: the national significant number :func:`_quick` made ``number`` of (its
    country code the shortest prefix of the digits that is one, its leading zeros set as
    the quick path sets them): what is checked below of those holds by construction.
    ``prefix_checked``: the quick path tried to strip a national prefix from ``built_from``
    itself and kept it whole (found none, or one it keeps): the same check here would find
    the same."""
    if not QUICK_PATH or number.extension or len(printed) > _MAX_INPUT:
        return printed
    if built_from is not None:
        if number.country_code is None:
            return printed
        return _settle_built(printed, number.country_code, built_from, metadata, prefix_checked)
    plain = _PRINTED_INTERNATIONAL.fullmatch(printed)
    if plain is None:
        return printed
    national = phonenumbers.national_significant_number(number)
    code = str(number.country_code)
    digits = plain.group(1).replace(" ", "").replace("-", "")
    if digits != code + national or not national.isdigit():
        return printed
    if not _MIN_NSN <= len(national) <= _MAX_NSN or len(code + national) <= _MIN_NSN:
        return printed
    # the quick path finds the same country code: calling codes are prefix-free, and the
    # number's own code is among them
    if _shortest_code(code + national) != number.country_code:
        return printed
    assert _strip_national_prefix is not None and _test_number_length is not None
    _carrier, stripped, _found = _strip_national_prefix(national, metadata)
    if stripped != national and _test_number_length(stripped, metadata) not in _KEEP_PREFIX:
        return printed  # read again, it would lose what looks like a national prefix
    if _leading_zeros(national) != (
        bool(number.italian_leading_zero),
        int(number.number_of_leading_zeros or 1),
    ):
        return printed
    return _remember(printed)


def _settle_built(
    printed: str, code: int, national: str, metadata: Any, prefix_checked: bool
) -> str:
    """:func:`_settle` of a number without an extension that :func:`_quick` built from the
    national significant number ``national`` (``built_from``), of calling code ``code``:
    the checks that hold by construction are left out."""
    if len(printed) > _MAX_INPUT:
        return printed
    plain = _PRINTED_INTERNATIONAL.fullmatch(printed)
    if plain is None:
        return printed
    text_code = str(code)
    digits = plain.group(1).replace(" ", "").replace("-", "")
    if digits != text_code + national or not national.isdigit():
        return printed
    if not _MIN_NSN <= len(national) <= _MAX_NSN or len(text_code + national) <= _MIN_NSN:
        return printed
    if not prefix_checked:
        assert _strip_national_prefix is not None and _test_number_length is not None
        _carrier, stripped, _found = _strip_national_prefix(national, metadata)
        if stripped != national and _test_number_length(stripped, metadata) not in _KEEP_PREFIX:
            return printed  # read again, it would lose what looks like a national prefix
    return _remember(printed)


def _remember(printed: str) -> str:
    if len(_SETTLED) >= _SETTLED_MAX:
        _SETTLED.clear()
    _SETTLED[printed] = None
    return printed


def settled(text: str) -> bool:
    """Whether ``text`` is a printed number :func:`import_phone` gives back unchanged (one
    it printed a moment ago and found to be so, see :func:`_settle`)."""
    return text in _SETTLED


def _shortest_code(digits: str) -> int | None:
    for size in (1, 2, 3):  # parse(): the shortest prefix that is a country calling code
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def _leading_zeros(national: str) -> tuple[bool, int]:
    """(italian_leading_zero, number_of_leading_zeros) as the quick path sets them."""
    if len(national) > 1 and national[0] == "0":
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        return True, zeros
    return False, 1


def _quick(text: str) -> str | None:
    """``normalize_phone(text)`` for "+" and digits; None when the full parse must decide."""
    plain = _PLAIN_INTERNATIONAL.fullmatch(text)
    if plain is None or len(text) > _MAX_INPUT:
        return None
    digits = plain.group(1).replace(" ", "")
    if len(digits) <= _MIN_NSN:
        return None
    for size in (1, 2, 3):  # parse(): the shortest prefix that is a country calling code
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            break
    else:
        return None
    if len(national) < _MIN_NSN:
        return None
    known = _CALLING_CODES.get(code)
    if known is None:
        known = _calling_code(code)
        if known is None:
            return None
    metadata, prefix, lengths = known
    assert _strip_national_prefix is not None and _test_number_length is not None
    if prefix is not None and prefix.match(national):
        _carrier, stripped, _found = _strip_national_prefix(national, metadata)
    else:
        stripped = national  # what it gives when its pattern does not match at the start
    # the length check of is_possible_number below (phonenumbers: _test_number_length of the
    # national significant number, which is ``national``, with this same metadata), taken
    # from here when nothing is stripped (most numbers: no national prefix after the code)
    length = None
    prefix_checked = True  # _settle's check of a national prefix holds: nothing was stripped
    if stripped == national:
        length = lengths.get(len(national))
        if length is None:
            length = lengths[len(national)] = _test_number_length(national, metadata)
    # parse() keeps the prefix when what is left would be too short for the region
    elif _test_number_length(stripped, metadata) not in _KEEP_PREFIX:
        national = stripped
        prefix_checked = False  # read again, the number might lose another one
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    if length is None:
        length = _test_number_length(national, metadata)
    if length not in _POSSIBLE:  # phonenumbers.is_possible_number(number)
        return text
    if national.strip("0"):
        # international() of the number parse() makes (no extension, a national number
        # other than 0, a known calling code), without making it: what it prints depends
        # on the code and the national significant number alone
        printed = f"+{code} {_national_printed(national, metadata)}"
        return _settle_built(printed, code, national, metadata, prefix_checked)
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1:  # Italian leading zeros, as parse() sets them
        number.italian_leading_zero = True
        zeros = 1
        while zeros < len(national) - 1 and national[zeros] == "0":
            zeros += 1
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    printed = international(number, metadata, national)
    return _settle(printed, number, metadata, national, prefix_checked)


# calling code -> (its metadata as phonenumbers looks it up — metadata_for_region_or_calling_code
# of the code's main region, the same object each time once loaded —, its national prefix for
# parsing compiled as _maybe_strip_national_prefix_carrier_code compiles it (None when it has
# none), the result of _test_number_length(national, metadata) by the length of ``national``:
# with phonenumbers' default type (UNKNOWN) the general description's lengths decide alone)
_CALLING_CODES: dict[int, tuple[Any, re.Pattern[str] | None, dict[int, Any]]] = {}


def _calling_code(code: int) -> tuple[Any, re.Pattern[str] | None, dict[int, Any]] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code)
    )
    if metadata is None:
        return None
    text = metadata.national_prefix_for_parsing
    known: tuple[Any, re.Pattern[str] | None, dict[int, Any]] = (
        metadata,
        re.compile(text) if text else None,
        {},
    )
    _CALLING_CODES[code] = known
    return known


# --- printing -----------------------------------------------------------------------------------

# a metadata's formats for INTERNATIONAL, compiled: id(metadata) -> (metadata, formats), each
# format (its last leading-digits pattern or None, its pattern, its rule for Pattern.sub)
_Rule = str | Callable[[re.Match[str]], str]
_FORMATS: dict[int, tuple[Any, list[tuple[re.Pattern[str] | None, re.Pattern[str], _Rule]]]] = {}
# a format rule of literal text and group references \1-\9 (phonenumbers' $1-$9): sub() with a
# function that fills them in is ~3 times quicker than with the rule's text, which the re
# module reads as a template for every call
_PLAIN_RULE = re.compile(r"(?:[^\\{}]|\\[1-9](?![0-9]))*")
_GROUP_REFERENCE = re.compile(r"\\([1-9])")


def international(
    number: phonenumbers.PhoneNumber, metadata: Any, national: str | None = None
) -> str:
    """``format_number(number, INTERNATIONAL)`` for ``number`` of the calling code whose
    ``metadata`` is given (as :func:`_quick` and :func:`_national` look it up) — the same
    steps (``_format_nsn``: the first of the metadata's international formats, else its
    national ones, whose last leading-digits pattern matches the start of the national
    significant number and whose pattern matches all of it; its rule substituted), with the
    patterns compiled once per metadata instead of looked up by their text for each format
    tried (8 µs a number, 2 µs so). A number with an extension, a national number of 0 or a
    calling code phonenumbers does not know goes through ``format_number`` itself. A test
    compares both on numbers of every calling code. ``national``: the number's national
    significant number, when the caller has it."""
    code = number.country_code
    if (
        number.extension
        or not number.national_number
        or code not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if national is None:
        national = phonenumbers.national_significant_number(number)
    return f"+{code} {_national_printed(national, metadata)}"


def _national_printed(national: str, metadata: Any) -> str:
    """The national significant number as :func:`international` prints it after the code."""
    for leading, pattern, rule in _formats(metadata):
        if (leading is None or leading.match(national)) and pattern.fullmatch(national):
            return pattern.sub(rule, national)
    return national


def _formats(metadata: Any) -> list[tuple[re.Pattern[str] | None, re.Pattern[str], _Rule]]:
    known = _FORMATS.get(id(metadata))
    if known is not None and known[0] is metadata:
        return known[1]
    available = metadata.intl_number_format or metadata.number_format
    formats: list[tuple[re.Pattern[str] | None, re.Pattern[str], _Rule]] = []
    for f in available:
        pattern = re.compile(f.pattern)
        leading = re.compile(f.leading_digits_pattern[-1]) if f.leading_digits_pattern else None
        formats.append((leading, pattern, _filler(f.format, pattern.groups)))
    _FORMATS[id(metadata)] = (metadata, formats)
    return formats


def _filler(rule: str, groups: int) -> _Rule:
    """What ``pattern.sub(rule, …)`` puts for each match, as a function of the match: the
    rule's text with its group references filled in (an unmatched group as "", as the
    template does); the rule itself when it holds anything else (escapes, \\g<…>, braces)."""
    if _PLAIN_RULE.fullmatch(rule) is None:
        return rule
    numbers = [int(n) for n in _GROUP_REFERENCE.findall(rule)]
    if any(n > groups for n in numbers):
        return rule  # an invalid reference: the template's error
    fill = _GROUP_REFERENCE.sub(lambda m: f"{{{int(m.group(1)) - 1}}}", rule).format

    def filled(match: re.Match[str]) -> str:
        return fill(*match.groups(""))

    return filled


# --- national numbers -------------------------------------------------------------------------


def national_phone(text: str, region: str | None) -> str:
    """A phone number in international format, reading a national number ("0511 123456") as
    one of ``region`` (ISO 3166 code: "DE"); the text as written when it cannot be parsed."""
    text = " ".join(text.split())
    done = import_phone(text)
    if region is None or done.startswith("+") or not text:
        return done
    return _national(text, region)


@lru_cache(maxsize=4096)
def _national(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    if not phonenumbers.is_valid_number(number):
        # a national number that is no number of the region (a Japanese "03-1234-5678" in a
        # file read with the default region US, a US "555 0100" with its area code left out):
        # a country code put before it would make it wrong, not international
        return text
    code = number.country_code
    metadata = (
        None
        if code is None
        else phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            code, phonenumbers.region_code_for_country_code(code)
        )
    )
    if metadata is None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return _settle(international(number, metadata), number, metadata)


_COUNTRY_NAMES: dict[str, str] | None = None


def _country_table() -> dict[str, str]:
    """Country name in any language phonenumbers knows (and the ISO code) -> region code."""
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        from app.importing.headers import normalize_header

        table: dict[str, str] = {}
        for region, names in _locale_data().items():
            if region not in phonenumbers.SUPPORTED_REGIONS:
                continue
            table.setdefault(region.casefold(), region)
            for name in names.values():
                if not name.startswith("*"):
                    table.setdefault(normalize_header(name), region)
        for alias, region in _ALIASES.items():
            table[normalize_header(alias)] = region
        _COUNTRY_NAMES = table
    return _COUNTRY_NAMES


def _locale_data() -> dict[str, dict[str, str]]:
    """phonenumbers' country names (``phonenumbers.geodata.locale.LOCALE_DATA``), read from
    their own file: importing that module first imports the package ``phonenumbers.geodata``,
    the geocoder's place names — 96 MB of memory an import never uses (a third of its
    300 MB bound). Imported the ordinary way when the file is not where it was."""
    import importlib.util
    from pathlib import Path

    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if path.is_file() and spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "phonenumbers.geodata"  # its "from ..util import u"
        spec.loader.exec_module(module)
        data = getattr(module, "LOCALE_DATA", None)
        if isinstance(data, dict):
            return data
    from phonenumbers.geodata.locale import LOCALE_DATA

    return dict(LOCALE_DATA)


# names exports use that the table spells otherwise
_ALIASES = {
    "USA": "US", "U.S.A.": "US", "United States of America": "US", "America": "US",
    "UK": "GB", "U.K.": "GB", "England": "GB", "Great Britain": "GB", "Britain": "GB",
    "Scotland": "GB", "Wales": "GB", "Holland": "NL", "The Netherlands": "NL",
    "Deutschland (DE)": "DE", "BRD": "DE", "Schweiz": "CH", "Suisse": "CH", "Svizzera": "CH",
    "Österreich": "AT", "Czech Republic": "CZ", "Korea": "KR", "South Korea": "KR",
    "Russia": "RU", "Türkiye": "TR", "Turkey": "TR", "UAE": "AE",
}  # fmt: skip


def phone_region(country: str | None) -> str | None:
    """The region code of a country as a row writes it ("Deutschland", "France", "DE")."""
    if not country:
        return None
    return _phone_region(country)


@lru_cache(maxsize=4096)
def _phone_region(country: str) -> str | None:
    from app.importing.headers import normalize_header

    text = country.strip()
    if len(text) == 2 and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return text.upper()
    return _country_table().get(normalize_header(text))


def locale_region() -> str | None:
    """The region of the system locale ("de_DE" -> "DE"), the default for national numbers
    until Settings says otherwise."""
    import locale

    for getter in (lambda: locale.getlocale()[0], lambda: locale.setlocale(locale.LC_CTYPE)):
        try:
            name = getter()
        except (ValueError, locale.Error):
            continue
        if name and "_" in name:
            region = name.split("_", 1)[1][:2].upper()
            if region in phonenumbers.SUPPORTED_REGIONS:
                return region
    return None
