"""Partnership-funding calls (kumppanuusrahoitushaku), their review criteria and comment threads.

A call's *stored* status is what staff last set with a transition. What the public
sees and what decides whether proposals are accepted is :meth:`FundingCall.effective_status`,
which also follows the clock: a published call opens by itself at its opening time,
and a published or open call closes by itself at its closing time.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.i18n import localized
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow
from pb.orgs.models import OrganisationKind


class CallStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")  # staff only
    PUBLISHED = "published", _l("Coming soon")  # visible, not yet open: criteria can be commented on
    OPEN = "open", _l("Open for applications")  # proposals accepted
    CLOSED = "closed", _l("Closed")  # deadline passed, screening
    IN_REVIEW = "in_review", _l("Proposals are being reviewed")  # the steering group scores the proposals
    DECIDED = "decided", _l("Decided")
    ARCHIVED = "archived", _l("Archived")


# Legal staff transitions, from the *effective* status. The lifecycle only goes forward.
TRANSITIONS = {
    CallStatus.DRAFT: (CallStatus.PUBLISHED,),
    CallStatus.PUBLISHED: (CallStatus.OPEN,),
    CallStatus.OPEN: (CallStatus.CLOSED,),
    CallStatus.CLOSED: (CallStatus.IN_REVIEW,),
    CallStatus.IN_REVIEW: (CallStatus.DECIDED,),
    CallStatus.DECIDED: (CallStatus.ARCHIVED,),
    CallStatus.ARCHIVED: (),
}

# Public statuses in which the call and its open data are shown to everyone.
PUBLIC_STATUSES = frozenset(CallStatus) - {CallStatus.DRAFT}

call_districts = Table(
    "call_districts",
    db.metadata,
    Column("call_id", ForeignKey("funding_calls.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id"), primary_key=True),
)


class FundingCall(TimestampMixin, db.Model):
    __tablename__ = "funding_calls"
    __table_args__ = (
        CheckConstraint("total_budget_cents >= 0", name="total_budget_not_negative"),
        CheckConstraint("min_grant_cents >= 0", name="min_grant_not_negative"),
        CheckConstraint("min_grant_cents <= max_grant_cents", name="min_grant_at_most_max"),
        CheckConstraint("max_grant_cents <= total_budget_cents", name="max_grant_at_most_total"),
        CheckConstraint("cofunding_percent BETWEEN 0 AND 100", name="cofunding_percent_range"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[CallStatus] = mapped_column(enum_type(CallStatus), default=CallStatus.DRAFT, index=True)
    # Translated texts {"fi": ..., "sv": ..., "en": ...}; Finnish is always there.
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)
    themes: Mapped[dict] = mapped_column(JSON)
    # Money in integer cents (euros).
    total_budget_cents: Mapped[int] = mapped_column(BigInteger)
    min_grant_cents: Mapped[int] = mapped_column(BigInteger)
    max_grant_cents: Mapped[int] = mapped_column(BigInteger)
    # OrganisationKind values, in the enum's order.
    eligible_kinds: Mapped[list] = mapped_column(JSON, default=list)
    # The share of the activity's costs the applicant must cover itself, in whole percent.
    cofunding_percent: Mapped[int] = mapped_column(default=0)
    whole_municipality: Mapped[bool] = mapped_column(default=True)
    # Optional while drafting; publishing requires both.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    steering_group_id: Mapped[int | None] = mapped_column(ForeignKey("steering_groups.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Review settings, editable until the call is decided (see pb.review).
    # Scores are taken until this moment; None means until the decision meeting starts.
    review_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The steering group only proposes; an official (viranhaltija) confirms or changes each decision.
    official_confirms: Mapped[bool] = mapped_column(default=False)
    # How an applicant asks for a review of the decision (oikaisuvaatimusohje), {"fi", "sv", "en"}.
    appeal_text: Mapped[dict] = mapped_column(JSON, default=dict)
    # After the eligibility check: how an applicant found "not eligible" asks staff to correct the
    # check (a different step from appealing the decision), {"fi", "sv", "en"}, and within how many days.
    correction_text: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    correction_days: Mapped[int | None]
    # Told to applicants whose proposal was found eligible.
    decision_expected_on: Mapped[date | None]

    districts = relationship("District", secondary=call_districts, order_by="District.id")
    steering_group = relationship("SteeringGroup")
    created_by = relationship("User")
    criteria = relationship(
        "Criterion",
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="(Criterion.position, Criterion.id)",
    )
    comments = relationship(
        "CallComment",
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="(CallComment.created_at, CallComment.id)",
    )

    # --- state and time -------------------------------------------------------------------

    def effective_status(self, now=None):
        """The status the public sees and submission follows, at ``now`` (server time, UTC).

        This is the one place where time moves a call along:

        - a *published* call counts as **open** once ``now >= opens_at``;
        - a *published* or *open* call counts as **closed** once ``now >= closes_at``
          (a deadline of 16:00 refuses a proposal sent at 16:00:00);
        - every other status (draft, and the staff-only steps closed, in review, decided,
          archived) is exactly the stored one.

        Staff transitions are checked against this status, so a call that closed by the
        clock can go straight to review without a separate "close" click.
        """
        now = now or utcnow()
        if self.status in (CallStatus.PUBLISHED, CallStatus.OPEN):
            if self.closes_at is not None and now >= self.closes_at:
                return CallStatus.CLOSED
            if self.status is CallStatus.OPEN or (self.opens_at is not None and now >= self.opens_at):
                return CallStatus.OPEN
        return self.status

    def is_accepting_proposals(self, now=None):
        """Whether a proposal may be submitted (or changed) at ``now``; use server time, never the browser's."""
        return self.effective_status(now) is CallStatus.OPEN

    def allowed_transitions(self, now=None):
        return TRANSITIONS[self.effective_status(now)]

    def can_transition(self, to, now=None):
        return to in self.allowed_transitions(now)

    def is_before_opening(self, now=None):
        """Draft, or published and not open yet: the only time details and criteria may change."""
        return self.effective_status(now) in (CallStatus.DRAFT, CallStatus.PUBLISHED)

    def comments_open(self, now=None):
        """New comments on the criteria are taken while the call is published but not yet open."""
        return self.effective_status(now) is CallStatus.PUBLISHED

    def answers_open(self, now=None):
        """Staff may still answer comments while applicants are preparing (until the call closes)."""
        return self.effective_status(now) in (CallStatus.PUBLISHED, CallStatus.OPEN)

    def review_settings_open(self, now=None):
        """The review deadline, the confirmation rule and the appeal text may change until the decision."""
        return self.effective_status(now) not in (CallStatus.DECIDED, CallStatus.ARCHIVED)

    def is_past_review_deadline(self, now=None):
        return self.review_deadline is not None and (now or utcnow()) >= self.review_deadline

    def publish_problems(self, now=None):
        """What is missing before the call can be published, as translated sentences."""
        now = now or utcnow()
        problems = []
        if not self.criteria:
            problems.append(_l("Add at least one review criterion."))
        if self.steering_group_id is None:
            problems.append(_l("Choose the steering group that reviews the proposals."))
        if self.opens_at is None or self.closes_at is None:
            problems.append(_l("Give both the opening time and the closing time."))
        elif self.opens_at <= now:
            problems.append(
                _l("The opening time must be in the future. Publish first, then use \"Open now\" to open at once.")
            )
        if not self.eligible_kinds:
            problems.append(_l("Choose who can apply."))
        if not self.whole_municipality and not self.districts:
            problems.append(_l("Choose the districts, or the whole municipality."))
        return problems

    # --- who may do what ------------------------------------------------------------------

    @property
    def is_public(self):
        return self.status in PUBLIC_STATUSES

    def can_view(self, user):
        """Published calls are public; drafts are for staff only."""
        return self.is_public or self.can_manage(user)

    def can_manage(self, user):
        return bool(user is not None and user.is_authenticated and user.is_staff)

    def can_comment(self, user, now=None):
        return bool(user is not None and user.is_authenticated and user.is_verified and self.comments_open(now))

    def can_answer(self, user, now=None):
        return self.can_manage(user) and self.answers_open(now)

    # --- presentation helpers -------------------------------------------------------------

    @property
    def display_title(self):
        return localized(self.title)

    @property
    def kinds(self):
        """Eligible applicant kinds as enum members, in the enum's order."""
        return [kind for kind in OrganisationKind if kind.value in self.eligible_kinds]

    @property
    def total_weight(self):
        return sum(criterion.weight for criterion in self.criteria)

    def top_level_comments(self):
        return [comment for comment in self.comments if comment.parent_id is None]

    def __repr__(self):
        return f"<FundingCall {self.id} {self.status}>"


