"""LDIF address books (RFC 2849): what Thunderbird, Apple Contacts, Outlook Express and other
mail clients export as ``.ldif``.

The ``ldif`` package (maintained, pure Python) splits the file into entries, unfolds lines,
skips comments and handles ``dn``/``version``; each attribute line is decoded here (so a
damaged line costs only itself, and no ``:<`` URL is ever fetched). Each entry becomes a
:class:`~app.importing.cards.Card`, laid out like a vCard (one row per entry, row number =
entry number). Attribute names are the ones those programs write (``givenName``, ``sn``,
``mail``, ``mozillaSecondEmail``, ``mozillaHomeStreet`` …); any other attribute is kept as a
labelled extra value, a photo or certificate is named in a warning. Memory stays bounded: a
line or value over 1 MB is cut (with a warning), an entry over 10,000 lines is cut.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import ldif

from app.importing.cards import Card, Point, PostalAddress, card_cells
from app.importing.encoding import FALLBACK_ERRORS
from app.importing.errors import ImportFileError
from app.importing.limits import LINE_LIMIT, VALUE_LIMIT, cut_note
from app.importing.rowstream import Row, WarningSink

logging.getLogger("ldif").setLevel(logging.ERROR)  # its notes on odd DNs are not for users

_MAX_ENTRY_LINES = 10_000
_UNREADABLE = "\x00unreadable"
_LDIF_START = re.compile(r"^(dn|version)\s*::?", re.IGNORECASE)

# attribute (lower case) -> what it is
_NAMES = {"cn": "full_name", "commonname": "full_name", "displayname": "display_name",
          "givenname": "first", "gn": "first", "sn": "last", "surname": "last",
          "mozillanickname": "nickname", "xmozillanickname": "nickname", "nickname": "nickname"}  # fmt: skip
_EMAILS = {"mail": ("", 1), "mozillasecondemail": ("other", 100),
           "xmozillasecondemail": ("other", 100), "othermailbox": ("other", 100),
           "email": ("", 100), "rfc822mailbox": ("", 100)}  # fmt: skip
_PHONES = {"telephonenumber": "work", "workphone": "work", "homephone": "home",
           "hometelephonenumber": "home", "mobile": "mobile", "cellphone": "mobile",
           "mobiletelephonenumber": "mobile", "facsimiletelephonenumber": "fax",
           "fax": "fax", "facsimile": "fax", "homefax": "home fax", "pager": "pager",
           "pagerphone": "pager", "pagertelephonenumber": "pager",
           "othertelephone": "other", "ipphone": "IP phone"}  # fmt: skip
_ORGS = {"o": "company", "company": "company", "organizationname": "company",
         "ou": "department", "department": "department", "orgunit": "department",
         "organizationalunitname": "department"}  # fmt: skip
# (kind, part) of postal address attributes
_ADDRESS = {
    "street": ("work", "street"), "streetaddress": ("work", "street"),
    "postaladdress": ("work", "street"), "mozillaworkstreet2": ("work", "street2"),
    "mozillapostaladdress2": ("work", "street2"), "l": ("work", "city"),
    "locality": ("work", "city"), "localityname": ("work", "city"), "st": ("work", "region"),
    "stateorprovincename": ("work", "region"), "postalcode": ("work", "postcode"),
    "c": ("work", "country"), "co": ("work", "country"), "countryname": ("work", "country"),
    "friendlycountryname": ("work", "country"), "postofficebox": ("work", "po_box"),
    "homepostaladdress": ("home", "street"), "mozillahomestreet": ("home", "street"),
    "homestreet": ("home", "street"), "mozillahomepostaladdress2": ("home", "street2"),
    "mozillahomestreet2": ("home", "street2"), "mozillahomelocalityname": ("home", "city"),
    "homelocalityname": ("home", "city"), "homecity": ("home", "city"),
    "mozillahomestate": ("home", "region"), "homestate": ("home", "region"),
    "mozillahomepostalcode": ("home", "postcode"), "homepostalcode": ("home", "postcode"),
    "mozillahomecountryname": ("home", "country"), "homecountryname": ("home", "country"),
}  # fmt: skip
_URLS = {"mozillaworkurl": "work", "workurl": "work", "mozillahomeurl": "home",
         "homeurl": "home", "labeleduri": "", "url": "", "wwwhomepage": ""}  # fmt: skip
_TITLES = {"title": "title", "role": "role", "businesscategory": "role"}
_NOTES = {"description", "note", "notes", "comment"}
_BINARY = {"jpegphoto", "photo", "thumbnailphoto", "usercertificate", "usersmimecertificate",
           "usercertificate;binary", "usersmimecertificate;binary", "audio"}  # fmt: skip
_TECHNICAL = {"objectclass", "modifytimestamp", "createtimestamp", "mozillausehtmlmail",
              "xmozillausehtmlmail", "changetype", "entryuuid", "entrycsn", "creatorsname",
              "modifiersname", "structuralobjectclass", "subschemasubentry",
              "hassubordinates", "uid", "xmozillaanyemail"}  # fmt: skip
_LABELS = {"nsaimid": "IM (AIM)", "mozillaaimscreenname": "IM (AIM)",
           "nsicqid": "IM (ICQ)", "nsmsnid": "IM (MSN)", "nsyahooid": "IM (Yahoo)",
           "mozillajabberid": "IM (Jabber)", "mozillaskypeid": "IM (Skype)",
           "mozillacustom1": "Custom 1", "mozillacustom2": "Custom 2",
           "mozillacustom3": "Custom 3", "mozillacustom4": "Custom 4",
           "custom1": "Custom 1", "custom2": "Custom 2", "custom3": "Custom 3",
           "custom4": "Custom 4", "initials": "Initials", "secretary": "Related (assistant)",
           "manager": "Related (manager)", "spouse": "Related (spouse)",
           "anniversary": "Anniversary", "employeenumber": "Employee number",
           "carlicense": "Car licence", "preferredlanguage": "Language",
           "roomnumber": "Room", "physicaldeliveryofficename": "Office",
           "mozillahomeurl2": "Website (home)"}  # fmt: skip


def looks_like_ldif(text: str) -> bool:
    """The first line that is not a comment or blank is ``dn:`` or ``version:``."""
    for line in text.lstrip("\ufeff").splitlines()[:50]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return _LDIF_START.match(stripped) is not None
    return False


class _BoundedInput:
    """``readline`` for the parser with the bounds of :mod:`app.importing.limits`: a line or a
    folded value over the limit and an entry over ``_MAX_ENTRY_LINES`` lines are replaced by
    comment lines (which the parser skips) and counted in ``cuts``."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.cuts = 0
        self._folded = 0
        self._entry_lines = 0

    def readline(self) -> bytes:
        line = self.raw.readline(LINE_LIMIT)
        if len(line) >= LINE_LIMIT and not line.endswith(b"\n"):
            while True:  # drop the rest of a line that is too long
                rest = self.raw.readline(LINE_LIMIT)
                if not rest or rest.endswith(b"\n") or len(rest) < LINE_LIMIT:
                    break
            line = line[:VALUE_LIMIT] + b"\n"
            self.cuts += 1
        if not line.strip(b"\r\n"):
            self._entry_lines = 0
            self._folded = 0
            return line
        self._entry_lines += 1
        if self._entry_lines > _MAX_ENTRY_LINES:
            if self._entry_lines == _MAX_ENTRY_LINES + 1:
                self.cuts += 1
            return b"#\n"
        if line[:1] == b" ":
            self._folded += len(line)
            if self._folded > VALUE_LIMIT:
                if self._folded - len(line) <= VALUE_LIMIT:
                    self.cuts += 1
                return b"#\n"
        else:
            self._folded = len(line)
        return line


