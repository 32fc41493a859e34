"""Review rows: who may review which proposal, conflict declarations, reviews and their scores,
meetings with their agenda and decisions.

Who may do what is decided here, in one place (:func:`reviewer_problem` and the ``can_*`` methods),
so every view, export and form asks the same question: a recused member is refused everywhere.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow
from pb.proposals.models import DecisionOutcome


class Recommendation(LabelledEnum):
    FUND = "fund", _l("Fund")
    FUND_WITH_CHANGES = "fund_with_changes", _l("Fund with changes")
    DO_NOT_FUND = "do_not_fund", _l("Do not fund")


class ReviewStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")


class ReviewChannel(LabelledEnum):
    ONLINE = "online", _l("Online")
    PAPER = "paper", _l("On paper, entered by staff")


class MeetingStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    CLOSED = "closed", _l("Closed, minutes to sign")
    SIGNED = "signed", _l("Minutes signed")


class Confirmation(LabelledEnum):
    CONFIRMED = "confirmed", _l("Confirmed as proposed")
    CHANGED = "changed", _l("Changed by the official")


class ReviewAssignment(db.Model):
    """Staff chose who reviews this proposal; without any rows every member of the group does."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class ConflictDeclaration(TimestampMixin, db.Model):
    """A member's declaration on one proposal: no conflict, or a conflict with its reason (recusal).

    ``automatic`` marks a recusal made because the member belongs to the applicant or a co-applicant.
    Staff may lift a recusal only with a recorded reason (``override_reason``).
    """

    __tablename__ = "review_conflicts"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint("has_conflict OR override_reason IS NULL", name="override_only_of_conflict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    has_conflict: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    automatic: Mapped[bool] = mapped_column(default=False)
    # Staff who wrote down a declaration the member made on paper.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposal = relationship("Proposal")
    user = relationship("User", foreign_keys=[user_id])
    overridden_by = relationship("User", foreign_keys=[overridden_by_id])

    @property
    def recused(self):
        return self.has_conflict and self.override_reason is None


class Review(TimestampMixin, db.Model):
    """One reviewer's assessment of one proposal: a draft until submitted; the version it scored."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[ReviewStatus] = mapped_column(enum_type(ReviewStatus), default=ReviewStatus.DRAFT)
    channel: Mapped[ReviewChannel] = mapped_column(enum_type(ReviewChannel), default=ReviewChannel.ONLINE)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The number of the proposal version the scores are about.
    version_number: Mapped[int] = mapped_column(default=1)
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_type(Recommendation))
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Every submit freezes the scores here, so a change after a reopen keeps what was there before.
    history: Mapped[list] = mapped_column(JSON, default=list)

    proposal = relationship("Proposal")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    scores = relationship("Score", cascade="all, delete-orphan", back_populates="review", order_by="Score.id")

    @property
    def is_submitted(self):
        return self.status is ReviewStatus.SUBMITTED

    def score_for(self, criterion_id):
        return next((score for score in self.scores if score.criterion_id == criterion_id), None)

    def answers(self):
        """``{criterion_id: points or None}`` (None: not applicable)."""
        return {score.criterion_id: score.points for score in self.scores}


class Score(db.Model):
    """Points on one criterion (0 to the criterion's maximum); ``points`` None means not applicable."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("call_criteria.id", ondelete="CASCADE"), index=True)
    points: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    review = relationship("Review", back_populates="scores")
    criterion = relationship("Criterion")


class Meeting(TimestampMixin, db.Model):
    """A steering-group meeting that decides proposals of one call; its minutes are signed and locked."""

    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(enum_type(MeetingStatus), default=MeetingStatus.PLANNED)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(Text, default="")
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # [{"user_id": ..., "name": ..., "role": SteeringRole value}], frozen when the meeting is prepared.
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    call = relationship("FundingCall")
    chair = relationship("User", foreign_keys=[chair_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    items = relationship(
        "Decision", back_populates="meeting", cascade="all, delete-orphan", order_by="(Decision.position, Decision.id)"
    )

    @property
    def is_locked(self):
        return self.status is MeetingStatus.SIGNED

    def attendee_ids(self):
        return {attendee["user_id"] for attendee in self.attendees}


class Decision(db.Model):
    """One agenda item of a meeting and what was decided on it (``outcome`` None: not decided yet).

    When the call says an official confirms, the steering group's decision is a proposal until
    ``confirmation`` is set; a changed one keeps both (the official's in the ``official_*`` columns).
    """

    __tablename__ = "review_decisions"
    __table_args__ = (
        UniqueConstraint("meeting_id", "proposal_id"),
        CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("official_amount_cents IS NULL OR official_amount_cents >= 0", name="official_amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meetings.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    # The proposal version the meeting decided on.
    version_number: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[DecisionOutcome | None] = mapped_column(enum_type(DecisionOutcome))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    conditions: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    # Given when the approved total goes over the call's budget.
    over_budget_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmation: Mapped[Confirmation | None] = mapped_column(enum_type(Confirmation))
    official_outcome: Mapped[DecisionOutcome | None] = mapped_column(enum_type(DecisionOutcome))
    official_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    official_reasons: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting = relationship("Meeting", back_populates="items")
    proposal = relationship("Proposal")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def is_decided(self):
        return self.outcome is not None

    @property
    def needs_confirmation(self):
        return (
            self.meeting.call.official_confirms
            and self.is_decided
            and self.outcome is not DecisionOutcome.RETURNED
            and self.confirmation is None
        )

    @property
    def final_outcome(self):
        """What stands: the official's when they changed it, else the meeting's."""
        return self.official_outcome if self.confirmation is Confirmation.CHANGED else self.outcome

    @property
    def final_amount_cents(self):
        amount = self.official_amount_cents if self.confirmation is Confirmation.CHANGED else self.amount_cents
        return amount if self.final_outcome is not None and self.final_outcome.is_funded else None

    @property
    def final_reasons(self):
        if self.confirmation is Confirmation.CHANGED:
            return self.official_reasons
        return self.reasons

    @property
    def is_in_force(self):
        """Decided, and confirmed where the call needs an official's confirmation."""
        return self.is_decided and not self.needs_confirmation
