"""Who runs a domain's mail, told from its MX host names (Google, Microsoft 365, IONOS…)."""

from __future__ import annotations

from collections.abc import Sequence

# key -> what the user reads ("mail on Microsoft 365")
MAIL_HOST_LABELS: dict[str, str] = {
    "google": "Google Workspace",
    "microsoft": "Microsoft 365",
    "zoho": "Zoho Mail",
    "proton": "Proton Mail",
    "ionos": "IONOS",
    "ovh": "OVHcloud",
    "united-internet": "GMX / WEB.DE",
    "yahoo": "Yahoo",
    "apple": "iCloud",
    "fastmail": "Fastmail",
    "yandex": "Yandex",
    "mimecast": "Mimecast",
    "barracuda": "Barracuda",
    "proofpoint": "Proofpoint",
    "strato": "Strato",
    "hetzner": "Hetzner",
    "self": "its own mail server",
    "other": "another provider",
    "none": "no mail server",
    "unknown": "unknown",
}

# registrable domain of an MX host -> provider
_PROVIDER_DOMAINS: dict[str, str] = {
    "google.com": "google",
    "googlemail.com": "google",
    "gmail.com": "google",
    "outlook.com": "microsoft",
    "hotmail.com": "microsoft",
    "microsoft.com": "microsoft",
    "office365.us": "microsoft",
    "zoho.com": "zoho",
    "zoho.eu": "zoho",
    "zoho.in": "zoho",
    "zoho.com.au": "zoho",
    "zohomail.com": "zoho",
    "protonmail.ch": "proton",
    "proton.me": "proton",
    "protonmail.com": "proton",
    "kundenserver.de": "ionos",
    "1and1.com": "ionos",
    "1and1.co.uk": "ionos",
    "1und1.de": "ionos",
    "perfora.net": "ionos",
    "schlund.de": "ionos",
    "ui-dns.com": "ionos",
    "ovh.net": "ovh",
    "ovh.com": "ovh",
    "ovh.ca": "ovh",
    "gmx.net": "united-internet",
    "gmx.de": "united-internet",
    "gmx.com": "united-internet",
    "web.de": "united-internet",
    "mail.com": "united-internet",
    "yahoodns.net": "yahoo",
    "yahoo.com": "yahoo",
    "icloud.com": "apple",
    "me.com": "apple",
    "apple.com": "apple",
    "messagingengine.com": "fastmail",
    "fastmail.com": "fastmail",
    "yandex.net": "yandex",
    "yandex.ru": "yandex",
    "mimecast.com": "mimecast",
    "mimecast.co.za": "mimecast",
    "mimecast-offshore.com": "mimecast",
    "barracudanetworks.com": "barracuda",
    "barracuda.com": "barracuda",
    "pphosted.com": "proofpoint",
    "ppe-hosted.com": "proofpoint",
    "proofpoint.com": "proofpoint",
    "rzone.de": "strato",
    "strato.de": "strato",
    "strato.com": "strato",
    "your-server.de": "hetzner",
    "hetzner.com": "hetzner",
    "hetzner.de": "hetzner",
}


def mail_host_of(domain: str, mx_hosts: Sequence[str]) -> str:
    """The provider key for a domain's MX hosts (best preference first); ``none`` if empty."""
    if not mx_hosts:
        return "none"
    # imported when first used (with the address and suffix lists), not at the window's start
    from app.golook.classify import registrable_domain

    own = registrable_domain(domain)
    for host in mx_hosts:
        base = registrable_domain(host)
        if base is None:
            continue
        provider = _PROVIDER_DOMAINS.get(base)
        if provider is None and base.split(".", 1)[0] == "ionos":  # ionos.de, ionos.co.uk…
            provider = "ionos"
        if provider is not None:
            return provider
    for host in mx_hosts:
        if own is not None and registrable_domain(host) == own:
            return "self"
    return "other"


def mail_host_label(key: str | None) -> str:
    return MAIL_HOST_LABELS.get(key or "unknown", key or "unknown")