class _Parser(ldif.LDIFParser):  # type: ignore[misc]
    """The package's parser with each attribute line decoded here: never raises on a line,
    never fetches a URL."""

    def __init__(self, stream: _BoundedInput, encoding: str) -> None:
        super().__init__(stream, encoding=None, strict=False)
        self.text_encoding = encoding

    def _parse_attr(self, line: bytes) -> tuple[str, object]:
        colon = line.find(b":")
        if colon <= 0:
            return _UNREADABLE, line[:80].decode("utf-8", "replace")
        attr_type = line[:colon].decode("ascii", "replace").strip()
        rest = line[colon + 1 :]
        if rest.startswith(b":"):
            data = rest[1:].strip()
            try:
                decoded = base64.b64decode(data[: len(data) - len(data) % 4])
            except (binascii.Error, ValueError):
                return _UNREADABLE, line[:80].decode("utf-8", "replace")
            if attr_type.lower() in _BINARY:
                return attr_type, decoded
            return attr_type, decoded.decode("utf-8", FALLBACK_ERRORS)
        if rest.startswith(b"<"):
            return attr_type, rest[1:].strip().decode("utf-8", FALLBACK_ERRORS)
        errors = FALLBACK_ERRORS if self.text_encoding.startswith("utf") else "replace"
        try:
            return attr_type, rest.strip().decode(self.text_encoding, errors)
        except (LookupError, UnicodeError):
            return attr_type, rest.strip().decode("utf-8", FALLBACK_ERRORS)


