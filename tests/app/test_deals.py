"""Pipeline value on the board: each column's count and the sum of its deal amounts, under the
board's filters (issue 12, item 9)."""

from __future__ import annotations

from datetime import datetime

from app import deals, moves, operations
from app.contacts import ContactQuery, create_contact
from db.engine import Database


def test_board_totals_count_and_sum_each_stage_under_the_filters(db: Database) -> None:
    at = datetime(2026, 2, 1)
    a = create_contact(db, name="A", email="a@firm.de", source="Fair", stage="opportunity", at=at)
    b = create_contact(db, name="B", email="b@firm.de", source="Web", stage="opportunity", at=at)
    c = create_contact(db, name="C", email="c@firm.de", source="Fair", stage="opportunity", at=at)
    create_contact(db, name="D", email="d@firm.de", source="Fair", stage="inquiry", at=at)
    operations.set_deal(db, a, 12_500.0, datetime(2026, 4, 1))
    operations.set_deal(db, b, 4_000.5, None)  # C has no amount: counted, adds nothing
    totals = deals.board_totals(db, ContactQuery())
    assert totals["opportunity"] == deals.StageTotal(3, 16_500.5)
    assert totals["inquiry"] == deals.StageTotal(1, None)  # no amounts: no sum at all
    assert "customer" not in totals
    # the board's filters apply; its stage filter does not (every column is counted)
    fair = deals.board_totals(db, ContactQuery(source="fair", stage_keys=("inquiry",)))
    assert fair["opportunity"] == deals.StageTotal(2, 12_500.0)
    # a move carries the amount to the other column
    moves.move_to_stage(db, [a], "customer", at=datetime(2026, 3, 1))
    totals = deals.board_totals(db, ContactQuery())
    assert totals["opportunity"] == deals.StageTotal(2, 4_000.5)
    assert totals["customer"] == deals.StageTotal(1, 12_500.0)
    assert set(deals.deal_marks(db, [a, b, c])) == {a, b}
