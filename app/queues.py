"""The named queues of contacts: the sidebar's Follow-up entries and triage's queue.

Each has a label and an SQL condition on ``Contact`` (a function of "now"). The table is
explicit and complete when this module is imported, so every process knows every queue
whatever it imported first (``ContactQuery(queue=…)`` resolves names here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement

from app import followup, triage


@dataclass(frozen=True)
class Queue:
    label: str
    condition: Callable[[datetime], ColumnElement[bool]]


QUEUES: dict[str, Queue] = {
    **{name: Queue(label, fn) for name, (label, fn) in followup.QUEUES.items()},
    "untriaged": Queue("Untriaged", triage.untriaged_condition),
}
