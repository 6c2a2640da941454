"""Issue 12, item 2: one meaning of qualified. Qualified = every required criterion yes;
sales-ready = qualified and score ≥ threshold, or asked for sales; a required *no* is never
sales-ready; a score alone proposes Marketing qualified, never Sales qualified."""

from __future__ import annotations

from app import operations, qualification, scoring
from app.contacts import ContactQuery, create_contact, get_contact, query_ids
from db.engine import Database

ALL_YES = {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}


def _ready(db: Database, cid: int) -> tuple[int, bool]:
    c = get_contact(db, cid)
    return int(c.score or 0), c.sales_ready


def _strong(db: Database, stage: str = "inquiry") -> int:
    # branded 15 + persona 13 + C-level 15 + demo 20 + meeting 10 = 73 before any answer
    cid = create_contact(
        db, name="Jürgen Weißmann", email="j.weissmann@weissmann.de", title="CEO", stage=stage
    )
    operations.log_activity(db, cid, "demo-requested")
    operations.log_activity(db, cid, "meeting")
    return cid


def test_a_score_alone_proposes_marketing_qualified_never_sales(db: Database) -> None:
    cid = _strong(db)
    assert _ready(db, cid) == (73, False)
    assert query_ids(db, ContactQuery(queue="marketing-ready")) == [cid]
    assert query_ids(db, ContactQuery(queue="sales-ready")) == []
    assert scoring.promote_to_sales_qualified(db, [cid]) is None


def test_timeframe_no_is_not_sales_ready_whatever_the_score(db: Database) -> None:
    cid = _strong(db)
    operations.set_bant(db, cid, {**ALL_YES, "timeframe": "no"})
    # 73 + 3 × 10 − 10 = 93, yet a required criterion is answered no
    assert _ready(db, cid) == (93, False)
    assert not qualification.get_bant(db, cid).qualified
    operations.set_bant(db, cid, {"timeframe": "yes"})
    assert _ready(db, cid) == (113, True)
    assert query_ids(db, ContactQuery(queue="sales-ready")) == [cid]
    assert query_ids(db, ContactQuery(queue="marketing-ready")) == []


def test_qualified_below_the_threshold_is_not_sales_ready(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@gmail.com", stage="inquiry")
    operations.set_bant(db, cid, ALL_YES)
    assert _ready(db, cid) == (40, False)


def test_asked_for_sales_is_ready_unless_a_required_answer_is_no(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@gmail.com", stage="inquiry")
    operations.log_activity(db, cid, "asked-for-sales")
    assert _ready(db, cid) == (25, True)
    operations.set_bant(db, cid, {"budget": "no"})
    assert _ready(db, cid) == (15, False)


def test_optional_criteria_do_not_decide(db: Database) -> None:
    operations.add_criterion(db, "Champion", required=False)
    cid = _strong(db)
    operations.set_bant(db, cid, {**ALL_YES, "champion": "no"})
    assert _ready(db, cid) == (103, True)
    assert qualification.get_bant(db, cid).qualified
