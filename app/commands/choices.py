"""The fixed vocabularies the command line's options offer, without importing the modules that
own them (those load SQLAlchemy; ``winnow --help`` must not). tests/app/test_cli_imports.py
checks that each one equals its owner's."""

from __future__ import annotations

SORT_COLUMNS = (  # app.contacts.SORT_COLUMNS
    "company",
    "created",
    "created_at",
    "domain_class",
    "due",
    "email",
    "name",
    "next_action",
    "response_due",
    "score",
    "source",
    "stage",
    "title",
)
ACTIVITY_TYPES = (  # app.activities.ACTIVITY_TYPES
    "inquiry-received",
    "content-downloaded",
    "webinar-attended",
    "demo-requested",
    "asked-for-sales",
    "email-sent",
    "call",
    "meeting",
    "note",
)
STAGE_KINDS = ("pipeline", "won", "side")  # app.stages.KINDS
CONSENT_STATES = ("unknown", "granted", "withdrawn")  # app.consent.CONSENT_STATES
TASK_KINDS = ("call", "email", "meeting", "todo")  # app.todo.TASK_KINDS
DUE_FILTERS = ("today", "overdue", "all")  # app.todo.DUE_FILTERS
