"""Links: a website is stored only as an http(s) address, and the window opens only web and
mail links — checked by parsing, against a table of hostile values."""

from __future__ import annotations

import pytest

from app.links import UnsafeLink, safe_link, web_address

HOSTILE = [
    "file:///etc/passwd",
    "FILE:///C:/Windows/System32/calc.exe",
    "file://host/share/payload.exe",
    "smb://host/share/payload.exe",
    "vbscript:msgbox(1)",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ftp://acme.de/pub",
    "ssh://acme.de",
    "ms-settings:privacy",
    "/etc/passwd",
    "./payload.exe",
    "C:\\x.exe",
    "C:/x.exe",
    "\\\\host\\share",
    "//host/share",
    "http://",
    "https:///etc/passwd",
    "http:acme.de",
    "https:/acme.de",
    "http://user:pass@acme.de",
    "https://acme.de@evil.example",
    "https://:@acme.de",
    "https://acme.de\\@evil.example",
    "https://acme.de\x00.evil.example",
    "https://acme.de/\u202egpj.exe",
    "https://ex\u200bample.com",
    "https://acme.de/our products",
    "http://192.168.0.1/admin",
    "http://3232235521",
    "http://0x7f.1",
    "http://[::1]/",
    "http://localhost:8080",
    "localhost",
    "https://%61cme.de",
    "https://acme..de",
    "https://acme.de:99999",
    "https://" + "a" * 64 + ".de",
    "https://acme.de/" + "x" * 2100,
    "mailto:anna@acme.de",  # a mail link is not a website
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_not_web_addresses(value: str) -> None:
    with pytest.raises(UnsafeLink) as err:
        web_address(value)
    assert err.value.reason


@pytest.mark.parametrize("value", [v for v in HOSTILE if not v.startswith("mailto:")])
def test_the_opener_refuses_them_too(value: str) -> None:
    with pytest.raises(UnsafeLink):
        safe_link(value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("acme.de", "https://acme.de"),
        ("www.acme.de/path", "https://www.acme.de/path"),
        ("  www.acme.de/kontakt?x=1#team ", "https://www.acme.de/kontakt?x=1#team"),
        ("acme.de:8080/shop", "https://acme.de:8080/shop"),
        ("http://acme.de", "http://acme.de"),
        ("HTTPS://WWW.Acme.DE/Produkte", "https://www.acme.de/Produkte"),
        ("https://müller-maschinen.de/über-uns", "https://müller-maschinen.de/über-uns"),
        ("https://xn--mller-maschinen-vpb.de", "https://xn--mller-maschinen-vpb.de"),
        ("ＡＣＭＥ.de", "https://acme.de"),
        # a look-alike in another script is still only a web page: stored as written
        ("https://аpple.com", "https://аpple.com"),
    ],
)
def test_web_addresses_are_stored_as_http_or_https(value: str, stored: str) -> None:
    assert web_address(value) == stored


def test_the_reason_says_what_is_wrong() -> None:
    with pytest.raises(UnsafeLink, match=r"a file: link; only http and https"):
        web_address("file:///etc/passwd")
    with pytest.raises(UnsafeLink, match="user name or password"):
        web_address("https://acme.de@evil.example")
    with pytest.raises(UnsafeLink, match="no host name"):
        web_address("/etc/passwd")


@pytest.mark.parametrize(
    ("value", "opened"),
    [
        ("https://acme-widgets.example", "https://acme-widgets.example"),
        ("www.acme.de", "https://www.acme.de"),  # stored by an older version without scheme
        ("https://müller.de/über", "https://xn--mller-kva.de/%C3%BCber"),
        ("https://аpple.com", "https://xn--pple-43d.com"),  # the desktop gets the punycode
        ("https://acme.de/<script>", "https://acme.de/%3Cscript%3E"),
        (
            "https://duckduckgo.com/?q=Acme+Widgets+K%C3%B6ln",
            "https://duckduckgo.com/?q=Acme+Widgets+K%C3%B6ln",
        ),
        ("mailto:anna@acme.de", "mailto:anna@acme.de"),
        ("MAILTO:anna@acme.de?subject=Hello%20Anna", "mailto:anna@acme.de?subject=Hello%20Anna"),
    ],
)
def test_the_opener_hands_over_plain_ascii(value: str, opened: str) -> None:
    assert safe_link(value) == opened


@pytest.mark.parametrize(
    "value",
    [
        "mailto:anna@acme.de?attach=/etc/passwd",
        "mailto:anna@acme.de?Attachment=~/.ssh/id_rsa",
        "mailto:anna@acme.de?subject=Hi%0D%0ABcc:%20spy@evil.example",
        "mailto:not-an-address",
        "mailto:",
        "mailto:anna@acme.de%0A",
        "mailto:anna@acme.de?cc=evil",
    ],
)
def test_mail_links_ask_for_nothing_but_addresses_subject_and_body(value: str) -> None:
    with pytest.raises(UnsafeLink):
        safe_link(value)
