"""SQLAlchemy 2 typed models: the whole store of Winnow.

Alembic owns the schema (``db/migrations``); these classes describe it for the ORM and for
``alembic revision --autogenerate``. Times are stored as naive UTC ``datetime`` values.

The annotations are evaluated as the classes are made (no ``from __future__ import
annotations``): SQLAlchemy reads each ``Mapped[...]`` as an object instead of evaluating ~370
strings, a sixth of this module's import time at every start of the window and the commands.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    event,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A partial index's predicate on PostgreSQL, kept in the index's ``info`` under this key and made
# its ``postgresql_where`` by :func:`postgresql_options`: naming a PostgreSQL option here loads
# SQLAlchemy's PostgreSQL dialect with every driver of it (~0.03 s of CPU of every start, SQLite
# or not). Each index's ``sqlite_where`` is stated directly (that dialect is loaded anyway).
PG_WHERE = "postgresql_where"


# the normalised e-mail of every contact: ``coalesce(email_normalized, email)``, a column the
# database works out (SQLite: VIRTUAL, stored nowhere but in its index; PostgreSQL: STORED),
# made by migration 0021 and not mapped (nothing writes it); indexed by ix_contacts_email_key
EMAIL_KEY: Any = literal_column("contacts.email_key", String(320))
# the database's own, not in the models (tests/db/test_migrations.py)
UNMAPPED_COLUMNS = {("contacts", "email_key")}
UNMAPPED_INDEXES = frozenset({"ix_contacts_email_key"})


# indexes the migrations make on SQLite only (absent on PostgreSQL): its planner walks them for
# the list's sorts, PostgreSQL's reads none (migration 0022: the list orders empty values as
# SQLite does, which a plain PostgreSQL index does not hold), and there every index costs each
# row a stage move rewrites one more entry
SQLITE_ONLY_INDEXES = frozenset(
    {
        "ix_contacts_id_name",
        "ix_contacts_company",
        "ix_contacts_title",
        "ix_contacts_score",
        "ix_contacts_response_due",
        "ix_contacts_stage_score",
    }
)


# foreign keys that PostgreSQL keeps with statement triggers instead of the constraint
# (migration 0024: the history's stages, checked once per statement where the constraint
# checked each row; 0029: the contacts' stage likewise; SQLite keeps them as constraints)
TRIGGER_KEPT_FOREIGN_KEYS = frozenset(
    {
        "fk_stage_changes_from_stage_id_stages",
        "fk_stage_changes_to_stage_id_stages",
        "fk_contacts_stage_id_stages",
    }
)


def postgresql_options(metadata: MetaData) -> None:
    """Give ``metadata``'s partial indexes their PostgreSQL predicate (``postgresql_where``),
    for DDL and ``alembic revision --autogenerate`` against PostgreSQL: done by the migration
    environment on PostgreSQL and before ``create_all`` there. Idempotent."""
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.info.get(PG_WHERE)
            if where is not None:
                index.dialect_kwargs[PG_WHERE] = text(where)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Stage(Base):
    """A lifecycle stage. ``key`` is stable; name, colour and position are the user's."""

    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(9), default="#888888")
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12), default="pipeline")  # pipeline | won | side


