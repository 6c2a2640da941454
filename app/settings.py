"""User settings stored in the database as JSON values (Qt's QSettings keeps only window state)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Setting


def get_setting(db: Database, key: str, default: Any = None) -> Any:
    with db.session() as s:
        return read_setting(s, key, default)


def read_setting(s: Session, key: str, default: Any = None) -> Any:
    """:func:`get_setting` in a transaction the caller has open."""
    raw = s.scalar(select(Setting.value).where(Setting.key == key))
    return default if raw is None else json.loads(raw)


def set_setting(db: Database, key: str, value: Any) -> None:
    with db.session() as s:
        row = s.get(Setting, key)
        payload = json.dumps(value, ensure_ascii=False)
        if row is None:
            s.add(Setting(key=key, value=payload))
        else:
            row.value = payload
