"""vCard files (2.1, 3.0, 4.0), read card by card with a tolerant parser of our own.

Why not vobject: Android's vCard 2.1 continues quoted-printable values on the next line without
a leading space (a QP "soft line break"), which vobject rejects, and a damaged card would stop
the whole file. This parser
- unfolds lines (RFC 6350 3.2) and joins QP soft breaks — but a QP value that ends in "="
  does not swallow the next line when that line starts a property of its own;
- takes property groups anywhere (``item1.EMAIL``, ``home.BEGIN:vcard``), names in any case;
- decodes ``ENCODING=QUOTED-PRINTABLE``/``BASE64`` with the property's ``CHARSET``, undoes the
  escapes ``\\,``, ``\\;``, ``\\\\`` and ``\\n`` (an escaped separator stays in the value);
- keeps every value: all e-mails, phones, addresses, organisations, titles with their kinds
  and ``PREF``; the group's ``X-ABLabel`` names a kind; instant-messenger handles, related
  names, phonetic names, anniversaries, ``GEO`` and any other property become labelled
  "more" values (see :mod:`app.importing.cards`); only a few technical properties (``VERSION``,
  ``PRODID``, ``REV``, ``UID`` …) are left out, and an embedded photo is named in a warning;
- keeps memory bounded: a line or value over 1 MB is cut (with a warning), photos are never
  held in memory.

Each card becomes one row under ``CARD_HEADERS``; row numbers are card numbers (1 = the first
card); there is no header line (header_row 0).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from app.importing.cards import (
    CARD_HEADERS,
    Card,
    Point,
    PostalAddress,
    card_cells,
    names_match,
)
from app.importing.encoding import FALLBACK_ERRORS, open_text, text_codec
from app.importing.errors import ImportFileError
from app.importing.limits import VALUE_LIMIT, bounded_lines, cut_note
from app.importing.rowstream import RowStream, WarningSink

VCARD_HEADERS = CARD_HEADERS  # the name earlier code used

# Properties whose (possibly huge, folded) inline values are never kept in memory.
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY", "X-MS-CARDPICTURE"})
_BINARY_LABEL = {
    "PHOTO": "photo",
    "LOGO": "logo",
    "SOUND": "sound clip",
    "KEY": "public key",
    "X-MS-CARDPICTURE": "photo",
}
# Technical properties: about the file or the program, not about the person.
_TECHNICAL = frozenset(
    {
        "VERSION", "PRODID", "REV", "UID", "CLIENTPIDMAP", "X-ABUID", "NAME", "PROFILE",
        "SOURCE", "MAILER", "CLASS", "X-MS-OL-DEFAULT-POSTAL-ADDRESS", "X-MOZILLA-HTML",
        "X-ABADR", "X-ABLABEL", "X-ABSHOWAS", "X-EVOLUTION-SHOW-AS", "KIND",
        "X-EVOLUTION-LIST", "X-EVOLUTION-LIST-SHOW-ADDRESSES",
        "X-EVOLUTION-BLOG-URL-X", "X-WAB-GENDER-X", "X-ABPHONELABEL-X",
    }
)  # fmt: skip
# Properties a vCard may hold (used to tell a property from a QP continuation line).
_STANDARD = frozenset(
    {
        "BEGIN", "END", "VERSION", "FN", "N", "NICKNAME", "PHOTO", "BDAY", "ANNIVERSARY",
        "GENDER", "ADR", "LABEL", "TEL", "EMAIL", "MAILER", "IMPP", "LANG", "TZ", "GEO",
        "TITLE", "ROLE", "LOGO", "ORG", "MEMBER", "RELATED", "CATEGORIES", "NOTE", "PRODID",
        "REV", "SOUND", "UID", "CLIENTPIDMAP", "URL", "KEY", "FBURL", "CALADRURI", "CALURI",
        "XML", "KIND", "SOURCE", "NAME", "PROFILE", "SORT-STRING", "CLASS", "AGENT",
    }
)  # fmt: skip
_IM_NAMES = {
    "X-AIM": "AIM", "X-ICQ": "ICQ", "X-JABBER": "Jabber", "X-MSN": "MSN", "X-YAHOO": "Yahoo",
    "X-SKYPE": "Skype", "X-SKYPE-USERNAME": "Skype", "X-GTALK": "Google Talk",
    "X-GOOGLE-TALK": "Google Talk", "X-QQ": "QQ", "X-MS-IMADDRESS": "IM", "X-GADUGADU": "Gadu-Gadu",
    "X-GROUPWISE": "GroupWise", "X-TWITTER": "Twitter", "X-SIP": "SIP", "X-IRC": "IRC",
    "X-MATRIX": "Matrix", "X-WECHAT": "WeChat", "X-LINE": "LINE", "X-WHATSAPP": "WhatsApp",
    "X-TELEGRAM": "Telegram", "X-SIGNAL": "Signal",
}  # fmt: skip
_RELATED_NAMES = {
    "X-SPOUSE": "spouse", "X-EVOLUTION-SPOUSE": "spouse", "X-MS-SPOUSE": "spouse",
    "X-KADDRESSBOOK-X-SPOUSESNAME": "spouse", "X-MANAGER": "manager",
    "X-EVOLUTION-MANAGER": "manager", "X-MS-MANAGER": "manager",
    "X-KADDRESSBOOK-X-MANAGERSNAME": "manager", "X-ASSISTANT": "assistant",
    "X-EVOLUTION-ASSISTANT": "assistant", "X-MS-ASSISTANT": "assistant",
    "X-KADDRESSBOOK-X-ASSISTANTSNAME": "assistant", "X-CHILD": "child", "X-CHILDREN": "children",
}  # fmt: skip
_LABELLED = {
    "ANNIVERSARY": "Anniversary", "X-ANNIVERSARY": "Anniversary",
    "X-EVOLUTION-ANNIVERSARY": "Anniversary", "X-MS-ANNIVERSARY": "Anniversary",
    "X-KADDRESSBOOK-X-ANNIVERSARY": "Anniversary", "GEO": "Geo position", "TZ": "Time zone",
    "GENDER": "Gender", "X-GENDER": "Gender", "LANG": "Language", "SORT-STRING": "Sort as",
    "X-PHONETIC-FIRST-NAME": "Phonetic first name",
    "X-PHONETIC-MIDDLE-NAME": "Phonetic middle name",
    "X-PHONETIC-LAST-NAME": "Phonetic last name", "X-PHONETIC-ORG": "Phonetic company",
    "X-FURIGANA-FIRST-NAME": "Phonetic first name", "X-FURIGANA-LAST-NAME": "Phonetic last name",
    "X-MAIDENNAME": "Maiden name", "X-ABDATE": "Date", "X-ABRELATEDNAMES": "Related",
    "X-SOCIALPROFILE": "Social profile", "FBURL": "Free/busy URL", "CALURI": "Calendar",
    "CALADRURI": "Calendar requests", "MEMBER": "Member", "X-EVOLUTION-BLOG-URL": "Blog",
    "X-EVOLUTION-VIDEO-URL": "Video chat", "X-EVOLUTION-CALENDAR-URI": "Calendar",
    "X-MS-CARDPICTURE": "Photo", "X-WAB-GENDER": "Gender",
}  # fmt: skip
_ESCAPE = re.compile(r"\\([\\,;nN:])")
_PROPERTY_START = re.compile(r"^(?:[A-Za-z0-9_-]+\.)?([A-Za-z][A-Za-z0-9_-]*)\s*[;:]")
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")

RowIterator = Iterator[tuple[int, list[str]]]


@dataclass
class _Property:
    name: str
    group: str
    types: set[str]
    params: dict[str, str]
    raw: str
    cut: bool = False
    # the file's own kinds, as written: Android's "TEL;X-Werkstatt", Evolution's
    # "TYPE=X-EVOLUTION-COMPANY" ("Werkstatt", "company")
    custom: list[str] = field(default_factory=list)


@dataclass
class _RawCard:
    properties: list[_Property] = field(default_factory=list)
    nested: list[_RawCard] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- lexical layer ----------------------------------------------------------------------------


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _split_unescaped(text: str, separator: str) -> list[str]:
    """Split at separators that are not escaped; escapes are kept for ``_unescape``."""
    if "\\" not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _split_outside_quotes(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    if '"' not in text:
        return text.split(separator, maxsplit)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == separator and not quoted:
            parts.append("".join(current))
            current = []
            if maxsplit >= 0 and len(parts) >= maxsplit:
                parts.append(text[i + 1 :])
                return parts
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _parse_property(line: str, cut: bool = False) -> _Property | None:
    colon = line.find(":")
    if colon < 0:
        return None
    head = line[:colon]
    if '"' in head:
        pieces = _split_outside_quotes(line, ":", 1)
        if len(pieces) < 2:
            return None
        head, value = pieces[0], pieces[1]
    else:
        value = line[colon + 1 :]
    params_text = _split_outside_quotes(head, ";")
    group, _, name = params_text[0].strip().rpartition(".")
    name = name.strip().upper()
    if not _PROPERTY_NAME.match(name):
        return None
    types: set[str] = set()
    params: dict[str, str] = {}
    custom: list[str] = []
    for param in params_text[1:]:
        key, eq, val = param.partition("=")
        key = key.strip().upper()
        val = val.strip().strip('"')
        if not eq:  # vCard 2.1 bare parameter: "WORK", "CELL", "QUOTED-PRINTABLE"
            if key in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"):
                params["ENCODING"] = key
            elif key:
                types.add(key)
                custom += _custom_kind(param.strip())
        elif key == "TYPE":
            written = [t.strip().strip('"') for t in val.split(",") if t.strip()]
            types.update(t.upper() for t in written)
            for t in written:
                custom += _custom_kind(t)
        elif key:
            params[key] = val
    return _Property(name, group.strip().upper(), types, params, value, cut, custom)


def _custom_kind(written: str) -> list[str]:
    """A kind of the file's own ("X-Werkstatt" -> "Werkstatt", "X-EVOLUTION-COMPANY" ->
    "company"), or nothing for a standard type."""
    if written[:2].upper() != "X-" or len(written) < 3:
        return []
    text = written[2:]
    if text.upper().startswith("EVOLUTION-"):
        text = text[len("EVOLUTION-") :].lower()
    return [" ".join(text.replace("_", " ").split())] if text.strip() else []


def _property_name(line: str) -> str | None:
    match = _PROPERTY_START.match(line)
    return match.group(1).upper() if match else None


def _starts_property(line: str) -> bool:
    """Whether a line after a QP value ending in "=" is a property of its own."""
    name = _property_name(line)
    return name is not None and (name in _STANDARD or name.startswith("X-"))


def _logical_lines(lines: Iterator[tuple[str, bool]]) -> Iterator[tuple[str, bool]]:
    """(unfolded property line, cut) — folded lines and QP soft breaks joined, inline binary
    values (photos) replaced by a marker, any line over the value limit cut."""
    parts: list[str] = []
    size = 0
    cut = False
    skipping = ""
    quoted_printable = False
    for line, line_cut in lines:
        if parts or skipping:
            if (
                quoted_printable
                and parts
                and parts[-1].endswith("=")
                and not _starts_property(line)
            ):
                parts[-1] = parts[-1][:-1]  # a QP soft line break, with or without indent
                if size < VALUE_LIMIT:
                    parts.append(line)
                    size += len(line)
                else:
                    cut = True
                cut = cut or line_cut
                continue
            if line[:1] in (" ", "\t"):
                if not skipping:
                    if size < VALUE_LIMIT:
                        parts.append(line[1:])
                        size += len(line) - 1
                    else:
                        cut = True
                    cut = cut or line_cut
                continue
            if parts:
                yield _joined(parts, cut)
            elif skipping:
                yield skipping, False
            parts, size, cut, skipping = [], 0, False, ""
        if not line.strip():
            continue
        head = line.split(":", 1)[0]
        name = head.split(";", 1)[0].rpartition(".")[2].strip().upper()
        upper_head = head.upper()
        if name in _BINARY and (
            "BASE64" in upper_head
            or "ENCODING=B" in upper_head
            or line[len(head) + 1 :].lstrip()[:5].lower() == "data:"
        ):
            skipping = f"{name};X-WINNOW-DROPPED=1:"
            quoted_printable = False
            continue
        quoted_printable = "QUOTED-PRINTABLE" in upper_head
        parts, size, cut = [line], len(line), line_cut
    if parts:
        yield _joined(parts, cut)
    elif skipping:
        yield skipping, False


def _joined(parts: list[str], cut: bool) -> tuple[str, bool]:
    text = "".join(parts)
    if len(text) > VALUE_LIMIT:
        return text[:VALUE_LIMIT], True
    return text, cut


def _is(line: str, word: str) -> bool:
    """``line`` is ``BEGIN:VCARD``/``END:VCARD`` in any case, with or without a group."""
    name, colon, value = line.partition(":")
    if not colon:
        return False
    return name.rpartition(".")[2].strip().upper() == word and value.strip().upper() == "VCARD"


def _cards(lines: Iterator[tuple[str, bool]]) -> Iterator[_RawCard]:
    stack: list[_RawCard] = []
    for line, cut in _logical_lines(lines):
        if _is(line, "BEGIN"):
            if stack and not _agent_follows(stack[-1]):
                # a card without END: the next BEGIN starts a new one
                finished = stack.pop()
                while stack:  # nested cards left open
                    stack[-1].nested.append(finished)
                    finished = stack.pop()
                if finished.properties or finished.nested:
                    yield finished
            stack.append(_RawCard())
            continue
        if _is(line, "END"):
            if not stack:
                continue
            finished = stack.pop()
            if stack:
                stack[-1].nested.append(finished)
            else:
                yield finished
            continue
        if not stack:
            continue
        prop = _parse_property(line, cut)
        if prop is not None:
            stack[-1].properties.append(prop)
        elif line.strip():
            stack[-1].notes.append(line.strip()[:200])
    while stack:
        finished = stack.pop()
        if stack:
            stack[-1].nested.append(finished)
        elif finished.properties or finished.nested:
            yield finished


def _agent_follows(card: _RawCard) -> bool:
    """vCard 2.1 embeds an assistant's card after an empty ``AGENT:`` property."""
    return bool(card.properties) and card.properties[-1].name == "AGENT"