class ImportBatch(Base):
    """One import of one file: its source label, counts and report; can be undone."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(20))
    encoding: Mapped[str | None] = mapped_column(String(40))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    stage_key: Mapped[str | None] = mapped_column(String(40))
    on_duplicate: Mapped[str | None] = mapped_column(String(12))
    mapping: Mapped[str | None] = mapped_column(Text)  # JSON {header: field}
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text)  # JSON {"rejected": [...], "warnings": [...]}
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    # "running" while an import writes its chunks (its contacts are invisible), then "done"
    state: Mapped[str] = mapped_column(String(12), default="done", server_default="done")
    operation_id: Mapped[int | None] = mapped_column(Integer)  # the undo log entry
    # while running: which process writes it ("host:pid") and when it last committed a chunk,
    # so a batch left by a crashed process can be told from one still being written
    owner: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    # who imported it: the PostgreSQL role, or the OS user on SQLite (app.identity)
    created_by: Mapped[str | None] = mapped_column(String(200))


class Contact(Base):
    """A person on a list: everything Winnow knows about them."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_stage_created", "stage_id", "created_at"),
        Index("ix_contacts_name", "sort_name"),
        # a search sorted by name looks its matches' sort keys up here, not in their rows
        # (app.paging, SQLite's INDEXED BY; migration 0018). SQLite only: nothing reads it on
        # PostgreSQL, where each index costs every bulk move an entry a row
        Index("ix_contacts_id_name", "id", "sort_name"),
        Index("ix_contacts_created", "created_at"),
        # no index of email_normalized: it is stored only where it differs from the address
        # (migration 0021); the database's own column ``email_key`` (EMAIL_KEY) and its index
        # ix_contacts_email_key serve duplicates by e-mail and the list sorted by e-mail
        Index("ix_contacts_source", "source"),
        # no index of the domain: nothing looks contacts up by it (go look's list of the
        # domains to check reads the rows, faster than the index and a row each; 0020)
        # only the contacts an import made: every query of it names a batch (migration 0018)
        Index(
            "ix_contacts_batch",
            "import_batch_id",
            sqlite_where=text("import_batch_id IS NOT NULL"),
            info={PG_WHERE: "import_batch_id IS NOT NULL"},
        ),
        Index("ix_contacts_score", "score"),
        # PostgreSQL: only the contacts with a next action (the queues' look-ups; migration
        # 0027): there a bulk move writes an entry in every index a moved row is in
        Index(
            "ix_contacts_next_action",
            "next_action_at",
            info={PG_WHERE: "next_action_at IS NOT NULL"},
        ),
        Index("ix_contacts_response_due", "response_due_at"),
        Index("ix_contacts_company", "company"),
        Index("ix_contacts_title", "title"),
        Index("ix_contacts_stage_score", "stage_id", "score"),
        Index("ix_contacts_stage_name", "stage_id", "sort_name"),
        # the board's and dashboard's deal sums read only the contacts with an amount
        Index(
            "ix_contacts_stage_deal",
            "stage_id",
            "deal_amount",
            sqlite_where=text("deal_amount IS NOT NULL"),
            info={PG_WHERE: "deal_amount IS NOT NULL"},
        ),
        # most contacts have no owner (migration 0010)
        Index(
            "ix_contacts_owner",
            "owner",
            sqlite_where=text("owner IS NOT NULL"),
            info={PG_WHERE: "owner IS NOT NULL"},
        ),
        # the sidebar's Sales-ready and Untriaged counts read only those contacts (migration
        # 0013): at a million contacts each read every row, 1.4-1.7 s
        Index(
            "ix_contacts_sales_ready",
            "stage_id",
            sqlite_where=text("sales_ready IS 1"),
            info={PG_WHERE: "sales_ready IS TRUE"},
        ),
        Index(
            "ix_contacts_untriaged",
            "stage_id",
            sqlite_where=text("triaged_at IS NULL"),
            info={PG_WHERE: "triaged_at IS NULL"},
        ),
        # and the Awaiting and Overdue ones only the unanswered contacts with a due time, by
        # stage and due time (migration 0014, which dropped ix_contacts_followup): each looked
        # up every such row for its stage, 0.7-0.9 s at a million
        Index(
            "ix_contacts_awaiting",
            "stage_id",
            "response_due_at",
            sqlite_where=text("response_due_at IS NOT NULL AND first_response_at IS NULL"),
            info={PG_WHERE: "response_due_at IS NOT NULL AND first_response_at IS NULL"},
        ),
        # ids are never handed out twice, even after the newest contact was deleted or undone
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400), default="")  # display name
    sort_name: Mapped[str] = mapped_column(String(400), default="")  # casefolded, for ORDER BY
    email: Mapped[str | None] = mapped_column(String(320))
    # stored only where it differs from ``email`` (capitals, ``mailto:``, spaces): read it as
    # EMAIL_KEY (migration 0021)
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    other_emails: Mapped[str | None] = mapped_column(Text)  # JSON list
    phone: Mapped[str | None] = mapped_column(String(60))
    company: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(200))
    company_size: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(200))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL")
    )
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    tags: Mapped[str | None] = mapped_column(Text)  # comma separated
    notes: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[str | None] = mapped_column(Text)  # JSON {column: value} of unmapped columns
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_action_at: Mapped[datetime | None] = mapped_column(DateTime)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent: Mapped[str] = mapped_column(String(12), default="unknown")
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_how: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[int | None] = mapped_column(Integer)
    # the score's lines are worked out when shown, not stored (app.scoring.score_items, 0016)
    sales_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    # go-look: the registrable domain of the e-mail and its class, kept on the row for badges
    domain: Mapped[str | None] = mapped_column(String(255))
    domain_class: Mapped[str | None] = mapped_column(String(12))
    persona_name: Mapped[str | None] = mapped_column(String(200))
    persona_fit: Mapped[float | None] = mapped_column(Float)
    # an opportunity's value (in the user's currency) and when it is expected to close
    deal_amount: Mapped[float | None] = mapped_column(Float)
    expected_close_at: Mapped[datetime | None] = mapped_column(DateTime)
    # team mode: who is working the contact; a version every change bumps (an edit made on a
    # stale version is refused); who changed it last (app.identity)
    owner: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    changed_by: Mapped[str | None] = mapped_column(String(200))

    stage: Mapped[Stage] = relationship(lazy="joined")


