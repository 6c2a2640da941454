"""Offline classification of an e-mail address's domain (no DNS)."""

from __future__ import annotations

from app.names import email_domain


def quick_domain_class(email: str | None) -> tuple[str | None, str | None]:
    """(registrable domain, class) for storing on the contact row; class is one of
    ``branded``, ``free``, ``disposable``, ``invalid``, or None when there is no address."""
    if not email or not email.strip():
        return None, None
    domain = email_domain(email)
    if not domain or "." not in domain or email.count("@") != 1:
        return domain, "invalid"
    return domain, "branded"