# --- values -----------------------------------------------------------------------------------


def _decode(prop: _Property, text: str) -> str:
    """One raw value (or component) with its transfer encoding and charset undone."""
    encoding = prop.params.get("ENCODING", "").upper()
    if encoding in ("QUOTED-PRINTABLE", "BASE64", "B"):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            data = binascii.a2b_qp(raw) if encoding == "QUOTED-PRINTABLE" else base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return text
        name = text_codec(prop.params.get("CHARSET", "") or "utf-8") or "utf-8"
        errors = FALLBACK_ERRORS if name.startswith("utf-8") else "replace"
        try:
            return data.decode(name, errors=errors)
        except (UnicodeError, LookupError, ValueError):
            return data.decode("utf-8", errors=FALLBACK_ERRORS)
    return text


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()


def _value(prop: _Property) -> str:
    """The whole value as text, escapes undone, line breaks kept."""
    return _clean(_unescape(_decode(prop, prop.raw)))


def _line_value(prop: _Property) -> str:
    return " ".join(_value(prop).split())


def _components(prop: _Property, count: int, *, lists: bool, joiner: str = " ") -> list[str]:
    """Structured value (N, ADR, ORG): components split at ";", each list split at "," when
    ``lists`` (vCard 3.0 and later), escaped separators kept as text."""
    decoded = _decode(prop, prop.raw)
    out: list[str] = []
    for component in _split_unescaped(decoded, ";"):
        items = _split_unescaped(component, ",") if lists else [component]
        words = [_clean(_unescape(i)) for i in items]
        out.append(joiner.join(w for w in words if w))
    if len(out) > count:  # more components than the property has: keep them in the last one
        out = [*out[: count - 1], " ".join(p for p in out[count - 1 :] if p)]
    return out + [""] * (count - len(out))


