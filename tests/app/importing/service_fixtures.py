"""Small real files for import tests, written byte for byte as the programs write them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from db.engine import Database
from db.models import Contact, ImportBatch, ImportChange, StageChange

BADGE_HEADERS = ["First Name", "Last Name", "Email", "Company", "Job Title", "Phone", "City"]


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(headers)
        w.writerows(rows)
    return path


# one visitor as the badge scanner writes him (BADGE_HEADERS order); several files start with him
JURGEN_ROW = [
    "Jürgen",
    "Weißmann",
    "j.weissmann@acme-maschinen.de",
    "ACME Maschinen GmbH",
    "Werkleiter",
    "+49 511 1234567",
    "Hannover",
]


def badge_list(path: Path) -> Path:
    """A badge-scanner export: three visitors with accented names."""
    return write_csv(
        path,
        BADGE_HEADERS,
        [
            JURGEN_ROW,
            [
                "Françoise",
                "Lefèvre",
                "f.lefevre@exemple-industrie.fr",
                "Exemple Industrie SAS",
                "Directrice des achats",
                "+33 4 72 00 00 00",
                "Lyon",
            ],
            [
                "Ayşe",
                "Öztürk",
                "ayse.ozturk@ozturk.com.tr",
                "Öztürk Makina A.Ş.",
                "Satın alma müdürü",
                "",
                "İstanbul",
            ],
        ],
    )


def contacts_table(db: Database) -> list[tuple[object, ...]]:
    """Every contact row, every column, in id order (to compare whole databases); but the
    version and who wrote last, which go on with every write, an undo's included."""
    cols = [c for c in Contact.__table__.columns if c.name not in ("version", "changed_by")]
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(*cols).order_by(Contact.id))]


def counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func

    with db.session() as s:
        return {
            "contacts": int(s.scalar(select(func.count()).select_from(Contact)) or 0),
            "batches": int(s.scalar(select(func.count()).select_from(ImportBatch)) or 0),
            "changes": int(s.scalar(select(func.count()).select_from(ImportChange)) or 0),
            "stage_changes": int(s.scalar(select(func.count()).select_from(StageChange)) or 0),
        }
