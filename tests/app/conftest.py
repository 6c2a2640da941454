"""Fixtures shared by the tests of app/ (on top of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import open_database


@pytest.fixture
def filled(db_path: Path) -> Iterator[Path]:
    """A closed database file with 400 demo contacts (the backup tests' file)."""
    from app.demo import generate_demo

    db = open_database(db_path)
    generate_demo(db, 400, seed=3)
    db.close()
    yield db_path
