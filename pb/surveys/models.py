"""Survey rows.

- :class:`SurveyInstrument` — a validated questionnaire loaded from a file (docs/survey-instruments.md): its
  name, items, response scale and scoring rule are locked once loaded; staff may only retire it.
- :class:`Survey` — one use of an instrument for a funded agreement or a PB round, optionally the "after"
  of a "before" survey; draft -> open -> closed.
- :class:`SurveyLink` — one anonymous answer link: only a keyed hash of its token is stored, and the day it was
  used (``used_on``), so that one link gives one answer.
- :class:`SurveyAnswer` — one anonymous answer. It holds no user, no IP address, no user agent, no token or
  link reference and no time of day (only the day): nothing links it to a person or to the link it came by.
"""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.agreements.models import helsinki_today
from pb.enums import LabelledEnum
from pb.errors import DomainError
from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin, UTCDateTime, enum_type


class SurveyState(LabelledEnum):
    DRAFT = "draft", _l("Draft: not open for answers yet")
    OPEN = "open", _l("Open for answers")
    CLOSED = "closed", _l("Closed")


class SurveyPhase(LabelledEnum):
    SINGLE = "single", _l("A single survey")
    BEFORE = "before", _l("Before the activity")
    AFTER = "after", _l("After the activity")


class SubjectKind(LabelledEnum):
    AGREEMENT = "agreement", _l("A funded activity (agreement)")
    ROUND = "round", _l("A participatory budgeting round")


class AnswerChannel(LabelledEnum):
    LINK = "link", _l("Online, by an answer link")
    PAPER = "paper", _l("On paper, entered by staff")


class InstrumentLocked(DomainError):
    """A change to a loaded instrument's wording, scale or scoring: always refused."""

    status = 409

    def __init__(self):
        super().__init__(_("The wording of a loaded instrument is locked: its items, response scale and scoring "
                           "cannot be changed, so that every answer is comparable. Nothing was changed. To use "
                           "other wording, load it as a new instrument file and retire this one."))


# The columns of an instrument that are never changed after loading (retiring sets only retired_*).
LOCKED_COLUMNS = ("key", "version", "name", "description", "source", "is_test", "items", "scale_min", "scale_max",
                  "scale_labels", "min_answered", "file_sha256")


class SurveyInstrument(TimestampMixin, db.Model):
    __tablename__ = "survey_instruments"
    __table_args__ = (
        CheckConstraint("scale_max > scale_min", name="scale_order"),
        CheckConstraint("min_answered >= 1", name="min_answered_positive"),
        UniqueConstraint("key", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # From the file: its own id and version (the same id and version cannot be loaded twice).
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)
    source: Mapped[dict] = mapped_column(JSON)
    is_test: Mapped[bool] = mapped_column(default=False)
    # [{"id": "q1", "text": {"fi", "sv", "en"}, "reverse": bool, "labels": {"1": {...}} (optional)}]
    items: Mapped[list] = mapped_column(JSON)
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    # {"1": {"fi", "sv", "en"}, ...}: a label for every value of the scale.
    scale_labels: Mapped[dict] = mapped_column(JSON)
    min_answered: Mapped[int]
    file_sha256: Mapped[str] = mapped_column(String(64))
    # What staff wrote about where the file came from, when they loaded it.
    source_note: Mapped[str] = mapped_column(String(500), default="")
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def display_name(self):
        return localized(self.name)

    @property
    def is_retired(self):
        return self.retired_at is not None

    @property
    def scale_values(self):
        return list(range(self.scale_min, self.scale_max + 1))

    def item(self, item_id):
        return next((item for item in self.items if item["id"] == item_id), None)

    def label_for(self, item, value):
        """The label of ``value`` for ``item`` (the item's own anchor if it has one) as a fi/sv/en dict."""
        return (item.get("labels") or {}).get(str(value)) or self.scale_labels[str(value)]

    def can_be_used(self):
        return not self.is_retired


@event.listens_for(SurveyInstrument, "before_update")
def _refuse_locked_changes(_mapper, _connection, target):
    """The last guard: whatever code tries it, a flush that would change a locked column is refused."""
    state = inspect(target)
    if any(state.attrs[column].history.has_changes() for column in LOCKED_COLUMNS):
        raise InstrumentLocked()


class Survey(TimestampMixin, db.Model):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(
            "(subject_kind = 'agreement' AND agreement_id IS NOT NULL AND round_id IS NULL) OR "
            "(subject_kind = 'round' AND round_id IS NOT NULL AND agreement_id IS NULL)",
            name="one_subject",
        ),
        CheckConstraint("(phase = 'after') = (before_id IS NOT NULL)", name="after_has_before"),
        UniqueConstraint("before_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("survey_instruments.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_type(SubjectKind))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("budget_rounds.id"), index=True)
    phase: Mapped[SurveyPhase] = mapped_column(enum_type(SurveyPhase), default=SurveyPhase.SINGLE)
    before_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    state: Mapped[SurveyState] = mapped_column(enum_type(SurveyState), default=SurveyState.DRAFT, index=True)
    # Whether the form asks for the district and the age band (both optional for the person answering).
    asks_background: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    instrument = relationship("SurveyInstrument")
    agreement = relationship("Agreement")
    budget_round = relationship("BudgetRound")
    before = relationship("Survey", remote_side=[id], foreign_keys=[before_id], back_populates="after")
    after = relationship("Survey", foreign_keys=[before_id], back_populates="before", uselist=False)

    @property
    def display_title(self):
        return localized(self.title)

    @property
    def subject_id(self):
        return self.agreement_id if self.subject_kind is SubjectKind.AGREEMENT else self.round_id

    @property
    def subject_name(self):
        if self.subject_kind is SubjectKind.AGREEMENT:
            return self.agreement.title if self.agreement is not None else ""
        return self.budget_round.display_name if self.budget_round is not None else ""

    @property
    def is_open(self):
        return self.state is SurveyState.OPEN

    @property
    def is_closed(self):
        return self.state is SurveyState.CLOSED

    @property
    def results_are_public(self):
        """Group results are published once the survey is closed (never while answers still come in)."""
        return self.is_closed

    def can_open(self):
        return self.state is SurveyState.DRAFT and not self.instrument.is_retired

    def can_close(self):
        return self.state is SurveyState.OPEN

    def can_make_links(self):
        return self.state is not SurveyState.CLOSED

    def __repr__(self):
        return f"<Survey {self.id} {self.state.value}>"


class SurveyLink(db.Model):
    """An anonymous answer link. The token itself is shown once and never stored: only its keyed hash."""

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    made_on: Mapped[date] = mapped_column(Date)
    # The day the link was used (a day, not a time: the order of use must not match the order of answers).
    used_on: Mapped[date | None] = mapped_column(Date)

    survey = relationship("Survey")


class SurveyAnswer(db.Model):
    """One anonymous answer: deliberately no user, IP address, user agent, token or time of day."""

    __tablename__ = "survey_answers"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    # {"item id": value} of the answered items.
    values: Mapped[dict] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    age_band: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    channel: Mapped[AnswerChannel] = mapped_column(enum_type(AnswerChannel))
    created_on: Mapped[date] = mapped_column(Date)


def today():
    """Today's date in Finland (answers keep the day only)."""
    return helsinki_today()

