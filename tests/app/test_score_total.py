"""The full recompute's score (``ScoreTotal``: the rules compiled once, the points of a
contact's fields remembered per distinct fields) is exactly the total of the score's lines
(``explain_values``), on random contacts and random rules — one scorer for many contacts, as
a recompute uses it, so what it remembers of one contact is tested on the next."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.activities import ACTIVITY_TYPES
from app.scoring_rules import (
    DEFAULT_RULES,
    ScoreTotal,
    ScoringRules,
    explain_values,
    total_score,
)

NOW = datetime(2026, 12, 1, 11, 0, 0)
KINDS = [*ACTIVITY_TYPES, "unknown-kind"]
RULE_KEYS = [r.key for r in DEFAULT_RULES] + ["activity.unknown-kind", "title.nonsense"]

# points near the rounding edges (x.5), zero, negative, large, fractions
points = st.one_of(
    st.sampled_from([0, 0.5, -0.5, 1.5, -2.5, 2.4999999, 10, -10, 25, 0.49]),
    st.floats(min_value=-200, max_value=200, allow_nan=False),
    st.integers(min_value=-50, max_value=50),
)
half_lives = st.one_of(
    st.none(),
    st.sampled_from([0.0, -3.0, 1.0, 30.0, 90.0]),
    st.floats(min_value=0.01, max_value=400),
)


@st.composite
def rules_tables(draw: st.DrawFn) -> ScoringRules:
    base = ScoringRules.defaults()
    pts = dict(base.points)
    halves = dict(base.half_life_days)
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), max_size=12)):
        pts[key] = draw(points)
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), max_size=6)):
        if key.startswith("activity."):
            halves[key] = draw(half_lives)
    return ScoringRules(pts, halves)


emails = st.one_of(
    st.none(),
    st.sampled_from(["", "   ", "info@acme.de", " Sales@acme.de ", "no-reply@x.io", "a@b@c",
                     "anna.schmidt@acme.de", "info-de@acme.de", "sales2@acme.de", "kontakt@",
                     "@acme.de", "jo+info@acme.de", "info+jo@acme.de", "vertrieb.x@acme.de"]),
    st.builds(lambda a, b: f"{a}@{b}", st.text(min_size=0, max_size=8), st.text(max_size=6)),
)  # fmt: skip
titles = st.one_of(
    st.none(),
    st.sampled_from(["", "CEO", "Managing Director", "Head of Sales", "Senior Engineer",
                     "Werkstudent", "Teamleiter Einkauf", "Buyer", "Sales Manager", "VP"]),
    st.text(max_size=20),
)  # fmt: skip
fits = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 1, 0.5, 50.0, 100.0, 150.0, -3.0, math.inf, math.nan, 0.995]),
    st.floats(min_value=-10, max_value=200, allow_nan=False),
)
times = st.builds(
    lambda d, s: NOW - timedelta(days=d, seconds=s),
    st.integers(min_value=-400, max_value=900),  # some ahead of now (a clock ahead)
    st.integers(min_value=0, max_value=86399),
)
contacts = st.tuples(
    emails,
    st.sampled_from([None, "", "branded", "free", "disposable", "invalid", "other"]),
    titles,
    fits,
    st.sampled_from([None, "unknown", "granted", "withdrawn", ""]),
    st.lists(st.tuples(st.sampled_from(KINDS), times), max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(["Budget", "Authority", "Need"]),
            st.sampled_from(["yes", "no", "unknown", "maybe"]),
        ),
        max_size=4,
    ),
)


@settings(max_examples=300, deadline=None)
@given(rules=rules_tables(), people=st.lists(contacts, min_size=1, max_size=12))
def test_the_fast_score_is_the_total_of_the_lines(
    rules: ScoringRules,
    people: list[tuple],  # type: ignore[type-arg]
) -> None:
    scorer = ScoreTotal(rules)
    for _ in range(2):  # the second time from what it remembers
        for email, dclass, title, fit, consent, acts, bant in people:
            lines = explain_values(
                email, "acme.de", dclass, title, "Buyer", fit, consent or "unknown",
                acts, bant, ACTIVITY_TYPES, rules, NOW,
            )  # fmt: skip
            assert scorer.score(email, dclass, title, fit, consent, acts, bant, NOW) == (
                total_score(lines)
            )


def test_a_scorer_forgets_when_full_and_still_agrees() -> None:
    rules = ScoringRules.defaults()
    scorer = ScoreTotal(rules)
    scorer._MEMO_MAX = 3  # type: ignore[misc]
    for i in range(10):
        title = ["CEO", "Buyer", "Werkstudent", None][i % 4]
        fit = i / 10
        want = total_score(
            explain_values(
                "a@acme.de",
                "acme.de",
                "branded",
                title,
                None,
                fit,
                "granted",
                [],
                [],
                ACTIVITY_TYPES,
                rules,
                NOW,
            )
        )
        assert scorer.score("a@acme.de", "branded", title, fit, "granted", [], [], NOW) == want
    assert len(scorer._fields) <= 3
