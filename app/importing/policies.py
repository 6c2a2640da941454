"""Duplicate policies on plain values: folding a repeated row of the file into the first one,
the columns a row changes on a known contact (skip / fill / overwrite), and whether a contact
already holds everything a row says."""

from __future__ import annotations

import json
from typing import Any

from app.contacts import derived_values
from app.importing.rows import PreparedRow
from app.names import display_name, normalize_email, sort_key


def _empty(column: str, value: Any) -> bool:
    return value is None or value == "" or (column == "consent" and value == "unknown")


def json_dict(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def dump(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


def merge_rows(first: PreparedRow, later: PreparedRow, policy: str) -> None:
    """Fold a later row of the file into an earlier one with the same e-mail address."""
    if policy == "skip":
        return
    for key, value in later.values.items():
        if policy == "overwrite" or _empty(key, first.values.get(key)):
            first.values[key] = value
    for key, value in later.extra.items():
        if policy == "overwrite" or key not in first.extra:
            first.extra[key] = value
    known = {normalize_email(e) for e in first.other_emails} | {first.email_key}
    for address in later.other_emails:
        if normalize_email(address) not in known:
            first.other_emails.append(address)
    if later.stage_key and (policy == "overwrite" or not first.stage_key):
        first.stage_key = later.stage_key
    first.__dict__.pop("name_key", None)  # the name may have changed
    first.stored = None  # and what it stores


def contact_changes(existing: dict[str, Any], row: PreparedRow, policy: str) -> dict[str, Any]:
    """The columns ``row`` changes on an existing contact under ``policy`` (new values)."""
    if policy == "skip":
        return {}
    changes: dict[str, Any] = {}
    for key, value in row.values.items():
        old = existing.get(key)
        if value == old or (key == "consent" and value == "unknown"):
            continue
        if policy == "overwrite" or _empty(key, old):
            changes[key] = value
    old_extra = json_dict(existing.get("extra"))
    new_extra = {**old_extra, **row.extra} if policy == "overwrite" else {**row.extra, **old_extra}
    if new_extra != old_extra:
        changes["extra"] = dump(new_extra)
    old_others = json_list(existing.get("other_emails"))
    primary = normalize_email(changes.get("email", existing.get("email")))
    known = {normalize_email(e) for e in old_others} | {primary}
    added = [e for e in row.other_emails if normalize_email(e) not in known]
    if added:
        changes["other_emails"] = dump(old_others + added)
    if not changes:
        return changes
    after = {**existing, **changes}
    name = (
        display_name(after.get("first_name"), after.get("last_name"))
        or after.get("company")
        or after.get("email")
        or ""
    )
    if name != existing.get("name"):
        changes["name"] = name
        changes["sort_name"] = sort_key(name)
    if "email" in changes:
        derived = derived_values({"email": changes["email"]})
        changes.update({k: derived[k] for k in ("email_normalized", "domain", "domain_class")})
    return changes


def contains(existing: dict[str, Any], row: PreparedRow) -> bool:
    """True when the contact already holds every value of the row (a repeat of it)."""
    if any(existing.get(k) != v for k, v in row.values.items()):
        return False
    extra = json_dict(existing.get("extra"))
    if any(extra.get(k) != v for k, v in row.extra.items()):
        return False
    others = {normalize_email(e) for e in json_list(existing.get("other_emails"))}
    return all(normalize_email(e) in others for e in row.other_emails)


def row_as_existing(row: PreparedRow) -> dict[str, Any]:
    return {**row.values, "extra": dump(row.extra), "other_emails": dump(row.other_emails)}
