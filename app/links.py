"""Links Winnow stores and opens: web pages (``http``/``https``) and e-mail (``mailto``) only.

A contact's website comes from files other people wrote. Handed to the desktop unchecked,
``file:///…``, ``smb://…``, ``javascript:…`` or a bare ``/etc/passwd`` would open local files,
network shares or scripts, so every link is checked by *parsing* it (``urllib.parse`` for the
scheme and host, ``idna`` for the host name) — never by looking for ``://`` in the text.

The rule for a web address (:func:`web_address`, used for the website field and by the opener):

- ``http`` or ``https`` only; a bare domain (``acme.de``, ``www.acme.de/path``) becomes
  ``https://…``. Any other scheme is refused: ``file``, ``smb``, ``ftp``, ``data``,
  ``javascript``, ``vbscript``, ``mailto``, a Windows drive (``C:``)…
- A host that is a domain name: at least two labels, valid under IDNA (UTS 46; Unicode names
  such as ``müller.de`` are kept readable, a look-alike in another script is allowed — it is
  still only a web page), a top-level label that is not a number. No IP addresses
  (``http://192.168.0.1``, ``http://3232235521``), no ``localhost``: a firm's website has a name,
  and a link to a machine on the user's own network is how a crafted file reaches a router.
- No user name or password (``https://acme.de@evil.example`` shows one name and opens another).
- No spaces, control or formatting characters anywhere, no backslashes (``\\\\host\\share``,
  ``C:\\x.exe``; browsers read ``\\`` as ``/`` where ``urllib`` does not), at most 2,048 characters.

:func:`safe_link` is what the window may open: a web address by the same rule, or a ``mailto:``
link to valid addresses asking for nothing but ``subject``, ``body``, ``cc`` and ``bcc`` (some
mail programs honour ``attach=``). It returns the link in plain ASCII (punycode host,
percent-encoded path) for the desktop; it does not trust what is stored, so a value an old
version saved is checked again before anything is opened.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import idna

from app.errors import WinnowError

WEB_SCHEMES = ("http", "https")
MAX_LENGTH = 2048
_MAIL_PARAMETERS = frozenset({"subject", "body", "cc", "bcc"})
# "acme.de:8080/x" parses with scheme "acme.de"; a host and port is not a scheme
_HOST_AND_PORT = re.compile(r"[^:/?#]*\.[^:/?#]*:\d*(?:[/?#].*)?", re.DOTALL)
# what may stay unencoded in the path, query and fragment handed to the desktop
_URL_SAFE = "/%:@!$&'()*+,;=-._~?"


class UnsafeLink(WinnowError):
    """A link Winnow will not store or open; ``reason`` says why, for the user."""

    def __init__(self, link: str, reason: str) -> None:
        super().__init__(f"{reason}: {_shown(link)}")
        self.link = link
        self.reason = reason


def web_address(text: str) -> str:
    """``text`` as a web address to store (``https://`` added to a bare domain), or
    :class:`UnsafeLink` saying why it is not one. The host keeps its Unicode form."""
    scheme, host, port, rest = _web_parts(text)
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, *rest))


def safe_link(url: str) -> str:
    """The link to hand to the desktop — an ``http``/``https`` web address (see
    :func:`web_address`) or a ``mailto:`` link — in ASCII; :class:`UnsafeLink` for anything
    else."""
    text = _checked_text(url)
    if _scheme(text) == "mailto":
        return _mail_link(text)
    scheme, host, port, (path, query, fragment) = _web_parts(text)
    ascii_host = idna.encode(host, uts46=True).decode("ascii")
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    return urlunsplit(
        (
            scheme,
            netloc,
            quote(path, safe=_URL_SAFE),
            quote(query, safe=_URL_SAFE),
            quote(fragment, safe=_URL_SAFE),
        )
    )


# --- web addresses -----------------------------------------------------------------------


def _web_parts(text: str) -> tuple[str, str, int | None, tuple[str, str, str]]:
    """(scheme, Unicode host, port, (path, query, fragment)) of a web address."""
    text = _checked_text(text)
    scheme = _scheme(text)
    if scheme is None:
        scheme = "https"  # a bare domain; "/etc/passwd" then has no host
        url = "https://" + text
    elif scheme not in WEB_SCHEMES:
        what = "an e-mail link" if scheme == "mailto" else f"a {scheme}: link"
        raise UnsafeLink(text, f"not a web address ({what}; only http and https)")
    else:
        url = text
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a bad port, brackets, characters NFKC turns into separators
        raise UnsafeLink(text, f"not a web address ({exc})") from None
    netloc = parts.netloc
    if "@" in netloc:
        raise UnsafeLink(text, "a web address with a user name or password is not allowed")
    host = parts.hostname or ""
    if not host:
        raise UnsafeLink(text, "not a web address (no host name)")
    if netloc.startswith("[") or _is_ip(host):
        raise UnsafeLink(text, "a web address needs a site's name, not an IP address")
    bare = netloc.rsplit(":", 1)[0] if port is not None else netloc.rstrip(":")
    if bare.lower() != host:
        raise UnsafeLink(text, "not a web address (the host name is not plain)")
    return scheme, _host_name(text, host), port, (parts.path, parts.query, parts.fragment)


def _host_name(text: str, host: str) -> str:
    """The host as a normalised Unicode domain name, or UnsafeLink."""
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
        unicode_host = idna.decode(ascii_host)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise UnsafeLink(text, f"not a valid host name ({exc})") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(labels) < 2:
        raise UnsafeLink(text, "not a web address (a host name like example.com is needed)")
    if labels[-1].isdigit():
        raise UnsafeLink(text, "a web address needs a site's name, not an IP address")
    # as written: punycode stays punycode (a look-alike stays visible), Unicode stays readable
    return host if host.isascii() else unicode_host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- shared checks ------------------------------------------------------------------------


def _checked_text(text: str) -> str:
    """The link trimmed, or UnsafeLink when it hides anything between its characters."""
    if not isinstance(text, str):
        raise UnsafeLink(str(text), "not a link")
    text = text.strip()
    if not text:
        raise UnsafeLink(text, "no link")
    if len(text) > MAX_LENGTH:
        raise UnsafeLink(text, f"longer than {MAX_LENGTH:,} characters")
    for ch in text:
        if ch == "\\":
            raise UnsafeLink(text, "a backslash in a link (Windows paths are not web addresses)")
        category = unicodedata.category(ch)
        if ch.isspace() or category[0] in "CZ":
            raise UnsafeLink(text, "spaces or invisible characters in a link")
    return text


def _scheme(text: str) -> str | None:
    """The link's scheme in lower case, or None for a bare domain (with or without port)."""
    try:
        scheme = urlsplit(text).scheme
    except ValueError:
        return None
    if not scheme or _HOST_AND_PORT.fullmatch(text):
        return None
    return scheme.lower()


def _shown(link: str) -> str:
    """The link as it may be shown in a message: one line, not too long."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in link)
    return repr(text if len(text) <= 120 else text[:119] + "…")


# --- e-mail links -------------------------------------------------------------------------


def _mail_link(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    rest = text.split(":", 1)[1]
    to, _, query = rest.partition("?")
    recipients = [unquote(a) for a in to.split(",") if a]
    params = parse_qsl(query, keep_blank_values=True)
    for key, value in params:
        if key.lower() not in _MAIL_PARAMETERS:
            raise UnsafeLink(text, f"a mail link asking for {key!r} is not opened")
        if key.lower() != "body" and any(unicodedata.category(ch) == "Cc" for ch in value):
            raise UnsafeLink(text, "a line break in a mail link's header")  # header injection
        if key.lower() in ("cc", "bcc"):
            recipients.extend(a.strip(" ") for a in value.split(",") if a.strip(" "))
    if not recipients:
        raise UnsafeLink(text, "a mail link without an address")
    for address in recipients:
        if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in address):
            raise UnsafeLink(text, "spaces or invisible characters in a mail link")
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            raise UnsafeLink(text, f"not a valid e-mail address {address!r} ({exc})") from None
    return (
        "mailto:" + quote(to, safe="@,%+") + (("?" + quote(query, safe=_URL_SAFE)) if query else "")
    )
