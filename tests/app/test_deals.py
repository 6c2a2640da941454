"""Pipeline value on the board: the sum of each column's deal amounts, under the board's
filters (issue 12, item 9)."""

from __future__ import annotations

from datetime import datetime

from app import deals, moves, operations
from app.contacts import ContactQuery, create_contact
from db.engine import Database


def test_board_values_sum_each_stage_under_the_filters(db: Database) -> None:
    at = datetime(2026, 2, 1)
    a = create_contact(db, name="A", email="a@firm.de", source="Fair", stage="opportunity", at=at)
    b = create_contact(db, name="B", email="b@firm.de", source="Web", stage="opportunity", at=at)
    c = create_contact(db, name="C", email="c@firm.de", source="Fair", stage="opportunity", at=at)
    create_contact(db, name="D", email="d@firm.de", source="Fair", stage="inquiry", at=at)
    operations.set_deal(db, a, 12_500.0, datetime(2026, 4, 1))
    operations.set_deal(db, b, 4_000.5, None)  # C has no amount: counted, adds nothing
    values = deals.board_values(db, ContactQuery())
    assert values == {"opportunity": 16_500.5}  # C has no amount; no amounts, no sum at all
    # the board's filters apply; its stage filter does not (every column is summed)
    fair = deals.board_values(db, ContactQuery(source="fair", stage_keys=("inquiry",)))
    assert fair == {"opportunity": 12_500.0}
    # a move carries the amount to the other column
    moves.move_to_stage(db, [a], "customer", at=datetime(2026, 3, 1))
    assert deals.board_values(db, ContactQuery()) == {"opportunity": 4_000.5, "customer": 12_500.0}
    # clearing an amount takes it out
    operations.set_deal(db, b, None, None)
    assert deals.board_values(db, ContactQuery()) == {"customer": 12_500.0}
    assert set(deals.deal_marks(db, [a, b, c])) == {a}  # the cards: contacts with a deal