def _rank(prop: _Property) -> int:
    pref = prop.params.get("PREF", "")
    if pref.isdigit():
        return max(1, min(int(pref), 99))
    return 1 if "PREF" in prop.types else 100


def _apple_label(text: str) -> str:
    match = _APPLE_LABEL.match(text.strip())
    return (match.group(1) if match else text).strip()


_KIND_WORDS = (
    ("CELL", "mobile"), ("MOBILE", "mobile"), ("IPHONE", "mobile"), ("PAGER", "pager"),
    ("MAIN", "main"), ("WORK", "work"), ("HOME", "home"), ("OTHER", "other"),
    ("CAR", "car"), ("ISDN", "ISDN"), ("VIDEO", "video"), ("TEXTPHONE", "textphone"),
    ("TEXT", "text"), ("MSG", "messages"), ("BBS", "BBS"), ("MODEM", "modem"),
    ("INTL", "international"), ("POSTAL", "postal"), ("PARCEL", "parcel"),
    ("DOM", "domestic"),
)  # fmt: skip


def _kind(prop: _Property, label: str, *, phone: bool = False) -> str:
    """The kind of an e-mail, phone, web or postal address as a short label."""
    words = [kind for word, kind in _KIND_WORDS if word in prop.types]
    if phone and "FAX" in prop.types:
        where = [w for w in words if w in ("work", "home", "other")]
        return " ".join([*where, "fax"])
    if label:
        return label
    if prop.custom:
        return ", ".join(prop.custom)
    if phone and "mobile" in words:
        return "mobile"
    for preferred in ("pager", "main", "work", "home", "other"):
        if preferred in words:
            return preferred
    return words[0] if words else ""