def entry_card(dn: str | None, entry: dict[str, list[object]]) -> Card | str:
    """An LDIF entry as a card, or why it is no contact (a mailing list)."""
    card = Card()
    lowered: dict[str, list[object]] = {}
    for key, values in entry.items():
        lowered.setdefault(key.lower(), []).extend(values)
    classes = {str(v).lower() for v in lowered.get("objectclass", [])}
    if classes & {"groupofnames", "groupofuniquenames", "mozillaablist"}:
        members = len(lowered.get("member", [])) + len(lowered.get("uniquemember", []))
        name = str((lowered.get("cn") or [dn or ""])[0])
        return f"mailing list {name!r} ({members} members) is not imported as a contact"
    addresses: dict[str, dict[str, list[str]]] = {}
    birthday: dict[str, str] = {}
    org: dict[str, list[str]] = {"company": [], "department": []}
    for key, values in entry.items():
        low = key.lower()
        texts = [v for v in values if isinstance(v, str)]
        if low in _BINARY or any(isinstance(v, bytes) for v in values):
            card.warnings.append(f"{key} not imported (Winnow keeps no pictures or files)")
            continue
        if low == _UNREADABLE:
            card.warnings.extend(f"unreadable line not imported: {t!r}" for t in texts)
            continue
        texts = [t.replace("\x00", "").strip() for t in texts]
        texts = [t for t in texts if t]
        if not texts or low in _TECHNICAL or low in ("member", "uniquemember"):
            continue
        if low in _NAMES:
            role = _NAMES[low]
            if role == "nickname":
                card.nicknames.extend(texts)
            elif role in ("full_name", "display_name"):
                for text in texts:
                    if not card.full_name:
                        card.full_name = text
                    elif text.casefold() != card.full_name.casefold():
                        card.add_more("Other name", text)
            else:
                current = getattr(card, role)
                setattr(card, role, current or texts[0])
                for text in texts[0 if current else 1 :]:
                    card.add_more("Other name", text)
        elif low in _EMAILS:
            kind, rank = _EMAILS[low]
            card.emails.extend(Point(t, kind, rank if i == 0 else 100) for i, t in enumerate(texts))
        elif low in _PHONES:
            card.phones.extend(Point(t, _PHONES[low]) for t in texts)
        elif low in _ORGS:
            org[_ORGS[low]].extend(texts)
        elif low in _TITLES:
            (card.titles if _TITLES[low] == "title" else card.roles).extend(texts)
        elif low in _ADDRESS:
            kind, part = _ADDRESS[low]
            lines = [t.replace("$", "\n") if part.startswith("street") else t for t in texts]
            addresses.setdefault(kind, {}).setdefault(part, []).extend(lines)
        elif low in _URLS:
            card.urls.extend(Point(t, _URLS[low]) for t in texts)
        elif low in ("birthyear", "birthmonth", "birthday", "birthdate", "dateofbirth"):
            birthday[low] = texts[0]
        elif low in _NOTES:
            card.notes.extend(texts)
        else:
            label = _LABELS.get(low, key)
            for text in texts:
                card.add_more(label, text)
    companies, departments = org["company"], org["department"]
    for i in range(max(len(companies), len(departments))):
        company = companies[i] if i < len(companies) else ""
        department = departments[i] if i < len(departments) else ""
        card.organisations.append((company, department))
    for kind, parts in addresses.items():
        street = "\n".join([*parts.get("street", []), *parts.get("street2", [])])
        card.addresses.append(
            PostalAddress(
                po_box=", ".join(parts.get("po_box", [])),
                street=", ".join(line.strip() for line in street.split("\n") if line.strip()),
                city=", ".join(parts.get("city", [])),
                region=", ".join(parts.get("region", [])),
                postcode=", ".join(parts.get("postcode", [])),
                country=", ".join(parts.get("country", [])),
                kind=kind,
            )
        )
    if birthday:
        card.birthdays.append(_birthday(birthday))
    if not card.full_name and not card.first and not card.last and dn:
        # no name attribute: the DN's "cn=" is the only name there is
        match = re.match(r"\s*cn=((?:\\.|[^,+])*)", dn, re.IGNORECASE)
        if match:
            card.full_name = re.sub(r"\\(.)", r"\1", match.group(1)).strip()
    return card


def _birthday(parts: dict[str, str]) -> str:
    if "birthyear" in parts or "birthmonth" in parts:
        year = parts.get("birthyear", "")
        month = parts.get("birthmonth", "").zfill(2) if parts.get("birthmonth") else ""
        day = parts.get("birthday", "").zfill(2) if parts.get("birthday") else ""
        if year and month and day:
            return f"{year}-{month}-{day}"
        if month and day:
            return f"--{month}-{day}"
        return " ".join(p for p in (year, month, day) if p)
    return next(iter(parts.values()))


def stream_ldif_rows(path: Path, encoding: str, stream: WarningSink) -> Iterator[Row]:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with raw:
        bounded = _BoundedInput(raw)
        parser = _Parser(bounded, encoding)
        number = 0
        cuts = 0
        try:
            for dn, entry in parser.parse():
                if dn is None and not entry:
                    continue  # the "version: 1" line alone, or comments
                number += 1
                result = entry_card(dn, entry)
                if bounded.cuts > cuts:
                    cuts = bounded.cuts
                    stream.warn(number, cut_note("a value of this entry"))
                if isinstance(result, str):
                    stream.warn(number, result)
                    continue
                for warning in dict.fromkeys(result.warnings):
                    stream.warn(number, warning)
                if result.is_empty():
                    stream.warn(number, "entry holds nothing to import (no name, e-mail or phone)")
                    continue
                yield number, card_cells(result)
        except OSError as exc:
            raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None


def count_entries(text: str) -> int:
    return len(re.findall(r"^dn\s*::?", text, re.IGNORECASE | re.MULTILINE))