class StageChange(Base):
    """One move of one contact from one stage to another."""

    __tablename__ = "stage_changes"
    __table_args__ = (
        Index("ix_stage_changes_contact_at", "contact_id", "at"),
        # no (to_stage_id, at) index: no query reads history by stage (the metrics read their
        # own tables; the rescore looks moves up by contact), migration 0017 dropped it
        # most moves were made by no undoable operation (migration 0010)
        Index(
            "ix_stage_changes_operation",
            "operation_id",
            sqlite_where=text("operation_id IS NOT NULL"),
            info={PG_WHERE: "operation_id IS NOT NULL"},
        ),
        {"sqlite_autoincrement": True},  # an undone delete puts its history back, same ids
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the operation (undo log entry) that made this move, and the contact's time in its
    # previous stage, so undoing the move restores it exactly
    operation_id: Mapped[int | None] = mapped_column(Integer)
    from_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    changed_by: Mapped[str | None] = mapped_column(String(200))  # who moved it


class Activity(Base):
    """Something that happened with a contact: an inquiry, a call, a note…"""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_contact_at", "contact_id", "at"),
        # no (type, at) index: activities are read by contact (migration 0017 dropped it)
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))  # who logged it


class Task(Base):
    """Something to do for a contact (a call, an e-mail, a meeting, a to-do) by a due time.

    The contact's ``next_action_at`` is the due time of its first open task."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_contact_due", "contact_id", "due_at"),
        Index("ix_tasks_open_due", "done_at", "due_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), default="todo")  # call | email | meeting | todo
    due_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ImportChange(Base):
    """What one import batch did to one contact, so the batch can be undone."""

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_batch", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # created | updated
    previous: Mapped[str | None] = mapped_column(Text)  # JSON {field: old value}


class Setting(Base):
    """A user setting; ``value`` is JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DomainCheck(Base):
    """The cached DNS answer for one registrable domain."""

    __tablename__ = "domain_checks"
    # the rows in the key's b-tree, no rowid table beside an index of the names (0020)
    __table_args__ = {"sqlite_with_rowid": False}

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    dns_status: Mapped[str] = mapped_column(String(12))
    mx: Mapped[str | None] = mapped_column(Text)  # JSON list of host names, by preference
    mail_host: Mapped[str | None] = mapped_column(String(40))
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class Persona(Base):
    """A buyer persona; its criteria are JSON so they can grow without migrations."""

    __tablename__ = "personas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    criteria: Mapped[str] = mapped_column(Text, default="{}")


