"""Offline address evidence: syntax, normalisation, registrable domain, class, typos, roles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.golook import classify as classify_module
from app.golook.classify import (
    classify_address,
    classify_domain,
    is_role_local_part,
    quick_domain_class,
    registrable_domain,
    typo_of_free_mail,
)


@pytest.mark.parametrize(
    ("email", "registrable", "domain_class"),
    [
        ("anna.weiss@acme-widgets.de", "acme-widgets.de", "branded"),
        ("anna@mail.acme-widgets.co.uk", "acme-widgets.co.uk", "branded"),
        ("someone@gmail.com", "gmail.com", "free"),
        ("someone@GoogleMail.com", "googlemail.com", "free"),
        ("jemand@web.de", "web.de", "free"),
        ("jemand@t-online.de", "t-online.de", "free"),
        ("quelqu.un@orange.fr", "orange.fr", "free"),
        ("someone@hotmail.co.uk", "hotmail.co.uk", "free"),
        ("x123@guerrillamail.com", "guerrillamail.com", "disposable"),
        ("x123@10minutemail.com", "10minutemail.com", "disposable"),
        # on both lists: disposable wins
        ("x123@mailinator.com", "mailinator.com", "disposable"),
        # matched on the registrable domain, not the whole host
        ("x123@inbox.mailinator.com", "mailinator.com", "disposable"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_domain_class(email: str | None, registrable: str | None, domain_class: str | None) -> None:
    ev = classify_address(email)
    assert ev.registrable_domain == registrable
    assert ev.domain_class == domain_class
    assert quick_domain_class(email) == (registrable, domain_class)


@pytest.mark.parametrize(
    ("email", "reason_part"),
    [
        ("anna weiss@acme.de", "SPACE"),
        ("anna@acme.de ", None),  # outer spaces are trimmed: valid
        ("anna@@acme.de", "'@'"),
        ("anna@acme@example.de", "'@'"),
        ("anna@acme.de.", "cannot end with a period"),
        ("anna..weiss@acme.de", "two periods in a row"),
        ("anna@acme", "should have a period"),
        ("anna.acme.de", "must have an @-sign"),
        ("anna@", "There must be something after the @-sign"),
        ("anna@co.uk", "public suffix"),
        # Unicode look-alikes: Cyrillic а in a Latin name, an all-Cyrillic fake, fullwidth letters
        ("anna@\u0430cme.com", "mixes Latin and Cyrillic"),
        ("anna@\u0430\u0440\u0440\u04cf\u0435.com", "imitate Latin"),
        ("\uff41nna@acme.de", "look-alike character"),
        ("anna\u200b@acme.de", "ZERO WIDTH SPACE"),
    ],
)
def test_invalid_addresses_carry_the_reason(email: str, reason_part: str | None) -> None:
    ev = classify_address(email)
    if reason_part is None:
        assert ev.valid and ev.domain_class == "branded"
        return
    assert not ev.valid
    assert ev.domain_class == "invalid"
    assert ev.reason and reason_part in ev.reason
    assert ev.normalized_email is None


def test_invalid_local_part_still_names_the_company_domain() -> None:
    assert classify_address("anna weiss@acme-widgets.de").registrable_domain == "acme-widgets.de"


@pytest.mark.parametrize(
    ("email", "normalized", "registrable"),
    [
        ("Anna.Weiss@ACME-Widgets.DE", "Anna.Weiss@acme-widgets.de", "acme-widgets.de"),
        ("info@münchen.de", "info@münchen.de", "münchen.de"),
        ("info@xn--mnchen-3ya.de", "info@münchen.de", "münchen.de"),
        ("jürgen.groß@bäckerei-müller.de", "jürgen.groß@bäckerei-müller.de", "bäckerei-müller.de"),
        ("γιώργος@example.gr", "γιώργος@example.gr", "example.gr"),
        ("вася@пример.рф", "вася@пример.рф", "пример.рф"),
        ("anna+leads@acme.de", "anna+leads@acme.de", "acme.de"),
        ("o'brien@acme.ie", "o'brien@acme.ie", "acme.ie"),
    ],
)
def test_normalisation_and_idn(email: str, normalized: str, registrable: str) -> None:
    ev = classify_address(email)
    assert ev.valid, ev.reason
    assert ev.normalized_email == normalized
    assert ev.registrable_domain == registrable
    assert ev.domain_class == "branded"


@pytest.mark.parametrize(
    ("email", "meant"),
    [
        ("anna@gmial.com", "gmail.com"),
        ("anna@gmai.com", "gmail.com"),
        ("anna@gmail.con", "gmail.com"),
        ("anna@gmail.cmo", "gmail.com"),
        ("anna@hotmial.com", "hotmail.com"),
        ("anna@hotmail.con", "hotmail.com"),
        ("anna@yaho.com", "yahoo.com"),
        ("anna@yahooo.com", "yahoo.com"),
        ("anna@outlok.com", "outlook.com"),
        ("anna@googlemial.com", "googlemail.com"),
        ("anna@t-onlin.de", "t-online.de"),
        ("anna@gmx.con", "gmx.com"),
        ("anna@web.dee", "web.de"),
        ("anna@gmail.com", None),
        ("anna@ymail.com", None),  # Yahoo's own domain
        ("anna@mail.com", None),  # a provider in its own right
        ("anna@gmc.de", None),  # a company's domain near gmx.de
        ("anna@acme.com", None),
        ("anna@hotmail.it", None),
    ],
)
def test_typos_of_big_free_mail_domains(email: str, meant: str | None) -> None:
    ev = classify_address(email)
    assert ev.typo_of == meant
    if meant:
        # a mistyped free-mail address is a person's, not a company to look at
        assert ev.domain_class in ("free", "disposable")


def test_typo_check_of_a_bare_domain() -> None:
    assert typo_of_free_mail("gmial.com") == "gmail.com"
    assert typo_of_free_mail("acme-widgets.de") is None


@pytest.mark.parametrize(
    ("local", "role"),
    [
        ("info", True),
        ("Info", True),
        ("sales", True),
        ("office", True),
        ("contact", True),
        ("hello", True),
        ("noreply", True),
        ("no-reply", True),
        ("support", True),
        ("admin", True),
        ("kontakt", True),
        ("vertrieb", True),
        ("buero", True),
        ("büro", True),
        ("bureau", True),
        ("ventas", True),
        ("contacto", True),
        ("info-de", True),
        ("sales2", True),
        ("info+web", True),
        ("einkauf", True),
        ("anna.weiss", False),
        ("anna.sales", False),
        ("information.technology.dept", False),
        ("salesforce", False),
        ("jinfo", False),
    ],
)
def test_role_addresses(local: str, role: bool) -> None:
    assert is_role_local_part(local) is role
    assert classify_address(f"{local}@acme-widgets.de").role_account is role


_ROLE_LIKE = st.builds(
    lambda word, tail, upper: (word.upper() if upper else word) + tail,
    st.sampled_from(sorted(classify_module.ROLE_LOCAL_PARTS)),
    st.sampled_from(["", "2", "42", "-de", "_fr", ".x", "+web", "-abcd", "x", ".sales"]),
    st.booleans(),
)


@given(st.one_of(st.text(max_size=20), _ROLE_LIKE))
def test_the_quick_role_test_misses_no_role_address(local: str) -> None:
    """may_be_role_local_part is False only where is_role_local_part is False too (the
    score's pass asks it first); it is False for ordinary names."""
    if is_role_local_part(local):
        assert classify_module.may_be_role_local_part(local)
    assert not classify_module.may_be_role_local_part("anna.mueller42")


@pytest.mark.parametrize(
    ("overrides", "email", "expected"),
    [
        ({"acme-widgets.de": "free"}, "anna@acme-widgets.de", "free"),
        ({"gmail.com": "branded"}, "anna@gmail.com", "branded"),
        ({"mail.acme.de": "free"}, "anna@mail.acme.de", "branded"),  # keys are registrable
        ({"acme.de": "free"}, "anna@mail.acme.de", "free"),
        ({"acme.de": "nonsense"}, "anna@acme.de", "branded"),
        ({"acme.de": "free"}, "anna weiss@acme.de", "invalid"),  # syntax beats any override
    ],
)
def test_user_overrides(overrides: dict[str, str], email: str, expected: str) -> None:
    ev = classify_address(email, overrides)
    assert ev.domain_class == expected
    assert ev.overridden is (
        expected != "invalid" and expected != classify_address(email).domain_class
    )


def test_classify_domain_and_registrable_domain() -> None:
    assert classify_domain("gmail.com") == "free"
    assert classify_domain("acme.de", {"acme.de": "disposable"}) == "disposable"
    assert classify_domain("co.uk") == "invalid"
    assert registrable_domain("www.acme-widgets.co.uk") == "acme-widgets.co.uk"
    assert registrable_domain("WWW.München.DE.") == "münchen.de"
    assert registrable_domain("") is None


_LOCAL_CHARS = "abcXYZ019._+-'üéßøÅ\u212bｊаΩ\u0308"
_DOMAINS = [
    "acme.de",
    "ACME.De",
    "münchen.de",
    "xn--mnchen-3ya.de",
    "gmail.com",
    "acme.de.",
    "co.uk",
    "аcme.com",
    "a" * 60 + ".example",
    "mail.acme-widgets.co.uk",
    "x_y.de",
    "-bad.de",
    "localhost",
    "exa mple.de",
]


@settings(max_examples=400, deadline=None)
@given(
    local=st.text(alphabet=_LOCAL_CHARS, min_size=1, max_size=20)
    | st.sampled_from(["Info", "SALES", "Postmaster", "a" * 64, "a" * 65, "ü" * 70]),
    domain=st.sampled_from(_DOMAINS),
)
def test_the_fast_path_agrees_with_email_validator(local: str, domain: str) -> None:
    """Ordinary addresses skip email-validator's full parse; the result must be the same."""
    text = f"{local}@{domain}"
    fast = classify_module._parse_fast(text)
    if fast is not None:
        assert fast == classify_module._parse_slow(text)


_LABELS = st.text(alphabet="aZq09-", min_size=0, max_size=8) | st.sampled_from(
    ["xn--mnchen-3ya", "XN--MNCHEN-3YA", "ab--cd", "a" * 63, "a" * 64, "com", "de", "co",
     "localhost", "local", "invalid", "arpa", "onion", "test", "1", "a1", "a-", "-a", "münchen",
     "ſ", "\u212a", "a_b", ""]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(labels=st.lists(_LABELS, min_size=1, max_size=5), dot_end=st.booleans())
def test_the_plain_domain_path_agrees_with_email_validator(
    labels: list[str], dot_end: bool
) -> None:
    """Plain ASCII domains skip email-validator; their normalised form must be the same."""
    domain = ".".join(labels) + ("." if dot_end else "")
    plain = classify_module._plain_domain(domain)
    if plain is not None:
        assert (plain, plain) == classify_module._validated_domain_slow(domain)


@pytest.mark.parametrize(
    "domain",
    [
        "acme.de", "ACME-Widgets.Co.UK", "mail.x1.example.org", "a.bc", "1.2.3.com",
        ("a" * 63 + ".") * 3 + "b" * 60, ("a" * 63 + ".") * 3 + "b" * 61,
        "acme.de.", "acme", "acme.123", "-acme.de", "acme-.de", "a..de", "a" * 64 + ".de",
        "xn--mnchen-3ya.de", "ab--cd.de", "acme.local", "x.localhost", "acme.invalid",
        "acme.onion", "acme.test", "a_b.de", "münchen.de", "acme.de ",
    ],
)  # fmt: skip
def test_the_plain_domain_path_on_edge_cases(domain: str) -> None:
    slow = classify_module._validated_domain_slow(domain)
    plain = classify_module._plain_domain(domain)
    if plain is not None:
        assert (plain, plain) == slow
    else:
        assert classify_module._validated_domain(domain) == slow
    if domain in ("acme.de", "ACME-Widgets.Co.UK", "a.bc"):
        assert plain == domain.lower()  # the common case does take the quick path


@settings(max_examples=300, deadline=None)
@given(
    local=st.text(alphabet=_LOCAL_CHARS, min_size=0, max_size=12)
    | st.sampled_from(["info", "Sales", "a b", '"q"', "x@y"]),
    domain=st.sampled_from(
        [*_DOMAINS, "gmial.com", "gmail.con", "hotmial.de", "mail.gmial.com", "yaho.com",
         "mailinator.com", "web.de", "", "acme", "[127.0.0.1]"]
    ),
)  # fmt: skip
def test_the_bulk_verdict_says_what_classify_address_says(local: str, domain: str) -> None:
    """address_verdict (used by imports and the contact row) is classify_address in short."""
    text = f"{local}@{domain}" if local or domain else ""
    ev = classify_module.classify_address(text)
    assert classify_module.address_verdict(text) == (
        ev.valid,
        ev.reason,
        ev.registrable_domain,
        ev.domain_class,
    )


@pytest.mark.parametrize(
    "domain",
    ["gmial.com", "gmail.con", "gmail.com", "mail.gmial.com", "hotmial.co.uk", "yaho.com",
     "outlook.de", "outlok.de", "t-onlin.de", "acme.de", "googlemial.com", "gmx.com"],
)  # fmt: skip
def test_a_typo_is_found_the_same_way_from_the_cached_domain_facts(domain: str) -> None:
    facts = classify_module._domain_facts(domain)
    assert facts.typo_of == typo_of_free_mail(domain)
