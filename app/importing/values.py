"""Reading single cell values: e-mail addresses, head counts, consent words, tags."""

from __future__ import annotations

import re

from app.fields import head_count
from app.importing.headers import normalize_header

MULTI_SEPARATOR = " ::: "
_GOOGLE_SYSTEM_LABELS = {"mycontacts", "starred"}
_SPECIAL_USE_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test"}
_FAST_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_ADDRESS_SPLIT = re.compile(r"[,;\s]+")
PLAIN_COUNT = re.compile(r"\d+")
_YES = {
    "yes", "y", "true", "1", "x", "ja", "j", "oui", "si", "sí", "sì", "granted", "opt-in",
    "optin", "opted in", "subscribed", "wahr", "vrai", "verdadero", "vero", "ok", "✓", "✔",
    "erteilt", "accepted", "akzeptiert", "agreed", "double opt-in", "doi",
}  # fmt: skip
_NO = {"no", "n", "false", "0", "nein", "non", "falsch", "faux", "falso", "nee", "-"}
_WITHDRAWN = {"withdrawn", "revoked", "widerrufen", "unsubscribed", "abgemeldet", "opted out"}


def plain_address(text: str) -> bool:
    """Whether ``text`` is plainly a valid address: ASCII letters, digits, ``_+-`` and dots
    before the @-sign, a plain host name after it — email-validator agrees (tests check it).
    Such a text has no spaces, quotes, brackets, commas or semicolons: it is one address as
    it stands (:func:`addresses` gives it back alone, unchanged).

    The addresses found so are remembered a while (the mapping asks about a row's address,
    then the row's cleaning about the same text)."""
    if text in _PLAIN:
        return True
    if len(text) <= 254 and _FAST_EMAIL.fullmatch(text):
        local, _, domain = text.rpartition("@")
        lowered = domain.lower()
        if (
            len(local) <= 64
            and len(domain) <= 253
            and "--" not in lowered
            and lowered.rpartition(".")[2] not in _SPECIAL_USE_TLDS
        ):
            if len(_PLAIN) >= _PLAIN_MAX:
                _PLAIN.clear()
            _PLAIN[text] = None
            return True
    return False


# texts plain_address found plain, the last few thousand (a row's address is asked about
# again a moment later)
_PLAIN: dict[str, None] = {}
_PLAIN_MAX = 8192


def email_problem(address: str) -> str | None:
    """Why an address is not valid (email-validator, no DNS), or None when it is."""
    if plain_address(address):
        return None  # plainly valid; email-validator agrees (tests check it)
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def addresses(cell: str) -> list[str]:
    """The addresses in one e-mail cell ("a@x ::: b@y", "a@x; b@y", "Name <a@x>")."""
    out: list[str] = []
    for part in cell.split(MULTI_SEPARATOR) if MULTI_SEPARATOR in cell else (cell,):
        part = part.strip()
        if not part:
            continue
        if "<" in part and ">" in part:
            found = [a.strip() for a in _ANGLE_ADDRESS.findall(part) if a.strip()]
            if found:
                out.extend(found)
                continue
        tokens = [t for t in _ADDRESS_SPLIT.split(part) if t]
        with_at = [t for t in tokens if "@" in t]
        out.extend(with_at if with_at and len(tokens) > 1 else [part])
    cleaned = []
    for address in out:
        address = address.strip().strip("\"'<>()[]")
        if address[:7].lower() == "mailto:":
            address = address[7:]
        if address:
            cleaned.append(address)
    return cleaned


def whole_number(text: str) -> str | None:
    """A head count from text ("1.200", "25.000,00", "10,000+", "50-200" → its lower bound)
    by the rule of :func:`app.fields.head_count`, the edit form's; None when it is not one."""
    try:
        return str(head_count(text))
    except ValueError:
        return None


def consent_hint(header: str, value: str) -> str | None:
    """The consent a cell states: "granted", "withdrawn" or None (opt-out columns inverted)."""
    word = " ".join(value.casefold().split())
    key = normalize_header(header)
    opt_out = "optout" in key or "unsubscrib" in key or "abgemeldet" in key
    if word in _WITHDRAWN:
        return "withdrawn"
    if word in _YES:
        return "withdrawn" if opt_out else "granted"
    if word in _NO:
        return None  # "no" is not a withdrawal of something given, and opt-out "no" not a yes
    if not opt_out and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*|\d{1,2}\.\d{1,2}\.\d{2,4}.*", word):
        return "granted"  # a date in a consent column: when it was given
    return None


def one_line(text: str) -> str:
    return " ".join(text.split())


def join_tags(values: list[str]) -> str:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        for item in re.split(r" ::: |[,;]", value):
            tag = one_line(item)
            if tag.startswith("* "):
                if normalize_header(tag) in _GOOGLE_SYSTEM_LABELS:
                    continue  # Google's own groups ("* myContacts", "* starred")
                tag = tag[2:].strip()
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return ", ".join(out)