class Criterion(db.Model):
    """One weighted review criterion. Reviewers score a proposal from 0 to ``scale_max`` on it;
    a proposal's total is the weighted sum (see the review domain)."""

    __tablename__ = "call_criteria"
    __table_args__ = (
        CheckConstraint("weight >= 1", name="weight_positive"),
        CheckConstraint("scale_max >= 1", name="scale_max_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[dict] = mapped_column(JSON)
    guidance: Mapped[dict] = mapped_column(JSON, default=dict)
    weight: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)
    # 1, 2, 3 ... in display order; renumbered on every add, remove and move.
    position: Mapped[int] = mapped_column(default=1)

    call = relationship("FundingCall", back_populates="criteria")

    @property
    def display_name(self):
        return localized(self.name)

    def weight_percent(self):
        """This criterion's share of the call's total weight, rounded to whole percent."""
        total = self.call.total_weight
        return round(100 * self.weight / total) if total else 0


class CallComment(db.Model):
    """A resident's comment on a call's criteria before it opens, or a staff answer (``parent_id`` set)."""

    __tablename__ = "call_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("call_comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call = relationship("FundingCall", back_populates="comments")
    author = relationship("User")
    answers = relationship("CallComment", order_by="(CallComment.created_at, CallComment.id)")

    @property
    def is_answer(self):
        return self.parent_id is not None