def _generic_label(name: str) -> str:
    text = name
    for prefix in ("X-", "KADDRESSBOOK-", "EVOLUTION-", "MS-", "MOZILLA-", "ANDROID-", "X-"):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    text = text.replace("-", " ").replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:] if text else name


def _with_kind(label: str, kind: str) -> str:
    return f"{label} ({kind})" if kind and kind.casefold() != label.casefold() else label


def read_card(raw: _RawCard) -> Card:
    """A parsed card as a :class:`Card`, nothing dropped without a warning."""
    card = Card()
    labels = {
        p.group: _apple_label(_line_value(p))
        for p in raw.properties
        if p.name == "X-ABLABEL" and p.group
    }
    version = next((p.raw.strip() for p in raw.properties if p.name == "VERSION"), "3.0")
    lists = not version.startswith("2")
    formatted_labels: list[tuple[str, str, int]] = []
    file_as: list[str] = []
    for prop in raw.properties:
        name = prop.name
        label = labels.get(prop.group, "") if prop.group else ""
        if prop.cut:
            card.warnings.append(cut_note(_generic_label(name)))
        if prop.params.get("X-WINNOW-DROPPED"):
            what = _BINARY_LABEL.get(name, name.lower())
            card.warnings.append(f"{what} not imported (Winnow keeps no pictures or files)")
            continue
        if name == "FN":
            card.full_name = card.full_name or _line_value(prop)
            if card.full_name != _line_value(prop) and _line_value(prop):
                card.add_more("Other name", _line_value(prop))
        elif name == "N":
            last, first, middle, prefix, suffix = _components(prop, 5, lists=lists)
            if any((card.last, card.first)):
                card.add_more("Other name", " ".join(p for p in (first, middle, last) if p))
                continue
            card.last, card.first, card.middle = last, first, middle
            card.prefix, card.suffix = prefix, suffix
        elif name == "NICKNAME":
            items = _split_unescaped(_decode(prop, prop.raw), ",") if lists else [prop.raw]
            card.nicknames.extend(_clean(_unescape(i)) for i in items if i.strip())
        elif name == "ORG":
            parts = [p for p in _components(prop, 20, lists=False) if p]
            if parts:
                card.organisations.append((parts[0], ", ".join(parts[1:])))
        elif name == "TITLE":
            card.titles.append(_line_value(prop))
        elif name == "ROLE":
            card.roles.append(_line_value(prop))
        elif name == "EMAIL":
            value = _line_value(prop)
            if value.lower().startswith("mailto:"):
                value = value[7:]
            card.emails.append(Point(value, _kind(prop, label), _rank(prop)))
        elif name == "TEL":
            value = _line_value(prop)
            if value.lower().startswith("tel:"):
                value = value[4:]
            card.phones.append(Point(value, _kind(prop, label, phone=True), _rank(prop)))
        elif name == "ADR":
            po_box, extended, street, city, region, postcode, country = _components(
                prop, 7, lists=lists, joiner=", "
            )
            card.addresses.append(
                PostalAddress(
                    po_box, extended, street, city, region, postcode, country,
                    _kind(prop, label), _rank(prop),
                )
            )  # fmt: skip
        elif name == "LABEL":
            formatted_labels.append((_value(prop), _kind(prop, label), _rank(prop)))
        elif name == "URL":
            card.urls.append(Point(_line_value(prop), _kind(prop, label), _rank(prop)))
        elif name == "BDAY":
            card.birthdays.append(_line_value(prop))
        elif name == "CATEGORIES":
            items = _split_unescaped(_decode(prop, prop.raw), ",")
            card.categories.extend(_clean(_unescape(i)) for i in items if i.strip())
        elif name == "NOTE":
            card.notes.append(_value(prop))
        elif name in ("X-ABSHOWAS", "X-EVOLUTION-SHOW-AS", "KIND"):
            if prop.raw.strip().upper() in ("COMPANY", "ORG", "ORGANIZATION"):
                card.is_company = True
        elif name == "AGENT":
            if _line_value(prop):
                card.add_more("Agent", _line_value(prop))
        elif name in _TECHNICAL:
            continue
        elif name in ("X-EVOLUTION-FILE-AS", "X-FILE-AS"):
            file_as.append(_line_value(prop))
        elif name == "X-WINNOW-FIELD":  # an extra value as Winnow exports it, under its label
            card.add_more(label or "Other", _value(prop))
        elif name == "IMPP":
            value = _line_value(prop)
            scheme, colon, handle = value.partition(":")
            service = prop.params.get("X-SERVICE-TYPE") or (scheme if colon else "")
            card.add_more(_with_kind("IM", service or _kind(prop, label)), handle or value)
        elif name in _IM_NAMES:
            card.add_more(_with_kind(f"IM ({_IM_NAMES[name]})", _kind(prop, label)), _value(prop))
        elif name == "RELATED":
            card.add_more(_with_kind("Related", _kind(prop, label) or _types(prop)), _value(prop))
        elif name in _RELATED_NAMES:
            card.add_more(f"Related ({_RELATED_NAMES[name]})", _value(prop))
        elif name == "X-ANDROID-CUSTOM":
            _android_custom(card, prop)
        else:
            base = _LABELLED.get(name) or _generic_label(name)
            kind = label or prop.params.get("X-SERVICE-TYPE", "") or _types(prop)
            card.add_more(_with_kind(base, _apple_label(kind)), _value(prop))
    _add_formatted_labels(card, formatted_labels)
    names = (card.full_name, " ".join((card.first, card.middle, card.last)), card.last)
    for text in file_as:  # "Family, Given" as the program makes it says nothing new
        if text and not names_match(text, *names, *(c for c, _d in card.organisations)):
            card.add_more("File as", text)
    for nested in raw.nested:
        agent = read_card(nested)
        summary = "; ".join(
            v
            for v in (
                agent.full_name or " ".join(p for p in (agent.first, agent.last) if p),
                *(e.value for e in agent.emails),
                *(p.value for p in agent.phones),
            )
            if v
        )
        card.add_more("Agent", summary)
    for note in raw.notes:
        card.warnings.append(f"unreadable line not imported: {note[:80]!r}")
    return card