class BantCriterion(Base):
    """A qualification criterion (Budget, Authority, Need, Timeframe, or the user's own)."""

    __tablename__ = "bant_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BantAnswer(Base):
    """One contact's answer to one criterion."""

    __tablename__ = "bant_answers"
    __table_args__ = (
        UniqueConstraint("contact_id", "criterion_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("bant_criteria.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(10), default="unknown")  # yes | no | unknown
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Source(Base):
    """A source or campaign; ``reached`` is how many an outbound campaign reached."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    reached: Mapped[int | None] = mapped_column(Integer)


class Operation(Base):
    """One entry of the undo log: one change to the store, made in one transaction.

    ``state`` is ``done`` (can be undone), ``undone`` (can be redone) or ``dropped`` (a later
    operation made its redo impossible). The log keeps the newest entries only.
    """

    __tablename__ = "operations"
    __table_args__ = (
        Index("ix_operations_state", "state", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime)
    contact_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="done")
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    payload: Mapped[str | None] = mapped_column(Text)  # JSON, kind-specific
    created_by: Mapped[str | None] = mapped_column(String(200))  # who did it


class OperationRow(Base):
    """A row an operation changed: its image before and after (JSON objects; null when the
    row did not exist), so undo and redo can put either back — and tell when someone changed
    the row since."""

    __tablename__ = "operation_rows"
    __table_args__ = (
        Index("ix_operation_rows_operation", "operation_id"),
        Index("ix_operation_rows_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(200))  # JSON of the primary key
    contact_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class ContactPoint(Base):
    """One e-mail address, phone number or postal address of a contact, with its kind (work,
    home, mobile, fax…) and whether it is the primary one. Kept for the contacts whose file or
    editor said more than the contact row holds (a second address, a kind, a street); the
    primary e-mail and phone stay on the contact row as well (lists, search, sorting), and a
    contact without points is read as the row's own e-mail, other e-mails, phone, city and
    country (``app.points``)."""

    __tablename__ = "contact_points"
    __table_args__ = (
        Index("ix_contact_points_contact", "contact_id", "kind", "position"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "email", "phone" or "address"
    label: Mapped[str] = mapped_column(String(100), default="")  # work, mobile, the file's own…
    value: Mapped[str] = mapped_column(Text, default="")  # an address: on one line
    street: Mapped[str | None] = mapped_column(Text)
    po_box: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(100))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Derived(DeclarativeBase):
    """Tables derived from the store and kept current by ``app.aggregates`` (migration 0011):
    not the user's data — left out of copies (``copy-to`` derives them again), of the undo
    log's images and of comparisons of every table."""

    metadata = MetaData(naming_convention=NAMING)


class MetricContact(Derived):
    """Derived (``app.aggregates``): what the metrics read of one contact that reached
    Inquiry — kept current from ``metric_dirty``, never written by anything else."""

    __tablename__ = "metric_contacts"
    __table_args__ = (
        Index("ix_metric_contacts_inquiry", "inquiry_at"),
        # most inquiries never qualify, fewer still become customers: only those are in
        # these two (every query of them asks for a time, migration 0020)
        Index(
            "ix_metric_contacts_qualified",
            "qualified_at",
            sqlite_where=text("qualified_at IS NOT NULL"),
            info={PG_WHERE: "qualified_at IS NOT NULL"},
        ),
        Index(
            "ix_metric_contacts_customer",
            "customer_at",
            sqlite_where=text("customer_at IS NOT NULL"),
            info={PG_WHERE: "customer_at IS NOT NULL"},
        ),
        Index(
            "ix_metric_contacts_waiting",
            "due_at",
            sqlite_where=text("first_at IS NULL AND due_at IS NOT NULL"),
            info={PG_WHERE: "first_at IS NULL AND due_at IS NOT NULL"},
        ),
        Index(
            "ix_metric_contacts_response",
            "response_hours",
            sqlite_where=text("response_hours IS NOT NULL"),
            info={PG_WHERE: "response_hours IS NOT NULL"},
        ),
        # the contacts whose inquiry time in the history is not their inquiry time (received
        # before it): with the index of inquiry_at, a period's part-days' stays (migration 0023)
        Index(
            "ix_metric_contacts_history_inquiry",
            "history_inquiry_at",
            sqlite_where=text("history_inquiry_at <> inquiry_at"),
            info={PG_WHERE: "history_inquiry_at <> inquiry_at"},
        ),
    )

    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str | None] = mapped_column(String(200))
    history_inquiry_at: Mapped[datetime | None] = mapped_column(DateTime)
    inquiry_at: Mapped[datetime | None] = mapped_column(DateTime)
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime)
    customer_at: Mapped[datetime | None] = mapped_column(DateTime)
    max_pos: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_at: Mapped[datetime | None] = mapped_column(DateTime)
    amount: Mapped[float | None] = mapped_column(Float)
    response_hours: Mapped[float | None] = mapped_column(Float)  # first response − received


class MetricStay(Derived):
    """Derived (``app.aggregates``): one completed stay in a stage of a contact in
    ``metric_contacts`` — the stage change that began it, and its length in days."""

    __tablename__ = "metric_stays"
    __table_args__ = (
        # read and deleted by contact: the key is the contact's, and on SQLite the table is
        # that key's b-tree (no rowid, no index of the contacts beside it; migration 0020)
        PrimaryKeyConstraint("contact_id", "change_id"),
        Index("ix_metric_stays_stage_days", "stage_id", "days"),
        {"sqlite_with_rowid": False},
    )

    change_id: Mapped[int] = mapped_column(Integer, autoincrement=False)
    contact_id: Mapped[int] = mapped_column(Integer, autoincrement=False)
    stage_id: Mapped[int] = mapped_column(Integer)
    days: Mapped[float] = mapped_column(Float)


class MetricDirty(Derived):
    """Contacts whose derived metric rows are out of date: appended by triggers (migration
    0011) on every write that matters, emptied by ``app.aggregates``."""

    __tablename__ = "metric_dirty"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer)


class MetricDay(Derived):
    """Derived (``app.aggregates``): the rows of ``metric_contacts`` summed per kind (``i``
    by inquiry day, ``q`` by qualified day, ``c`` by customer day), day, source and furthest
    stage (migration 0012)."""

    __tablename__ = "metric_days"
    # the key, then the measures: the dashboard's reads take them from the index (0030)
    __table_args__ = (
        Index(
            "ix_metric_days_key",
            *("kind", "day", "source", "max_pos"),
            *("n", "qualified", "answered", "decided", "late", "pending", "amount"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(1))
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(200))
    max_pos: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    qualified: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    decided: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Float)


class MetricMeta(Derived):
    """What the derived metric rows were derived under (stage positions, criteria)."""

    __tablename__ = "metric_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


def _postgresql_before_create(metadata: MetaData, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        postgresql_options(metadata)


for _metadata in (Base.metadata, Derived.metadata):
    event.listen(_metadata, "before_create", _postgresql_before_create)
