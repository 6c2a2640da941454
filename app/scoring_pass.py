"""The scores of a full recompute's chunk, worked out from the rows as the driver reads them.

After a rule, threshold or time change (``app.scoring.recompute_all`` without the follow-up
times) only the score and sales-readiness of each contact are worked out again: its fields,
the activities whose rule gives points (and any "asked for sales", which makes it
sales-ready), and its BANT answers. Here that is one pass over plain tuples, with no
``datetime`` made for an activity stored as whole seconds (SQLite's times,
``db.times``): its age is the same integer microseconds ``now - at`` gives, divided the same
way. The result is exactly what ``app.scoring._work_out`` gives for the same contacts
(``follow_ups=False``): tests compare the two on random contacts, rules and times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from app.qualification import is_qualified
from app.scoring_rules import ScoreTotal, _round

_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

# (id, email, domain_class, title, persona_fit, consent, score, sales_ready, stage_id)
ContactRow = tuple[Any, ...]
# the changed values of each contact, grouped by which columns changed (0: score,
# 1: sales_ready) as rows (value, …, id), as app.scoring._write takes them
Updates = dict[tuple[int, ...], list[tuple[Any, ...]]]


def work_out_scores(
    scorer: ScoreTotal,
    now: datetime,
    threshold: int,
    deciding: Sequence[int],
    promotable: frozenset[int],
    rows: Sequence[ContactRow],
    activities: Iterable[tuple[int, str, Any]],
    answers: Iterable[tuple[int, int, str]],
    to_time: Callable[[Any], datetime],
    asked_kind: str,
) -> tuple[Updates, dict[bool, list[int]]]:
    """The new score and sales-readiness of the contacts ``rows``, compared with the stored
    ones: the changes, and the contacts that became sales-ready in a stage of ``promotable``
    (by whether they asked for sales: True, or reached the threshold: False).

    ``activities``: ``(contact id, type, time as stored)`` in the order read (the points of
    one type are added up in that order), of the types with points and ``asked_kind``;
    ``answers``: ``(contact id, criterion id, answer)`` but unknown ones."""
    rules = scorer.activity_rules
    now_us = (now - _EPOCH) // _MICROSECOND
    # (contact, type) -> the points of each of its activities of that type, in order
    points: dict[tuple[int, str], list[float]] = {}
    asked: set[int] = set()
    for cid, kind, at in activities:
        rule = rules.get(kind)
        if kind == asked_kind:
            asked.add(cid)
        if rule is None:
            continue
        base, half = rule
        if half is None:
            value = base
        else:
            if type(at) is int:  # whole seconds since 1970: now - at without a datetime
                age = (now_us - at * 1_000_000) / 1_000_000
            else:
                age = (now - to_time(at)).total_seconds()
            value = base * 0.5 ** (max(0.0, age) / 86400.0 / half)
        key = (cid, kind)
        if key in points:
            points[key].append(value)
        else:
            points[key] = [value]
    engagement: dict[int, int] = {}
    for (cid, kind), values in points.items():
        base, half = rules[kind]
        n = _round(base * len(values)) if half is None else _round(sum(values))
        engagement[cid] = engagement.get(cid, 0) + n
    yes_points, no_points = scorer.answer_points
    answered: dict[int, dict[int, str]] = {}
    for cid, criterion, answer in answers:
        if cid in answered:
            answered[cid][criterion] = answer
        else:
            answered[cid] = {criterion: answer}
    readiness: dict[tuple[str | None, ...], tuple[bool, bool]] = {}  # (said no, qualified)
    fields_total = scorer.fields_total
    updates: Updates = {}
    crossing: dict[bool, list[int]] = {}
    for cid, email, dclass, title, pfit, consent, old_score, old_ready, stage_id in rows:
        score = fields_total(email, dclass, title, pfit, consent)
        if cid in engagement:
            score += engagement[cid]
        mine = answered.get(cid)
        asked_sales = cid in asked
        if mine is None:
            ready = asked_sales  # no answers: not qualified, nothing said no
        else:
            for answer in mine.values():
                if answer == "yes":
                    score += yes_points
                elif answer == "no":
                    score += no_points
            given = tuple([mine.get(i) for i in deciding])
            decided = readiness.get(given)
            if decided is None:
                decided = readiness[given] = (
                    "no" in given,
                    is_qualified([(True, a or "unknown") for a in given]),
                )
            said_no, qualified = decided
            ready = not said_no and (asked_sales or (qualified and score >= threshold))
        was_ready = bool(old_ready)
        if score != old_score:
            changed: tuple[int, ...] = (0, 1) if ready != was_ready else (0,)
            row: tuple[Any, ...] = (score, ready, cid) if ready != was_ready else (score, cid)
        elif ready != was_ready:
            changed, row = (1,), (ready, cid)
        else:
            continue
        if changed in updates:
            updates[changed].append(row)
        else:
            updates[changed] = [row]
        if ready and not was_ready and stage_id in promotable:
            crossing.setdefault(asked_sales, []).append(cid)
    return updates, crossing


def kinds_read(scorer: ScoreTotal, asked_kind: str) -> list[str]:
    """The activity types :func:`work_out_scores` looks at: those with points, and
    ``asked_kind``."""
    return sorted({*scorer.activity_rules, asked_kind})