def _types(prop: _Property) -> str:
    ignored = {"PREF", "INTERNET", "VOICE", "X400"}
    return ", ".join(t.lower() for t in sorted(prop.types) if t not in ignored)


def _add_formatted_labels(card: Card, labels: list[tuple[str, str, int]]) -> None:
    """vCard 2.1/3.0 ``LABEL``: the address as printed. It repeats an ``ADR`` of the same
    kind (then nothing is added); on its own it becomes the address."""
    for text, kind, rank in labels:
        if not text:
            continue
        if any(a.kind == kind or not kind for a in card.addresses):
            continue
        card.addresses.append(PostalAddress(street=text, kind=kind, rank=rank))


_ANDROID_KINDS = {
    "vnd.android.cursor.item/nickname": "Nickname",
    "vnd.android.cursor.item/relation": "Related",
    "vnd.android.cursor.item/contact_event": "Event",
    "vnd.android.cursor.item/sip_address": "SIP",
    "vnd.android.cursor.item/website": "Website",
}


def _android_custom(card: Card, prop: _Property) -> None:
    parts = [_clean(_unescape(p)) for p in _split_unescaped(_decode(prop, prop.raw), ";")]
    kind = parts[0] if parts else ""
    values = [p for p in parts[1:] if p and not p.isdigit()]
    if not values:
        return
    if kind.endswith("/nickname"):
        card.nicknames.append(values[0])
        return
    card.add_more(_ANDROID_KINDS.get(kind, kind.rpartition("/")[2] or "Android"), values[0])


# --- the reader -------------------------------------------------------------------------------


@dataclass
class VcardLayout:
    headers: list[str]
    rows: Callable[[], RowIterator]


def layout_vcard(path: Path, sample: str, encoding: str) -> VcardLayout:
    if not _has_begin(sample):
        raise ImportFileError(f"{path.name} holds no vCard (no BEGIN:VCARD line)")

    def rows() -> RowIterator:
        return RowStream(lambda stream: _stream_rows(path, encoding, stream))

    return VcardLayout(list(CARD_HEADERS), rows)


_BEGIN = re.compile(r"^(?:[A-Za-z0-9_-]+\.)?BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE | re.MULTILINE)


def _has_begin(text: str) -> bool:
    return _BEGIN.search(text) is not None


def count_cards(text: str) -> int:
    return len(_BEGIN.findall(text))


def looks_like_vcard(text: str) -> bool:
    """The text starts (after blank lines and stray text) with a BEGIN:VCARD line."""
    for line in text.lstrip("\ufeff").splitlines()[:20]:
        if line.strip() and _BEGIN.match(line.strip()):
            return True
    return False


def _stream_rows(path: Path, encoding: str, stream: WarningSink) -> RowIterator:
    try:
        text = open_text(path, encoding)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with text:
        number = 0
        try:
            for raw in _cards(_physical_lines(text)):
                number += 1
                card = read_card(raw)
                for warning in dict.fromkeys(card.warnings):
                    stream.warn(number, warning)
                cells = card_cells(card)
                if "".join(cells).strip():
                    yield number, cells
                elif raw.properties:
                    stream.warn(number, "card holds nothing to import (no name, e-mail or phone)")
        except OSError as exc:
            raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None


def _physical_lines(text: TextIO) -> Iterator[tuple[str, bool]]:
    for line, cut in bounded_lines(text):
        yield line.rstrip("\r\n"), cut
